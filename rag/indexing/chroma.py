"""Server mode: the Chroma client (host, TLS, token) and the store that keeps the whole index on a Chroma server:
`<prefix>_state` (live map and version), `<prefix>_reports` (one record per revision: row, text, offsets,
indicators) and `<prefix>_vectors` (the passages, rag/indexing/vectors.py), so any host serves the corpus without
embedding anything and sees another host's update within SYNC_SECONDS."""

from __future__ import annotations

import contextlib
import json
import time
from dataclasses import asdict

import numpy as np

from rag.config import Settings
from rag.indexing.chunking import Chunk
from rag.indexing.indicators import Indicator
from rag.indexing.records import (
    _META_FIELDS,
    PENDING_GRACE_S,
    IndexBusyError,
    IndexMissingError,
    NewRevision,
    Revision,
    State,
    Unfinished,
    _missing_message,
    _record,
    _revision,
    _stored,
)
from rag.indexing.vectors import ChromaVectors

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
        self.vectors = ChromaVectors(
            lambda again: chroma_client(settings) if again else self.client, f"{self.prefix}_vectors"
        )

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
        for rid, got in docs.items():
            data = json.loads(got["documents"])
            doc_id, text = data["doc_id"], data["text"]
            chunks = [
                Chunk(f"{doc_id}#{o:04d}", doc_id, o, text[s:e], s, e, section, header)
                for o, s, e, section, header in data["chunks"]
            ]
            indicators = [Indicator(**ind) for ind in data["indicators"]]
            record = _record(doc_id, data, len(text))
            out[rid] = _revision(rid, record, chunks, indicators)
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

        for kind in ("state", "reports"):
            with contextlib.suppress(NotFoundError):
                self.client.delete_collection(f"{self.prefix}_{kind}")
        self._collections.clear()
        self.vectors.reset()
        for kind in ("reports", "state"):
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
            **{f: _stored(doc.meta, f) for f in _META_FIELDS},
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
        return self.vectors.missing(rid, n_chunks)

    def put_vectors(self, passages: list[tuple[str, Chunk]], vectors: np.ndarray) -> None:
        self.vectors.put(passages, vectors)

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
        self.vectors.delete(rids)
        self._col("reports").delete(ids=rids)

    def collect(self, state: State) -> None:
        got = self._col("reports").get(include=["metadatas"])
        done = set(state.live.values()) | state.kept
        pending = {u.rid for u in self.unfinished(state) if u.age_s < self.grace_s}
        self.drop([rid for rid in got["ids"] if rid not in done and rid not in pending])
