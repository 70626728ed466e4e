"""Chinese numerals, read once for the whole system with `cn2an`: "第十二" -> 12, "两百" -> 200, "1.2万" -> 12000.

cn2an takes ~1 s to import (it builds its tables up front), so it is loaded on first use; results are cached.
"""

from __future__ import annotations

import re
from functools import lru_cache

# The characters a heading, list item or session number is written with ("三、", "（十二）", "第八届"): no 零.
CN_LIST_DIGITS = "一二三四五六七八九十"
# The characters a Chinese numeral is written with (for building patterns: "第[…]+", "[…]+个").
CN_DIGITS = "零" + CN_LIST_DIGITS
CN_NUMERAL_CHARS = CN_DIGITS + "两百千万"
# A number written in Chinese numerals ("三千", "两百", "十二"): at least one digit, not a bare "万" (万人大会).
CN_NUMBER = f"[{CN_NUMERAL_CHARS}]*[{CN_DIGITS}两][{CN_NUMERAL_CHARS}]*"
# Scale words between a figure and its unit: "17万人次", "48.2亿斤".
SCALE_CHARS = "十百千万亿"
# English ordinals as questions and answers write them: "first" … "tenth", "1st" … "10th".
EN_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth")
EN_ORDINAL_ABBREVIATIONS = ("1st", "2nd", "3rd", "4th", "5th", "6th", "7th", "8th", "9th", "10th")
_ORDINAL_WRAP = re.compile(r"^第|[位名]$")
# A year written digit by digit in Chinese numerals, as dates under a report's title are ("二〇二一年"); the zero is
# written 〇, ○, 零, Ｏ or 0.
_CN_ZEROS = "〇○0零Ｏ"
CN_YEAR = f"二[{_CN_ZEROS}][{_CN_ZEROS}一二三四五六七八九]{{2}}"
_YEAR_DIGIT = {ch: str(i) for i, ch in enumerate("〇一二三四五六七八九")} | dict.fromkeys(_CN_ZEROS, "0")
# A statistical bulletin's note mark ("国内生产总值[2]1015986亿元", "[19]网上零售额是指…"): it points to a note, it
# states no figure.
NOTE_MARK = re.compile(r"\[\d{1,3}\]")


@lru_cache(maxsize=1)
def _cn2an():
    import cn2an

    return cn2an.cn2an


@lru_cache(maxsize=4096)
def parse_number(text: str) -> float | None:
    """The value of one number written in Chinese, Arabic or mixed digits ("二十三", "两", "1.2万", "17.5"), or
    None when the text is not exactly one number ("十十", "第一", "")."""
    text = text.strip()
    if not text:
        return None
    # Pure Chinese numerals are read strictly ("一二" is not 12; 两 is 二); with Arabic digits ("1.2万") smart mode.
    mixed = any(ch.isascii() for ch in text)
    try:
        return float(_cn2an()(text if mixed else text.replace("两", "二"), "smart" if mixed else "strict"))
    except (ValueError, KeyError, IndexError, TypeError):  # cn2an signals "not a number" with ValueError/KeyError
        return None


def parse_int(text: str) -> int | None:
    """A whole number ("十二" -> 12, "零" -> 0), or None (not a number, or not whole)."""
    value = parse_number(text)
    return int(value) if value is not None and value == int(value) else None


def ordinal(text: str) -> int | None:
    """A rank as written: "第十二" -> 12, "第3名" -> 3, "首位" -> 1, "十一" -> 11; None when it is not one."""
    text = text.strip()
    if text.startswith("首"):
        return 1
    value = parse_int(_ORDINAL_WRAP.sub("", text))
    return value if value is not None and value > 0 else None


def year_number(text: str) -> int:
    """A year written in digits or digit by digit in Chinese numerals: "2021" or "二〇二一" -> 2021."""
    return int(text) if text.isdigit() else int("".join(_YEAR_DIGIT.get(ch, ch) for ch in text))


def en_ordinal(n: int) -> str | None:
    """3 -> "third"; None beyond "tenth" (an answer then keeps the Chinese rank text)."""
    return EN_ORDINALS[n - 1] if 1 <= n <= len(EN_ORDINALS) else None


def parse_en_ordinal(word: str) -> int | None:
    """ "third" / "3rd" -> 3; None for any other word."""
    word = word.lower()
    for names in (EN_ORDINALS, EN_ORDINAL_ABBREVIATIONS):
        if word in names:
            return names.index(word) + 1
    return None
