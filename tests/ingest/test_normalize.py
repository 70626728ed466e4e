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


def test_a_hard_wrapped_text_file_is_joined_into_paragraphs_but_paragraph_lines_are_not() -> None:
    # A 镇 report saved from a PDF as .txt (eval/reports/116): lines stop at the printed width, mid-sentence.
    wrapped = "\n".join(
        [
            "平湖镇2023年政府工作报告",
            "2022年工作回顾",
            "2022年是党的二十大召开之年,是实施“十四五”规划的",
            "重要一年。这一年来,镇政府在县委、县政府和镇党委的",
            "坚强领导下,顺利完成了镇第十九届人民代表大会第一次会议",
            "确定的各项目标任务。预计 2022 年全镇实现工农业总值",
            "31.88 亿元,增长 7%,其中农业总产值 17.2 亿元,增长",
            "5.5%,工业总产值 14.68 亿元,增长 9%;完成财政总收入",
            "1246.34 万元;固定资产投资 0.99 亿元;农民人均可支配收",
            "入 23631 元,增长 9%。二是食用菌产业高速发展,2022 年度,",
            "平湖镇食用菌年产量达 2.33 万吨,产值达 6.62 亿元。",
        ]
    )
    text = normalize_text(wrapped)
    assert "预计2022年全镇实现工农业总值31.88亿元,增长7%" in text
    assert "农民人均可支配收入23631元" in text
    assert text.split("\n")[:2] == ["平湖镇2023年政府工作报告", "2022年工作回顾"]  # short title lines stay
    paragraphs = "\n".join(["全市地区生产总值3100亿元，增长3.5%" + "，各项工作稳步推进" * 12 + "。"] * 12)
    assert normalize_text(paragraphs) == paragraphs  # lines that are paragraphs are never joined
