"""The persisted index: immutable report *revisions* plus a versioned *live map*, in one store.

Each indexed report is a revision (`rid`): its catalog row and text, its passages with their vectors, and its
indicators; once written it never changes. The corpus is a live map doc_id -> rid with a version number. An update
1. writes the revisions of the added and changed reports (rows first, then vectors batch by batch), unseen by readers;
2. switches: one atomic step points the live map at the new revisions and bumps the version (an SQLite
   transaction; on a Chroma server, the upsert of one record);
3. removes revisions retired by earlier switches (those retired by this one stay for readers still on the previous
   version, as the previous generation did before).
So an update writes only the changed reports' passages, and when the caller names what it changed (`only`: the
app's upload, delete and metadata editor) it reads nothing else either: not the folder, not the other reports' rows
(the catalog keeps the live passage count and a table of pending revisions for that). A crash before the switch
leaves the previous version answering; the next update of any kind finds the unfinished revision (same content
fingerprint) and completes it, embedding only passages whose vectors are missing. Readers load a version's
revisions into memory, cached per revision, so a new version costs only its new revisions, and search them there:
BM25 (rag/indexing/keywords.py) and exact cosine search in numpy (Chroma's HNSW queries with the metadata filters a
live set or a street needs took 110-540 ms at 30,000 passages against 4 ms without: bench/README.md).

Embedded mode: `index/catalog.sqlite` (WAL, vectors as float32 blobs); embedded Chroma is not used because one
collection written by one process and read by another fails there ("Error finding id"). Server mode (`CHROMA_HOST`):
everything lives on the Chroma server, in `<prefix>_state` (live map and version), `<prefix>_reports` (one record per
revision) and `<prefix>_vectors` (one per passage), so any host serves the corpus without embedding anything and
sees another host's update within SYNC_SECONDS.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Collection, Iterator
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np
from filelock import FileLock, Timeout

from rag.config import Settings
from rag.indexing.chunking import CHUNKER_VERSION, Chunk, check_passages, chunk_document
from rag.indexing.filehash import FILE_HASHES, FileHashes
from rag.indexing.indicators import Indicator, extract_indicators
from rag.indexing.keywords import KeywordIndex, TermCounts, term_counts
from rag.ingest.documents import (
    MANIFEST_NAME,
    SUPPORTED_SUFFIXES,
    Document,
    DocumentError,
    ReportMeta,
    folder_manifest,
    link_error,
    load_document,
    report_entries,
)
from rag.ingest.limits import Limits

# Bump when the stored layout or what is stored changes: older indexes are then refused with a clear message.
SCHEMA_VERSION = 8  # 8: indicator rows carry kind (result / forecast / target); 7: reports carry place, level, …
CATALOG = "catalog.sqlite"
OLD_POINTER = "CURRENT"  # the generation layout of schema <= 4
SYNC_SECONDS = 2.0  # server mode: how often a reader asks the server whether the corpus changed
PENDING_GRACE_S = 3600  # server mode: another host's unfinished revision is left alone this long

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
    seconds: float = 0.0  # the update itself: model loading excluded
    embed_seconds: float = 0.0  # of which computing passage vectors
    generation: str | None = None  # "v<version>" of the corpus after the update

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

    def to_json(self) -> dict:
        """What `python -m rag index --json` prints: counts, for scripts and monitoring."""
        return {
            "added": len(self.added),
            "updated": len(self.updated),
            "removed": len(self.removed),
            "unchanged": len(self.unchanged),
            "embedded": self.chunks_embedded,
            "seconds": round(self.seconds, 3),
            "embed_seconds": round(self.embed_seconds, 3),
            "passages": self.chunks_total,
            "version": self.generation,
            "duplicates": len(self.duplicates),
            "errors": len(self.errors),
        }


def fingerprint(doc: Document) -> str:
    """What decides re-indexing: the content, the metadata (it is in every chunk header) and the chunker."""
    payload = json.dumps([doc.sha256, asdict(doc.meta), CHUNKER_VERSION], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


# ---------------------------------------------------------------------------------------------- what is stored

_META_FIELDS = tuple(f.name for f in fields(ReportMeta))  # every field; the tuples (parents, origin) as JSON
_TUPLE_FIELDS = ("parents", "origin")


def _meta_cell(value: object) -> object:
    """A ReportMeta field as an SQLite cell: the tuples as JSON arrays."""
    return json.dumps(value, ensure_ascii=False) if isinstance(value, tuple) else value


def _meta_value(name: str, cell: object) -> object:
    """A stored cell (SQLite JSON text, or a list from the server's JSON document) back to its field value."""
    if name not in _TUPLE_FIELDS:
        return cell
    items = json.loads(cell) if isinstance(cell, str) else cell or ()
    return tuple(tuple(x) if isinstance(x, list) else x for x in items)


_INDICATOR_FIELDS = tuple(Indicator.__dataclass_fields__)


@dataclass(frozen=True)
class State:
    """One version of the corpus."""

    version: int
    live: dict[str, str]  # doc_id -> rid
    kept: frozenset[str]  # rids retired by the latest switch: still read by readers on the previous version
    info: dict  # schema, model, dim

    @property
    def name(self) -> str:
        return f"v{self.version}"


@dataclass(frozen=True)
class NewRevision:
    """What a writer stores for one report before its vectors."""

    rid: str
    doc: Document
    fingerprint: str
    source_key: str
    chunks: list[Chunk]
    indicators: list[Indicator]
    indexed_at: str


@dataclass(frozen=True)
class Unfinished:
    """A revision written by an update that never switched (crash, kill, or another host still at work)."""

    rid: str
    doc_id: str
    fingerprint: str
    n_chunks: int
    age_s: float


@dataclass
class Revision:
    """One report as a reader holds it."""

    rid: str
    record: ReportRecord
    chunks: list[Chunk]
    vectors: np.ndarray  # (n_chunks, dim) float32, L2-normalised
    indicators: list[Indicator]
    terms: TermCounts


def _new_rid() -> str:
    return f"r{time.time_ns():x}{uuid.uuid4().hex[:8]}"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _record(doc_id: str, values: dict, n_chars: int) -> ReportRecord:
    return ReportRecord(
        doc_id=doc_id,
        sha256=values["sha256"],
        fingerprint=values["fingerprint"],
        encoding=values["encoding"],
        meta=ReportMeta(**{f: _meta_value(f, values[f]) for f in _META_FIELDS}),
        n_chunks=values["n_chunks"],
        n_chars=n_chars,
        indexed_at=values["indexed_at"],
    )


def _revision(rid: str, record: ReportRecord, chunks: list[Chunk], vectors, indicators: list[Indicator]) -> Revision:
    vectors = np.asarray(vectors, dtype=np.float32).reshape(len(chunks), -1)
    return Revision(rid, record, chunks, vectors, indicators, term_counts([c.indexed_text for c in chunks]))


class Store(Protocol):
    """Where an index lives: an SQLite file (embedded) or a Chroma server. Methods are listed in `SqliteStore`."""

    key: str
    grace_s: float

    def state(self) -> State | None: ...
    def version(self) -> int | None: ...
    def snapshot(self, cached: set[str]) -> tuple[State, dict[str, Revision]]: ...
    def report_text(self, rid: str) -> str: ...
    def prepare(self) -> None: ...
    def fingerprints(self, state: State, doc_ids: set[str] | None = None) -> dict[str, tuple[str, str]]: ...
    def passages(self, state: State) -> int: ...
    def reset(self, info: dict) -> State: ...
    def write(self, rev: NewRevision) -> None: ...
    def missing_vectors(self, rid: str, n_chunks: int) -> list[int]: ...
    def put_vectors(self, rid: str, chunks: list[Chunk], vectors: np.ndarray) -> None: ...
    def unfinished(self, state: State) -> list[Unfinished]: ...
    def switch(self, changes: dict[str, str | None], info: dict, base: State | None = None) -> State: ...
    def drop(self, rids: list[str]) -> None: ...
    def collect(self, state: State) -> None: ...


# ---------------------------------------------------------------------------------------------- embedded: SQLite

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS live (doc_id TEXT PRIMARY KEY, rid TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS revisions (
    rid TEXT PRIMARY KEY, doc_id TEXT NOT NULL, sha256 TEXT NOT NULL, fingerprint TEXT NOT NULL,
    encoding TEXT NOT NULL, {", ".join(f'"{f}"' for f in _META_FIELDS)},
    text TEXT NOT NULL, n_chunks INTEGER NOT NULL, indexed_at TEXT NOT NULL, written REAL NOT NULL,
    source_key TEXT NOT NULL, retired_at INTEGER
);
CREATE TABLE IF NOT EXISTS chunks (
    rid TEXT NOT NULL, ordinal INTEGER NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL,
    section TEXT NOT NULL, header TEXT NOT NULL, text TEXT NOT NULL, vector BLOB,
    PRIMARY KEY (rid, ordinal)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS indicators (rid TEXT NOT NULL, {", ".join(f'"{f}"' for f in _INDICATOR_FIELDS)});
CREATE INDEX IF NOT EXISTS indicators_rid ON indicators(rid);
CREATE TABLE IF NOT EXISTS pending (rid TEXT PRIMARY KEY) WITHOUT ROWID;
"""
# What every update asks of the revisions (live fingerprints, passage counts, kept / unfinished / retired ones),
# answered from this index alone: the rows themselves hold each report's text, so reading a column stored after it
# walked 10 MB of overflow pages at 1,000 reports. A live revision is never retired (retired_at IS NULL).
_STATE_INDEX = """
CREATE INDEX IF NOT EXISTS revisions_state
ON revisions(retired_at, rid, doc_id, fingerprint, source_key, n_chunks, written);
"""
# The revisions written but not (yet) switched live, so an update finds an interrupted one without scanning them all.
_PENDING = "CREATE TABLE pending (rid TEXT PRIMARY KEY) WITHOUT ROWID"
_LIVE_PASSAGES = "SELECT sum(n_chunks) FROM revisions WHERE retired_at IS NULL AND rid IN (SELECT rid FROM live)"
_IN_BATCH = 500  # rids per `IN (...)` list
_REVISION_MARKS = ",".join("?" * (10 + len(_META_FIELDS)))  # rid … encoding, the meta fields, text … source_key


class SqliteStore:
    grace_s = 0.0  # one writer per folder (writer_lock): an unfinished revision is never someone else's

    def __init__(self, index_dir: Path) -> None:
        self.path = Path(index_dir) / CATALOG
        self.key = f"sqlite:{self.path.resolve()}"
        # `version` is asked before every question: one connection kept for it (opening one cost ~3 ms), reopened
        # when the catalog file is replaced (a reset deletes and recreates it).
        self._version_lock = threading.Lock()
        self._version_conn: tuple[tuple[int, int], sqlite3.Connection] | None = None

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=60, check_same_thread=False, isolation_level=None)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA busy_timeout = 60000")
        return conn

    @contextlib.contextmanager
    def _tx(self, mode: str = "DEFERRED") -> Iterator[sqlite3.Connection]:
        """One transaction: readers get a consistent snapshot (WAL), writers all-or-nothing."""
        conn = self._connect()
        try:
            conn.execute(f"BEGIN {mode}")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            conn.close()

    def _state(self, conn: sqlite3.Connection) -> State | None:
        values = {r["key"]: json.loads(r["value"]) for r in conn.execute("SELECT key, value FROM state")}
        if "version" not in values:
            return None
        cursor = conn.cursor()
        cursor.row_factory = None  # plain tuples: read on every update, 1,000 rows at 1,000 reports
        live = dict(cursor.execute("SELECT doc_id, rid FROM live"))
        kept = {r["rid"] for r in conn.execute("SELECT rid FROM revisions WHERE retired_at = ?", (values["version"],))}
        return State(values["version"], live, frozenset(kept), values.get("info", {}))

    def state(self) -> State | None:
        if not self.path.exists():
            return None
        with self._tx() as conn:
            return self._state(conn)

    def version(self) -> int | None:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None
        with self._version_lock:
            if self._version_conn is None or self._version_conn[0] != (st.st_dev, st.st_ino):
                if self._version_conn is not None:
                    self._version_conn[1].close()
                self._version_conn = ((st.st_dev, st.st_ino), self._connect())
            try:  # fetchall: the statement, and with it the read transaction, ends here
                rows = self._version_conn[1].execute("SELECT value FROM state WHERE key = 'version'").fetchall()
            except sqlite3.OperationalError:
                return None
        return json.loads(rows[0]["value"]) if rows else None

    def snapshot(self, cached: set[str]) -> tuple[State, dict[str, Revision]]:
        """The current state and the live revisions not in `cached`, read in one transaction."""
        with self._tx() as conn:
            state = self._state(conn)
            if state is None:
                raise IndexMissingError(_missing_message())
            wanted = sorted(set(state.live.values()) - cached)
            return state, self._read(conn, wanted)

    def _read(self, conn: sqlite3.Connection, rids: list[str]) -> dict[str, Revision]:
        out: dict[str, Revision] = {}
        for i in range(0, len(rids), _IN_BATCH):
            part = rids[i : i + _IN_BATCH]
            marks = ",".join("?" * len(part))
            chunks: dict[str, list[sqlite3.Row]] = {rid: [] for rid in part}
            for r in conn.execute(f"SELECT * FROM chunks WHERE rid IN ({marks}) ORDER BY rid, ordinal", part):
                chunks[r["rid"]].append(r)
            indicators: dict[str, list[Indicator]] = {rid: [] for rid in part}
            for r in conn.execute(f"SELECT * FROM indicators WHERE rid IN ({marks})", part):
                indicators[r["rid"]].append(Indicator(**{f: r[f] for f in _INDICATOR_FIELDS}))
            rows = conn.execute(
                f"SELECT *, length(text) AS n_chars FROM revisions WHERE rid IN ({marks})", part
            ).fetchall()
            for row in rows:
                rid, doc_id = row["rid"], row["doc_id"]
                record = _record(doc_id, dict(row), row["n_chars"])
                rows_c = chunks[rid]
                passages = [
                    Chunk(
                        f"{doc_id}#{c['ordinal']:04d}",
                        doc_id,
                        c["ordinal"],
                        c["text"],
                        c["start"],
                        c["end"],
                        c["section"],
                        c["header"],
                    )
                    for c in rows_c
                ]
                vectors = np.frombuffer(b"".join(c["vector"] for c in rows_c), dtype=np.float32)
                found = sorted(indicators[rid], key=lambda ind: ind.start)
                out[rid] = _revision(rid, record, passages, vectors, found)
        return out

    def report_text(self, rid: str) -> str:
        conn = self._connect()
        try:
            row = conn.execute("SELECT text FROM revisions WHERE rid = ?", (rid,)).fetchone()
        finally:
            conn.close()
        if row is None:
            raise KeyError(rid)
        return row["text"]

    def prepare(self) -> None:
        """Bring a catalog written by an earlier version up to date (the writer calls this, under its lock): the
        state index, the pending table and the stored passage count, each made once from what is there."""
        if not self.path.exists():
            return
        with self._tx() as conn:
            conn.execute(_STATE_INDEX)
            if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'pending'").fetchone() is None:
                conn.execute(_PENDING)
                conn.execute(
                    "INSERT INTO pending SELECT rid FROM revisions "
                    "WHERE retired_at IS NULL AND rid NOT IN (SELECT rid FROM live)"
                )
            if conn.execute("SELECT 1 FROM state WHERE key = 'passages'").fetchone() is None:
                total = conn.execute(_LIVE_PASSAGES).fetchone()[0] or 0
                conn.execute("INSERT INTO state VALUES ('passages', ?)", (json.dumps(total),))

    def fingerprints(self, state: State, doc_ids: set[str] | None = None) -> dict[str, tuple[str, str]]:
        """(fingerprint, source_key) of the live revisions, of all reports or of these."""
        conn = self._connect()
        try:
            cursor = conn.cursor()
            cursor.row_factory = None  # plain tuples: 1,000 rows on every update
            query = "SELECT doc_id, fingerprint, source_key FROM revisions WHERE retired_at IS NULL AND rid IN "
            if doc_ids is None:
                return {doc_id: (fp, key) for doc_id, fp, key in cursor.execute(query + "(SELECT rid FROM live)")}
            rids = sorted(state.live[d] for d in doc_ids if d in state.live)
            out = {}
            for i in range(0, len(rids), _IN_BATCH):
                part = rids[i : i + _IN_BATCH]
                rows = cursor.execute(query + f"({','.join('?' * len(part))})", part)
                out.update({doc_id: (fp, key) for doc_id, fp, key in rows})
            return out
        finally:
            conn.close()

    def passages(self, state: State) -> int:
        """The live passages: kept in the state by every switch (summing them read every live revision)."""
        conn = self._connect()
        try:
            return _live_passages(conn)
        finally:
            conn.close()

    def reset(self, info: dict) -> State:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                Path(f"{self.path}{suffix}").unlink()
        conn = self._connect()
        try:
            conn.execute("PRAGMA journal_mode = WAL")  # readers never wait for the writer, nor it for them
            conn.executescript(_SCHEMA + _STATE_INDEX)
            conn.executemany(
                "INSERT INTO state VALUES (?, ?)",
                [("version", "0"), ("info", json.dumps(info, ensure_ascii=False)), ("passages", "0")],
            )
        finally:
            conn.close()
        return State(0, {}, frozenset(), info)

    def write(self, rev: NewRevision) -> None:
        doc = rev.doc
        with self._tx("IMMEDIATE") as conn:
            conn.execute(
                f"INSERT INTO revisions VALUES ({_REVISION_MARKS},NULL)",
                (
                    rev.rid,
                    doc.doc_id,
                    doc.sha256,
                    rev.fingerprint,
                    doc.encoding,
                    *(_meta_cell(getattr(doc.meta, f)) for f in _META_FIELDS),
                    doc.text,
                    len(rev.chunks),
                    rev.indexed_at,
                    time.time(),
                    rev.source_key,
                ),
            )
            conn.executemany(
                "INSERT INTO chunks VALUES (?,?,?,?,?,?,?,NULL)",
                [(rev.rid, c.ordinal, c.start, c.end, c.section, c.header, c.text) for c in rev.chunks],
            )
            conn.execute("INSERT INTO pending VALUES (?)", (rev.rid,))
            columns = ", ".join(f'"{f}"' for f in ("rid", *_INDICATOR_FIELDS))
            conn.executemany(
                f"INSERT INTO indicators ({columns}) VALUES ({','.join('?' * (len(_INDICATOR_FIELDS) + 1))})",
                [(rev.rid, *(getattr(ind, f) for f in _INDICATOR_FIELDS)) for ind in rev.indicators],
            )

    def missing_vectors(self, rid: str, n_chunks: int) -> list[int]:
        conn = self._connect()
        try:
            rows = conn.execute("SELECT ordinal FROM chunks WHERE rid = ? AND vector IS NULL", (rid,))
            return [r["ordinal"] for r in rows]
        finally:
            conn.close()

    def put_vectors(self, rid: str, chunks: list[Chunk], vectors: np.ndarray) -> None:
        with self._tx("IMMEDIATE") as conn:
            conn.executemany(
                "UPDATE chunks SET vector = ? WHERE rid = ? AND ordinal = ?",
                [(np.asarray(v, np.float32).tobytes(), rid, c.ordinal) for c, v in zip(chunks, vectors, strict=True)],
            )

    def unfinished(self, state: State) -> list[Unfinished]:
        conn = self._connect()
        try:
            rows = conn.execute(
                "SELECT rid, doc_id, fingerprint, n_chunks, written FROM revisions WHERE rid IN (SELECT rid FROM pending)"
            ).fetchall()
        finally:
            conn.close()
        now = time.time()
        return [Unfinished(r["rid"], r["doc_id"], r["fingerprint"], r["n_chunks"], now - r["written"]) for r in rows]

    def switch(self, changes: dict[str, str | None], info: dict, base: State | None = None) -> State:
        with self._tx("IMMEDIATE") as conn:
            current = json.loads(conn.execute("SELECT value FROM state WHERE key = 'version'").fetchone()[0])
            version, passages = current + 1, _live_passages(conn)
            retired: list[str] = []
            for doc_id, rid in changes.items():
                old = conn.execute("SELECT rid FROM live WHERE doc_id = ?", (doc_id,)).fetchone()
                if old is not None and old[0] != rid:
                    conn.execute("UPDATE revisions SET retired_at = ? WHERE rid = ?", (version, old[0]))
                    retired.append(old[0])
                if rid is None:
                    conn.execute("DELETE FROM live WHERE doc_id = ?", (doc_id,))
                else:
                    conn.execute("INSERT OR REPLACE INTO live VALUES (?, ?)", (doc_id, rid))
                    conn.execute("DELETE FROM pending WHERE rid = ?", (rid,))
            added = [rid for rid in changes.values() if rid is not None]
            passages += _chunks_of(conn, added) - _chunks_of(conn, retired)
            for key, value in (("version", version), ("info", info), ("passages", passages)):
                conn.execute("INSERT OR REPLACE INTO state VALUES (?, ?)", (key, json.dumps(value, ensure_ascii=False)))
            if base is None or base.version != current:
                return self._state(conn)
            # Under the writer lock nothing moved since `base` was read: the new live map is base + changes (not
            # read back, which at 1,000 reports was most of what deleting one report cost).
            live = {d: r for d, r in {**base.live, **changes}.items() if r is not None}
            return State(version, live, frozenset(retired), info)

    def drop(self, rids: list[str]) -> None:
        with self._tx("IMMEDIATE") as conn:
            for i in range(0, len(rids), _IN_BATCH):
                part = rids[i : i + _IN_BATCH]
                marks = ",".join("?" * len(part))
                for table in ("chunks", "indicators", "pending", "revisions"):
                    conn.execute(f"DELETE FROM {table} WHERE rid IN ({marks})", part)

    def collect(self, state: State) -> None:
        conn = self._connect()
        try:
            rows = conn.execute(
                "SELECT rid FROM revisions WHERE retired_at IS NOT NULL AND retired_at < ?", (state.version,)
            ).fetchall()
        finally:
            conn.close()
        self.drop([r["rid"] for r in rows])


def _live_passages(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT value FROM state WHERE key = 'passages'").fetchone()
    return json.loads(row[0]) if row else conn.execute(_LIVE_PASSAGES).fetchone()[0] or 0


def _chunks_of(conn: sqlite3.Connection, rids: list[str]) -> int:
    total = 0
    for i in range(0, len(rids), _IN_BATCH):
        part = rids[i : i + _IN_BATCH]
        marks = ",".join("?" * len(part))
        total += conn.execute(f"SELECT sum(n_chunks) FROM revisions WHERE rid IN ({marks})", part).fetchone()[0] or 0
    return total


# ---------------------------------------------------------------------------------------------- server: Chroma

_STATE_ID = "state"
_PLACEHOLDER = [1.0]  # records that are not passages still need an embedding in Chroma


def chroma_client(settings: Settings):
    """The Chroma server client: host, port, TLS (`CHROMA_SSL`) and a static token (`CHROMA_AUTH_TOKEN`), sent as
    `Authorization: Bearer <token>` by Chroma's own token client provider (as Chroma's auth docs set it up)."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    auth = {}
    if settings.chroma_auth_token:
        auth = {
            "chroma_client_auth_provider": "chromadb.auth.token_authn.TokenAuthClientProvider",
            "chroma_client_auth_credentials": settings.chroma_auth_token,
        }
    return chromadb.HttpClient(
        host=settings.chroma_host,
        port=settings.chroma_port,
        ssl=settings.chroma_ssl,
        settings=ChromaSettings(anonymized_telemetry=False, **auth),
    )


class ChromaStore:
    grace_s = PENDING_GRACE_S

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.prefix = settings.collection_prefix
        self.key = f"chroma:{settings.chroma_host}:{settings.chroma_port}/{self.prefix}"
        self.client = chroma_client(settings)
        self._collections: dict[str, object] = {}
        self._batch = max(1, min(self.client.get_max_batch_size(), 1000))

    def _col(self, kind: str, create: bool = False):
        if kind not in self._collections:
            name = f"{self.prefix}_{kind}"
            if create:
                space = {"hnsw": {"space": "cosine"}}
                col = self.client.get_or_create_collection(name, embedding_function=None, configuration=space)
            else:
                col = self.client.get_collection(name, embedding_function=None)
            self._collections[kind] = col
        return self._collections[kind]

    def _get(self, kind: str, ids: list[str], include: list[str]) -> dict[str, dict]:
        out: dict[str, dict] = {}
        size = 100 if kind == "reports" and "documents" in include else self._batch  # whole reports: ~10 MB a call
        for i in range(0, len(ids), size):
            got = self._col(kind).get(ids=ids[i : i + size], include=include)
            for j, rid in enumerate(got["ids"]):
                out[rid] = {k: got[k][j] for k in include}
        return out

    def state(self) -> State | None:
        from chromadb.errors import NotFoundError

        try:
            got = self._get("state", [_STATE_ID], ["documents"])
        except NotFoundError:  # no index on this server yet
            return None
        if _STATE_ID not in got:
            return None
        data = json.loads(got[_STATE_ID]["documents"])
        return State(data["version"], data["live"], frozenset(data["kept"]), data["info"])

    def version(self) -> int | None:
        from chromadb.errors import NotFoundError

        try:
            got = self._get("state", [_STATE_ID], ["metadatas"])
        except NotFoundError:
            return None
        return got[_STATE_ID]["metadatas"]["version"] if _STATE_ID in got else None

    def snapshot(self, cached: set[str]) -> tuple[State, dict[str, Revision]]:
        # No transaction across records: if a revision vanished between reading the state and reading it (two
        # switches meanwhile), read the state again.
        for _ in range(5):
            state = self.state()
            if state is None:
                raise IndexMissingError(_missing_message())
            wanted = sorted(set(state.live.values()) - cached)
            revisions = self._read(wanted)
            if len(revisions) == len(wanted):
                return state, revisions
        raise IndexBusyError("索引正在频繁更新，请稍后再试（index is changing too fast to read）")

    def _read(self, rids: list[str]) -> dict[str, Revision]:
        docs = self._get("reports", rids, ["documents"])
        out: dict[str, Revision] = {}
        vector_ids = [f"{rid}:{c[0]:04d}" for rid in docs for c in json.loads(docs[rid]["documents"])["chunks"]]
        vectors = self._get("vectors", vector_ids, ["embeddings"])
        for rid, got in docs.items():
            data = json.loads(got["documents"])
            doc_id, text = data["doc_id"], data["text"]
            chunks = [
                Chunk(f"{doc_id}#{o:04d}", doc_id, o, text[s:e], s, e, section, header)
                for o, s, e, section, header in data["chunks"]
            ]
            ids = [f"{rid}:{c.ordinal:04d}" for c in chunks]
            if not all(i in vectors for i in ids):
                continue  # collected meanwhile: the caller reads the state again
            indicators = [Indicator(**ind) for ind in data["indicators"]]
            record = _record(doc_id, data, len(text))
            out[rid] = _revision(rid, record, chunks, [vectors[i]["embeddings"] for i in ids], indicators)
        return out

    def report_text(self, rid: str) -> str:
        got = self._get("reports", [rid], ["documents"])
        if rid not in got:
            raise KeyError(rid)
        return json.loads(got[rid]["documents"])["text"]

    def prepare(self) -> None:
        """Nothing to bring up to date on a server."""

    def fingerprints(self, state: State, doc_ids: set[str] | None = None) -> dict[str, tuple[str, str]]:
        wanted = state.live if doc_ids is None else {d: state.live[d] for d in doc_ids if d in state.live}
        got = self._get("reports", sorted(wanted.values()), ["metadatas"])
        return {
            m["metadatas"]["doc_id"]: (m["metadatas"]["fingerprint"], m["metadatas"]["source_key"])
            for m in got.values()
        }

    def passages(self, state: State) -> int:
        got = self._get("reports", sorted(state.live.values()), ["metadatas"])
        return sum(m["metadatas"]["n_chunks"] for m in got.values())

    def reset(self, info: dict) -> State:
        from chromadb.errors import NotFoundError

        for kind in ("state", "reports", "vectors"):
            with contextlib.suppress(NotFoundError):
                self.client.delete_collection(f"{self.prefix}_{kind}")
        self._collections.clear()
        for kind in ("reports", "vectors", "state"):
            self._col(kind, create=True)
        return self._put_state(State(0, {}, frozenset(), info))

    def _put_state(self, state: State) -> State:
        data = {"version": state.version, "live": state.live, "kept": sorted(state.kept), "info": state.info}
        self._col("state").upsert(
            ids=[_STATE_ID],
            embeddings=[_PLACEHOLDER],
            documents=[json.dumps(data, ensure_ascii=False)],
            metadatas=[{"version": state.version}],
        )
        return state

    def write(self, rev: NewRevision) -> None:
        doc = rev.doc
        data = {
            "doc_id": doc.doc_id,
            "sha256": doc.sha256,
            "fingerprint": rev.fingerprint,
            "encoding": doc.encoding,
            **{f: getattr(doc.meta, f) for f in _META_FIELDS},
            "text": doc.text,
            "n_chunks": len(rev.chunks),
            "indexed_at": rev.indexed_at,
            "chunks": [[c.ordinal, c.start, c.end, c.section, c.header] for c in rev.chunks],
            "indicators": [asdict(ind) for ind in rev.indicators],
        }
        meta = {"doc_id": doc.doc_id, "fingerprint": rev.fingerprint, "n_chunks": len(rev.chunks)}
        meta["source_key"] = rev.source_key
        self._col("reports").upsert(
            ids=[rev.rid],
            embeddings=[_PLACEHOLDER],
            documents=[json.dumps(data, ensure_ascii=False)],
            metadatas=[{**meta, "written": time.time()}],
        )

    def missing_vectors(self, rid: str, n_chunks: int) -> list[int]:
        ids = [f"{rid}:{o:04d}" for o in range(n_chunks)]
        have = self._get("vectors", ids, [])
        return [o for o, i in enumerate(ids) if i not in have]

    def put_vectors(self, rid: str, chunks: list[Chunk], vectors: np.ndarray) -> None:
        self._col("vectors").upsert(
            ids=[f"{rid}:{c.ordinal:04d}" for c in chunks],
            embeddings=np.asarray(vectors, np.float32),
            metadatas=[{"rid": rid, "doc_id": c.doc_id, "ordinal": c.ordinal} for c in chunks],
        )

    def unfinished(self, state: State) -> list[Unfinished]:
        got = self._col("reports").get(include=["metadatas"])
        done = set(state.live.values()) | state.kept
        now = time.time()
        return [
            Unfinished(rid, m["doc_id"], m["fingerprint"], m["n_chunks"], now - m.get("written", now))
            for rid, m in zip(got["ids"], got["metadatas"], strict=True)
            if rid not in done
        ]

    def switch(self, changes: dict[str, str | None], info: dict, base: State | None = None) -> State:
        # Chroma has no transactions: one record upsert is the atomic step. Another host's switch landing at the
        # same moment is noticed on reading back, and this one is applied again on top of it.
        for _ in range(5):
            base = self.state()
            live = dict(base.live) if base else {}
            retired = {live[d] for d in changes if d in live and live[d] != changes[d]}
            for doc_id, rid in changes.items():
                if rid is None:
                    live.pop(doc_id, None)
                else:
                    live[doc_id] = rid
            new = self._put_state(State((base.version if base else 0) + 1, live, frozenset(retired), info))
            time.sleep(0.05)
            check = self.state()
            if check is not None and check.version == new.version and check.live == new.live:
                return new
        raise IndexBusyError("另一台主机正在更新索引，请稍后再试（another host is updating the index）")

    def drop(self, rids: list[str]) -> None:
        if not rids:
            return
        got = self._get("reports", rids, ["metadatas"])
        ids = [f"{rid}:{o:04d}" for rid, m in got.items() for o in range(m["metadatas"]["n_chunks"])]
        for i in range(0, len(ids), self._batch):
            self._col("vectors").delete(ids=ids[i : i + self._batch])
        self._col("reports").delete(ids=rids)

    def collect(self, state: State) -> None:
        got = self._col("reports").get(include=["metadatas"])
        done = set(state.live.values()) | state.kept
        pending = {u.rid for u in self.unfinished(state) if u.age_s < self.grace_s}
        self.drop([rid for rid in got["ids"] if rid not in done and rid not in pending])


_SERVER_STORES: dict[tuple, ChromaStore] = {}
_SERVER_LOCK = threading.Lock()


def open_store(settings: Settings) -> Store:
    """The store of these settings; one client per Chroma server and prefix in a process."""
    if not settings.server_mode:
        return SqliteStore(settings.index_dir)
    key = (
        settings.chroma_host,
        settings.chroma_port,
        settings.chroma_ssl,
        settings.chroma_auth_token,
        settings.collection_prefix,
    )
    with _SERVER_LOCK:
        if key not in _SERVER_STORES:
            _SERVER_STORES[key] = ChromaStore(settings)
        return _SERVER_STORES[key]


# ---------------------------------------------------------------------------------------------- reading


def _missing_message() -> str:
    return "索引不存在。请先运行 `python -m rag index`（no index yet: run `python -m rag index`）"


def current_generation(index_dir: Path) -> str | None:
    """The embedded index's current version as "v<n>", or None (kept for callers of the generation era)."""
    version = SqliteStore(index_dir).version()
    return f"v{version}" if version else None


def require_index(settings: Settings) -> str:
    """The current version's name, or IndexMissingError: cheap, so callers check before loading the model."""
    if (
        not settings.server_mode
        and (settings.index_dir / OLD_POINTER).exists()
        and not (settings.index_dir / CATALOG).exists()
    ):
        raise IndexMismatchError(
            "索引为旧格式，请运行 `python -m rag index --rebuild`（index layout is outdated: rebuild it）"
        )
    try:
        store = open_store(settings)
    except ValueError as exc:  # chromadb's HttpClient: "Could not connect to a Chroma server"
        where = f"{settings.chroma_host}:{settings.chroma_port}"
        if (settings.index_dir / CATALOG).exists():
            raise IndexMismatchError(
                f"{settings.index_dir} 是本地（嵌入式）索引，但配置了 Chroma 服务器 {where} 且无法连接。请取消 CHROMA_HOST，"
                "或启动服务器后运行 `python -m rag index --rebuild`（this folder holds an embedded index but CHROMA_HOST "
                "is set and unreachable: unset it, or index into the server）"
            ) from exc
        raise IndexMissingError(f"无法连接 Chroma 服务器 {where}（cannot reach the Chroma server）: {exc}") from exc
    version = store.version()
    if not version:
        where = f"Chroma {settings.chroma_host}:{settings.chroma_port}" if settings.server_mode else settings.index_dir
        raise IndexMissingError(
            f"索引不存在：{where}。请先运行 `python -m rag index`（no index yet: run `python -m rag index`）"
        )
    return f"v{version}"


class _RevisionCache:
    """Per store, the revisions of the latest version read, so the next version reads only what is new."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_store: dict[str, dict[str, Revision]] = {}

    def get(self, key: str) -> dict[str, Revision]:
        with self._lock:
            return dict(self._by_store.get(key, {}))

    def keep(self, key: str, revisions: dict[str, Revision]) -> None:
        with self._lock:
            self._by_store[key] = revisions


_CACHE = _RevisionCache()


def indexed_reports(settings: Settings) -> list[ReportRecord]:
    """The current version's reports, sorted by file (no model needed): for listings such as `rag reports`."""
    index = Index.open(settings)
    return [index.reports[doc_id] for doc_id in sorted(index.reports)]


class Index:
    """A read-only view of one version of the corpus, held in memory (passages, vectors, BM25, indicators)."""

    def __init__(self, settings: Settings, store: Store, state: State, revisions: list[Revision]) -> None:
        self.settings = settings
        self.store = store
        self.version = state.version
        self.generation = state.name
        revisions = sorted(revisions, key=lambda r: r.record.doc_id)
        self._rids = {r.record.doc_id: r.rid for r in revisions}
        self.reports: dict[str, ReportRecord] = {r.record.doc_id: r.record for r in revisions}
        self.chunks: list[Chunk] = [c for r in revisions for c in r.chunks]
        self.indicators: list[tuple[str, Indicator]] = [(r.record.doc_id, i) for r in revisions for i in r.indicators]
        self.position = {c.chunk_id: i for i, c in enumerate(self.chunks)}
        ends = np.cumsum([len(r.chunks) for r in revisions], dtype=np.int64)
        self._spans = {r.record.doc_id: (int(e) - len(r.chunks), int(e)) for r, e in zip(revisions, ends, strict=True)}
        dim = int(state.info.get("dim") or 0)
        self.vectors = np.vstack([r.vectors for r in revisions]) if self.chunks else np.zeros((0, dim), np.float32)
        self.keywords = KeywordIndex([r.terms for r in revisions])
        self.info = {**state.info, "version": state.version, "reports": len(self.reports), "chunks": len(self.chunks)}
        self._checked = time.monotonic()
        self._current = True
        self._streets: list[str] | None = None
        self._by_place: dict[str, tuple[str, ...]] | None = None

    @classmethod
    def open(cls, settings: Settings, expected_model: str | None = None) -> Index:
        require_index(settings)
        store = open_store(settings)
        cached = _CACHE.get(store.key)
        state, new = store.snapshot(set(cached))
        check_compatible(state.info, expected_model)
        revisions = {rid: new.get(rid) or cached[rid] for rid in state.live.values()}
        _CACHE.keep(store.key, revisions)
        return cls(settings, store, state, list(revisions.values()))

    def streets(self) -> list[str]:
        """The places the indexed reports are about (a 街道 … a 市, a 省, 全国), sorted, each once. The answer
        engine calls them streets for history: a question names a place, whatever its level."""
        if self._streets is None:  # asked on every question; the version never changes
            self._streets = sorted({r.meta.name for r in self.reports.values() if r.meta.name})
        return list(self._streets)

    def reports_of(self, place: str) -> tuple[str, ...]:
        """The doc_ids of the reports about this place (its name as `streets` lists it)."""
        if self._by_place is None:
            by_place: dict[str, list[str]] = {}
            for doc_id, record in self.reports.items():
                if record.meta.name:
                    by_place.setdefault(record.meta.name, []).append(doc_id)
            self._by_place = {k: tuple(v) for k, v in by_place.items()}
        return self._by_place.get(place, ())

    def is_current(self) -> bool:
        """False once a newer version has been switched in. Embedded: one small SQLite read. Server: the server is
        asked at most every SYNC_SECONDS (the delay before another host's update is seen)."""
        if not self.settings.server_mode:
            return self.store.version() == self.version
        if self._current and time.monotonic() - self._checked >= SYNC_SECONDS:
            self._checked = time.monotonic()
            with contextlib.suppress(Exception):  # server unreachable: keep answering from memory
                self._current = self.store.version() == self.version
        return self._current

    def report_text(self, doc_id: str) -> str:
        return self.store.report_text(self._rids[doc_id])

    def passage_mask(self, doc_ids: set[str]) -> np.ndarray:
        """True for the passages of these reports (each report's passages are one contiguous run)."""
        mask = np.zeros(len(self.chunks), dtype=bool)
        for doc_id in doc_ids:
            start, end = self._spans[doc_id]
            mask[start:end] = True
        return mask

    def dense_search(self, vector: np.ndarray, limit: int, mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        """(position, cosine) of the `limit` nearest passages, exact; `mask` (bool per passage) restricts."""
        if not self.chunks:
            return []
        vector = np.asarray(vector, np.float32)
        if mask is None:
            scores = self.vectors @ vector
        else:  # only the allowed rows are read: a street's reports are a few hundred passages of thousands
            allowed = np.flatnonzero(mask)
            scores = np.full(len(self.chunks), -np.inf, dtype=np.float32)
            scores[allowed] = self.vectors[allowed] @ vector
        limit = min(limit, int(np.isfinite(scores).sum()))
        if limit <= 0:
            return []
        top = np.argpartition(-scores, limit - 1)[:limit]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(i), float(scores[i])) for i in top]


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


# ---------------------------------------------------------------------------------------------- writing


def build_index(
    settings: Settings,
    *,
    rebuild: bool = False,
    progress: Progress | None = None,
    embeddings=None,
    only: Collection[str] | None = None,
) -> BuildResult:
    """Bring the index in line with `settings.seeds_dir`: add new, re-index changed, drop deleted reports.

    `only`: the doc_ids the caller has just added, changed or deleted (the app's upload, delete and metadata
    editor), so the update costs only what changed: just those files are looked at, plus any report an interrupted
    update left unfinished. A file added, edited or removed by other means is seen by the next update without
    `only` (`python -m rag index`, which `make run` runs on every start). Duplicates of indexed reports are the
    caller's to refuse (`rag.library.add_reports` does)."""
    progress = progress or (lambda stage, done, total: None)
    started = time.monotonic()
    with writer_lock(settings.index_dir):
        load_started = time.monotonic()
        embedder = embeddings or _load_embeddings(settings)
        started += time.monotonic() - load_started  # the update's own time excludes loading the model
        info = {"schema": SCHEMA_VERSION, "model": embedder.name, "dim": embedder.dim, "created": _now()}
        store = open_store(settings)
        store.prepare()
        # --rebuild re-embeds every report as new revisions and switches once: the old version answers meanwhile.
        state = _usable_state(store, embedder.name) or store.reset(info)
        unfinished = store.unfinished(state)
        folder = Path(os.path.abspath(settings.seeds_dir))
        look = None if only is None or rebuild else {*only, *(u.doc_id for u in unfinished)}
        entries = report_entries(folder) if look is None else _named_entries(folder, look)
        sources, errors = scan_entries(
            folder, entries, FileHashes(settings.index_dir / FILE_HASHES), partial=look is not None
        )
        result = BuildResult(errors=errors)
        sources = _drop_duplicates(sources, result)
        live = store.fingerprints(state, look) if state.live else {}
        # A file whose bytes and manifest row are those its live revision was built from is unchanged: not even
        # decoded (at 1,000 reports, decoding and detecting every file took longer than embedding a new one).
        known = {s.doc_id: live[s.doc_id][0] for s in sources if s.doc_id in live and live[s.doc_id][1] == s.key}
        docs = _load(settings, sources, known, result)
        _classify({d: fp for d, (fp, _) in live.items()}, {**known, **{d.doc_id: fingerprint(d) for d in docs}}, result)
        if look is not None:  # the reports not looked at are unchanged, by the caller's word
            result.unchanged = sorted([*result.unchanged, *(d for d in state.live if d not in look)])
        keys = {s.doc_id: s.key for s in sources}
        if not result.changed and not rebuild:
            store.drop([u.rid for u in unfinished if u.age_s >= store.grace_s])
            result.generation, result.chunks_total = state.name, store.passages(state)
        else:
            redo = set(result.added) | set(result.updated) | (set(result.unchanged) if rebuild else set())
            if rebuild:
                docs += _load(settings, [s for s in sources if s.doc_id in known], {}, result)
            wanted = {d.doc_id: d for d in docs if d.doc_id in redo}
            rids, work = _write_revisions(store, wanted, keys, unfinished)
            result.chunks_embedded, result.embed_seconds = _embed_missing(store, work, embedder, settings, progress)
            progress("switch", 0, 1)
            changes: dict[str, str | None] = {**rids, **dict.fromkeys(result.removed)}
            state = store.switch(changes, info, state)
            store.collect(state)
            result.generation, result.chunks_total = state.name, store.passages(state)
        _remove_old_layout(settings)
        progress("done", 1, 1)
    result.seconds = time.monotonic() - started
    return result


def _load_embeddings(settings: Settings):
    from rag.indexing.embeddings import get_embeddings  # imported late: loading torch is slow and not always needed

    return get_embeddings(settings)


def _usable_state(store: Store, model: str) -> State | None:
    """The current state if compatible; an incompatible or missing index is simply replaced by a full build."""
    state = store.state()
    if state is None:
        return None
    try:
        check_compatible(state.info, model)
    except IndexMismatchError:
        return None
    return state


def _write_revisions(
    store: Store, wanted: dict[str, Document], keys: dict[str, str], unfinished: list[Unfinished]
) -> tuple[dict[str, str], list[tuple[str, Document, list[Chunk]]]]:
    """A revision per wanted report: an unfinished one with the same fingerprint is reused (its vectors too)."""
    reusable = {(u.doc_id, u.fingerprint): u for u in unfinished}
    rids: dict[str, str] = {}
    work = []
    now = _now()
    for doc_id, doc in sorted(wanted.items()):
        fp = fingerprint(doc)
        chunks = chunk_document(doc)
        old = reusable.pop((doc_id, fp), None)
        if old is not None and old.n_chunks == len(chunks):
            rid = old.rid
            missing = set(store.missing_vectors(rid, len(chunks)))
            chunks = [c for c in chunks if c.ordinal in missing]
        else:
            rid = _new_rid()
            indicators = extract_indicators(doc.text, default_period=doc.meta.period)
            store.write(NewRevision(rid, doc, fp, keys[doc_id], chunks, indicators, now))
        rids[doc_id] = rid
        work.append((rid, doc, chunks))
    store.drop([u.rid for u in reusable.values() if u.age_s >= store.grace_s])
    return rids, work


def _embed_missing(store: Store, work, embedder, settings: Settings, progress: Progress) -> tuple[int, float]:
    """Embed every passage without a vector, longest first across all reports (batches pad to similar lengths).
    Returns (passages embedded, seconds spent in the model)."""
    todo = sorted(((rid, c) for rid, _, chunks in work for c in chunks), key=lambda x: -len(x[1].indexed_text))
    total = len(todo)
    progress("embed", 0, total)
    done, model_s = 0, 0.0
    for i in range(0, total, max(settings.embed_batch_size * 4, 16)):
        batch = todo[i : i + max(settings.embed_batch_size * 4, 16)]
        t = time.monotonic()
        vectors = embedder.encode_passages([c.indexed_text for _, c in batch], batch_size=settings.embed_batch_size)
        model_s += time.monotonic() - t
        by_rid: dict[str, list[int]] = {}
        for j, (rid, _) in enumerate(batch):
            by_rid.setdefault(rid, []).append(j)
        for rid, rows in by_rid.items():
            store.put_vectors(rid, [batch[j][1] for j in rows], vectors[rows])
        done += len(batch)
        progress("embed", done, total)
    return total, model_s


def _remove_old_layout(settings: Settings) -> None:
    """Generations of schema <= 4 (index/gen-*/ + CURRENT) are replaced by the catalog: delete them."""
    import shutil

    if settings.server_mode:
        return
    for old in settings.index_dir.glob("gen-*"):
        shutil.rmtree(old, ignore_errors=True)
    with contextlib.suppress(FileNotFoundError):
        (settings.index_dir / OLD_POINTER).unlink()


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
        sources.append(Source(doc_id, path, sha, source_key(sha, manifest.get(doc_id))))
    hashes.save(partial=partial)
    return sources, errors


def source_key(sha: str, row: ReportMeta | None) -> str:
    """Changes whenever what a file's revision is built from may change: its bytes, its manifest row, the chunker,
    the schema. Computed for every file on every update, so remembered (origin is not part of a row's hash)."""
    return _source_key(sha, row, row.origin if row else ())


@lru_cache(maxsize=1 << 16)
def _source_key(sha: str, row: ReportMeta | None, origin: tuple) -> str:
    fields_ = {f: getattr(row, f) for f in _META_FIELDS} if row else None  # = asdict(row), without deep copies
    payload = [sha, fields_, CHUNKER_VERSION, SCHEMA_VERSION]
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


def _classify(old: dict[str, str], new: dict[str, str], result: BuildResult) -> None:
    for doc_id, fp in sorted(new.items()):
        if doc_id not in old:
            result.added.append(doc_id)
        elif old[doc_id] != fp:
            result.updated.append(doc_id)
        else:
            result.unchanged.append(doc_id)
    result.removed = sorted(set(old) - set(new))
