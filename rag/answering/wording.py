"""How a row of the indicator table is said: the place, the period (in English too), the figures as written, the
report's own sentence for a table row, and a caveat when figures are not comparable."""

from __future__ import annotations

import re

from rag.answering.corpus import Cite, Corpus, Part, Row
from rag.answering.picks import Pick, is_target
from rag.answering.query import metric_surfaces, street_english
from rag.answering.verify import numbers_in, unsupported_numbers
from rag.indexing.indicators import Indicator, cell_phrase, format_value, row_sentence
from rag.ingest.tables import KEY_SEP, is_table_row
from rag.text.numerals import en_ordinal
from rag.text.vocab import english_name, rank_scopes

_EN_PERIOD = {"上半年": "first half of the year", "全年": "full year", "下半年": "second half of the year"}
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


_NUM = re.compile(r"[-+−－]?\d+(?:\.\d+)?%?")


def label(corpus: Corpus, pick: Pick) -> str:
    """The period a figure is for: as stated next to it, else the report's period. A stated period whose digits the
    cited passage lacks (the sentence's "1-6月," opens the previous passage) gives way to the report's period, so
    the answer shows no figure its citation does not."""
    if is_target(pick.ind):
        return "预期目标"
    stated, own = pick.ind.period, corpus.meta(pick.doc_id).period
    if stated and numbers_in(stated):
        passages = [c.text for c in corpus.chunks_over(pick.doc_id, pick.ind.start, pick.ind.end)]
        if unsupported_numbers(stated, passages):
            return own or ""
    return stated or own or ""


def _growth_display(text: str | None, value: float | None) -> str | None:
    """The growth/progress phrase as written; a "分别 7.5%和6.5%" list is cut to this fact's own number."""
    if not text or value is None:
        return text
    numbers = _NUM.findall(text)
    if len(numbers) <= 1:
        return text
    mine = next(
        (n for n in numbers if abs(abs(float(n.rstrip("%").replace("−", "-").replace("－", "-"))) - abs(value)) < 1e-9),
        None,
    )
    if mine is None:
        return text
    word = re.sub(r"分别|[-+−－]?\d+(?:\.\d+)?%?|[和、及]", "", text)
    return f"{word}{mine.lstrip('-+−－') if word.endswith(('下降', '降幅', '减少')) else mine}"


def _cell_phrase(text: str | None) -> str | None:
    """A table cell said as words: "同比增幅：17.5%" -> "同比增幅17.5%", "同比增长（%）：-6.8" -> "同比增长-6.8%"."""
    if not text or KEY_SEP not in text:
        return text
    name, _sep, value = text.partition(KEY_SEP)
    return cell_phrase(name, value)


def fact_text(ind: Indicator) -> str:
    """ "固定资产投资17.03亿元，进度54.1%，位列全区第一": the metric as written and the exact figures."""
    head = f"{ind.raw_metric}{format_value(ind)}"
    extras = [
        _cell_phrase(_growth_display(ind.growth_text, ind.growth)),
        _cell_phrase(_growth_display(ind.progress_text, ind.progress)),
        _cell_phrase(ind.rank_text),
    ]
    extras = [e for e in extras if e]
    if ind.value is None and extras:  # "地区生产总值增长7.6%", not "地区生产总值，增长7.6%"
        head, extras = head + extras[0], extras[1:]
    text = "，".join([head, *extras])
    return f"{text}（预计数）" if ind.estimate else text


def said(corpus: Corpus, doc_id: str, start: int, end: int) -> str:
    """Report text as an answer says it: verbatim, or a table row as a sentence with its figures as written."""
    quote = corpus.quote(doc_id, start, end).strip(" ，,；;。")
    return (row_sentence(quote, 0, len(quote)) or quote) if is_table_row(quote) else quote


def cite(pick: Pick) -> Cite:
    return Cite(pick.doc_id, pick.ind.start, pick.ind.end)


def answer_row(corpus: Corpus, pick: Pick) -> Row:
    return Row(pick.doc_id, corpus.street(pick.doc_id), pick.ind, cite(pick))


def place_label(corpus: Corpus, doc_id: str, english: bool) -> str:
    """The report's place, or "该报告" when none was detected: a title or file name ("…/104_…_2022.txt") would
    state digits that no cited passage holds (the sources list shows which report it is)."""
    street = corpus.street(doc_id)
    if street:
        return street_english(street) if english else street
    return "this report" if english else "该报告"


def period_en(period: str) -> str:
    """ "上半年" -> "first half of the year", "1-6月" -> "January-June (1-6月)"; digits only as the report has them."""
    m = re.fullmatch(r"(\d{1,2})-(\d{1,2})月", period)
    if m and 1 <= int(m.group(1)) <= 12 and 1 <= int(m.group(2)) <= 12:
        return f"{_MONTHS[int(m.group(1)) - 1]}-{_MONTHS[int(m.group(2)) - 1]} ({period})"
    if re.fullmatch(r"\d{4}年", period):
        return period[:-1]
    if period == "预期目标":
        return "target"
    return _EN_PERIOD.get(period, period)


def line(corpus: Corpus, pick: Pick, english: bool) -> list[Part]:
    """One row: "西林街道（1-6月）：固定资产投资17.03亿元，进度54.1%，位列全区第一[n]"."""
    when, who = label(corpus, pick), place_label(corpus, pick.doc_id, english)
    if english:
        head = f"{who}, {period_en(when)}: " if when else f"{who}: "
        return [head + name_en(pick.ind.metric) + fact_text(pick.ind) + " ", cite(pick)]
    head = f"{who}（{when}）：" if when else f"{who}："
    return [head + fact_text(pick.ind), cite(pick)]


def name_en(metric: str | None) -> str:
    """ "fixed-asset investment — ": a metric's English name, put before the figure quoted as written."""
    name = english_name(metric, metric_surfaces(metric)) if metric else None
    return f"{name} — " if name else ""


def period_caveat(corpus: Corpus, picks: list[Pick], english: bool) -> str | None:
    """Say so when the figures are for different periods or come from reports of different years."""
    labels = {corpus.street(p.doc_id) or p.doc_id: label(corpus, p) for p in picks}
    years = {corpus.meta(p.doc_id).year for p in picks}
    if len(set(labels.values())) <= 1 and len(years) <= 1:
        return None
    listing = "；".join(f"{s}：{lab}" for s, lab in labels.items())
    if english:
        if len(set(labels.values())) <= 1:
            return "Note: the figures come from reports of different years, so they are not directly comparable."
        text = f"Note: the figures cover different periods ({listing})"
        text += " and come from reports of different years" if len(years) > 1 else ""
        return text + ", so they are not directly comparable."
    text = (
        f"注意：各数字的统计时期不同（{listing}）"
        if len(set(labels.values())) > 1
        else "注意：各数字出自不同年份的报告"
    )
    if len(years) > 1 and len(set(labels.values())) > 1:
        text += "，且出自不同年份的报告"
    return text + "，不能直接比较。"


def has_rank(ind: Indicator) -> bool:
    return bool(ind.rank and ind.rank_text and en_ordinal(ind.rank) is not None)


def scope_en(scope: str | None) -> str:
    return rank_scopes().get(scope or "", "area")
