"""Place names in questions and reports: a street's short name, its pinyin, and "XX街道/镇/乡" mentions."""

from __future__ import annotations

import re

PLACE_SUFFIXES = ("街道", "镇", "乡")
# "青龙街道" in a text: a place the loaded reports may or may not cover (2-4 Han characters, then the suffix).
STREET_MENTION = re.compile(r"([\u4e00-\u9fff]{2,4}?)(街道|镇|乡)")


def short_name(street: str) -> str:
    """ "西林街道" -> "西林"; a name that would be left with one character keeps its suffix ("东镇")."""
    for suffix in PLACE_SUFFIXES:
        if street.endswith(suffix) and len(street) - len(suffix) >= 2:
            return street[: -len(suffix)]
    return street


def pinyin_name(street: str) -> str:
    """ "西林街道" -> "Xilin": how an English question writes the street."""
    from pypinyin import lazy_pinyin  # imported late: the LLM module uses this without loading the index stack

    return "".join(lazy_pinyin(short_name(street))).capitalize()
