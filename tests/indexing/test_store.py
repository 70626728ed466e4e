"""Incremental indexing by revisions, versions, schema/model checks — on the real model, SQLite and Chroma."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap
import time
from dataclasses import replace

import bm25s
import numpy as np
import pytest

from rag import fsutil
from rag.answering.retrieval import Searcher
from rag.config import ROOT
from rag.indexing import vectors as vectors_mod
from rag.indexing.chunking import chunk_document
from rag.indexing.filehash import FILE_HASHES
from rag.indexing.keywords import KeywordIndex, keyword_tokens, term_counts, top_positive
from rag.indexing.store import (
    CATALOG,
    OLD_POINTER,
    SCHEMA_VERSION,
    ChromaStore,
    Index,
    IndexMismatchError,
    IndexMissingError,
    NewRevision,
    SqliteStore,
    build_index,
    current_generation,
    fingerprint,
    require_index,
    source_key,
)
from rag.indexing.vectors import record_id
from rag.ingest.documents import load_document

XILIN = "002_fe0a95f5f2085df9.txt"


def _relabelled_copy(settings, source: str, name: str, old: str, new: str) -> None:
    text = (settings.seeds_dir / source).read_text(encoding="utf-8")
    (settings.seeds_dir / name).write_text(text.replace(old, new), encoding="utf-8")


def _catalog_rows(settings) -> dict[str, int]:
    conn = sqlite3.connect(settings.index_dir / CATALOG)
    try:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("revisions", "chunks")}
    finally:
        conn.close()


def _set_info(settings, **changes) -> None:
    conn = sqlite3.connect(settings.index_dir / CATALOG)
    with conn:
        info = json.loads(conn.execute("SELECT value FROM state WHERE key = 'info'").fetchone()[0])
        conn.execute("UPDATE state SET value = ? WHERE key = 'info'", (json.dumps({**info, **changes}),))
    conn.close()


def test_incremental_add_change_remove(small_settings, embeddings):
    first = build_index(small_settings, embeddings=embeddings)
    assert len(first.added) == 2 and first.chunks_embedded == first.chunks_total > 20
    rids = SqliteStore(small_settings.index_dir).state().live

    again = build_index(small_settings, embeddings=embeddings)
    assert again.chunks_embedded == 0 and len(again.unchanged) == 2 and not again.changed
    assert again.generation == first.generation, "an unchanged corpus must not switch to a new version"

    _relabelled_copy(small_settings, XILIN, "900_new.txt", "西林街道", "东湖街道")
    added = build_index(small_settings, embeddings=embeddings)
    index = Index.open(small_settings)
    new_chunks = [c for c in index.chunks if c.doc_id == "900_new.txt"]
    assert added.added == ["900_new.txt"] and len(added.unchanged) == 2
    assert added.chunks_embedded == len(new_chunks) > 0
    assert index.reports["900_new.txt"].meta.name == "东湖街道"
    assert added.chunks_total == first.chunks_total + len(new_chunks)
    # Proportional: the unchanged reports keep their revisions, and only the new one's rows were written.
    live = SqliteStore(small_settings.index_dir).state().live
    assert {d: live[d] for d in rids} == rids
    assert _catalog_rows(small_settings) == {"revisions": 3, "chunks": added.chunks_total}

    path = small_settings.seeds_dir / "900_new.txt"
    path.write_text(
        path.read_text(encoding="utf-8") + "\n东湖街道新增一段说明：全年完成绿化提升工程3项。\n", encoding="utf-8"
    )
    changed = build_index(small_settings, embeddings=embeddings)
    assert changed.updated == ["900_new.txt"] and changed.added == [] and changed.chunks_embedded > 0
    assert "绿化提升工程3项" in Index.open(small_settings).report_text("900_new.txt")

    path.unlink()
    removed = build_index(small_settings, embeddings=embeddings)
    assert removed.removed == ["900_new.txt"] and removed.chunks_embedded == 0
    index = Index.open(small_settings)
    assert "900_new.txt" not in index.reports
    assert len(index.chunks) == first.chunks_total
    # Its passages stay in Chroma for readers of the previous version, but this version's dense search never sees them.
    nearest = index.dense_search(embeddings.encode_query("东湖街道全年完成绿化提升工程"), 20)
    assert len(nearest) == 20 and all(index.chunks[p].doc_id != "900_new.txt" for p, _ in nearest)
    hits = Searcher(small_settings, embeddings).search("东湖街道", k=10)
    assert all(h.chunk.doc_id != "900_new.txt" for h in hits)
    # Retired revisions are removed one update later (kept meanwhile for readers of the previous version).
    assert _catalog_rows(small_settings)["revisions"] == 3  # 2 live + the one just retired
    _relabelled_copy(small_settings, XILIN, "901_other.txt", "西林街道", "南山街道")
    build_index(small_settings, embeddings=embeddings)
    assert _catalog_rows(small_settings)["revisions"] == 3  # 3 live, nothing retired kept


def _live_passages_in_catalog(settings) -> tuple[int, int]:
    """(the passage count the catalog keeps, the count summed over the live revisions)."""
    conn = sqlite3.connect(settings.index_dir / CATALOG)
    try:
        kept = json.loads(conn.execute("SELECT value FROM state WHERE key = 'passages'").fetchone()[0])
        summed = conn.execute("SELECT sum(n_chunks) FROM revisions WHERE rid IN (SELECT rid FROM live)").fetchone()[0]
        return kept, summed
    finally:
        conn.close()


def test_named_update_looks_only_at_the_named_reports(small_settings, embeddings, monkeypatch):
    """`only` (the app's upload, delete and metadata editor): just those files are read, the rest is unchanged by
    the caller's word; a full update afterwards finds what was changed behind its back."""
    monkeypatch.setattr(fsutil, "RACY_NS", 0)  # the files are seconds old: record their stamps at once
    first = build_index(small_settings, embeddings=embeddings)
    record = json.loads((small_settings.index_dir / FILE_HASHES).read_text(encoding="utf-8"))
    assert len(record) == 2

    _relabelled_copy(small_settings, XILIN, "900_new.txt", "西林街道", "东湖街道")
    _relabelled_copy(small_settings, XILIN, "901_by_hand.txt", "西林街道", "南山街道")  # not named: not seen
    xilin = small_settings.seeds_dir / XILIN
    xilin.write_text(xilin.read_text(encoding="utf-8") + "\n西林街道新增：全年新建口袋公园2个。\n", encoding="utf-8")
    added = build_index(small_settings, embeddings=embeddings, only=["900_new.txt"])
    assert added.added == ["900_new.txt"] and added.updated == [] and len(added.unchanged) == 2
    index = Index.open(small_settings)
    assert set(index.reports) == {*first.unchanged, *first.added, "900_new.txt"} - {"901_by_hand.txt"}
    assert "口袋公园" not in index.report_text(XILIN)
    assert added.chunks_total == len(index.chunks) == first.chunks_total + added.chunks_embedded
    assert _live_passages_in_catalog(small_settings) == (len(index.chunks), len(index.chunks))
    # The record of file stamps keeps the files not looked at, and gains the new one.
    assert len(json.loads((small_settings.index_dir / FILE_HASHES).read_text(encoding="utf-8"))) == 3

    (small_settings.seeds_dir / "900_new.txt").unlink()
    removed = build_index(small_settings, embeddings=embeddings, only=["900_new.txt"])
    assert removed.removed == ["900_new.txt"] and removed.chunks_embedded == 0 and len(removed.unchanged) == 2
    assert removed.chunks_total == first.chunks_total == _live_passages_in_catalog(small_settings)[0]

    full = build_index(small_settings, embeddings=embeddings)
    assert full.added == ["901_by_hand.txt"] and full.updated == [XILIN]
    index = Index.open(small_settings)
    assert "口袋公园" in index.report_text(XILIN) and "901_by_hand.txt" in index.reports
    assert (
        _live_passages_in_catalog(small_settings) == (len(index.chunks), len(index.chunks)) == (full.chunks_total,) * 2
    )


def test_catalog_of_an_earlier_version_is_brought_up_to_date(small_settings, embeddings):
    """A catalog without the pending table and the kept passage count gets both from what it holds, an
    interrupted revision included, and the next update completes that revision."""
    build_index(small_settings, embeddings=embeddings)
    _relabelled_copy(small_settings, XILIN, "900_new.txt", "西林街道", "东湖街道")
    doc = load_document(small_settings.seeds_dir / "900_new.txt", small_settings.seeds_dir)
    store = SqliteStore(small_settings.index_dir)
    chunks = chunk_document(doc)
    key = source_key(doc.sha256, None)
    store.write(NewRevision("r-interrupted", doc, fingerprint(doc), key, chunks, [], "2026-01-01T00:00:00"))
    conn = sqlite3.connect(small_settings.index_dir / CATALOG)
    with conn:
        conn.execute("DROP TABLE pending")
        conn.execute("DELETE FROM state WHERE key = 'passages'")
    conn.close()

    store.prepare()
    assert [u.rid for u in store.unfinished(store.state())] == ["r-interrupted"]
    before = Index.open(small_settings)
    assert store.passages(store.state()) == len(before.chunks)

    result = build_index(small_settings, embeddings=embeddings, only=[])  # any next update completes it
    assert result.added == ["900_new.txt"] and result.chunks_embedded == len(chunks)
    assert store.unfinished(store.state()) == []
    assert _live_passages_in_catalog(small_settings) == (result.chunks_total,) * 2
    assert result.chunks_total == len(before.chunks) + len(chunks)


def test_duplicate_content_is_indexed_once(small_settings, embeddings):
    (small_settings.seeds_dir / "xilin-copy.txt").write_bytes((small_settings.seeds_dir / XILIN).read_bytes())
    result = build_index(small_settings, embeddings=embeddings)
    assert ("xilin-copy.txt", XILIN) in result.duplicates
    assert "xilin-copy.txt" not in Index.open(small_settings).reports
    assert "重复" in result.summary()


def test_unreadable_file_is_reported_and_skipped(small_settings, embeddings):
    (small_settings.seeds_dir / "garbage.txt").write_bytes(bytes(range(256)) * 40)
    result = build_index(small_settings, embeddings=embeddings)
    assert [f for f, _ in result.errors] == ["garbage.txt"]
    assert len(result.added) == 2
    assert "garbage.txt" in result.summary()


def test_rebuild_reembeds_everything_and_switches_once(small_settings, embeddings):
    first = build_index(small_settings, embeddings=embeddings)
    old = SqliteStore(small_settings.index_dir).state().live
    second = build_index(small_settings, rebuild=True, embeddings=embeddings)
    assert second.generation != first.generation
    assert second.chunks_embedded == second.chunks_total == first.chunks_total
    new = SqliteStore(small_settings.index_dir).state()
    assert set(new.live) == set(old) and not set(new.live.values()) & set(old.values())
    assert new.kept == frozenset(old.values()), "the previous version's revisions stay for slow readers"
    assert Index.open(small_settings).generation == second.generation == current_generation(small_settings.index_dir)


def test_missing_and_mismatched_index(small_settings, embeddings):
    with pytest.raises(IndexMissingError, match="python -m rag index"):
        Index.open(small_settings)
    build_index(small_settings, embeddings=embeddings)

    _set_info(small_settings, model="some-other-model")
    with pytest.raises(IndexMismatchError, match="--rebuild"):
        Index.open(small_settings, expected_model=embeddings.name)
    with pytest.raises(IndexMismatchError, match="--rebuild"):
        Searcher(small_settings, embeddings).search("西林街道")

    _set_info(small_settings, model=embeddings.name, schema=SCHEMA_VERSION - 1)
    with pytest.raises(IndexMismatchError, match="--rebuild"):
        Index.open(small_settings)
    # A plain `index` run replaces an incompatible index with a full build.
    fixed = build_index(small_settings, embeddings=embeddings)
    assert fixed.chunks_embedded == fixed.chunks_total
    assert Index.open(small_settings, expected_model=embeddings.name).info["schema"] == SCHEMA_VERSION


def test_index_of_the_generation_layout_asks_for_a_rebuild(small_settings, embeddings):
    old = small_settings.index_dir / "gen-20261123T000000000000-abcdef"
    old.mkdir(parents=True)
    (old / "meta.json").write_text(json.dumps({"schema": 4}))
    (small_settings.index_dir / OLD_POINTER).write_text(old.name)
    with pytest.raises(IndexMismatchError, match="--rebuild"):
        require_index(small_settings)
    result = build_index(small_settings, embeddings=embeddings)
    assert result.chunks_embedded == result.chunks_total > 0
    assert not old.exists() and not (small_settings.index_dir / OLD_POINTER).exists()
    assert require_index(small_settings) == result.generation


def test_keyword_index_scores_as_bm25s(seed_settings):
    """The incremental BM25 gives bm25s's scores (its default "lucene" variant) on the seed passages."""
    index = Index.open(seed_settings)
    texts = [c.indexed_text for c in index.chunks]
    reference = bm25s.BM25()
    reference.index([keyword_tokens(t) or ["∅"] for t in texts], show_progress=False)
    # Built from per-report pieces, as the index assembles it, and from one piece: the same scores.
    by_report = [term_counts([c.indexed_text for c in index.chunks if c.doc_id == d]) for d in index.reports]
    for keywords in (index.keywords, KeywordIndex(by_report), KeywordIndex([term_counts(texts)])):
        for question in ("西林街道一般公共预算收入", "河海街道2017年地区生产总值", "GDP 17.03亿元 增长"):
            tokens = [t for t in keyword_tokens(question) if t in reference.vocab_dict]
            np.testing.assert_allclose(keywords.scores(question), reference.get_scores(tokens), rtol=1e-4, atol=1e-5)
    assert index.keywords.search("没有的词汇ZZZ", 10) == []


@pytest.mark.parametrize("limit", [0, 1, 3, 10, 50])
def test_top_positive_is_a_stable_sort_of_the_positive_scores(limit):
    rng = np.random.default_rng(limit)
    scores = rng.choice(np.array([0.0, -1.0, 0.5, 1.0, 2.0, 2.5], np.float32), size=40)  # many ties
    expected = [(int(i), float(scores[i])) for i in np.argsort(-scores, kind="stable")[:limit] if scores[i] > 0]
    assert top_positive(scores, limit) == expected


def test_keyword_search_ranks_as_a_full_sort(seed_settings):
    index = Index.open(seed_settings)
    for question in ("西林街道一般公共预算收入", "河海街道2017年地区生产总值", "社区服务"):
        scores = index.keywords.scores(question)
        expected = [(int(i), float(scores[i])) for i in np.argsort(-scores, kind="stable")[:20] if scores[i] > 0]
        assert index.keywords.search(question, 20) == expected and len(expected) == 20


def _exact(index: Index, query: np.ndarray) -> np.ndarray:
    """Cosines of every passage of the version to the query, from the vectors Chroma holds."""
    stored = index.store.vectors.embeddings(sorted(index._rids.values()))
    ids = [record_id(index._rids[c.doc_id], c.ordinal) for c in index.chunks]
    return np.stack([stored[i] for i in ids]) @ query


def test_dense_search_is_chromas_query_of_the_version(seed_settings, embeddings):
    index = Index.open(seed_settings)
    query = embeddings.encode_query("西林街道固定资产投资")
    cosine = _exact(index, query)
    got = index.dense_search(query, 10)
    assert [p for p, _ in got] == list(np.argsort(-cosine, kind="stable")[:10])  # HNSW finds the exact top 10 here
    assert np.allclose([s for _, s in got], np.sort(cosine)[::-1][:10], atol=1e-5)
    restricted = index.dense_search(query, 50, {XILIN})  # `where rid` on the server
    assert len(restricted) == index.reports[XILIN].n_chunks
    assert all(index.chunks[p].doc_id == XILIN for p, _ in restricted)


@pytest.mark.parametrize("overfetch", ["unfiltered", "where"])
def test_dense_search_never_returns_passages_outside_the_version(small_settings, embeddings, monkeypatch, overfetch):
    """An update writing a revision (or one kept for older readers) puts passages in the collection that this
    version does not have: here copies of every live vector, each the nearest to itself. They never come back."""
    if overfetch == "where":
        monkeypatch.setattr(vectors_mod, "OVERFETCH_MAX", 0)
    build_index(small_settings, embeddings=embeddings)
    index = Index.open(small_settings)
    query = embeddings.encode_query("荷花池街道一般公共预算收入")
    before = index.dense_search(query, 10)
    stored = index.store.vectors.embeddings(sorted(index._rids.values()))
    for doc_id, rid in index._rids.items():
        chunks = [c for c in index.chunks if c.doc_id == doc_id]
        copies = np.stack([stored[record_id(rid, c.ordinal)] for c in chunks])
        index.store.vectors.put([("rpending" + rid, c) for c in chunks], copies)
    assert index.store.vectors.count() == 2 * len(index.chunks)
    after = index.dense_search(query, 10)
    assert [p for p, _ in after] == [p for p, _ in before]


# ------------------------------------------------------------------------------------------------ server mode


def _server(settings, chroma_server, prefix: str):
    host, port = chroma_server
    return replace(settings, chroma_host=host, chroma_port=port, collection_prefix=prefix)


@pytest.mark.server
def test_server_mode_holds_everything(small_settings, embeddings, chroma_server):
    settings = _server(small_settings, chroma_server, "t_store")
    first = build_index(settings, embeddings=embeddings)
    assert first.chunks_embedded > 20
    store = ChromaStore(settings)
    names = {c.name for c in store.client.list_collections()}
    assert {"t_store_state", "t_store_reports", "t_store_vectors"} <= names
    assert store._col("vectors").count() == first.chunks_total
    assert not (settings.index_dir / CATALOG).exists(), "nothing but the writer's lock file stays on the host"

    again = build_index(settings, embeddings=embeddings)
    assert again.chunks_embedded == 0 and again.generation == first.generation

    _relabelled_copy(settings, XILIN, "900_new.txt", "西林街道", "东湖街道")
    added = build_index(settings, embeddings=embeddings)
    assert added.added == ["900_new.txt"] and added.chunks_embedded < added.chunks_total
    hits = Searcher(settings, embeddings).search("东湖街道固定资产投资位列全区第一", k=3)
    assert hits[0].report.meta.name == "东湖街道"
    assert "17.03亿元" in " ".join(h.chunk.text for h in hits)
    assert "东湖街道" in Index.open(settings).report_text("900_new.txt")

    (settings.seeds_dir / "900_new.txt").unlink()
    removed = build_index(settings, embeddings=embeddings)
    assert removed.removed == ["900_new.txt"]
    assert store._col("vectors").count() == removed.chunks_total + added.chunks_embedded  # retired one kept once


# Host 2: its own empty index folder and no reports folder; serves what the server holds, then waits for a report
# that host 1 adds. Prints one JSON line per event; counts passage embeddings (there must be none).
_HOST = textwrap.dedent(
    """
    import json, sys, time
    from dataclasses import replace
    import rag
    from rag.config import Settings
    from rag.answering.retrieval import Searcher
    from rag.indexing.embeddings import get_embeddings
    host, port, index_dir = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    settings = replace(Settings.from_env(index_dir=index_dir, seeds_dir=index_dir + "/no-seeds"),
                       chroma_host=host, chroma_port=port, collection_prefix="t_hosts")
    embeddings = get_embeddings(settings)
    calls = []
    original = embeddings.encode_passages
    embeddings.encode_passages = lambda *a, **k: calls.append(1) or original(*a, **k)
    searcher = Searcher(settings, embeddings)
    hit = searcher.search("西林街道固定资产投资多少？", k=1)[0]
    print(json.dumps({"event": "ready", "doc": hit.chunk.doc_id, "embedded": len(calls)}), flush=True)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        hit = searcher.search("东湖街道固定资产投资多少？", k=1)[0]
        if hit.report.meta.name == "东湖街道":
            print(json.dumps({"event": "seen", "at": time.time(), "doc": hit.chunk.doc_id,
                              "text": hit.chunk.text, "embedded": len(calls)}), flush=True)
            break
        time.sleep(0.2)
    """
)


@pytest.mark.server
def test_two_hosts_share_one_server(small_settings, embeddings, chroma_server, tmp_path):
    host, port = chroma_server
    settings = _server(small_settings, chroma_server, "t_hosts")
    build_index(settings, embeddings=embeddings)
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("CHROMA_")}
    other = subprocess.Popen(
        [sys.executable, "-c", _HOST, host, str(port), str(tmp_path / "host2")],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        ready = json.loads(other.stdout.readline() or "{}")
        assert ready.get("event") == "ready", other.stderr.read()[-2000:]
        assert ready["doc"] == XILIN and ready["embedded"] == 0, "host 2 serves the corpus without embedding it"

        _relabelled_copy(settings, XILIN, "900_new.txt", "西林街道", "东湖街道")
        added = build_index(settings, embeddings=embeddings)
        switched = time.time()
        assert added.added == ["900_new.txt"]
        seen = json.loads(other.stdout.readline() or "{}")
        assert seen.get("event") == "seen", other.stderr.read()[-2000:]
        assert seen["doc"] == "900_new.txt" and seen["embedded"] == 0
        # The documented delay is SYNC_SECONDS (2 s) plus reading the new revision; not asserted as a timing.
        print(f"host 2 answered from the new report {seen['at'] - switched:.1f} s after the switch")
    finally:
        other.kill()
        other.wait(timeout=30)


@pytest.mark.server
def test_server_client_options_come_from_the_environment(monkeypatch, chroma_server):
    from rag.config import Settings
    from rag.indexing.store import chroma_client

    host, port = chroma_server
    monkeypatch.setenv("CHROMA_HOST", host)
    monkeypatch.setenv("CHROMA_PORT", str(port))
    monkeypatch.setenv("CHROMA_AUTH_TOKEN", "s3cret")
    settings = Settings.from_env()
    assert settings.chroma_auth_token == "s3cret" and not settings.chroma_ssl
    client = chroma_client(settings)  # the loopback server has no auth: the token is sent and ignored
    assert client.heartbeat() > 0
    assert client.get_settings().chroma_client_auth_credentials == "s3cret"
    monkeypatch.setenv("CHROMA_SSL", "1")
    assert Settings.from_env().chroma_ssl
    with pytest.raises(Exception, match=r"(?i)connect"):
        chroma_client(Settings.from_env())  # https to a plain-http server fails to connect


def test_term_counts_are_the_counts_of_keyword_tokens():
    """The vectorised counting gives, per text, exactly the Counter of `keyword_tokens` (a text without tokens: ∅)."""
    from collections import Counter

    from rag.indexing.keywords import Vocabulary

    texts = [
        (ROOT / "seeds" / XILIN).read_text(encoding="utf-8")[:3000],
        "",
        "。、",
        "中",
        "2023年GDP达到17.03亿元，增长5.6%，12.5.6 ABC def",
        "㐀豈 甲 乙丙\n丁",
        "a中b文c",
    ]
    vocabulary = Vocabulary()
    counts = term_counts(texts, vocabulary)
    names = {i: t for t, i in vocabulary._ids.items()}
    for row, text in enumerate(texts):
        a, b = counts.indptr[row], counts.indptr[row + 1]
        got = {names[int(i)]: int(c) for i, c in zip(counts.ids[a:b], counts.counts[a:b], strict=True)}
        assert got == dict(Counter(keyword_tokens(text) or ["∅"])), text[:20]
    again = term_counts(texts[:1], vocabulary)  # known tokens keep their ids
    assert set(again.ids.tolist()) <= set(counts.ids[: counts.indptr[1]].tolist())
