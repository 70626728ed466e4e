"""Reading: which store the settings name, and `Index`, one version of the corpus held in memory."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Collection
from pathlib import Path

import numpy as np

from rag.config import Settings
from rag.indexing.catalog import SqliteStore
from rag.indexing.chroma import ChromaStore
from rag.indexing.chunking import Chunk
from rag.indexing.indicators import Indicator
from rag.indexing.keywords import KeywordIndex
from rag.indexing.records import (
    CATALOG,
    OLD_POINTER,
    SYNC_SECONDS,
    IndexMismatchError,
    IndexMissingError,
    ReportRecord,
    Revision,
    State,
    Store,
    check_compatible,
)

_STORES: dict[tuple, Store] = {}
_STORES_LOCK = threading.Lock()


def open_store(settings: Settings) -> Store:
    """The store of these settings; one per index folder or Chroma server and prefix in a process (each holds its
    Chroma client)."""
    if not settings.server_mode:
        key = (str(Path(settings.index_dir).resolve()), settings.collection_prefix)
        with _STORES_LOCK:
            if key not in _STORES:
                _STORES[key] = SqliteStore(settings.index_dir, settings.collection_prefix)
            return _STORES[key]
    key = (
        settings.chroma_host,
        settings.chroma_port,
        settings.chroma_ssl,
        settings.chroma_auth_token,
        settings.collection_prefix,
    )
    with _STORES_LOCK:
        if key not in _STORES:
            _STORES[key] = ChromaStore(settings)
        return _STORES[key]


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
    """A read-only view of one version of the corpus: passages, BM25 and indicators held in memory, the dense search
    asked of Chroma, restricted to this version's revisions."""

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
        self._position = {(r.rid, c.ordinal): self.position[c.chunk_id] for r in revisions for c in r.chunks}
        self.keywords = KeywordIndex([r.terms for r in revisions])
        self.info = {**state.info, "version": state.version, "reports": len(self.reports), "chunks": len(self.chunks)}
        self._checked = time.monotonic()
        self._current = True
        self._place_names: list[str] | None = None
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

    def place_names(self) -> list[str]:
        """The names of the places the indexed reports are about (a 街道 … a 市, a 省, 全国), sorted, each once."""
        if self._place_names is None:  # asked on every question; the version never changes
            self._place_names = sorted({r.meta.name for r in self.reports.values() if r.meta.name})
        return list(self._place_names)

    def reports_of(self, place: str) -> tuple[str, ...]:
        """The doc_ids of the reports about this place (its name as `place_names` lists it)."""
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

    def dense_search(
        self, vector: np.ndarray, limit: int, doc_ids: Collection[str] | None = None
    ) -> list[tuple[int, float]]:
        """(position, cosine) of the `limit` nearest passages of this version, by Chroma's HNSW query; `doc_ids`
        restricts to those reports (rag/indexing/vectors.py: how a query is held to one version)."""
        if not self.chunks:
            return []
        whole = doc_ids is None or len(doc_ids) == len(self.reports)
        rids = list(self._rids.values()) if doc_ids is None else [self._rids[d] for d in doc_ids if d in self._rids]
        found = self.store.vectors.query(vector, limit, rids, len(self.chunks), whole)
        return [(self._position[(rid, ordinal)], score) for rid, ordinal, score in found]
