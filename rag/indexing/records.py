"""What the index stores and hands out: report records, revisions, versions (states), build results, errors.

Shared by the catalog (SQLite), the Chroma stores, the in-memory Index and the build."""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Protocol

import numpy as np

from rag.indexing.chunking import CHUNKER_VERSION, Chunk
from rag.indexing.indicators import Indicator
from rag.indexing.keywords import TermCounts, term_counts
from rag.indexing.vectors import ChromaVectors
from rag.ingest.documents import (
    Document,
    ReportMeta,
)
from rag.ingest.metadata import place_of

# Bump when the stored layout or what is stored changes: older indexes are then refused with a clear message.
SCHEMA_VERSION = 9  # 9: passages and vectors in Chroma (index/chroma/ or the server); 8: indicator rows carry kind (result / forecast / target); 7: reports carry place, level, …
CATALOG = "catalog.sqlite"
OLD_POINTER = "CURRENT"  # the generation layout of schema <= 4
SYNC_SECONDS = 2.0  # server mode: how often a reader asks the server whether the corpus changed
PENDING_GRACE_S = 3600  # server mode: another host's unfinished revision is left alone this long

Progress = Callable[[str, int, int], None]


class IndexUnavailableError(Exception):
    """Base for index problems the user can act on; the message says what to do."""


class IndexMissingError(IndexUnavailableError):
    pass


class IndexMismatchError(IndexUnavailableError):
    pass


class IndexBusyError(IndexUnavailableError):
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

# A report's metadata as stored: one catalog column (or server document key) per name, the place as its parts
# (name, level, parents), the tuples as JSON. Indexes built before `Place` also hold three columns of the place's
# units by level: nothing reads them and new rows leave them empty, so such an index opens and updates as it is.
_META_FIELDS = ("year", "period", "title", "place", "level", "parents", "plan_year", "kind", "origin")
_TUPLE_FIELDS = ("parents", "origin")


def _stored(meta: ReportMeta, name: str) -> object:
    """One stored field of `meta`: "place" holds the place's name."""
    return meta.name if name == "place" else getattr(meta, name)


def _meta_cell(value: object) -> object:
    """A ReportMeta field as an SQLite cell: the tuples as JSON arrays."""
    return json.dumps(value, ensure_ascii=False) if isinstance(value, tuple) else value


def _meta_value(name: str, cell: object) -> object:
    """A stored cell (SQLite JSON text, or a list from the server's JSON document) back to its field value."""
    if name not in _TUPLE_FIELDS:
        return cell
    items = json.loads(cell) if isinstance(cell, str) else cell or ()
    return tuple(tuple(x) if isinstance(x, list) else x for x in items)


def _meta_from_stored(values: dict) -> ReportMeta:
    parts = {f: _meta_value(f, values.get(f)) for f in _META_FIELDS}
    place = place_of(parts.pop("place"), parts.pop("level"), parts.pop("parents"))
    return ReportMeta(place=place, **parts)


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
        meta=_meta_from_stored(values),
        n_chunks=values["n_chunks"],
        n_chars=n_chars,
        indexed_at=values["indexed_at"],
    )


def _revision(rid: str, record: ReportRecord, chunks: list[Chunk], indicators: list[Indicator]) -> Revision:
    return Revision(rid, record, chunks, indicators, term_counts([c.indexed_text for c in chunks]))


class Store(Protocol):
    """Where an index lives: an SQLite file (embedded) or a Chroma server. Methods are listed in `SqliteStore`."""

    key: str
    grace_s: float
    vectors: ChromaVectors  # the passages and their vectors (rag/indexing/vectors.py)

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
    def put_vectors(self, passages: list[tuple[str, Chunk]], vectors: np.ndarray) -> None: ...  # (rid, chunk)
    def unfinished(self, state: State) -> list[Unfinished]: ...
    def switch(self, changes: dict[str, str | None], info: dict, base: State | None = None) -> State: ...
    def drop(self, rids: list[str]) -> None: ...
    def collect(self, state: State) -> None: ...


# ---------------------------------------------------------------------------------------------- reading


def _missing_message() -> str:
    return "索引不存在。请先运行 `python -m rag index`（no index yet: run `python -m rag index`）"


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
