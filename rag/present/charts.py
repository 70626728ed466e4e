"""Chart series of the indicator table: one series per place, metric and kind, over periods."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from rag.present.tables import IndicatorRow
from rag.text.periods import report_period
from rag.text.vocab import metric_synonyms

SERIES_KINDS = {"result": "完成 actual", "forecast": "预计 forecast", "target": "目标 target"}


@dataclass(frozen=True)
class Series:
    """Values that may stand side by side in one chart: one metric, one unit, one kind (完成 / 预计 / 目标) and
    periods of the same span ("1-6月" = "上半年"). Anything else would set unlike things against each other."""

    metric: str
    unit: str
    kind: str  # Indicator.kind
    span: str  # the period normalised: "上半年", "全年", "1-5月" ...

    @property
    def key(self) -> str:
        return "|".join((self.metric, self.unit, self.kind, self.span))

    @property
    def label(self) -> str:
        """ "固定资产投资（亿元）· 上半年 · 完成 actual" """
        kind = SERIES_KINDS.get(self.kind, self.kind)
        return " · ".join(
            p for p in (f"{self.metric}（{self.unit}）" if self.unit else self.metric, self.span, kind) if p
        )


def period_span(row: IndicatorRow) -> str:
    """The span a figure covers, so equal spans compare: "1-6月" and "上半年" -> "上半年"; the year itself -> "全年"."""
    if row.year and row.period == f"{row.year}年":
        return "全年"
    return (report_period(row.period) if row.period else None) or row.period or "未注明"


def chart_series(rows: Iterable[IndicatorRow]) -> list[Series]:
    """The series worth a chart, the most streets first. Only metrics the synonym table declares one statistical
    indicator are set side by side: "面积" of demolished buildings and "面积" of expropriated land share a word,
    not a meaning."""
    streets: dict[Series, set[str]] = {}
    for row in rows:
        if row.value is None or row.metric not in metric_synonyms():
            continue
        streets.setdefault(series_of(row), set()).add(row.street)
    # achieved figures first, then forecasts, then targets
    order = list(SERIES_KINDS)
    return sorted(streets, key=lambda se: (order.index(se.kind), -len(streets[se]), se.metric, se.span, se.unit))


def series_of(row: IndicatorRow) -> Series:
    return Series(row.metric, row.unit, row.kind, period_span(row))


def chart_rows(rows: Iterable[IndicatorRow], series: Series) -> list[dict]:
    """One bar per street (and report year) for the rows of one series."""
    records = []
    seen: Counter[str] = Counter()
    for r in rows:
        if r.value is None or series_of(r) != series:
            continue
        bar = f"{r.street} · {r.year}年" if r.year else r.street
        seen[bar] += 1
        if seen[bar] > 1:  # the same street and year twice (two passages state it): still a bar each
            bar = f"{bar} ({seen[bar]})"
        records.append(
            {"柱": bar, "街道": r.street, "年份": r.year, "时期": r.period_label or "未注明", "数值": r.value, "原文": r.value_text,
             "row_id": r.row_id, "文件": r.doc_id}
        )  # fmt: skip
    return records


def metric_choices(rows: Iterable[IndicatorRow]) -> list[str]:
    """Metrics with a value, the most reported (across streets) first."""
    streets: dict[str, set[str]] = {}
    for row in rows:
        if row.value is not None:
            streets.setdefault(row.metric, set()).add(row.street)
    return sorted(streets, key=lambda m: (-len(streets[m]), m))
