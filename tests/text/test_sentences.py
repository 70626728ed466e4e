"""rag/text/sentences.py: one splitter, each caller's rules as parameters."""

from __future__ import annotations

from rag.text.sentences import CLOSERS, sentence_spans


def texts(text: str, spans: list[tuple[int, int]]) -> list[str]:
    return [text[s:e] for s, e in spans]


def test_default_keeps_marks_and_offsets() -> None:
    text = "完成17.03亿元。增长5%！排名第一？好"
    spans = sentence_spans(text)
    assert texts(text, spans) == ["完成17.03亿元。", "增长5%！", "排名第一？", "好"]
    assert spans[1] == (10, 15)


def test_run_of_marks_and_closers() -> None:
    text = "他说：“很好！”。下一句？！再一句"
    assert texts(text, sentence_spans(text, closers=CLOSERS)) == ["他说：“很好！”", "。", "下一句？！", "再一句"]


def test_quotes_keep_a_quoted_sentence_whole() -> None:
    text = "打造“你好!北大街”品牌。第二句\n第三句"
    assert texts(text, sentence_spans(text, quotes=True)) == ["打造“你好!北大街”品牌。", "第二句\n", "第三句"]
    assert texts(text, sentence_spans(text))[0] == "打造“你好!"


def test_separators_and_ascii_period() -> None:
    text = "规模工业产值8.59亿元，增幅5.1%;位列第三。1.经济运行\n\n收入99.4%."
    spans = sentence_spans(text, ends="。！？!?", keep_marks=False, ascii_period=True)
    # marks dropped, no empty spans, the decimal points stay, a semicolon is not an end here
    assert texts(text, spans) == ["规模工业产值8.59亿元，增幅5.1%;位列第三", "1", "经济运行", "收入99.4%"]


def test_a_range_of_the_text() -> None:
    text = "前言。一、正文第一句。第二句。"
    assert sentence_spans(text, 3, 11) == [(3, 11)]
    assert sentence_spans(text, 3) == [(3, 11), (11, 15)]
