"""Metric names: a metric as written cleaned of fillers and verbs, mapped to its normalised name by the synonym table
(rag/text/data/metrics.toml), and found in a question."""

from __future__ import annotations

import re

from rag.text.numerals import CN_LIST_DIGITS
from rag.text.periods import PERIOD_RE
from rag.text.vocab import (
    alternation,
    blocking_prefixes,
    markers,
    metric_surfaces,
    metric_synonyms,
    rank_scopes,
)

# The synonym table is data (rag/text/data/metrics.toml): which written forms are one statistical indicator.
_SURFACE_TO_METRIC: dict[str, str] = metric_surfaces()

# Words that change which population a metric covers; "农村居民人均可支配收入" is not 居民人均可支配收入.
_BLOCKING_PREFIXES = blocking_prefixes()


# Metric clean-up.  Leading fillers (list markers, dates, subjects, verbs) and trailing verbs/qualifiers are
# peeled off one at a time; what remains is the metric as written.
_LEAD_FILLER_RE = re.compile(
    # Separators/closers only: an opening quote belongs to the metric ("“政企通”注册率").
    r"^(?:[\s、，,”’》）)\]】·•]+"
    rf"|[{CN_LIST_DIGITS}]+是|其中|期间|同时|另外|此外|今年以来|今年|年内|年底|年末|年初|目前|现已|截至目前|截止目前"
    r"|(?:截至|截止)?\d{1,2}月(?:\d{1,2}日)?(?:份|上旬|中旬|下旬|底|末|初)?"
    rf"|{alternation(rank_scopes())}|[我本](?:街道|市|区|县|镇|乡|省)|街道(?![及和与、的])|辖区|预计)"
)
_LEAD_VERB_RE = re.compile(
    rf"^(?:{alternation(markers('aim'))}|预计完成|预计实现|可完成|完成|实现|达到|累计|共计|总计|合计|共(?![青享建治同])|已)"
)
_TRAIL_RE = re.compile(
    r"(?:预计|完成|实现|多达|高达|达到|达|突破|超过|超|约|近|控制在|稳定在|保持在|(?<![行作成认因以称视])为|共计|总计|合计|累计|共|分别|首次|已|增至|各|了|总体|平均值|平均|[\s“\"'（(]+)$"
)


# A percentage whose "metric" is itself a change word ("累计降幅收窄3.8%") is a change, not a level.
_CHANGE_WORD_RE = re.compile(
    rf"{alternation(markers('increase') + markers('decrease'))}|涨幅|跌幅|幅度|收窄|扩大|回升|提升"
)
_CJK_RE = re.compile(r"[\u4e00-\u9fff]")


_MAX_METRIC_CHARS = 40


def normalize_metric(raw: str) -> str:
    """Normalised metric name: fillers/verbs stripped, quotes dropped, synonyms mapped ("完成规模工业总产值" -> "规模工业产值")."""
    _, cleaned = clean_metric(raw)
    name = re.sub(r"[\s“”\"'《》]|\[\d+\]", "", cleaned)  # "国内生产总值[2]": a footnote mark is not the name
    name = re.sub(r"累计|共计", "", name) or name  # "重点楼宇累计税收" names the same thing as "重点楼宇税收"
    return _SURFACE_TO_METRIC.get(name, name)


def find_metric(question: str) -> str | None:
    """The normalised metric a question mentions (longest surface form wins), or None."""
    found = _metric_mentions(question)
    return max(found, key=lambda f: f[1] - f[0])[2] if found else None


def find_metrics(question: str) -> list[str]:
    """Every metric a question names, in order ("财政总收入和一般公共预算收入分别是多少" -> both); a surface inside
    a longer one ("出口" in "进出口总额") is not a second metric."""
    found = sorted(_metric_mentions(question), key=lambda f: (f[0], -(f[1] - f[0])))
    kept: list[tuple[int, int, str]] = []
    for start, end, norm in found:
        if not any(s <= start and end <= e for s, e, _n in kept):
            kept.append((start, end, norm))
    return list(dict.fromkeys(norm for _s, _e, norm in kept))


def metric_spans(question: str) -> list[tuple[int, int]]:
    """Where the question names a catalog metric: (start, end) of each mention."""
    return [(s, e) for s, e, _n in _metric_mentions(question)]


def _metric_mentions(question: str) -> list[tuple[int, int, str]]:
    haystack = question.upper()  # "gdp" asks about GDP too
    found = []
    for surface, norm in _SURFACE_TO_METRIC.items():
        for m in re.finditer(re.escape(surface.upper()), haystack):
            before = haystack[: m.start()].removesuffix("居民")  # "农村居民人均…" blocks "人均可支配收入" too
            if not before.endswith(_BLOCKING_PREFIXES):
                found.append((m.start(), m.end(), norm))
    return found + _shared_heads(haystack, found)


# A conjunct before a metric that shares its head: "城镇居民和农村居民人均可支配收入", "城镇、农村居民人均…".
_CONJUNCT = re.compile(r"([\u4e00-\u9fff]{1,4})[和、及与]$")
_MIN_HEAD = 4  # the shared head is a metric's own words ("人均可支配收入"), not one or two characters


def _shared_heads(haystack: str, found: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Metrics named by a conjunct that borrows the next metric's head: in "城镇居民和农村居民人均可支配收入" the
    first conjunct is 城镇居民人均可支配收入 when that is a metric of the table (its qualifier replaced)."""
    out = []
    for start, end, _norm in found:
        m = _CONJUNCT.search(haystack, 0, start)
        if m is None:
            continue
        surface, words = haystack[start:end], m.group(1)
        pairs = [(words[i:], cut) for i in range(len(words)) for cut in range(1, len(surface) - _MIN_HEAD + 1)]
        # the longest conjunct that, given the head, names a metric ("2018年城镇和…": 城镇)
        named = [(w, _SURFACE_TO_METRIC.get(w + surface[cut:])) for w, cut in pairs if w != surface[:cut]]
        first = next(((w, norm) for w, norm in named if norm is not None), None)
        if first is not None:
            out.append((m.end(1) - len(first[0]), m.end(1), first[1]))
    return out


def strip_lead_fillers(s: str) -> tuple[int, str]:
    """Drop list markers, dates, subjects and periods at the front; (chars dropped, rest)."""
    dropped = 0
    while True:
        m = _LEAD_FILLER_RE.match(s) or PERIOD_RE.match(s)
        if not m or not m.group():
            return dropped, s
        dropped += m.end()
        s = s[m.end() :]


def clean_metric(text: str) -> tuple[int, str]:
    """(offset of the metric inside text, metric as written) after peeling fillers, verbs and qualifiers."""
    offset = 0
    while True:
        n, text = strip_lead_fillers(text)
        offset += n
        m = _LEAD_VERB_RE.match(text)
        # Never leave a single character ("完成率" must not become "率"); nothing left is fine ("可完成").
        if not m or len(text) - m.end() == 1:
            break
        offset += m.end()
        text = text[m.end() :]
    while (m := _TRAIL_RE.search(text)) and m.start() >= 2:
        text = text[: m.start()]
    return offset, text.strip()


def looks_like_metric(raw: str, unit: str | None) -> bool:
    if raw.upper() in _SURFACE_TO_METRIC:  # "GDP增长9.1%"
        return True
    if len(_CJK_RE.findall(raw)) < 2 or len(raw) > _MAX_METRIC_CHARS:
        return False
    if raw.startswith("比"):  # "比上年增加5600亿元": a change against a base, no metric named
        return False
    if raw.endswith("的"):  # "约占盘活存量土地的55%": a share of something, not a named indicator
        return False
    return not (unit in ("%", "％") and _CHANGE_WORD_RE.search(raw))


def is_known_metric(raw: str) -> bool:
    return normalize_metric(raw) in metric_synonyms()
