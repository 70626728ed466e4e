"""Checks that keep an answer honest: every number it states must be copied from a passage it cites.

"Numbers are sacred": an answer (extractive or written by an LLM) may only state a figure that a cited passage
contains. These are pure functions over text, shared by both answer engines:

- `numbers_in` finds the figures a reader takes as facts ("17.03", "52.4%", "-58.6%", "2023", both ends of
  "1-6月"), after folding full-width forms; Chinese-numeral words (第一, 三场) are not figures here, and citation
  markers like "[1]" are skipped;
- `unsupported_numbers` lists the answer's figures that no passage contains;
- `citations_in` / `bad_citations` read the "[n]" markers (also "［n］", "【n】", "[1, 2]", "[1-3]").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.text.numerals import CN_DIGITS, parse_int

# Full-width digits and marks, as Chinese text often writes them, folded to ASCII before matching.
_FOLD = str.maketrans("０１２３４５６７８９．％－＋−–—，～", "0123456789.%-+---,~")
# A citation marker: one or more source numbers in square/lenticular brackets ("[1]", "【2】", "[1, 3]", "[1-2]").
_CITATION = re.compile(r"[\[［【]\s*([0-9０-９]+(?:\s*[,，、\-–~～]\s*[0-9０-９]+)*)\s*[\]］】]")
# A figure: thousands-grouped ("1,234" — exactly three digits per group, so "5,6" in a list is two numbers) or
# plain, with an optional decimal part. A sign counts only where it cannot be a range dash or a hyphen.
_NUMBER = re.compile(r"(?P<int>\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.(?P<frac>\d+))?(?P<pct>\s?%)?")
_ORDINAL_SUFFIX = re.compile(r"(?:st|nd|rd|th)\b", re.IGNORECASE)
_ORDINAL_PREFIX = re.compile(r"(?:第|No\.\s?|#)$")
# Words in front of a figure that make it a decrease even without a minus sign ("同比下降58.6%").
_DECREASE = re.compile(r"(下降|减少|降幅|降低|回落|下滑|负增长|decrease|decline|down|fell|drop)\D{0,4}$", re.IGNORECASE)
# Chinese-numeral ordinals in a passage ("位列全区第一"): an English answer may write them as "1st"/"No. 1".
_CN_ORDINAL = re.compile(rf"第([{CN_DIGITS}]{{1,3}})")


@dataclass(frozen=True)
class Figure:
    """One number found in a text."""

    text: str  # as a reader would write it: ASCII, no thousands separators, sign and "%" kept ("-58.6%")
    key: str  # canonical digits for comparison: no sign, no "%", no leading/trailing zeros ("17.030" -> "17.03")
    negative: bool
    percent: bool
    ordinal: bool  # "1st", "第1": a rank, which a passage may spell "第一"
    start: int
    end: int


def fold(text: str) -> str:
    """Full-width digits and marks to ASCII, one character for one, so offsets stay valid."""
    return text.translate(_FOLD)


def _blank_citations(text: str) -> str:
    """Citation markers replaced by spaces of the same length: they are not figures."""
    return _CITATION.sub(lambda m: " " * len(m.group()), text)


def strip_citations(text: str) -> str:
    """The text without its "[n]" markers (old answers in a conversation cite sources that are gone)."""
    return _CITATION.sub("", text)


def canonical(int_part: str, frac: str | None) -> str:
    """'017.030' -> '17.03', '5.0' -> '5', '1,234' -> '1234': the digits that carry the value."""
    digits = int_part.replace(",", "").lstrip("0") or "0"
    frac = (frac or "").rstrip("0")
    return f"{digits}.{frac}" if frac else digits


def _is_sign(text: str, pos: int) -> bool:
    """Is text[pos] ('-' or '+') the sign of the number after it, not a range dash ("1-6月") or hyphen?"""
    if pos < 0 or text[pos] not in "-+":
        return False
    before = text[pos - 1] if pos > 0 else " "
    return not (before.isascii() and before.isalnum()) and before not in ".%)"


def _is_label(text: str, start: int) -> bool:
    """ "H1", "Q2", "G312": one capital letter glued to digits names a period or a road, it states no quantity.
    ("RMB1.52" and "PM2.5" keep their figures: more than one letter precedes them.)"""
    if start == 0 or not ("A" <= text[start - 1] <= "Z"):
        return False
    return start == 1 or not (text[start - 2].isascii() and text[start - 2].isalpha())


_LIST_MARKER = re.compile(r"[ \t]*(?:[-*•][ \t]*)?[(（]?$")


def _is_list_marker(text: str, m: re.Match) -> bool:
    """ "1. ", "2、", "(3)", "（4）" opening a line number the items of a list: they state no quantity."""
    if m.group("frac") or m.group("pct") or len(m.group("int")) > 2:
        return False
    line_start = text.rfind("\n", 0, m.start()) + 1
    if not _LIST_MARKER.fullmatch(text, line_start, m.start()):
        return False
    after = text[m.end() : m.end() + 2]
    return bool(re.match(r"[.、)）](?!\d)", after))


def figures(text: str) -> list[Figure]:
    """Every figure in the text, in order; see the module docstring for what counts."""
    folded = _blank_citations(fold(text))
    found: list[Figure] = []
    for m in _NUMBER.finditer(folded):
        start = m.start()
        before = folded[start - 1] if start > 0 else " "
        if before.isdigit() or (before == "." and start > 1 and folded[start - 2].isdigit()):
            continue  # the tail of "1.2.3" style codes: not a separate figure
        if _is_label(folded, start) or _is_list_marker(folded, m):
            continue
        negative = _is_sign(folded, start - 1) and folded[start - 1] == "-"
        percent = bool(m.group("pct"))
        ordinal = bool(
            _ORDINAL_SUFFIX.match(folded, m.end()) or _ORDINAL_PREFIX.search(folded[max(0, start - 4) : start])
        )
        key = canonical(m.group("int"), m.group("frac"))
        shown = m.group("int").replace(",", "") + (f".{m.group('frac')}" if m.group("frac") else "")
        shown = ("-" if negative else "") + shown + ("%" if percent else "")
        found.append(Figure(shown, key, negative, percent, ordinal, start - negative, m.end()))
    return found


def numbers_in(text: str) -> list[str]:
    """The figures of a text as written (ASCII, no thousands separators), in order, repeats kept."""
    return [f.text for f in figures(text)]


@dataclass(frozen=True)
class _Evidence:
    """What the passages contain, ready for lookups."""

    keys: frozenset[str]  # every figure's canonical digits
    negative_keys: frozenset[str]  # figures written with a minus or after a decrease word
    ordinal_keys: frozenset[str]  # ranks spelled "第一" etc.


def _evidence(passages: list[str]) -> _Evidence:
    keys: set[str] = set()
    negative: set[str] = set()
    ordinals: set[str] = set()
    for passage in passages:
        folded = fold(passage)
        for f in figures(passage):
            keys.add(f.key)
            if f.negative or _DECREASE.search(folded[max(0, f.start - 8) : f.start]):
                negative.add(f.key)
        for m in _CN_ORDINAL.finditer(passage):
            value = parse_int(m.group(1))
            if value is not None:
                ordinals.add(str(value))
    return _Evidence(frozenset(keys), frozenset(negative), frozenset(ordinals))


def _supported(figure: Figure, evidence: _Evidence) -> bool:
    # Digits decide; "%" does not (a percentage matches the same digits in a passage), and a sign matters only
    # one way: "-58.6%" needs a decrease in the passage, "58.6%" is fine either way because Chinese states the
    # direction in words ("下降58.6%") and the words are checked by the reader, not here.
    if figure.negative:
        return figure.key in evidence.negative_keys
    if figure.ordinal and figure.key in evidence.ordinal_keys:
        return True
    return figure.key in evidence.keys


def unsupported_numbers(answer_text: str, passages: list[str]) -> list[str]:
    """The answer's figures that no passage contains, as written in the answer, each once, in order."""
    evidence = _evidence(passages)
    missing: list[str] = []
    for figure in figures(answer_text):
        if not _supported(figure, evidence) and figure.text not in missing:
            missing.append(figure.text)
    return missing


def _expand(group: str) -> list[int]:
    """'1, 3' -> [1, 3]; '1-3' -> [1, 2, 3] (a short range only: a long one is more likely a typo)."""
    numbers: list[int] = []
    for part in re.split(r"\s*[,，、]\s*", fold(group)):
        low, _, high = part.partition("-") if "-" in part else part.partition("~")
        if high and 0 <= int(high) - int(low) <= 10:
            numbers.extend(range(int(low), int(high) + 1))
        else:
            numbers.extend(int(x) for x in (low, high) if x)
    return numbers


def citations_in(text: str) -> list[int]:
    """The source numbers an answer cites, in order of first appearance, each once."""
    cited: list[int] = []
    for m in _CITATION.finditer(text):
        for n in _expand(m.group(1)):
            if n not in cited:
                cited.append(n)
    return cited


def bad_citations(text: str, n_sources: int) -> list[int]:
    """Cited numbers that name no source (sources are numbered 1..n_sources)."""
    return [n for n in citations_in(text) if not 1 <= n <= n_sources]
