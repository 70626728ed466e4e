"""The passages and their vectors, in one Chroma collection, in every mode; dense search is Chroma's HNSW query.

One record per passage: id "<rid>:<ordinal>", its e5 vector (L2-normalised, so the collection's space is cosine),
the passage text as the document, and {rid, doc_id, ordinal} as metadata. Revisions are immutable, so a record
never changes; an update adds the new revisions' records and later deletes retired ones.

A reader holds one version: a set of live revisions. The collection may hold more (the revisions an update is
writing, those retired by the latest switch), so a query is restricted to the reader's revisions:
- a search over a few reports (a place the question names, a UI filter): `where rid $in [...]`, which Chroma
  answers over just those records;
- a search over the whole version: Chroma's unfiltered HNSW query asked for `limit + extra` neighbours, `extra`
  being how many records of the collection are not this version's, and the others dropped; so the result is the
  `limit` nearest of the version's own passages as HNSW finds them. An unfiltered query took ~4 ms at 30,000
  passages against ~90 ms for `$in` over 345 revisions (bench/README.md), hence the two paths. When `extra` is large
  (a rebuild is writing a whole new corpus) the `$in` path is taken.

The query goes through langchain-chroma's `Chroma` vector store (`similarity_search_by_vector_with_relevance_scores`);
writes use the collection directly, because the build upserts vectors it computed itself (longest passages first
across reports, resuming after a crash), which `Chroma.add_texts` (it embeds the texts) does not offer.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

import numpy as np

from rag.indexing.chunking import Chunk

# HNSW settings: cosine (the vectors are normalised). e5 cosines are tightly packed (the 10th and 11th neighbours of
# a question differ by ~2e-4), so Chroma's defaults (ef_construction 100, max_neighbors 16, ef_search 100) found
# .89 of the exact top 10 on 25,259 real passages; this denser graph with a wide search finds .998 at ~6 ms
# (bench/hnsw_recall.py, bench/README.md "Issue 19"). ef_search must be set when the collection is created: a later
# `collection.modify` did not change the results of a running server.
HNSW = {"space": "cosine", "ef_construction": 200, "max_neighbors": 32, "ef_search": 1000}
OVERFETCH_MAX = 2000  # above this many records outside the reader's version, restrict with `$in` instead
_BATCH = 1000


def record_id(rid: str, ordinal: int) -> str:
    return f"{rid}:{ordinal:04d}"


def _is_connection_error(exc: Exception) -> bool:
    import httpx

    return isinstance(exc, (httpx.TransportError, ConnectionError))


class ChromaVectors:
    """The passage collection `<prefix>_vectors` of one Chroma server (the loopback one, or `CHROMA_HOST`)."""

    def __init__(self, connect: Callable[[bool], object], name: str) -> None:
        self._connect = connect  # connect(again): a client; again=True after a dropped connection (restarts local)
        self.name = name
        self._client = None
        self._store = None  # langchain_chroma.Chroma over the collection

    def _open(self, again: bool = False):
        if self._store is None or again:
            from langchain_chroma import Chroma

            self._client = self._connect(again)
            self._store = Chroma(
                collection_name=self.name,
                client=self._client,
                collection_configuration={"hnsw": HNSW},
            )
        return self._store

    def _call(self, op: Callable):
        """op(store) once; again on a fresh connection if the server went away (a local one is then restarted)."""
        try:
            return op(self._open())
        except Exception as exc:
            if not _is_connection_error(exc):
                raise
            return op(self._open(again=True))

    def count(self) -> int:
        return self._call(lambda s: s._collection.count())

    def missing(self, rid: str, n_chunks: int) -> list[int]:
        """The ordinals of this revision's passages that have no record yet."""
        ids = [record_id(rid, o) for o in range(n_chunks)]
        have: set[str] = set()
        for i in range(0, len(ids), _BATCH):
            have.update(self._call(lambda s, part=ids[i : i + _BATCH]: s.get(ids=part, include=[])["ids"]))
        return [o for o, i in enumerate(ids) if i not in have]

    def put(self, passages: list[tuple[str, Chunk]], vectors: np.ndarray) -> None:
        """Store these (rid, passage) records with their vectors, in as few requests as Chroma allows."""
        vectors = np.asarray(vectors, np.float32)
        for i in range(0, len(passages), _BATCH):
            part = passages[i : i + _BATCH]
            self._call(
                lambda s, part=part, i=i: s._collection.upsert(
                    ids=[record_id(rid, c.ordinal) for rid, c in part],
                    embeddings=vectors[i : i + len(part)],
                    documents=[c.text for _, c in part],
                    metadatas=[{"rid": rid, "doc_id": c.doc_id, "ordinal": c.ordinal} for rid, c in part],
                )
            )

    def delete(self, rids: list[str]) -> None:
        for i in range(0, len(rids), 100):
            part = rids[i : i + 100]
            self._call(lambda s, part=part: s._collection.delete(where=_rid_filter(part)))

    def reset(self) -> None:
        self._call(lambda s: s.reset_collection())

    def embeddings(self, rids: list[str]) -> dict[str, np.ndarray]:
        """record id -> vector of these revisions (for measuring HNSW against an exact scan)."""
        out: dict[str, np.ndarray] = {}
        for i in range(0, len(rids), 50):
            got = self._call(
                lambda s, p=rids[i : i + 50]: s._collection.get(where=_rid_filter(p), include=["embeddings"])
            )
            out.update(zip(got["ids"], np.asarray(got["embeddings"], np.float32), strict=True))
        return out

    def query(
        self, vector: np.ndarray, limit: int, rids: Collection[str], version_size: int, whole_version: bool
    ) -> list[tuple[str, int, float]]:
        """(rid, ordinal, cosine similarity) of the `limit` nearest passages of these revisions, nearest first.
        `version_size`: the reader's passages; `whole_version`: `rids` are all of the reader's revisions."""
        if limit <= 0 or not rids:
            return []
        where = None
        n = limit
        if whole_version:
            extra = max(0, self.count() - version_size)
            if extra <= OVERFETCH_MAX:
                n = min(limit + extra, version_size + extra)
            else:
                where = _rid_filter(sorted(rids))
        else:
            where = _rid_filter(sorted(rids))
        embedding = np.asarray(vector, np.float32).tolist()
        found = self._call(lambda s: s.similarity_search_by_vector_with_relevance_scores(embedding, k=n, filter=where))
        allowed = set(rids)
        out = []
        for doc, distance in found:
            rid = doc.metadata["rid"]
            if rid in allowed:
                out.append((rid, int(doc.metadata["ordinal"]), 1.0 - float(distance)))
                if len(out) == limit:
                    break
        return out


def _rid_filter(rids: list[str]) -> dict:
    return {"rid": rids[0]} if len(rids) == 1 else {"rid": {"$in": list(rids)}}


def local_client(index_dir, again: bool = False):
    """A client of the index folder's loopback Chroma server, started if none runs (rag/indexing/chroma_local.py)."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    from rag.indexing import chroma_local

    port = chroma_local.ensure(index_dir)  # checks the server answers; starts a fresh one if it went away
    return chromadb.HttpClient(host="127.0.0.1", port=port, settings=ChromaSettings(anonymized_telemetry=False))
