from __future__ import annotations

import itertools

import pytest

from rag.config import ROOT
from rag.indexing.chunking import MAX_CHARS, chunk_document, heading_level, heading_title
from rag.ingest.documents import Document, ReportMeta, load_folder
from rag.text.places import Place

SEEDS = ROOT / "seeds"
_ENDS = "。！？；!?;”’」』）)"


@pytest.fixture(scope="module")
def seed_docs() -> list[Document]:
    docs, errors = load_folder(SEEDS)
    assert not errors
    assert len(docs) == 5
    return docs


def _doc(text: str, place: str = "西林街道") -> Document:
    meta = ReportMeta(place=Place(place, "街道"), year=2023, period="上半年")
    return Document("t.txt", SEEDS / "t.txt", text, "0" * 64, "utf-8", meta)


def test_offsets_are_exact_on_every_seed(seed_docs):
    for doc in seed_docs:
        chunks = chunk_document(doc)
        assert chunks, doc.doc_id
        for chunk in chunks:
            assert chunk.text == doc.text[chunk.start : chunk.end]
            assert chunk.text == chunk.text.strip()
        starts = [c.start for c in chunks]
        assert starts == sorted(starts)
        # Chunks do not overlap.
        assert all(a.end <= b.start for a, b in itertools.pairwise(chunks))


def test_sizes_and_sentence_boundaries(seed_docs):
    sizes = []
    for doc in seed_docs:
        for chunk in chunk_document(doc):
            sizes.append(len(chunk.text))
            assert len(chunk.text) <= MAX_CHARS
            after = doc.text[chunk.end : chunk.end + 1]
            # A chunk ends at a sentence end or at the end of a line/report — never mid-sentence.
            assert chunk.text[-1] in _ENDS or after in ("", "\n") or len(chunk.text) >= MAX_CHARS - 50, chunk.text[-30:]
    median = sorted(sizes)[len(sizes) // 2]
    assert 180 <= median <= 400, median


def test_nothing_is_lost(seed_docs):
    """Every non-space character of the report lands in exactly one chunk."""
    for doc in seed_docs:
        covered = "".join(c.text for c in chunk_document(doc))
        assert "".join(covered.split()) == "".join(doc.text.split())


def test_section_path_and_header_name_the_place(seed_docs):
    xilin = next(d for d in seed_docs if d.meta.name == "西林街道")
    chunk = next(c for c in chunk_document(xilin) if "固定资产投资17.03亿元" in c.text)
    assert "一是致力产业培育" in chunk.section
    assert chunk.header.startswith("西林街道")
    assert "西林街道" in chunk.indexed_text and "17.03亿元" in chunk.indexed_text
    # The header is never part of what is displayed.
    assert "西林街道 ·" not in chunk.text


def test_chunks_do_not_straddle_top_level_sections():
    text = (
        "一、上半年工作总结\n"
        + "经济运行平稳，各项指标稳中有进。" * 5
        + "\n二、下半年工作计划\n"
        + "持续推进重点项目建设。" * 5
    )
    chunks = chunk_document(_doc(text))
    assert len(chunks) == 2
    assert chunks[0].section == "一、上半年工作总结"
    assert chunks[1].section == "二、下半年工作计划"
    assert "二、" not in chunks[0].text


def test_over_long_sentence_is_cut_at_a_comma():
    clause = "完成规模工业总产值80.1亿元，"
    text = clause * 40 + "同比增长21.7%。"
    chunks = chunk_document(_doc(text))
    assert len(chunks) >= 2
    assert all(len(c.text) <= MAX_CHARS for c in chunks)
    assert all(c.text.endswith("，") for c in chunks[:-1])


@pytest.mark.parametrize(
    ("line", "level"),
    [
        ("一、上半年工作总结", 1),
        ("（一）决战“过万亿”,推动经济发展破难前行", 2),
        ("(二)聚焦城市更新", 2),
        ("1. 经济发展稳步提升。主要经济指标保持稳定增长", 3),
        ("一是致力产业培育,以争先之志迈上经济发展新台阶。", 4),
        ("2017年是深入推进“十三五”规划之年", None),
        ("1.52亿元的收入", None),
        ("今年以来,街道统筹推进", None),
    ],
)
def test_heading_levels(line, level):
    assert heading_level(line) == level


def test_heading_title_keeps_lead_phrase():
    assert heading_title("1. 经济发展稳步提升。主要经济指标保持稳定增长，1-5月") == "1. 经济发展稳步提升"
    assert heading_title("一是致力产业培育,以争先之志迈上经济发展新台阶。经济运行总体平稳。") == "一是致力产业培育"
