"""bench.scale over real reports asks the questions about the reports of each size; the vector cache keeps what the
model embedded for it."""

from __future__ import annotations

import numpy as np

from bench.embed_cache import CachedEmbeddings, EmbeddingCache
from bench.scale import questions_for, real_files

ROWS = [
    {"question": "a", "doc": "corpus-large/001_a.txt", "kind": "fact"},
    {"question": "b", "doc": "corpus-large/002_b.txt", "docs": ["corpus-large/003_c.txt"], "kind": "trend"},
    {"question": "c", "doc": "", "unanswerable": True, "kind": "unanswerable"},
    {"question": "d", "doc": "corpus-large/009_z.txt", "kind": "fact"},
]


def test_questions_are_those_about_the_reports_present():
    assert [r["question"] for r in questions_for(ROWS, ["001_a.txt", "002_b.txt"])] == ["a", "c"]
    assert [r["question"] for r in questions_for(ROWS, ["001_a.txt", "002_b.txt", "003_c.txt"])] == ["a", "b", "c"]
    assert {r["kind"] for r in questions_for(ROWS, [])} == {"dev", "corpus"}  # synthetic corpus: the dev sets


def test_reports_the_questions_cite_come_first(tmp_path):
    for name in ("001_a.txt", "005_x.txt", "009_z.txt", "notes.md"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    assert [p.name for p in real_files(tmp_path, ROWS)] == ["001_a.txt", "009_z.txt", "005_x.txt"]


def test_cache_keeps_the_vectors_the_model_embedded(tmp_path, embeddings):
    texts = ["西林街道全年新增就业1200人。", "荷花池街道完成老旧小区改造3个。"]
    first = CachedEmbeddings(embeddings, EmbeddingCache(tmp_path / "c.sqlite"), store_misses=True)
    vectors = first.encode_passages(texts)
    assert (first.hits, first.misses) == (0, 2)
    again = CachedEmbeddings(embeddings, EmbeddingCache(tmp_path / "c.sqlite"))
    assert np.array_equal(again.encode_passages(texts), vectors) and (again.hits, again.misses) == (2, 0)
    plain = CachedEmbeddings(embeddings, EmbeddingCache(tmp_path / "d.sqlite"))
    plain.encode_passages(texts)
    assert len(plain.cache) == 0, "without store_misses the cache is left as it was"
