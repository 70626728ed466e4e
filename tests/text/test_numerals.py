"""rag/text/numerals.py: Chinese numerals through cn2an."""

from __future__ import annotations

import pytest

from rag.text.numerals import ordinal, parse_int, parse_number


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("一", 1),
        ("十", 10),
        ("十二", 12),
        ("二十三", 23),
        ("九十九", 99),
        ("两", 2),
        ("两百", 200),
        ("三千", 3000),
        ("一万二千", 12000),
        ("零", 0),
        ("17", 17),
    ],
)
def test_parse_int(text: str, value: int) -> None:
    assert parse_int(text) == value


def test_mixed_and_decimal_numbers() -> None:
    assert parse_number("1.2万") == 12000
    assert parse_number("3.5") == 3.5
    assert parse_int("3.5") is None  # not a whole number


@pytest.mark.parametrize("text", ["", "十十", "一二", "第", "百分", "abc"])
def test_not_a_number(text: str) -> None:
    assert parse_number(text) is None


@pytest.mark.parametrize(
    ("text", "rank"),
    [("第一", 1), ("第十二", 12), ("第二十", 20), ("首位", 1), ("第3名", 3), ("十一", 11), ("第三位", 3)],
)
def test_ordinal(text: str, rank: int) -> None:
    assert ordinal(text) == rank


def test_ordinal_rejects_non_ranks() -> None:
    assert ordinal("第零") is None and ordinal("第") is None and ordinal("书记") is None


def test_english_ordinals_both_ways():
    from rag.text.numerals import en_ordinal, parse_en_ordinal

    assert [en_ordinal(n) for n in (1, 3, 10, 11, 0)] == ["first", "third", "tenth", None, None]
    assert [parse_en_ordinal(w) for w in ("First", "3rd", "10th", "eleventh", "rank")] == [1, 3, 10, None, None]
