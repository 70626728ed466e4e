"""The report folder as an update sees it: files found, hashed, keyed by what their revision is built from."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rag.config import Settings
from rag.indexing.chunking import CHUNKER_VERSION, check_passages
from rag.indexing.filehash import FileHashes
from rag.indexing.records import SCHEMA_VERSION, BuildResult
from rag.ingest.documents import (
    MANIFEST_NAME,
    SUPPORTED_SUFFIXES,
    Document,
    DocumentError,
    folder_manifest,
    link_error,
    load_document,
    report_entries,
)
from rag.ingest.limits import Limits
from rag.ingest.manifest import RowCells, read_row_cells


@dataclass(frozen=True)
class Source:
    """A report file as found in the folder, before decoding."""

    doc_id: str
    file: str  # its path (a string: made for every file on every update, and Path objects cost)
    sha256: str
    key: str  # changes whenever what the file's revision is built from may change: bytes, manifest row, chunker

    @property
    def path(self) -> Path:
        return Path(self.file)


def scan_folder(folder: Path, hashes: FileHashes | None = None) -> tuple[list[Source], list[tuple[str, str]]]:
    """Every report file under `folder`, as `load_folder` finds them (recursively, hidden names and the manifest
    skipped), hashed but not decoded; plus (file, message) of what could not be read. With `hashes`, a file whose
    stat stamp is unchanged keeps its recorded hash without being read (rag/indexing/filehash.py)."""
    folder = Path(os.path.abspath(folder))  # absolute once, not once per file
    return scan_entries(folder, report_entries(folder), hashes)


def _named_entries(folder: Path, doc_ids: set[str]) -> list[tuple[str, str]]:
    """`report_entries` of these doc_ids only, without listing the folder: those whose file exists."""
    entries = []
    for doc_id in sorted(doc_ids):
        parts = doc_id.split("/")
        if doc_id == MANIFEST_NAME or any(not p or p.startswith(".") for p in parts):  # as report_entries skips
            continue
        path = os.path.join(folder, *parts)
        if os.path.isfile(path):
            entries.append((doc_id, path))
    return entries


def scan_entries(
    folder: Path, entries: list[tuple[str, str]], hashes: FileHashes | None = None, *, partial: bool = False
) -> tuple[list[Source], list[tuple[str, str]]]:
    """`scan_folder` of these (doc_id, path) entries of the folder's listing; `partial`: they are not all of it."""
    hashes = hashes or FileHashes(None)
    manifest, problems = folder_manifest(folder)
    rows = read_row_cells(Path(folder) / MANIFEST_NAME) if manifest else {}
    errors = [(path.name, message) for path, message in problems]
    sources = []
    for doc_id, path in entries:
        if (refused := link_error(path)) is not None:  # never read through, not even to hash it
            errors.append((os.path.basename(path), str(refused)))
            continue
        if os.path.splitext(path)[1].lower() not in SUPPORTED_SUFFIXES:
            try:
                load_document(Path(path), folder)  # raises the one clear "unsupported type" message
            except DocumentError as exc:
                errors.append((os.path.basename(path), str(exc)))
            continue
        try:
            sha = hashes.sha256(path)
        except OSError as exc:
            errors.append((os.path.basename(path), f"文件无法读取（cannot read file）: {exc}"))
            continue
        sources.append(Source(doc_id, path, sha, source_key(sha, rows.get(doc_id))))
    hashes.save(partial=partial)
    return sources, errors


def source_key(sha: str, row: RowCells | None) -> str:
    """Changes whenever what a file's revision is built from may change: its bytes, its manifest row, the chunker,
    the schema. Computed for every file on every update, so remembered."""
    return _source_key(sha, row)


@lru_cache(maxsize=1 << 16)
def _source_key(sha: str, row: RowCells | None) -> str:
    payload = [sha, dict(row) if row is not None else None, CHUNKER_VERSION, SCHEMA_VERSION]
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def _load(settings: Settings, sources: list[Source], skip: dict[str, str], result: BuildResult) -> list[Document]:
    """Decode and describe the sources not in `skip`; one that cannot be read, or is larger than a report may be
    (rag.ingest.limits), is reported, never fatal."""
    todo = [s for s in sources if s.doc_id not in skip]
    folder, limits = settings.seeds_dir, Limits.of(settings)
    manifest = folder_manifest(folder)[0] if todo else {}  # an unreadable manifest was reported by scan_folder
    docs = []
    for source in todo:
        try:
            doc = load_document(source.path, folder, manifest, limits)
            check_passages(doc, limits.passages)
            docs.append(doc)
        except DocumentError as exc:
            result.errors.append((source.path.name, str(exc)))
    return docs


def _drop_duplicates(sources: list[Source], result: BuildResult) -> list[Source]:
    """The same report under two names is indexed once (the first name in sorted order)."""
    seen: dict[str, str] = {}
    kept: list[Source] = []
    for source in sorted(sources, key=lambda s: s.doc_id):
        if source.sha256 in seen:
            result.duplicates.append((source.doc_id, seen[source.sha256]))
            continue
        seen[source.sha256] = source.doc_id
        kept.append(source)
    return kept
