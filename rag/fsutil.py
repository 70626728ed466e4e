"""Durable file writes shared by the index, the library and the manifest: readers see the old file or the new one,
never half of one, even when the machine dies mid-write."""

from __future__ import annotations

import errno
import os
import tempfile
import time
from pathlib import Path

# A file changed this recently is never trusted from its stat stamp: timestamps are coarser than their nanosecond
# digits, so a second write in the same clock tick could keep the stamp ("racily clean" files in git).
RACY_NS = 2_000_000_000


def stamp(st: os.stat_result) -> tuple[int, int, int, int]:
    """What identifies one state of a file without reading it: size, mtime, ctime (set by every write, and not
    settable by `touch -d` / `os.utime`), inode (a replaced file)."""
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def settled(st: os.stat_result) -> bool:
    """Last changed long enough ago that its stamp can stand for its content (see RACY_NS)."""
    return time.time_ns() - max(st.st_mtime_ns, st.st_ctime_ns) > RACY_NS


def _temp_copy(path: Path, raw: bytes) -> str:
    """`raw` in a hidden, fsynced temp file beside `path`, with the mode `path` has (0644 for a new file)."""
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp_name, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return tmp_name


def atomic_write(path: Path, data: bytes | str, *, sync_dir: bool = False) -> None:
    """Write `data` (str as UTF-8) to a hidden temp file in the same folder, fsync it, then os.replace it over `path`.

    The file keeps its permissions (a new one gets 0644: mkstemp's 0600 would hide it from other users, e.g. the
    app running as another user than `make`). `sync_dir` also fsyncs the folder, so the rename itself survives a
    crash (for pointer files that decide what readers open)."""
    path = Path(path)
    tmp_name = _temp_copy(path, data.encode("utf-8") if isinstance(data, str) else data)
    try:
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    if sync_dir:
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def write_new(path: Path, data: bytes) -> None:
    """Create `path` with `data`, never replacing a file: FileExistsError when the name is taken, even by a writer
    that got there a moment earlier (two uploads of one name at once). The file appears whole: it is written under
    a temp name and hard-linked into place, which fails rather than replaces; where a file system has no hard
    links, an exclusive create (O_EXCL) keeps the no-overwrite promise and the file fills in place."""
    path = Path(path)
    tmp_name = _temp_copy(path, data)
    try:
        os.link(tmp_name, path)
    except FileExistsError:
        raise
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
            raise
        _write_exclusive(path, data)
    finally:
        Path(tmp_name).unlink(missing_ok=True)


def _write_exclusive(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        path.unlink(missing_ok=True)
        raise
