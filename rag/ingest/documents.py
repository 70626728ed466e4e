"""Loading reports: one file or a folder to `Document`s (text, hash, encoding, metadata).

The steps live in their own modules: `decode` (bytes -> text), `extract` (per format), `metadata` (detection),
`manifest` (overrides). `Document.text` is the text as the report reads; every offset elsewhere points into it.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

from rag.ingest.detect import detect_meta
from rag.ingest.errors import DocumentError
from rag.ingest.extract import SUPPORTED_SUFFIXES, extract_text, unsupported_error
from rag.ingest.limits import Limits
from rag.ingest.manifest import MANIFEST_NAME, read_manifest
from rag.ingest.metadata import ReportMeta, merge_meta

__all__ = ["Document", "DocumentError", "ReportMeta", "load_document", "load_folder"]


@dataclass(frozen=True)
class Document:
    doc_id: str  # file name relative to the seeds folder, POSIX style
    path: Path
    text: str  # decoded text as the report reads
    sha256: str  # of the raw file bytes
    encoding: str  # "utf-8", "utf-8-sig", "gb18030", "utf-16", "docx", "pdf", "html"
    meta: ReportMeta = field(default_factory=ReportMeta)


def _doc_id(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:  # outside the root (e.g. an upload in a temp folder): the bare name
        return path.name


def link_error(path: str | Path) -> DocumentError | None:
    """A symbolic link in the report folder is never followed: it could make the index read and quote any file
    the app may read (/etc/passwd). The error names the link; nothing is read through it."""
    if os.path.islink(path):
        return DocumentError(
            "符号链接不会被收录，请把报告文件本身放进报告目录",
            "symbolic links are not followed",
            os.path.basename(path),
        )
    return None


# Uploads checked but not yet indexed: (sha256, suffix, limits) -> (text, encoding). The index update that
# follows an upload takes its text from here instead of parsing the same bytes again (a large .docx or PDF costs
# seconds and memory each time). Bounded in characters; an entry is taken out when used.
_CHECKED_CHARS = 40_000_000
_checked: OrderedDict[tuple[str, str, Limits], tuple[str, str]] = OrderedDict()
_checked_lock = threading.Lock()


def extract_checked(data: bytes, suffix: str, limits: Limits, sha256: str | None = None) -> tuple[str, str]:
    """`extract_text` for an upload about to be stored, remembered for `load_document` of the same bytes (until
    then, or `forget_checked`)."""
    text, encoding = extract_text(data, suffix, limits)
    key = (sha256 or hashlib.sha256(data).hexdigest(), suffix.lower(), limits)
    with _checked_lock:
        _checked[key] = (text, encoding)
        while sum(len(t) for t, _ in _checked.values()) > _CHECKED_CHARS and len(_checked) > 1:
            _checked.popitem(last=False)
    return text, encoding


def forget_checked(sha256s: set[str]) -> None:
    """Drop what `extract_checked` remembered of these files (an upload refused, or its batch done)."""
    with _checked_lock:
        for key in [key for key in _checked if key[0] in sha256s]:
            del _checked[key]


def _extract(data: bytes, sha256: str, suffix: str, limits: Limits) -> tuple[str, str]:
    with _checked_lock:
        remembered = _checked.pop((sha256, suffix, limits), None)
    return remembered or extract_text(data, suffix, limits)


def load_document(
    path: Path, root: Path, manifest: dict[str, ReportMeta] | None = None, limits: Limits | None = None
) -> Document:
    """Read, decode and describe one report; the manifest row (if any) overrides detection field by field.
    `limits`: how large a report may be (default: the environment's, rag.config)."""
    path, root = Path(path), Path(root)
    if (refused := link_error(path)) is not None:
        raise refused
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise unsupported_error(suffix).for_file(path.name)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError("文件无法读取", "cannot read file", path.name) from exc
    sha256 = hashlib.sha256(data).hexdigest()
    try:
        text, encoding = _extract(data, sha256, suffix, limits or Limits.from_env())
    except DocumentError as exc:
        raise exc.for_file(path.name) from exc
    doc_id = _doc_id(path, root)
    override = (manifest or {}).get(doc_id)
    return Document(
        doc_id=doc_id,
        path=path,
        text=text,
        sha256=sha256,
        encoding=encoding,
        meta=merge_meta(detect_meta(text, path.name), override),
    )


def report_files(folder: Path) -> list[Path]:
    """Every file under `folder` that may be a report, recursively, in doc_id order: hidden names (the trash,
    temp files) and the manifest itself are skipped; symbolic links are listed, to be refused (`link_error`)."""
    return [Path(path) for _, path in report_entries(folder)]


def report_entries(folder: Path) -> list[tuple[str, str]]:
    """(doc_id, path as a string) of `report_files`, sorted by doc_id. One os.scandir walk and no Path objects:
    every index update lists the folder, and pathlib's rglob + relative_to + is_file cost ~90 µs a file."""
    found: list[tuple[str, str]] = []

    def walk(directory: str, prefix: str) -> None:
        try:
            entries = list(os.scandir(directory))
        except (FileNotFoundError, NotADirectoryError, PermissionError):
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue
            doc_id = prefix + entry.name
            if entry.is_symlink():  # never followed (neither file nor folder): listed so that it is refused by name
                if doc_id != MANIFEST_NAME:
                    found.append((doc_id, entry.path))
            elif entry.is_dir():
                walk(entry.path, doc_id + "/")
            elif entry.is_file() and doc_id != MANIFEST_NAME:
                found.append((doc_id, entry.path))

    walk(str(folder), "")
    return sorted(found, key=lambda item: item[0])


def folder_manifest(folder: Path) -> tuple[dict[str, ReportMeta], list[tuple[Path, str]]]:
    """The folder's manifest.csv ({} when absent); an unreadable one is reported, never fatal."""
    manifest_path = Path(folder) / MANIFEST_NAME
    try:
        return read_manifest(manifest_path), []
    except DocumentError as exc:
        return {}, [(manifest_path, str(exc))]


def load_folder(folder: Path) -> tuple[list[Document], list[tuple[Path, str]]]:
    """Every supported file under `folder` (recursively), with its manifest.csv; one bad file never stops the rest."""
    folder = Path(folder)
    manifest, errors = folder_manifest(folder)
    limits = Limits.from_env()
    docs: list[Document] = []
    for path in report_files(folder):
        try:
            docs.append(load_document(path, folder, manifest, limits))
        except DocumentError as exc:
            errors.append((path, str(exc)))
    return docs, errors
