"""Incremental indexing by content hash, generations, schema/model checks — on the real model and real Chroma."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace

import pytest

from rag.answering.retrieval import Searcher
from rag.indexing.store import (
    POINTER,
    SCHEMA_VERSION,
    Index,
    IndexMismatchError,
    IndexMissingError,
    build_index,
    current_generation,
)

XILIN = "002_fe0a95f5f2085df9.txt"


def _relabelled_copy(settings, source: str, name: str, old: str, new: str) -> None:
    text = (settings.seeds_dir / source).read_text(encoding="utf-8")
    (settings.seeds_dir / name).write_text(text.replace(old, new), encoding="utf-8")


def test_incremental_add_change_remove(small_settings, embeddings):
    first = build_index(small_settings, embeddings=embeddings)
    assert len(first.added) == 2 and first.chunks_embedded == first.chunks_total > 20
    gen1 = first.generation

    again = build_index(small_settings, embeddings=embeddings)
    assert again.chunks_embedded == 0 and len(again.unchanged) == 2 and not again.changed
    assert again.generation == gen1, "an unchanged corpus must not write a new generation"

    _relabelled_copy(small_settings, XILIN, "900_new.txt", "西林街道", "东湖街道")
    added = build_index(small_settings, embeddings=embeddings)
    index = Index.open(small_settings)
    new_chunks = [c for c in index.chunks if c.doc_id == "900_new.txt"]
    assert added.added == ["900_new.txt"] and len(added.unchanged) == 2
    assert added.chunks_embedded == len(new_chunks) > 0
    assert index.reports["900_new.txt"].meta.street == "东湖街道"
    assert added.chunks_total == first.chunks_total + len(new_chunks)

    path = small_settings.seeds_dir / "900_new.txt"
    path.write_text(
        path.read_text(encoding="utf-8") + "\n东湖街道新增一段说明：全年完成绿化提升工程3项。\n", encoding="utf-8"
    )
    changed = build_index(small_settings, embeddings=embeddings)
    assert changed.updated == ["900_new.txt"] and changed.added == [] and changed.chunks_embedded > 0

    path.unlink()
    removed = build_index(small_settings, embeddings=embeddings)
    assert removed.removed == ["900_new.txt"] and removed.chunks_embedded == 0
    index = Index.open(small_settings)
    assert "900_new.txt" not in index.reports
    assert index.collection.count() == len(index.chunks) == first.chunks_total
    hits = Searcher(small_settings, embeddings).search("东湖街道", k=10)
    assert all(h.chunk.doc_id != "900_new.txt" for h in hits)


def test_duplicate_content_is_indexed_once(small_settings, embeddings):
    shutil.copy(small_settings.seeds_dir / XILIN, small_settings.seeds_dir / "xilin-copy.txt")
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


def test_rebuild_swaps_generation_and_prunes(small_settings, embeddings):
    first = build_index(small_settings, embeddings=embeddings)
    leftover = small_settings.index_dir / "gen-00000000T000000000000-dead00"
    leftover.mkdir()  # an unfinished build from a crash: no meta.json
    second = build_index(small_settings, rebuild=True, embeddings=embeddings)
    assert second.generation != first.generation
    assert second.chunks_embedded == second.chunks_total
    assert current_generation(small_settings.index_dir) == second.generation
    assert not leftover.exists()
    # The previous generation is kept for readers still using it.
    assert (small_settings.index_dir / first.generation / "meta.json").exists()
    old = Index.open(small_settings)
    assert old.generation == second.generation


def test_missing_and_mismatched_index(small_settings, embeddings):
    with pytest.raises(IndexMissingError, match="python -m rag index"):
        Index.open(small_settings)
    result = build_index(small_settings, embeddings=embeddings)
    meta_path = small_settings.index_dir / result.generation / "meta.json"
    info = json.loads(meta_path.read_text())

    meta_path.write_text(json.dumps({**info, "model": "some-other-model"}))
    with pytest.raises(IndexMismatchError, match="--rebuild"):
        Index.open(small_settings, expected_model=embeddings.name)
    with pytest.raises(IndexMismatchError, match="--rebuild"):
        Searcher(small_settings, embeddings).search("西林街道")

    meta_path.write_text(json.dumps({**info, "schema": SCHEMA_VERSION - 1}))
    with pytest.raises(IndexMismatchError, match="--rebuild"):
        Index.open(small_settings)
    # A plain `index` run replaces an incompatible index with a full build.
    fixed = build_index(small_settings, embeddings=embeddings)
    assert fixed.chunks_embedded == fixed.chunks_total
    assert Index.open(small_settings, expected_model=embeddings.name).info["schema"] == SCHEMA_VERSION


def test_pointer_names_a_complete_generation(small_settings, embeddings):
    result = build_index(small_settings, embeddings=embeddings)
    assert (small_settings.index_dir / POINTER).read_text().strip() == result.generation
    # A pointer to a generation without meta.json counts as no index (never half-read).
    (small_settings.index_dir / POINTER).write_text("gen-missing")
    assert current_generation(small_settings.index_dir) is None


@pytest.mark.server
def test_server_mode_index_and_search(small_settings, embeddings, chroma_server):
    host, port = chroma_server
    settings = replace(small_settings, chroma_host=host, chroma_port=port, collection_prefix="t_store")
    first = build_index(settings, embeddings=embeddings)
    assert first.chunks_embedded > 20
    import chromadb

    client = chromadb.HttpClient(host=host, port=port)
    names = {c.name for c in client.list_collections()}
    assert f"t_store_{first.generation}" in names
    assert not (settings.index_dir / first.generation / "chroma").exists(), "vectors must live on the server"

    again = build_index(settings, embeddings=embeddings)
    assert again.chunks_embedded == 0

    _relabelled_copy(settings, XILIN, "900_new.txt", "西林街道", "东湖街道")
    added = build_index(settings, embeddings=embeddings)
    assert added.added == ["900_new.txt"]
    hits = Searcher(settings, embeddings).search("东湖街道固定资产投资位列全区第一", k=3)
    assert hits[0].report.meta.street == "东湖街道"
    assert "17.03亿元" in " ".join(h.chunk.text for h in hits)

    # The same index folder opened in embedded mode is refused with a clear message.
    with pytest.raises(IndexMismatchError, match="--rebuild"):
        Index.open(small_settings)
