"""Content hashes of report files, reused while a file's stat stamp is unchanged.

An update has to know which files changed. Hashing every file's bytes made that O(corpus): at 1,000 reports a
delete spent most of its time reading and hashing 10 MB that had not changed (bench/README.md). As git does for its
index, a file whose size, mtime, ctime and inode are those recorded when it was last hashed is taken to have the
recorded hash; anything else (a new, touched, rewritten, replaced or copied file) is read and hashed again.

The stamp includes ctime, which the kernel sets on every write and which `touch -d` / `os.utime` cannot set back,
so a content change with size and mtime forged equal is still seen. What is trusted, as by git and rsync: a change
that leaves size, mtime, ctime and inode all equal (a clock set back, or a file system without ctime), which needs
`python -m rag index --rebuild`. A file modified within `rag.fsutil.RACY_NS` of being hashed (timestamps are coarser
than their nanosecond digits) is not recorded, so a second write in the same clock tick cannot hide.

The record is a cache beside the index (`file_hashes.json` in the index folder; in server mode too, as the files
are this host's): missing or unreadable, every file is simply hashed once more.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path

from rag.fsutil import settled, stamp

FILE_HASHES = "file_hashes.json"


class FileHashes:
    """sha256 of files by path, from the record where the stamp matches, else by reading the file."""

    def __init__(self, record: Path | None, *, read_only: bool = False) -> None:
        self.record = record
        self.read_only = read_only  # use the record, never write it (a check that must change nothing)
        self._recorded: dict[str, list] | None = None  # read on first use: an update that reads no file never loads it
        self._new: dict[str, list] = {}
        self.hashed = 0  # files actually read in this scan

    @property
    def _old(self) -> dict[str, list]:
        if self._recorded is None:
            self._recorded = _read(self.record)
        return self._recorded

    def sha256(self, path: str | Path) -> str:
        """The file's content hash; OSError if it cannot be read."""
        key = os.fspath(path)
        key = key if os.path.isabs(key) else os.path.abspath(key)
        st = os.stat(path)
        before = list(stamp(st))
        known = self._old.get(key)
        if known is not None and known[:-1] == before:
            self._new[key] = known
            return known[-1]
        sha = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        self.hashed += 1
        if settled(st) and list(stamp(os.stat(path))) == before:  # not written while (or just before) read
            self._new[key] = [*before, sha]
        return sha

    def save(self, *, partial: bool = False) -> None:
        """Keep the stamps of the files seen in this scan; atomic, best effort. After a scan of the whole folder the
        files not seen are forgotten; after a `partial` one (only some files looked at) the others' stamps are kept.
        Not rewritten when nothing new was recorded: a stale entry is harmless (a new file there has another stamp)."""
        if self.record is None or self.read_only or all(self._old.get(k) == v for k, v in self._new.items()):
            return
        keep = {**self._old, **self._new} if partial else self._new
        tmp = self.record.with_name(f".{self.record.name}.{os.getpid()}.tmp")
        with contextlib.suppress(OSError):
            self.record.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps(keep, ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, self.record)
        with contextlib.suppress(OSError):
            tmp.unlink()


def _read(record: Path | None) -> dict[str, list]:
    """The recorded stamps; {} when there is no record or it cannot be used (it is only a cache)."""
    if record is None:
        return {}
    try:
        data = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(v, list) and len(v) == 5}
