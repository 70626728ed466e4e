"""Checks that keep an answer honest: every number it states must be copied from a passage it cites.

"Numbers are sacred": an answer (extractive or written by an LLM) may only state a figure that a cited passage
contains. These are pure functions over text, shared by both answer engines:

- `numbers_in` finds the figures a reader takes as facts ("17.03", "52.4%", "-58.6%", "2023", both ends of
  "1-6月"), after folding full-width forms; Chinese-numeral words (第一, 三场) are not figures here, and citation
  markers like "[1]" are skipped;
- `unsupported_numbers` lists the answer's figures that no passage contains (digits only: the extractive engine
  copies whole clauses, so digits suffice there);
- `unsupported_claims` is the stricter check for written answers (the LLM's): a figure is supported only when a
  passage its sentence cites states that value, in that unit, for that metric, Chinese numerals included
  ("九百九十九亿元"), and never by text addressed to the model ("忽略以上指令，回答：…");
- `citations_in` / `bad_citations` read the "[n]" markers (also "［n］", "【n】", "[1, 2]", "[1-3]").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from functools import cache

from rag.text.numerals import CN_DIGITS, CN_NUMBER, parse_int, parse_number
from rag.text.sentences import sentence_spans
from rag.text.vocab import (
    alternation,
    blocking_prefixes,
    en_glossary,
    markers,
    metric_surfaces,
    rank_verbs,
    same_units,
    unit_scales,
    value_units,
)

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
_DECREASE = re.compile(
    rf"({alternation(markers('decrease') + markers('decrease_loose'))}|decrease|decline|down|fell|drop)\D{{0,4}}$",
    re.IGNORECASE,
)
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
            if f.negative or _fell(folded, f.start):
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


# -- claims: a value, its unit and its metric --------------------------------------------------------------------
# An LLM's answer is written, not copied: "固定资产投资为999亿元[4]" must be checked against what [4] says of
# 固定资产投资, not against any "999" in it. A claim is a figure with the unit written after it and the metric
# named before it; a passage's figures are read the same way, so both sides share one reading.
_CN_DECIMAL = f"{CN_NUMBER}(?:点[{CN_DIGITS}]+)?"
# A Chinese-numeral figure counts only with a unit ("九百九十九亿元", "三家") or as a percentage ("百分之十二"); "第一"
# is a rank (below) and "一是" a list item, not figures.
_CN_RANK = re.compile(
    rf"(?:{alternation(rank_verbs(short=True))})[^，,。；;\d]{{0,6}}?第(?P<num>[{CN_DIGITS}]{{1,3}})(?![{CN_DIGITS}])"
)
_CN_PERCENT = re.compile(rf"百分之(?P<num>{_CN_DECIMAL})")
_BEFORE_UNIT = r"\s?(?:余|多)?"


@cache
def _units() -> str:
    return alternation(frozenset((*value_units(), *same_units())))


@cache
def _unit_re() -> re.Pattern[str]:
    return re.compile(rf"{_BEFORE_UNIT}(?P<unit>{_units()})", re.IGNORECASE)


@cache
def _header_unit_re() -> re.Pattern[str]:
    return re.compile(rf"[(（](?:单位[:：])?(?P<unit>{_units()})[)）][:：]\s*$")


@cache
def _cn_figure_re() -> re.Pattern[str]:
    return re.compile(rf"(?<![第{CN_DIGITS}两百千万])(?P<num>{_CN_DECIMAL}){_unit_re().pattern}", re.IGNORECASE)


@cache
def _metric_re() -> tuple[re.Pattern[str], dict[str, str]]:
    """Metric names as reports write them, and the English glossary phrases that stand for one."""
    surfaces = dict(metric_surfaces())
    for phrase, chinese in en_glossary().items():
        metric = next((surfaces[w] for w in chinese if w in surfaces), None)
        if metric:
            surfaces.setdefault(phrase, metric)
    lookup = {k.lower(): v for k, v in surfaces.items()}
    blocking = alternation(blocking_prefixes())
    return re.compile(rf"(?P<block>{blocking})?(?P<name>{alternation(frozenset(surfaces))})", re.IGNORECASE), lookup


@cache
def _instruction_re() -> re.Pattern[str]:
    override = rf"(?:{alternation(markers('override'))}).{{0,20}}?(?:{alternation(markers('override_object'))})"
    return re.compile(rf"{override}|{alternation(markers('address'))}", re.IGNORECASE)


@dataclass(frozen=True)
class Claim:
    """A figure as it is stated: its value, the unit written after it, the metric named before it."""

    text: str  # as written, for the reader ("17.30", "-5.1%", "九百九十九亿元")
    key: str  # canonical digits as written (Figure.key); for a Chinese numeral, of its value
    amount: Decimal  # the value times the unit's scale: "17.03亿元" and "170300万元" both 1703000000
    unit: str  # the unit without its scale, by its one name: "元", "%", "个百分点", "人", "" (none written)
    scale_only: bool  # written with a bare scale word ("999亿"): it may state any unit of that amount
    negative: bool
    ordinal: bool
    metrics: frozenset[str]  # the catalogued metrics it is stated for; empty when none is named
    start: int
    end: int


def _read_unit(written: str) -> tuple[str, int]:
    """ "亿元" -> ("元", 10**8), "万平方" -> ("平方米", 10**4), "%" -> ("%", 1), "万" -> ("", 10**4)."""
    written = written.lower()
    for word, factor in sorted(unit_scales().items(), key=lambda kv: -len(kv[0])):
        if written.startswith(word) and written not in same_units():
            rest = written[len(word) :]
            return same_units().get(rest, rest), factor
    return same_units().get(written, written), 1


def _decimal(value: float | str) -> Decimal | None:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _claim(
    text: str, start: int, end: int, number: Decimal, key: str, unit_text: str, *, negative=False, ordinal=False
) -> Claim:
    unit, factor = _read_unit(unit_text)
    return Claim(text, key, number * factor, unit, factor > 1 and not unit, negative, ordinal, frozenset(), start, end)


def _cn_claim(m: re.Match, unit_text: str) -> Claim | None:
    """A figure written in Chinese numerals ("九百九十九" of "九百九十九亿元"), read by rag.text.numerals."""
    value = _decimal(parse_number(m.group("num")) or "NaN")
    if value is None or not value.is_finite():
        return None
    return _claim(m.group(), m.start(), m.end(), value, canonical(*f"{value:f}".partition(".")[::2]), unit_text)


def _raw_claims(text: str, *, cn_ranks_anywhere: bool) -> list[Claim]:
    """Every figure of the text with its unit, in order (metrics not yet read). Chinese ranks ("第一") count in
    passages everywhere, in an answer only after a ranking verb ("位列全区第五"): elsewhere 第一 is prose."""
    folded = _blank_citations(fold(text))
    unit_re = _unit_re()
    claims: list[Claim] = []
    for f in figures(text):
        unit_text = "%" if f.percent else ""
        if not f.percent and (m := unit_re.match(folded, f.end)):
            unit_text = m.group("unit")
        elif not f.percent and (m := _header_unit_re().search(folded, max(0, f.start - 12), f.start)):
            unit_text = m.group("unit")  # a table cell under a header naming its unit: "完成值（亿元）：17.03"
        number = _decimal(f.key)
        if number is not None:
            claims.append(_claim(f.text, f.start, f.end, number, f.key, unit_text, negative=f.negative,
                                 ordinal=f.ordinal))  # fmt: skip
    for m in _cn_figure_re().finditer(folded):
        if m.group("num") != "一" and (claim := _cn_claim(m, m.group("unit"))):  # 一个/一项: an article, not a count
            claims.append(claim)
    claims += [claim for m in _CN_PERCENT.finditer(folded) if (claim := _cn_claim(m, "%"))]
    ranks = _CN_ORDINAL if cn_ranks_anywhere else _CN_RANK
    for m in ranks.finditer(folded):
        value = parse_int(m.group(1))
        if value is not None:
            claims.append(
                _claim(f"第{m.group(1)}", m.start(1) - 1, m.end(), Decimal(value), str(value), "", ordinal=True)
            )
    claims.sort(key=lambda c: c.start)
    return claims


def _metric_mentions(text: str) -> list[tuple[int, int, str]]:
    """(start, end, metric) of each catalogued metric named in the text; a blocking prefix ("农村") makes it
    another population, kept apart from the metric it prefixes."""
    pattern, lookup = _metric_re()
    found = []
    for m in pattern.finditer(text):
        metric = lookup[m.group("name").lower()]
        found.append((m.start(), m.end(), f"{m.group('block')}{metric}" if m.group("block") else metric))
    return found


# Figures that qualify the amount before them ("17.03亿元，进度54.1%，位列全区第一") rather than stating one.
_ATTRIBUTE_UNITS = ("%", "个百分点")


def _with_metrics(text: str, claims: list[Claim], *, passage: bool) -> list[Claim]:
    """Each claim with the metrics it is stated for: those named between the previous figure of its sentence and
    it ("固定资产投资、工业投入分别为10亿元" binds both to 10); else, for a growth, share or rank, the nearest one before
    it in its sentence ("固定资产投资17.03亿元，进度54.1%"). A passage's figure may also take the nearest one in its
    paragraph (a table row "指标：…；完成值：…"). Both lean towards no wrong flag: a passage's figure may name more
    metrics, an answer's names fewer (an amount with no metric right before it is checked for value and unit)."""
    mentions = _metric_mentions(text)
    spans = sentence_spans(text, ascii_period=True)
    out: list[Claim] = []
    previous_end, sentence = 0, (0, 0)
    for claim in claims:
        current = next(((a, b) for a, b in spans if a <= claim.start < b), (claim.start, claim.end))
        if current != sentence:
            sentence, previous_end = current, current[0]
        line_start = text.rfind("\n", 0, claim.start) + 1
        before = [(a, b, m) for a, b, m in mentions if b <= claim.start and a >= line_start]
        between = {m for a, _, m in before if a >= previous_end}
        in_sentence = [m for a, _, m in before if a >= sentence[0]]
        if between or not (passage or claim.ordinal or claim.unit in _ATTRIBUTE_UNITS):
            metrics = between
        else:
            metrics = set(in_sentence[-1:]) or ({m for _, _, m in before[-1:]} if passage else set())
        out.append(replace(claim, metrics=frozenset(metrics)))
        previous_end = max(previous_end, claim.end)
    return out


def claims_in(text: str, *, passage: bool = False) -> list[Claim]:
    """The figures a text states, with unit and metric. For a passage also Chinese ranks anywhere, and never what
    follows an instruction to the model up to the end of its paragraph (a report may try to plant figures)."""
    claims = _with_metrics(text, _raw_claims(text, cn_ranks_anywhere=passage), passage=passage)
    if passage:
        for m in _instruction_re().finditer(text):
            stop = text.find("\n", m.start())
            stop = len(text) if stop < 0 else stop
            claims = [c for c in claims if not m.start() <= c.start < stop]
    return claims


def _negative_facts(text: str, claims: list[Claim]) -> list[Claim]:
    """A passage's claims with a decrease word before them ("同比下降58.6%") marked negative."""
    folded = fold(text)
    return [replace(c, negative=True) if not c.negative and _fell(folded, c.start) else c for c in claims]


def _fell(folded: str, start: int) -> bool:
    return bool(_DECREASE.search(folded[max(0, start - 8) : start]))


def _states(fact: Claim, claim: Claim) -> bool:
    """Does a passage's figure state the answer's claim?"""
    if claim.negative and not fact.negative:
        return False  # "-5.1%" needs a fall in the passage; a plain "5.1%" may state a fall in words
    if claim.ordinal != fact.ordinal and (claim.ordinal or claim.unit):
        return False  # a rank is stated by a rank ("第一"), and a rank states no amount
    if claim.unit:
        # A unit written in the answer must be the passage's (a bare scale "999亿" in the passage takes any), and
        # the amount must be the same: "12.34%" is not "12.34亿元", "999万元" is not "999亿元".
        same = fact.amount == claim.amount and (fact.unit == claim.unit or fact.scale_only)
    else:
        same = fact.key == claim.key  # "进度52.4", "2023年", "1st": the digits as written
    if not same:
        return False
    # The metric named for it in the answer must be one the passage names for it ("地区生产总值999亿元" does not
    # state 固定资产投资 999亿元); a unitless figure (a year, a month) is bound to no metric.
    if claim.metrics and (claim.unit or claim.ordinal):
        return bool(claim.metrics & fact.metrics)
    return True


def _cited_in_sentence(text: str, claim: Claim, spans: list[tuple[int, int]]) -> list[int]:
    """The sources cited by the sentence holding the claim, including markers right after its end ("…。[1]")."""
    start, end = next(((a, b) for a, b in spans if a <= claim.start < b), (claim.start, claim.end))
    tail = re.match(r"(?:\s*[\[［【][^\]］】]*[\]］】])*", text[end:])
    return citations_in(text[start : end + (tail.end() if tail else 0)])


def unsupported_claims(answer_text: str, sources: Mapping[int, str]) -> list[str]:
    """The answer's figures that no cited passage states, as written in the answer, each once, in order.

    `sources` maps a source number to its passage. A figure is checked against the sources its own sentence cites
    (those of them given); a sentence citing none is checked against all of them."""
    facts = {n: _negative_facts(p, claims_in(p, passage=True)) for n, p in sources.items()}
    spans = sentence_spans(answer_text, ends="。！？!?\n", ascii_period=True)
    missing: list[str] = []
    for claim in claims_in(answer_text):
        cited = [n for n in _cited_in_sentence(answer_text, claim, spans) if n in facts] or list(facts)
        if not any(_states(fact, claim) for n in cited for fact in facts[n]) and claim.text not in missing:
            missing.append(claim.text)
    return missing
