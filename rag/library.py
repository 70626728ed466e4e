"""Managing the report collection: upload, delete, correct metadata — each followed by an incremental re-index.

Every operation is all-or-nothing from the user's point of view: a file that cannot be read is rejected before
anything is written; if indexing fails after files were written, they are taken out again and the old index
(still current: the pointer only moves at the end of a successful build) keeps answering.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath, PureWindowsPath

from rag.config import Settings
from rag.fsutil import atomic_write, write_new
from rag.indexing.chunking import check_passages
from rag.indexing.filehash import FILE_HASHES, FileHashes
from rag.indexing.store import BuildResult, Progress, build_index, scan_folder
from rag.ingest.detect import detect_meta
from rag.ingest.documents import Document, DocumentError, ReportMeta, extract_checked, forget_checked
from rag.ingest.extract import extract_text
from rag.ingest.limits import Limits
from rag.ingest.manifest import remove_manifest_entry, write_manifest_entry
from rag.quality import QualityReport, assess

TRASH = ".trash"  # deleted reports go here (hidden folders are not indexed): nothing is ever lost
# File names are limited in bytes, as file systems count them (NAME_MAX = 255 bytes: 85 Chinese characters), with
# room for what is added to a stored name: "-2" against a clash, the trash's "20261207T120000-ab12-" prefix and
# atomic_write's temp name (".name.xxxxxxxx.tmp").
MAX_NAME_BYTES = 180


@dataclass(frozen=True)
class UploadOutcome:
    name: str  # as uploaded
    status: str  # "added" | "duplicate" | "rejected"
    message: str
    doc_id: str | None = None
    quality: QualityReport | None = None  # what extraction found (added files only)


def safe_filename(name: str) -> str:
    """The bare file name of an upload, or DocumentError. Paths, '..', control characters are refused."""
    normalized = unicodedata.normalize("NFC", name or "").strip()
    if not normalized:
        raise DocumentError("文件名为空（empty file name）")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co") for ch in normalized):
        raise DocumentError(f"文件名含有控制字符：{normalized!r}（file name has control characters）")
    if (
        normalized.startswith(("/", "\\"))
        or PureWindowsPath(normalized).drive
        or "/" in normalized
        or "\\" in normalized
    ):
        raise DocumentError(f"文件名不能包含路径：{normalized}（file name must not contain a path）")
    base = PurePosixPath(normalized).name
    if base in ("", ".", "..") or base.startswith("."):
        raise DocumentError(f"无效的文件名：{normalized}（invalid file name）")
    return _fit_bytes(base, MAX_NAME_BYTES)


def _fit_bytes(name: str, limit: int) -> str:
    """`name` shortened to `limit` UTF-8 bytes at a character boundary, its extension kept."""
    if len(name.encode("utf-8")) <= limit:
        return name
    stem, suffix = os.path.splitext(name)
    budget = limit - len(suffix.encode("utf-8"))
    if budget < 8:
        raise DocumentError(f"文件名过长：{len(name.encode('utf-8'))} 字节，上限 {limit} 字节", "file name too long")
    return stem.encode("utf-8")[:budget].decode("utf-8", "ignore") + suffix


def _unique_name(folder: Path, name: str) -> str:
    """A name no file in `folder` has now (another report may happen to share the upload's name)."""
    stem, suffix = os.path.splitext(name)
    candidate, n = name, 2
    while (folder / candidate).exists():
        candidate, n = f"{stem}-{n}{suffix}", n + 1
    return candidate


def _store_new(folder: Path, name: str, data: bytes) -> Path:
    """Write an upload under `name` or the next free variant, never over a file: if another upload of the same
    name takes it between choosing and writing, the next variant is tried (rag.fsutil.write_new)."""
    for _ in range(100):
        target = folder / _unique_name(folder, name)
        try:
            write_new(target, data)
        except FileExistsError:
            continue
        return target
    raise FileExistsError(f"no free name for {name}")


def os_reason(exc: BaseException) -> str:
    """An error as a user may see it: an OSError's reason without the server path it names."""
    if isinstance(exc, OSError):
        return exc.strerror or type(exc).__name__
    return str(exc)


def _known_hashes(settings: Settings) -> dict[str, str]:
    """sha256 → file name, for every report file in the seeds folder (what the index is built from). Files whose
    stat stamp the index recorded are not read again (rag/indexing/filehash.py); the record is not written, as
    checking uploads changes nothing."""
    sources, _ = scan_folder(settings.seeds_dir, FileHashes(settings.index_dir / FILE_HASHES, read_only=True))
    hashes: dict[str, str] = {}
    for source in sources:  # sorted by name: of two equal files, the first is the one indexed
        hashes.setdefault(source.sha256, source.doc_id)
    return hashes


def check_upload(
    settings: Settings, name: str, data: bytes, known: dict[str, str], *, remember: bool = False
) -> UploadOutcome:
    """Validate one upload without writing anything. `remember`: keep the extracted text of an upload that passes
    for the index update that follows (rag.ingest.documents.extract_checked), so the file is parsed once."""
    try:
        safe = safe_filename(name)
        if len(data) > settings.max_upload_bytes:
            limit = settings.max_upload_bytes / 1024 / 1024
            raise DocumentError(f"文件过大：{len(data) / 1024 / 1024:.1f} MB，上限 {limit:.0f} MB（file too large）")
        suffix = Path(safe).suffix.lower()
        digest = hashlib.sha256(data).hexdigest()
        if digest in known:  # the same bytes as an indexed report: not parsed again
            return UploadOutcome(
                name, "duplicate", f"已存在：与已收录的 {known[digest]} 内容相同（already indexed）", known[digest]
            )
        limits = Limits.of(settings)
        # DocumentError with a clear message for anything unreadable or too large.
        if remember:
            text, encoding = extract_checked(data, suffix, limits, digest)
        else:
            text, encoding = extract_text(data, suffix, limits)
        doc = Document(safe, Path(safe), text, digest, encoding, detect_meta(text, safe))
        check_passages(doc, limits.passages)
    except DocumentError as exc:
        if remember:
            forget_checked({hashlib.sha256(data).hexdigest()})
        return UploadOutcome(name, "rejected", str(exc))
    return UploadOutcome(name, "added", "", safe, assess(doc))


def add_reports(
    settings: Settings, files: list[tuple[str, bytes]], progress: Progress | None = None, embeddings=None
) -> tuple[list[UploadOutcome], BuildResult | None]:
    """Validate, store and index uploaded reports. Rejected and duplicate files change nothing.

    The files that pass are written and indexed as one batch: if one cannot be written (file system full, a name
    it refuses) or indexing fails, every file written is taken out again and the error is raised — a DocumentError
    naming the file and the reason, never the server's path."""
    folder = settings.seeds_dir
    folder.mkdir(parents=True, exist_ok=True)
    known = _known_hashes(settings)
    outcomes: list[UploadOutcome] = []
    written: list[Path] = []
    try:
        for name, data in files:
            outcome = check_upload(settings, name, data, known, remember=True)
            if outcome.status == "added":
                try:
                    target = _store_new(folder, outcome.doc_id, data)
                except OSError as exc:
                    raise DocumentError(
                        f"无法保存文件（{os_reason(exc)}），本批文件均未添加", "nothing was added", name
                    ) from exc
                written.append(target)
                known[hashlib.sha256(data).hexdigest()] = target.name
                shortened = len(unicodedata.normalize("NFC", name).strip().encode("utf-8")) > MAX_NAME_BYTES
                note = "（文件名过长，已缩短 name shortened）" if shortened else ""
                message = f"已添加：{target.name}{note}（added）"
                message += f" · {outcome.quality.summary()}" if outcome.quality else ""
                outcome = UploadOutcome(name, "added", message, target.name, outcome.quality)
            outcomes.append(outcome)
        if not written:
            return outcomes, None
        result = build_index(settings, progress=progress, embeddings=embeddings, only=[p.name for p in written])
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    finally:  # what the update did not take (it failed, or never ran)
        forget_checked({hashlib.sha256(data).hexdigest() for _, data in files})
    return outcomes, result


def delete_report(settings: Settings, doc_id: str, progress: Progress | None = None, embeddings=None) -> BuildResult:
    """Move the report into seeds/.trash/, drop its seeds/manifest.csv row and drop it from the index.

    The row goes too: a later report uploaded under the same name must not inherit the deleted one's metadata."""
    source = _report_path(settings, doc_id)
    trash = settings.seeds_dir / TRASH
    trash.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    target = trash / f"{stamp}-{uuid.uuid4().hex[:4]}-{source.name}"
    manifest = settings.manifest_path
    before = manifest.read_bytes() if manifest.exists() else None
    shutil.move(source, target)
    try:
        remove_manifest_entry(manifest, doc_id)
        return build_index(settings, progress=progress, embeddings=embeddings, only=[doc_id])
    except BaseException:
        shutil.move(target, source)
        if before is not None:
            atomic_write(manifest, before)
        raise


def update_metadata(
    settings: Settings, doc_id: str, meta: ReportMeta, progress: Progress | None = None, embeddings=None
) -> BuildResult:
    """Save a correction to seeds/manifest.csv and re-index that report (its chunk headers change)."""
    _report_path(settings, doc_id)
    manifest = settings.manifest_path
    before = manifest.read_bytes() if manifest.exists() else None
    write_manifest_entry(manifest, doc_id, meta)
    try:
        return build_index(settings, progress=progress, embeddings=embeddings, only=[doc_id])
    except BaseException:
        if before is None:
            manifest.unlink(missing_ok=True)
        else:
            atomic_write(manifest, before)
        raise


def _report_path(settings: Settings, doc_id: str) -> Path:
    root = settings.seeds_dir.resolve()
    path = (root / doc_id).resolve()
    if root not in path.parents or not path.is_file():
        raise DocumentError(f"报告不存在：{doc_id}（no such report）")
    return path
