"""The persisted index: Chroma vectors + an SQLite catalog (reports, chunks, indicators) + a BM25 keyword index.

Every build writes a new *generation* and then swaps one pointer file (`index/CURRENT`) with an atomic rename:
- a crash or SIGKILL mid-build leaves the old generation in place and answering; the next run deletes the leftover;
- readers (other threads, other processes) see the old index or the new one, never a mix;
- an incremental update copies the vectors of unchanged reports from the previous generation instead of
  re-embedding them, so only new or changed reports cost model time.
In embedded mode a generation's vectors live in `index/<gen>/chroma`; in server mode (`CHROMA_HOST`) in a
collection named after the generation on the Chroma server, while the catalog stays in `index/<gen>/`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path

import chromadb
from chromadb.config import Settings as ChromaSettings
from filelock import FileLock, Timeout

from rag.config import Settings
from rag.fsutil import atomic_write
from rag.indexing.chunking import CHUNKER_VERSION, Chunk, chunk_document
from rag.indexing.indicators import Indicator, extract_indicators
from rag.indexing.keywords import KeywordIndex
from rag.ingest.documents import Document, ReportMeta, load_folder

# Bump when the catalog layout or what is stored changes: older indexes are then refused with a clear message.
SCHEMA_VERSION = 5  # 5: reports carry place, level, parents, plan_year, kind and where each value came from
POINTER = "CURRENT"
GEN_PREFIX = "gen-"
KEEP_GENERATIONS = 2  # the current one and the one before it, which a slow reader may still be using
_CHROMA_BATCH = 256

Progress = Callable[[str, int, int], None]


class IndexError_(Exception):
    """Base for index problems the user can act on; the message says what to do."""


class IndexMissingError(IndexError_):
    pass


class IndexMismatchError(IndexError_):
    pass


class IndexBusyError(IndexError_):
    pass


@dataclass(frozen=True)
class ReportRecord:
    doc_id: str
    sha256: str
    fingerprint: str
    encoding: str
    meta: ReportMeta
    n_chunks: int
    n_chars: int
    indexed_at: str


@dataclass
class BuildResult:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (file skipped, file with same content)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (file, message)
    chunks_embedded: int = 0
    chunks_total: int = 0
    seconds: float = 0.0
    generation: str | None = None

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    def summary(self) -> str:
        text = (
            f"新增 {len(self.added)} 份，更新 {len(self.updated)} 份，删除 {len(self.removed)} 份，"
            f"未变 {len(self.unchanged)} 份；嵌入 {self.chunks_embedded} 个段落（共 {self.chunks_total} 个），"
            f"用时 {self.seconds:.1f} 秒"
        )
        for file, other in self.duplicates:
            text += f"\n跳过重复文件 {file}：内容与 {other} 相同（duplicate content）"
        for file, message in self.errors:
            text += f"\n无法读取 {file}：{message}"
        return text


def fingerprint(doc: Document) -> str:
    """What decides re-indexing: the content, the metadata (it is in every chunk header) and the chunker."""
    payload = json.dumps([doc.sha256, asdict(doc.meta), CHUNKER_VERSION], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


# ---------------------------------------------------------------------------------------------- chroma


def chroma_client(settings: Settings, gen_dir: Path) -> chromadb.ClientAPI:
    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.server_mode:
        return chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings)
    return chromadb.PersistentClient(path=str(gen_dir / "chroma"), settings=chroma_settings)


def collection_name(settings: Settings, gen: str) -> str:
    return f"{settings.collection_prefix}_{gen}"


def _open_collection(settings: Settings, gen_dir: Path, create: bool = False):
    client = chroma_client(settings, gen_dir)
    name = collection_name(settings, gen_dir.name)
    # embedding_function=None: we always pass vectors; Chroma's default function would download a model.
    if create:
        return client.create_collection(name, embedding_function=None, configuration={"hnsw": {"space": "cosine"}})
    return client.get_collection(name, embedding_function=None)


def _drop_collection(settings: Settings, gen_dir: Path) -> None:
    if not settings.server_mode:
        return  # the vectors live inside gen_dir and go with it
    with contextlib.suppress(Exception):
        chroma_client(settings, gen_dir).delete_collection(collection_name(settings, gen_dir.name))


def _chunk_metadata(chunk: Chunk, meta: ReportMeta) -> dict:
    # Chroma metadata values may not be None.
    return {
        "doc_id": chunk.doc_id,
        "street": meta.street or "",
        "place": meta.name or "",
        "year": meta.year or 0,
        "period": meta.period or "",
        "start": chunk.start,
        "end": chunk.end,
    }


def _batches(items: list, size: int = _CHROMA_BATCH) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


# ---------------------------------------------------------------------------------------------- catalog

_CATALOG_SCHEMA = """
CREATE TABLE reports (
    doc_id TEXT PRIMARY KEY, sha256 TEXT NOT NULL, fingerprint TEXT NOT NULL, encoding TEXT NOT NULL,
    street TEXT, district TEXT, city TEXT, year INTEGER, period TEXT, title TEXT,
    place TEXT, level TEXT, parents TEXT NOT NULL, plan_year INTEGER, kind TEXT, origin TEXT NOT NULL,
    text TEXT NOT NULL, n_chunks INTEGER NOT NULL, indexed_at TEXT NOT NULL
);
CREATE TABLE chunks (
    chunk_id TEXT PRIMARY KEY, doc_id TEXT NOT NULL REFERENCES reports(doc_id), ordinal INTEGER NOT NULL,
    start INTEGER NOT NULL, "end" INTEGER NOT NULL, section TEXT NOT NULL, header TEXT NOT NULL, text TEXT NOT NULL
);
CREATE INDEX chunks_doc ON chunks(doc_id);
"""

_META_FIELDS = tuple(f.name for f in fields(ReportMeta))  # tuples (parents, origin) are stored as JSON
_INDICATOR_FIELDS = tuple(Indicator.__dataclass_fields__)
# The indicators table mirrors the Indicator dataclass, so a new field needs no second edit here.
_CATALOG_SCHEMA += (
    "CREATE TABLE indicators (id INTEGER PRIMARY KEY, doc_id TEXT NOT NULL REFERENCES reports(doc_id), "
    + ", ".join(f'"{f}"' for f in _INDICATOR_FIELDS)
    + ");\nCREATE INDEX indicators_metric ON indicators(metric);\n"
)


def _meta_cell(value: object) -> object:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, tuple) else value


_TUPLE_FIELDS = ("parents", "origin")


def _meta_value(name: str, cell: object) -> object:
    """A stored cell back to its field value: the JSON arrays become tuples again."""
    if name in _TUPLE_FIELDS and isinstance(cell, str):
        return tuple(tuple(x) if isinstance(x, list) else x for x in json.loads(cell))
    return cell


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    return conn


def _insert_report(conn: sqlite3.Connection, doc: Document, fp: str, chunks: list[Chunk], now: str) -> None:
    meta = [_meta_cell(getattr(doc.meta, f)) for f in _META_FIELDS]
    marks = ",".join("?" * (len(meta) + 7))
    conn.execute(
        f"INSERT INTO reports VALUES ({marks})",
        (doc.doc_id, doc.sha256, fp, doc.encoding, *meta, doc.text, len(chunks), now),
    )
    conn.executemany(
        "INSERT INTO chunks VALUES (?,?,?,?,?,?,?,?)",
        [(c.chunk_id, c.doc_id, c.ordinal, c.start, c.end, c.section, c.header, c.text) for c in chunks],
    )
    rows = [
        (doc.doc_id, *(getattr(ind, f) for f in _INDICATOR_FIELDS))
        for ind in extract_indicators(doc.text, default_period=doc.meta.period)
    ]
    columns = ", ".join(f'"{f}"' for f in ("doc_id", *_INDICATOR_FIELDS))
    conn.executemany(
        f"INSERT INTO indicators ({columns}) VALUES ({','.join('?' * (len(_INDICATOR_FIELDS) + 1))})", rows
    )


def _copy_reports(conn: sqlite3.Connection, old_catalog: Path, doc_ids: list[str]) -> None:
    """Carry unchanged reports (with their chunks and indicators) over from the previous generation."""
    if not doc_ids:
        return
    conn.execute("ATTACH DATABASE ? AS old", (str(old_catalog),))
    marks = ",".join("?" * len(doc_ids))
    indicator_cols = ", ".join(f'"{c}"' for c in ("doc_id", *_INDICATOR_FIELDS))
    for table, cols in (("reports", "*"), ("chunks", "*"), ("indicators", indicator_cols)):
        target = "" if cols == "*" else f"({cols})"
        conn.execute(f"INSERT INTO {table} {target} SELECT {cols} FROM old.{table} WHERE doc_id IN ({marks})", doc_ids)
    conn.commit()
    conn.execute("DETACH DATABASE old")


def _read_chunks(conn: sqlite3.Connection) -> list[Chunk]:
    rows = conn.execute("SELECT * FROM chunks ORDER BY doc_id, ordinal")
    return [
        Chunk(r["chunk_id"], r["doc_id"], r["ordinal"], r["text"], r["start"], r["end"], r["section"], r["header"])
        for r in rows
    ]


def _record(row: sqlite3.Row) -> ReportRecord:
    meta = ReportMeta(**{f: _meta_value(f, row[f]) for f in _META_FIELDS})
    return ReportRecord(
        doc_id=row["doc_id"],
        sha256=row["sha256"],
        fingerprint=row["fingerprint"],
        encoding=row["encoding"],
        meta=meta,
        n_chunks=row["n_chunks"],
        n_chars=row["n_chars"],
        indexed_at=row["indexed_at"],
    )


# ---------------------------------------------------------------------------------------------- layout


def current_generation(index_dir: Path) -> str | None:
    try:
        name = (index_dir / POINTER).read_text().strip()
    except FileNotFoundError:
        return None
    return name if (index_dir / name / "meta.json").exists() else None


def require_index(settings: Settings) -> str:
    """The current generation's name, or IndexMissingError: cheap, so callers check before loading the model."""
    gen = current_generation(settings.index_dir)
    if gen is None:
        raise IndexMissingError(
            f"索引不存在：{settings.index_dir}。请先运行 `python -m rag index`（no index yet: run `python -m rag index`）"
        )
    return gen


def _write_pointer(index_dir: Path, gen: str) -> None:
    atomic_write(index_dir / POINTER, gen, sync_dir=True)


def _new_generation_name() -> str:
    return f"{GEN_PREFIX}{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:6]}"


def _generations(index_dir: Path) -> list[Path]:
    return sorted(p for p in index_dir.glob(f"{GEN_PREFIX}*") if p.is_dir())


def _prune(settings: Settings, keep: set[str]) -> None:
    """Delete leftovers of crashed builds and generations older than the ones kept."""
    gens = _generations(settings.index_dir)
    current = current_generation(settings.index_dir)
    newest_complete = [g for g in gens if (g / "meta.json").exists() and g.name <= (current or "")]
    keep = set(keep) | {g.name for g in newest_complete[-KEEP_GENERATIONS:]}
    for gen_dir in gens:
        if gen_dir.name not in keep:
            _drop_collection(settings, gen_dir)
            shutil.rmtree(gen_dir, ignore_errors=True)


@contextlib.contextmanager
def writer_lock(index_dir: Path, timeout: float = 600.0) -> Iterator[None]:
    """One index writer at a time, across threads and processes; readers never wait."""
    index_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(index_dir / ".lock", timeout=timeout)
    try:
        lock.acquire()
    except Timeout:
        raise IndexBusyError("另一个索引任务正在进行，请稍后再试（index is busy）") from None
    try:
        yield
    finally:
        lock.release()


# ---------------------------------------------------------------------------------------------- reading


def indexed_reports(settings: Settings) -> list[ReportRecord]:
    """The current generation's reports from its catalog alone (no vectors, no model): for listings."""
    gen = require_index(settings)
    gen_dir = settings.index_dir / gen
    check_compatible(json.loads((gen_dir / "meta.json").read_text()), None)
    conn = _connect(gen_dir / "catalog.sqlite")
    try:
        rows = conn.execute("SELECT *, length(text) AS n_chars FROM reports ORDER BY doc_id").fetchall()
    finally:
        conn.close()
    return [_record(r) for r in rows]


class Index:
    """A read-only view of one generation, loaded into memory (the catalog is small; vectors stay in Chroma)."""

    def __init__(self, settings: Settings, gen_dir: Path, info: dict) -> None:
        self.settings = settings
        self.gen_dir = gen_dir
        self.generation = gen_dir.name
        self.info = info
        conn = _connect(gen_dir / "catalog.sqlite")
        try:
            rows = conn.execute("SELECT *, length(text) AS n_chars FROM reports ORDER BY doc_id").fetchall()
            self.reports: dict[str, ReportRecord] = {r["doc_id"]: _record(r) for r in rows}
            self.chunks: list[Chunk] = _read_chunks(conn)
            self.indicators: list[tuple[str, Indicator]] = [
                (r["doc_id"], Indicator(**{f: r[f] for f in _INDICATOR_FIELDS}))
                for r in conn.execute("SELECT * FROM indicators ORDER BY doc_id, start")
            ]
        finally:
            conn.close()
        self.position = {c.chunk_id: i for i, c in enumerate(self.chunks)}
        self.keywords = KeywordIndex.load(gen_dir / "bm25")
        self.collection = _open_collection(settings, gen_dir) if self.chunks else None

    @classmethod
    def open(cls, settings: Settings, expected_model: str | None = None) -> Index:
        gen = require_index(settings)
        gen_dir = settings.index_dir / gen
        info = json.loads((gen_dir / "meta.json").read_text())
        check_compatible(info, expected_model)
        if bool(info.get("server")) != settings.server_mode:
            where = "Chroma 服务器" if info.get("server") else "本地嵌入式 Chroma"
            raise IndexMismatchError(
                f"该索引的向量存放在{where}，与当前配置不符。请运行 `python -m rag index --rebuild`"
                "（index was built for the other Chroma mode: rebuild it）"
            )
        return cls(settings, gen_dir, info)

    def streets(self) -> list[str]:
        """The places the indexed reports are about (a 街道 … a 市, a 省, 全国), sorted, each once. The answer
        engine calls them streets for history: a question names a place, whatever its level."""
        return sorted({r.meta.name for r in self.reports.values() if r.meta.name})

    def is_current(self) -> bool:
        """False once a newer generation has been swapped in (cheap: one small file read)."""
        return current_generation(self.settings.index_dir) == self.generation

    def report_text(self, doc_id: str) -> str:
        conn = _connect(self.gen_dir / "catalog.sqlite")
        try:
            row = conn.execute("SELECT text FROM reports WHERE doc_id = ?", (doc_id,)).fetchone()
        finally:
            conn.close()
        if row is None:
            raise KeyError(doc_id)
        return row["text"]


def check_compatible(info: dict, expected_model: str | None) -> None:
    if info.get("schema") != SCHEMA_VERSION:
        raise IndexMismatchError(
            f"索引格式版本 {info.get('schema')} 与程序版本 {SCHEMA_VERSION} 不符，请运行 `python -m rag index --rebuild`"
            "（index schema is outdated: rebuild it）"
        )
    if expected_model and info.get("model") != expected_model:
        raise IndexMismatchError(
            f"索引由嵌入模型 {info.get('model')} 构建，当前模型为 {expected_model}，"
            "请运行 `python -m rag index --rebuild`（index was built with another embedding model: rebuild it）"
        )


# ---------------------------------------------------------------------------------------------- writing


def build_index(
    settings: Settings,
    *,
    rebuild: bool = False,
    progress: Progress | None = None,
    embeddings=None,
) -> BuildResult:
    """Bring the index in line with `settings.seeds_dir`: add new, re-index changed, drop deleted reports."""
    from rag.indexing.embeddings import get_embeddings  # imported late: loading torch is slow and not always needed

    progress = progress or (lambda stage, done, total: None)
    started = time.monotonic()
    with writer_lock(settings.index_dir):
        _prune(settings, keep=set())
        docs, errors = load_folder(settings.seeds_dir)
        result = BuildResult(errors=[(str(p.name), msg) for p, msg in errors])
        docs = _drop_duplicates(docs, result)
        embedder = embeddings or get_embeddings(settings)
        old = None if rebuild else _open_previous(settings, embedder.name)
        old_fps = {r.doc_id: r.fingerprint for r in old.reports.values()} if old else {}
        new_fps = {d.doc_id: fingerprint(d) for d in docs}
        _classify(old_fps, new_fps, result)
        if old is not None and not result.changed:
            result.generation = old.generation
            result.chunks_total = len(old.chunks)
            result.seconds = time.monotonic() - started
            return result
        to_embed = [d for d in docs if d.doc_id in set(result.added) | set(result.updated)]
        result.generation = _write_generation(settings, old, docs, to_embed, result, embedder, progress)
        _prune(settings, keep={result.generation})
    result.seconds = time.monotonic() - started
    return result


def _drop_duplicates(docs: list[Document], result: BuildResult) -> list[Document]:
    """The same report under two names is indexed once (the first name in sorted order)."""
    seen: dict[str, str] = {}
    kept: list[Document] = []
    for doc in sorted(docs, key=lambda d: d.doc_id):
        if doc.sha256 in seen:
            result.duplicates.append((doc.doc_id, seen[doc.sha256]))
            continue
        seen[doc.sha256] = doc.doc_id
        kept.append(doc)
    return kept


def _open_previous(settings: Settings, model: str) -> Index | None:
    """The current generation if usable; an incompatible one is simply replaced by a full build."""
    try:
        return Index.open(settings, expected_model=model)
    except (IndexMissingError, IndexMismatchError):
        return None


def _classify(old: dict[str, str], new: dict[str, str], result: BuildResult) -> None:
    for doc_id, fp in sorted(new.items()):
        if doc_id not in old:
            result.added.append(doc_id)
        elif old[doc_id] != fp:
            result.updated.append(doc_id)
        else:
            result.unchanged.append(doc_id)
    result.removed = sorted(set(old) - set(new))


def _write_generation(
    settings: Settings,
    old: Index | None,
    docs: list[Document],
    to_embed: list[Document],
    result: BuildResult,
    embedder,
    progress: Progress,
) -> str:
    gen = _new_generation_name()
    gen_dir = settings.index_dir / gen
    gen_dir.mkdir(parents=True)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    collection = _open_collection(settings, gen_dir, create=True)

    conn = _connect(gen_dir / "catalog.sqlite")
    try:
        conn.executescript(_CATALOG_SCHEMA)
        if old is not None:
            kept = result.unchanged
            _copy_reports(conn, old.gen_dir / "catalog.sqlite", kept)
            _copy_vectors(old, collection, set(kept), progress)
        chunks_by_doc = {d.doc_id: chunk_document(d) for d in to_embed}
        for doc in to_embed:
            _insert_report(conn, doc, fingerprint(doc), chunks_by_doc[doc.doc_id], now)
        conn.commit()
        meta_by_doc = {d.doc_id: d.meta for d in to_embed}
        # Longest first across all new reports: batches pad to similar lengths, as one big encode() would.
        new_chunks = sorted((c for d in to_embed for c in chunks_by_doc[d.doc_id]), key=lambda c: -len(c.indexed_text))
        _embed_into(collection, new_chunks, meta_by_doc, embedder, settings, progress)
        result.chunks_embedded = len(new_chunks)
        all_chunks = _read_chunks(conn)
    finally:
        conn.close()

    progress("keywords", 0, 1)
    # Same order as Index.chunks, so a BM25 position is a chunk position.
    keywords = KeywordIndex.build([c.indexed_text for c in all_chunks])
    (gen_dir / "bm25").mkdir()
    keywords.save(gen_dir / "bm25")
    result.chunks_total = len(all_chunks)
    info = {
        "schema": SCHEMA_VERSION,
        "model": embedder.name,
        "dim": embedder.dim,
        "server": settings.server_mode,
        "collection": collection_name(settings, gen),
        "created": now,
        "reports": len(docs),
        "chunks": len(all_chunks),
    }
    # meta.json is written last: a generation without it is an unfinished build and never read.
    _write_json_durably(gen_dir / "meta.json", info)
    _write_pointer(settings.index_dir, gen)
    progress("done", 1, 1)
    return gen


def _write_json_durably(path: Path, data: dict) -> None:
    atomic_write(path, json.dumps(data, ensure_ascii=False, indent=1))


def _copy_vectors(old: Index, collection, keep_docs: set[str], progress: Progress) -> None:
    ids = [c.chunk_id for c in old.chunks if c.doc_id in keep_docs]
    if not ids or old.collection is None:
        return
    for i, batch in enumerate(_batches(ids)):
        got = old.collection.get(ids=batch, include=["embeddings", "documents", "metadatas"])
        collection.add(
            ids=got["ids"], embeddings=got["embeddings"], documents=got["documents"], metadatas=got["metadatas"]
        )
        progress("copy", min((i + 1) * _CHROMA_BATCH, len(ids)), len(ids))


def _embed_into(
    collection, chunks: list[Chunk], metas: dict[str, ReportMeta], embedder, settings: Settings, progress: Progress
) -> None:
    total = len(chunks)
    progress("embed", 0, total)
    done = 0
    for batch in _batches(chunks, max(settings.embed_batch_size * 4, 16)):
        vectors = embedder.encode_passages([c.indexed_text for c in batch], batch_size=settings.embed_batch_size)
        collection.add(
            ids=[c.chunk_id for c in batch],
            embeddings=vectors,
            documents=[c.indexed_text for c in batch],
            metadatas=[_chunk_metadata(c, metas[c.doc_id]) for c in batch],
        )
        done += len(batch)
        progress("embed", done, total)
