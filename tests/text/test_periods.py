"""rag/text/periods.py: the one period parser (month ranges, named periods, years) and its equivalences."""

from __future__ import annotations

import pytest

from rag.text.periods import asked_period, find_periods, month_ranges, report_period, same_period


@pytest.mark.parametrize(
    ("text", "periods"),
    [
        ("1-6月完成一般公共预算收入", ["1-6月"]),
        ("1—6月份", ["1-6月"]),  # em dash and 份
        ("1至6月", ["1-6月"]),
        ("1月－10月", ["1-10月"]),  # full-width hyphen, 月 on both ends
        ("一至十二月", ["1-12月"]),  # Chinese numerals
        ("2022年上半年", ["上半年"]),  # the year in front of a sub-year period is absorbed
        ("第1季度和前三季度", ["一季度", "前三季度"]),
        ("2017年，全年", ["2017年", "全年"]),
        ("2018年初、2017年度", []),  # a point in time and an adjective are not periods
        ("10.1-6月", []),  # not a range that starts after a decimal point
    ],
)
def test_find_periods(text: str, periods: list[str]) -> None:
    assert find_periods(text) == periods


def test_month_ranges() -> None:
    assert month_ranges("1-5月完成…，1至6月预计…") == [(1, 5), (1, 6)]


def test_same_period_equivalences() -> None:
    assert same_period("上半年", "1-6月") and same_period("1-6月", "上半年")
    assert same_period("全年", "1-12月") and same_period("前三季度", "1-9月") and same_period("一季度", "1-3月")
    assert not same_period("上半年", "1-5月") and not same_period("上半年", None)


def test_asked_period() -> None:
    assert asked_period("秦灶街道1-9月服务业应税销售完成多少？全年预计多少？") == "1-9月"
    assert asked_period("2021年上半年规模工业产值") == "上半年"
    assert asked_period("2021年规模工业产值") == "2021年"
    assert asked_period("What was the budget revenue in the first half?") == "上半年"
    assert asked_period("规模工业产值是多少") is None


@pytest.mark.parametrize(
    ("phrase", "period"),
    [
        ("2021年上半年工作总结", "上半年"),
        ("1—6月工作情况", "上半年"),
        ("一至六月份", "上半年"),
        ("1-5月", "1-5月"),
        ("1月—5月", "1-5月"),
        ("2021年下半年工作计划", "工作计划"),
        ("1至10月经济运行", "1-10月"),
        ("第一季度工作总结", "一季度"),
        ("前三季度", "前三季度"),
        ("2020年度工作总结", "全年"),
        ("2021年工作总结和2022年工作计划", "全年"),
        ("秦灶街道2021年工作计划", "工作计划"),
        ("2024年工作要点", "工作计划"),
        ("南通市崇川区秦灶街道", None),
    ],
)
def test_report_period(phrase: str, period: str | None) -> None:
    assert report_period(phrase) == period
