"""rag/ingest/normalize.py: the one normalisation step (characters, inserted spaces, page furniture, wraps)."""

from __future__ import annotations

import unicodedata

import pytest

from rag.ingest.normalize import (
    PAGE_BREAK,
    drop_running_lines,
    fold_chars,
    is_running_line,
    join_cjk_spaces,
    join_wrapped_lines,
    normalize_pages,
    normalize_text,
)


def _unified(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" or "\U00020000" <= ch <= "\U0002fa1f"


def test_every_radical_with_an_equivalent_becomes_a_unified_ideograph() -> None:
    radicals = [chr(c) for c in range(0x2E80, 0x2FE0) if unicodedata.category(chr(c)) == "So"]  # assigned ones
    folded = {ch: fold_chars(ch) for ch in radicals}
    left = sorted(ch for ch, out in folded.items() if not _unified(out))
    # Unicode lists no equivalent ideograph for U+2E80 (EquivalentUnifiedIdeograph.txt); U+2E9A is unassigned.
    assert left == ["\u2e80"]
    assert fold_chars("⼀⼯⼊⽐⻓⻅⻔") == "一工入比长见门"
    assert fold_chars("⼾") == "戶"  # Unicode's equivalent is the traditional form (known limit: SC text means 户)


def test_fold_keeps_meaningful_forms_and_chinese_punctuation() -> None:
    assert fold_chars("１２．５％，①加快建设１０００㎡，Ｆ１") == "12.5％，①加快建设1000㎡，F1"
    assert fold_chars("a\u3000b\xa0c\u00add\u200be") == "a b cde"  # ideographic/no-break space, soft hyphen, ZWSP


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("1-5 月 , 完成财税收入 5545 万元", "1-5月,完成财税收入5545万元"),
        ("完成 5.83 亿元 ， 同比增长 12.5 %", "完成5.83亿元，同比增长12.5%"),
        ("单 位 ： 万 元", "单位：万元"),
        ("实现 GDP 增长 Q1 2023 , high-level plan", "实现 GDP 增长 Q1 2023 , high-level plan"),
        ("1. 经济发展", "1. 经济发展"),  # an author's space after a list number stays
        ("指标\t数值", "指标\t数值"),  # tabs separate cells
    ],
)
def test_inserted_spaces_are_removed(raw: str, clean: str) -> None:
    assert join_cjk_spaces(raw) == clean


@pytest.mark.parametrize(
    "line",
    ["11/29/26, 2:25 PM", "11/29/26, 2:25 PM 西林街道2024年上半年工作总结", "2026/11/29 14:25", "file:///tmp/a.html 1/4",
     "https://www.example.gov.cn/art/2021/3/10.html 2/3", "第 3 页 共 10 页", "第3页/共10页", "共10页 第3页", "- 3 -",
     "— 12 —", "3", "3 / 10", "Page 3 of 10"],
)  # fmt: skip
def test_page_furniture_lines(line: str) -> None:
    assert is_running_line(line)


@pytest.mark.parametrize("line", ["2023年工作总结", "1-6月，完成规模工业产值80.1亿元。", "3. 项目建设", "第三季度"])
def test_report_lines_are_not_furniture(line: str) -> None:
    assert not is_running_line(line)


def test_lines_repeated_at_page_edges_are_dropped() -> None:
    pages = [
        ["西林街道工作总结（内部资料）", f"第{n}段正文，内容各不相同。", "正文继续。", "钟楼区人民政府办公室印"]
        for n in range(4)
    ]
    kept = drop_running_lines(pages)
    assert all(page == [f"第{n}段正文，内容各不相同。", "正文继续。"] for n, page in enumerate(kept))
    # A single page has nothing to repeat: its lines stay.
    assert drop_running_lines(pages[:1]) == pages[:1]


def test_visual_wraps_are_joined_but_not_headings() -> None:
    lines = [
        "一、经济运行",
        "今年以来，街道坚持稳中求进的工作总基调，全面推进各项工作，完成规模工业",
        "总产值80.1亿元。",
        "（一）项目建设",
        "The plan was adopted after a long and care-",
        "ful review of the figures.",
    ]
    assert join_wrapped_lines(lines) == [
        "一、经济运行",
        "今年以来，街道坚持稳中求进的工作总基调，全面推进各项工作，完成规模工业总产值80.1亿元。",
        "（一）项目建设",
        "The plan was adopted after a long and careful review of the figures.",
    ]


def test_table_rows_are_never_joined() -> None:
    rows = ["指标：高新技术企业数；完成值：47家；同比增幅：17.5%；全区排名：第一"] * 2
    assert join_wrapped_lines([*rows, "短行。"]) == [*rows, "短行。"]


def test_pages_are_joined_with_page_breaks_and_sentences_carried_over() -> None:
    header = "11/29/26, 2:25 PM 西林街道2024年上半年工作总结"
    page1 = f"{header}\n西林街道2024年上半年工作总结\n今年以来，街道坚持稳中求进的工作总基调，完成规模工业总产\nfile:///r.html 1/2"
    page2 = f"{header}\n值80.1亿元。\n二、下半年工作打算\nfile:///r.html 2/2"
    text = normalize_pages([page1, page2])
    assert text.split("\n") == [
        "西林街道2024年上半年工作总结",
        "今年以来，街道坚持稳中求进的工作总基调，完成规模工业总产值80.1亿元。",
        PAGE_BREAK,
        "二、下半年工作打算",
    ]


def test_normalize_text_is_idempotent_and_line_preserving() -> None:
    raw = " ⼀、经济运⾏\r\n1-6⽉ ， 完成 80.1 亿元。\n\n"
    once = normalize_text(raw)
    assert once == "一、经济运行\n1-6月，完成80.1亿元。\n\n"
    assert normalize_text(once) == once
