"""Targets against results: for each place, metric and year Y, the target for Y (from the report that plans Y)
beside the result for Y (from the report that reviews Y, or a statistical bulletin of Y), each cited, and a verdict.

Only like is paired with like:
- the same metric (the synonym table, rag/text/data/metrics.toml),
- the same measure: a growth rate ("增长7%") with a growth rate, a rate or share ("优良率85%") with a rate, an
  amount ("300亿元") with an amount of the same unit family (money of one currency is compared at its scale),
- the same period: the whole year Y on both sides (a half-year figure or a five-year goal is never paired).
The target is read as written (rag.text.goals: about, floor, ceiling, range, stretch). A forecast result ("预计")
is labelled as such. A missing or non-comparable side is said, never forced: the verdict is then 无法比较.
Figures are quoted as written; nothing is converted or rounded in what is shown.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from rag.answering.corpus import Cite, Corpus, Draft, Part, Row
from rag.answering.query import Query, asks_target, place_english
from rag.indexing.indicators import Indicator, format_value
from rag.ingest.metadata import ReportMeta
from rag.text.goals import ABOUT_TOLERANCE_POINTS, ABOUT_TOLERANCE_SHARE, Goal, read_goal
from rag.text.periods import YEAR_RE, same_period
from rag.text.places import NATION
from rag.text.review import plan_part_start as plan_part_start_of
from rag.text.review import speaks_of_several_years
from rag.text.vocab import alternation, en_glossary, lower_is_better, markers, metric_synonyms, money_scale

MET, NOT_MET, NOT_COMPARABLE = "完成", "未完成", "无法比较"
MEASURES = {"growth": "增速", "rate": "比率", "amount": "总量"}
_SCALE = money_scale()
_QUALIFIERS = alternation(markers("qualifier"))
_APPROX = re.compile(alternation(markers("goal_about")))
# A metric outside the synonym table is paired only when its name says what it counts: "投资", "资金" alone name
# different things in different sentences.
MIN_FREE_METRIC_CHARS = 4


@dataclass(frozen=True)
class Report:
    """What pairing needs of one report: its metadata, its text and the indicators extracted from it."""

    doc_id: str
    meta: ReportMeta
    text: str
    indicators: tuple[Indicator, ...]


@dataclass(frozen=True)
class Figure:
    """One side of a pair: an indicator of one report, read as one measure."""

    doc_id: str
    ind: Indicator
    measure: str  # "growth" | "rate" | "amount"
    number: float  # for comparing only (money at its scale); never shown
    unit_key: str  # "%" | a currency | the unit as written
    figure: str  # the figure as written: "增长7%左右", "5370.3亿元", "控制在4.5%以内"
    quote: str  # the report's text [ind.start, ind.end)
    scale: float = 1.0  # number = the written figure × scale (亿元 -> 1e8): a goal read off the text is unscaled

    @property
    def forecast(self) -> bool:
        return self.ind.kind == "forecast"


@dataclass(frozen=True)
class Pair:
    place: str
    metric: str
    year: int
    measure: str
    target: Figure | None
    result: Figure | None
    goal: Goal | None
    verdict: str  # 完成 | 未完成 | 无法比较
    note: str  # why 无法比较, or what qualifies the verdict (a forecast result, a stretch goal)

    @property
    def complete(self) -> bool:
        return self.target is not None and self.result is not None


# ------------------------------------------------------------------------------------------------ reading sides


def _full_year(ind: Indicator, default_year: int | None) -> int | None:
    """The year the figure is for when it covers a whole year: a stated "2020年", else the report's year; None for
    a part of a year ("1-6月", "上半年") or a figure without a year."""
    period = ind.period
    if period and (m := YEAR_RE.fullmatch(period)):
        return int(m.group(1))
    if period and not same_period(period, "全年"):
        return None
    return default_year


def _figure_text(ind: Indicator, quote: str, measure: str) -> str:
    """The figure as written, with the words that bound it ("控制在4.5%以内", "300亿元以上", "增长7%左右")."""
    if measure == "growth":
        return ind.growth_text or ""
    after = quote.split(ind.raw_metric, 1)[1] if ind.raw_metric and ind.raw_metric in quote else quote
    value = re.search(rf"{re.escape(ind.value_text)}(?:余|多)?{re.escape(ind.unit or '')}(?:{_QUALIFIERS})?", after)
    if value is None:
        return format_value(ind)
    head = after[: value.start()]
    # "分别达到860家、400家": another figure stands before this one; quote this one only
    return (after[value.start() : value.end()] if re.search(r"\d", head) else after[: value.end()]).strip(" ，,、")


def figures_of(doc_id: str, ind: Indicator, text: str) -> list[Figure]:
    """The measures one indicator states: a growth rate, a rate/share, an amount (one indicator may state two:
    "生产总值5370.3亿元、增长7%")."""
    quote = text[ind.start : ind.end]
    out: list[Figure] = []
    if ind.growth is not None:
        out.append(Figure(doc_id, ind, "growth", ind.growth, "%", _figure_text(ind, quote, "growth"), quote))
    if ind.value is not None and ind.unit:
        measure, key, scale = "amount", ind.unit, 1.0
        if ind.unit in ("%", "％"):
            measure, key = "rate", "%"
        elif ind.unit in _SCALE:
            key, scale = _SCALE[ind.unit]
        out.append(
            Figure(doc_id, ind, measure, ind.value * scale, key, _figure_text(ind, quote, measure), quote, scale)
        )
    return out


def goal_of(target: Figure) -> Goal | None:
    """The target read as written; a decrease ("下降20%") keeps its sign, so lower is better."""
    return read_goal(target.figure, negative=target.number < 0, ceiling=target.ind.metric in lower_is_better())


# ------------------------------------------------------------------------------------------------ the table

Key = tuple[str, str, int, str, str]  # place, metric, year, measure, unit key


def plan_part_start(report: Report) -> int | None:
    """Offset where a report that reviews one year and plans the next turns to the plan; None for other reports.
    A figure stated after it without an aim word ("…污染地块安全利用率93%以上") is a plan, not a result."""
    meta = report.meta
    if not (meta.year and meta.plan_year == meta.year + 1):
        return None
    return plan_part_start_of(report.text)


def _pairable(metric: str) -> bool:
    return metric in metric_synonyms() or len(metric) >= MIN_FREE_METRIC_CHARS


def _sides(reports: Iterable[Report]) -> tuple[dict[Key, Figure], dict[Key, list[Figure]]]:
    """The first target stated for each key, and every full-year result (actual or forecast) for each key."""
    targets: dict[Key, Figure] = {}
    results: dict[Key, list[Figure]] = {}
    for report in sorted(reports, key=lambda r: r.doc_id):
        place = report.meta.name
        if not place:
            continue
        plan_start = plan_part_start(report)
        for ind in sorted(report.indicators, key=lambda i: i.start):
            is_target = ind.kind == "target"
            year = _full_year(ind, report.meta.plan_year if is_target else report.meta.year)
            if year is None or not _pairable(ind.metric):
                continue
            if not is_target and (
                speaks_of_several_years(report.text, ind.start, ind.end)
                or (plan_start is not None and ind.start >= plan_start)
            ):
                continue
            for fig in figures_of(report.doc_id, ind, report.text):
                key = (place, ind.metric, year, fig.measure, fig.unit_key)
                if is_target:
                    targets.setdefault(key, fig)
                else:
                    results.setdefault(key, []).append(fig)
    return targets, results


def _best_result(candidates: list[Figure]) -> Figure:
    """An actual figure before a forecast; then the first stated (reports in name order, text order within)."""
    return min(candidates, key=lambda f: f.forecast)


def verdict(target: Figure, result: Figure | None, goal: Goal | None) -> tuple[str, str]:
    """(verdict, note) for one target and the result found for it (or None)."""
    if result is None:
        return NOT_COMPARABLE, "未找到该年同口径的实际数"
    if goal is None:
        return NOT_COMPARABLE, "目标未写明可比较的数值"
    number = result.number / target.scale  # in the target's own unit, as its goal is written
    percent = target.unit_key == "%"
    met = goal.met(number, percent=percent)
    if _APPROX.search(result.figure) and _near(goal, number, percent):
        return NOT_COMPARABLE, "实际数为约数（左右），与目标值过于接近，无法判断"
    notes = []
    if result.forecast:
        notes.append("实际数为预计数")
    if goal.shape == "stretch":
        notes.append("目标为力争目标")
    elif goal.stretch is not None and met:
        notes.append("力争目标" + ("亦已达到" if goal.met_stretch(number) else "未达到"))
    if goal.shape == "about" and met and not replace(goal, shape="plain").met(number, True):
        notes.append("略低于目标值，在“左右”的容差之内")
    return (MET if met else NOT_MET), "；".join(notes)


def _near(goal: Goal, number: float, percent: bool) -> bool:
    """Is an approximate result ("增长8%左右") too close to the goal's threshold to say which side it falls on?"""
    tolerance = ABOUT_TOLERANCE_POINTS if percent else abs(goal.low) * ABOUT_TOLERANCE_SHARE
    return abs(number - goal.low) < tolerance


def target_table(reports: Iterable[Report], places: Iterable[str] = (), years: Iterable[int] = ()) -> list[Pair]:
    """Every target of the reports (of these places and years, when given) beside its result and verdict; then, for
    a year no loaded report plans, the year's results of the catalog metrics, each with a plain note."""
    reports = list(reports)
    wanted_places, wanted_years = set(places), set(years)
    targets, results = _sides(reports)
    pairs: list[Pair] = []
    for key, target in targets.items():
        place, metric, year, measure, _unit = key
        candidates = results.get(key)
        result = _best_result(candidates) if candidates else None
        goal = goal_of(target)
        v, note = verdict(target, result, goal)
        if result is None and (other := _other_measures(results, key)):
            note = f"报告只给出{other}，与目标口径不同"
        pairs.append(Pair(place, metric, year, measure, target, result, goal, v, note))
    planned = {(r.meta.name, r.meta.plan_year) for r in reports if r.meta.plan_year}
    catalog = set(metric_synonyms())
    for key, candidates in results.items():
        place, metric, year, measure, _unit = key
        if (place, year) not in planned and metric in catalog:
            note = "未载入部署该年目标的报告，只有实际数"
            pairs.append(Pair(place, metric, year, measure, None, _best_result(candidates), None, NOT_COMPARABLE, note))
    pairs = [
        p
        for p in pairs
        if (not wanted_places or p.place in wanted_places) and (not wanted_years or p.year in wanted_years)
    ]
    return sorted(pairs, key=lambda p: (p.place, p.year, p.target is None, _order(p)))


def _order(pair: Pair) -> int:
    side = pair.target or pair.result
    return side.ind.start if side else 0


def _other_measures(results: dict[Key, list[Figure]], key: Key) -> str | None:
    place, metric, year, measure, unit = key
    others = sorted(
        {MEASURES[k[3]] for k in results if k[:3] == (place, metric, year) and (k[3], k[4]) != (measure, unit)}
    )
    return "、".join(others) or None


def reports_of_corpus(corpus: Corpus) -> list[Report]:
    """The answer engine's corpus as pairing reads it."""
    by_doc: dict[str, list[Indicator]] = {}
    for doc_id, ind in corpus.indicators:
        by_doc.setdefault(doc_id, []).append(ind)
    return [Report(d, corpus.meta(d), corpus.texts[d], tuple(by_doc.get(d, ()))) for d in corpus.doc_ids]


def _side_json(side: Figure | None) -> dict:
    if side is None:
        return {"figure": None, "doc": None, "quote": None, "start": None, "end": None, "forecast": None}
    return {
        "figure": side.figure,
        "doc": side.doc_id,
        "quote": side.quote,
        "start": side.ind.start,
        "end": side.ind.end,
        "forecast": side.forecast,
    }


def pair_json(pair: Pair) -> dict:
    """One row of the table for scripts and the page: each side's figure as written, its report and offsets."""
    return {
        "place": pair.place,
        "year": pair.year,
        "metric": pair.metric,
        "measure": pair.measure,
        "measure_zh": MEASURES[pair.measure],
        "goal": pair.goal.label if pair.goal else None,
        "target": _side_json(pair.target),
        "result": _side_json(pair.result),
        "verdict": pair.verdict,
        "note": pair.note,
    }


def corpus_table(corpus: Corpus, places: Iterable[str] = (), years: Iterable[int] = ()) -> list[Pair]:
    """The table over the loaded reports."""
    return target_table(reports_of_corpus(corpus), places, years)


# ------------------------------------------------------------------------------------------------ chat

_ATTAINMENT = re.compile(
    rf"{alternation(markers('attainment_question'))}|\b(?:{alternation(markers('attainment_en'))})\b", re.I
)
_NATION_EN = re.compile(rf"\b(?:{alternation(markers('nation_en'))})\b", re.I)
_VERDICT_EN = {MET: "met", NOT_MET: "not met", NOT_COMPARABLE: "cannot be compared"}


def asks_attainment(text: str) -> bool:
    """Does the question ask whether a target was met ("…目标完成了吗", "did … meet its … target")?"""
    return bool(_ATTAINMENT.search(text)) and asks_target(text)


def _places_asked(query: Query, corpus: Corpus, scope: list[str]) -> list[str]:
    if query.places:
        return list(query.places)
    known = set(corpus.index.place_names())
    if NATION in known and (NATION in query.text or (query.english and _NATION_EN.search(query.text))):
        return [NATION]
    in_scope = {corpus.place(d) for d in scope} - {None}
    return sorted(in_scope) if len(in_scope) == 1 else []  # type: ignore[arg-type]


def attainment_draft(query: Query, corpus: Corpus, scope: list[str]) -> Draft | None:
    """Target, result and verdict for the place(s), year(s) and metric asked (every headline metric when none is
    named), both sides cited; a side that is missing is said plainly. None when no place is asked or nothing
    was targeted or achieved for it."""
    places = _places_asked(query, corpus, scope)
    if not places:
        return None
    pairs = corpus_table(corpus, places, query.years)
    if query.metric:
        pairs = [p for p in pairs if p.metric == query.metric]
        if query.facet == "growth" and any(p.measure == "growth" for p in pairs):
            pairs = [p for p in pairs if p.measure == "growth"]
    else:  # "各项主要目标": the headline indicators the synonym table knows, else whatever was targeted
        headline = [p for p in pairs if p.metric in metric_synonyms()]
        pairs = headline or pairs
    if not pairs:
        return None  # nothing to set side by side: the usual answer says what the reports do hold
    parts: list[Part] = []
    rows: list[Row] = []
    for pair in pairs:
        parts += ["\n" if parts else "", *_pair_line(pair, corpus, query.english)]
        rows += [_row(corpus, side) for side in (pair.target, pair.result) if side is not None]
    if all(p.result is None for p in pairs):
        parts.append(
            "\n(No loaded report reviews that year, nor a statistical bulletin of it: only the targets are known.)"
            if query.english
            else "\n（未载入回顾该年的报告或该年的统计公报，只有目标，无法判断是否完成。）"
        )
    if any(p.target is None for p in pairs):
        parts.append(
            "\n(No loaded report sets these targets: the reports planning that year are not loaded.)"
            if query.english
            else "\n（未载入部署该年目标的报告，只能列出实际数。）"
        )
    return Draft(parts, rows)


def _row(corpus: Corpus, side: Figure) -> Row:
    return Row(side.doc_id, corpus.place(side.doc_id), side.ind, Cite(side.doc_id, side.ind.start, side.ind.end))


def _year_label(pair: Pair, corpus: Corpus, english: bool) -> str:
    """ "2020年" when a cited passage states the year (numbers are sacred), else nothing."""
    for side in (pair.target, pair.result):
        if side and any(
            str(pair.year) in c.cited_text for c in corpus.chunks_over(side.doc_id, side.ind.start, side.ind.end)
        ):
            return f"{pair.year} " if english else f"{pair.year}年"
    return ""


def _pair_line(pair: Pair, corpus: Corpus, english: bool) -> list[Part]:
    """ "- 嘉兴市2020年 地区生产总值（增速）：目标“生产总值增长7%左右”[1]；实际“生产总值增长3.5%”[2]。判断：未完成。" """
    who = place_english(pair.place) if english else pair.place
    if english:
        name = next((en for en, words in en_glossary().items() if pair.metric in words), None)
        metric = f"{name} ({pair.metric})" if name else pair.metric
        head = f"- {who}, {_year_label(pair, corpus, True)}{metric}, {pair.measure}: "
    else:
        head = f"- {who}{_year_label(pair, corpus, False)} {pair.metric}（{MEASURES[pair.measure]}）："
    out: list[Part] = [head]
    if pair.target is not None:
        out += [f"target “{pair.target.quote}” " if english else f"目标“{pair.target.quote}”", _cite(pair.target)]
    else:
        out.append("target: not in the loaded reports" if english else "目标：已载入的报告中没有")
    out.append("; " if english else "；")
    if pair.result is not None:
        label = (
            ("forecast result" if english else "预计数") if pair.result.forecast else ("result" if english else "实际")
        )
        out += [f"{label} “{pair.result.quote}” " if english else f"{label}“{pair.result.quote}”", _cite(pair.result)]
    else:
        out.append("result: not found in the loaded reports" if english else "实际数：已载入的报告中未找到")
    verdict = f". Verdict: {_VERDICT_EN[pair.verdict]} ({pair.verdict})" if english else f"。判断：{pair.verdict}"
    note = f"（{pair.note}）" if pair.note and not english else ""
    return [*out, verdict + note + ("." if english else "。")]


def _cite(side: Figure) -> Cite:
    return Cite(side.doc_id, side.ind.start, side.ind.end)


# ------------------------------------------------------------------------------------------------ table rows

COLUMNS = (
    "地点",
    "年份",
    "指标",
    "口径",
    "目标",
    "目标类型",
    "实际",
    "预计数",
    "判断",
    "说明",
    "目标出处",
    "目标原文",
    "实际出处",
    "实际原文",
)


def flat_row(pair: Pair) -> dict:
    """One pair as a flat row (CSV / Excel / the page's table): figures and citations exactly as written."""
    target, result = pair.target, pair.result
    return {
        "地点": pair.place,
        "年份": pair.year,
        "指标": pair.metric,
        "口径": MEASURES[pair.measure],
        "目标": target.figure if target else "",
        "目标类型": pair.goal.label if pair.goal else "",
        "实际": result.figure if result else "",
        "预计数": "是" if result and result.forecast else "",
        "判断": pair.verdict,
        "说明": pair.note,
        "目标出处": f"{target.doc_id} [{target.ind.start}:{target.ind.end}]" if target else "",
        "目标原文": target.quote if target else "",
        "实际出处": f"{result.doc_id} [{result.ind.start}:{result.ind.end}]" if result else "",
        "实际原文": result.quote if result else "",
    }


def chart_points(pairs: Iterable[Pair]) -> list[dict]:
    """Target and result per year of one series (one place, metric and measure), each in the target's own unit
    and labelled with the figure as written; a range is drawn at its lower bound, the label says the range."""
    points = []
    for pair in pairs:
        target, result = pair.target, pair.result
        scale = target.scale if target else (result.scale if result else 1.0)
        if target and pair.goal:
            points.append({"年份": pair.year, "类别": "目标", "数值": pair.goal.low, "原文": target.figure})
        if result:
            label = result.figure + ("（预计）" if result.forecast else "")
            points.append({"年份": pair.year, "类别": "实际", "数值": result.number / scale, "原文": label})
    return points
