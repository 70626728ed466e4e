"""The embedded catalog: `index/catalog.sqlite` holds the versioned live map, each revision's row and text, its
passage offsets and its indicators (WAL: readers never wait for the writer). The passages and their vectors are in
Chroma (rag/indexing/vectors.py): the folder's loopback server on `index/chroma/` (rag/indexing/chroma_local.py)."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from rag.indexing.chunking import Chunk
from rag.indexing.indicators import Indicator
from rag.indexing.records import (
    _INDICATOR_FIELDS,
    _META_FIELDS,
    CATALOG,
    IndexMissingError,
    NewRevision,
    Revision,
    State,
    Unfinished,
    _meta_cell,
    _missing_message,
    _record,
    _revision,
    _stored,
)
from rag.indexing.vectors import ChromaVectors, local_client

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
    section TEXT NOT NULL, header TEXT NOT NULL,
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
# Named columns: a catalog built before `Place` has three more metadata columns, left empty (records._META_FIELDS).
_REVISION_COLUMNS = ", ".join(
    [
        *("rid", "doc_id", "sha256", "fingerprint", "encoding"),
        *(f'"{f}"' for f in _META_FIELDS),
        *("text", "n_chunks", "indexed_at", "written", "source_key", "retired_at"),
    ]
)
_REVISION_MARKS = ",".join("?" * (10 + len(_META_FIELDS)))  # rid … encoding, the meta fields, text … source_key


class SqliteStore:
    grace_s = 0.0  # one writer per folder (writer_lock): an unfinished revision is never someone else's

    def __init__(self, index_dir: Path, prefix: str = "reports") -> None:
        self.path = Path(index_dir) / CATALOG
        self.key = f"sqlite:{self.path.resolve()}/{prefix}"
        # The passages and vectors: the folder's loopback Chroma server (index/chroma/), started when first used.
        self.vectors = ChromaVectors(lambda again: local_client(index_dir, again), f"{prefix}_vectors")
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
                        row["text"][c["start"] : c["end"]],
                        c["start"],
                        c["end"],
                        c["section"],
                        c["header"],
                    )
                    for c in rows_c
                ]
                found = sorted(indicators[rid], key=lambda ind: ind.start)
                out[rid] = _revision(rid, record, passages, found)
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
        self.vectors.reset()
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
                f"INSERT INTO revisions ({_REVISION_COLUMNS}) VALUES ({_REVISION_MARKS},NULL)",
                (
                    rev.rid,
                    doc.doc_id,
                    doc.sha256,
                    rev.fingerprint,
                    doc.encoding,
                    *(_meta_cell(_stored(doc.meta, f)) for f in _META_FIELDS),
                    doc.text,
                    len(rev.chunks),
                    rev.indexed_at,
                    time.time(),
                    rev.source_key,
                ),
            )
            conn.executemany(
                "INSERT INTO chunks VALUES (?,?,?,?,?,?)",
                [(rev.rid, c.ordinal, c.start, c.end, c.section, c.header) for c in rev.chunks],
            )
            conn.execute("INSERT INTO pending VALUES (?)", (rev.rid,))
            columns = ", ".join(f'"{f}"' for f in ("rid", *_INDICATOR_FIELDS))
            conn.executemany(
                f"INSERT INTO indicators ({columns}) VALUES ({','.join('?' * (len(_INDICATOR_FIELDS) + 1))})",
                [(rev.rid, *(getattr(ind, f) for f in _INDICATOR_FIELDS)) for ind in rev.indicators],
            )

    def missing_vectors(self, rid: str, n_chunks: int) -> list[int]:
        return self.vectors.missing(rid, n_chunks)

    def put_vectors(self, passages: list[tuple[str, Chunk]], vectors: np.ndarray) -> None:
        self.vectors.put(passages, vectors)

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
        if not rids:
            return
        self.vectors.delete(rids)  # first: a crash in between leaves rows without vectors, which a next run redoes
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
