"""rag/text/vocab.py: the vocabulary data files load, are consistent, and feed every consumer."""

from __future__ import annotations

import re

from rag.text.vocab import (
    alternation,
    asked_units,
    blocking_prefixes,
    en_glossary,
    markers,
    metric_synonyms,
    money_scale,
    rank_scopes,
    unit_families,
    value_units,
)

METRIC_SYNONYMS = metric_synonyms()


def test_synonym_table_is_consistent() -> None:
    seen: dict[str, str] = {}
    for norm, forms in METRIC_SYNONYMS.items():
        assert norm in forms, norm
        for f in forms:
            assert seen.setdefault(f, norm) == norm, f"{f} listed under {seen[f]} and {norm}"
    assert "工业总产值" not in METRIC_SYNONYMS["规模工业产值"]


def test_files_hold_what_the_code_expects() -> None:
    assert "农村" in blocking_prefixes()
    assert en_glossary()["gdp"] == ("地区生产总值",)
    assert all(phrase == phrase.lower() for phrase in en_glossary())  # matched case-insensitively as lower case
    assert {"预计", "有望"} <= set(markers("forecast")) and "力争" in markers("aim")
    assert rank_scopes()["全区"] == "district" and rank_scopes()["全县"] == "county"
    assert money_scale()["亿元"] == ("CNY", 1e8)
    assert "年" not in value_units() and "年" in asked_units()  # "2021年" is never a value; "多少年" asks one
    families = unit_families()
    assert all(set(family) <= set(value_units()) for family in families)  # a family only holds units of values
    assert any({"元", "亿元"} <= set(f) for f in families) and any({"吨", "万吨", "亿斤"} <= set(f) for f in families)


def test_alternation_prefers_the_longest_word() -> None:
    pattern = re.compile(alternation(("平方米", "万平方米", "米")))
    assert pattern.search("改造12万平方米").group() == "万平方米"
    assert re.search(rf"(?:多少|几)({alternation(asked_units())})", "几个百分点").group(1) == "个百分点"
