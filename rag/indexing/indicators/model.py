"""An indicator: one numeric fact of a report (metric, value, growth, progress, rank, period, kind), with the offsets
of the text it came from; `IndicatorDraft` is one being read, frozen into an `Indicator` with its metric normalised."""

from __future__ import annotations

from dataclasses import dataclass

from rag.indexing.indicators.metrics import normalize_metric


@dataclass(frozen=True)
class Indicator:
    metric: str  # normalised via the synonym table, e.g. "规模工业产值", "固定资产投资"
    raw_metric: str  # as written (a substring of text[start:end]), e.g. "规模工业总产值"
    value: float | None  # 17.03; None for growth-only / rank-only facts
    value_text: str  # exact digits as in the text, e.g. "17.03"; "" when value is None
    unit: str | None  # "亿元" "万元" "万美元" "%" "个" "家" ...
    growth: float | None  # year-on-year change, sign kept (下降/降幅 -> negative); "同比下降-58.6%" -> -58.6
    growth_text: str | None  # exact text, e.g. "同比下降-58.6%"
    progress: float | None  # 进度 / 完成年度目标的 …%  -> 52.4
    progress_text: str | None
    rank: int | None  # 位列全区第一 -> 1
    rank_scope: str | None  # "全区" / "全县" / "全市" / "全街道" ...
    rank_text: str | None  # exact, e.g. "位列全区第一"
    period: str | None  # "1-6月" / "上半年" / "全年" / "2017年" when stated near the fact
    start: int  # offsets of the clause(s) the fact came from, into the text given
    end: int
    # "result" (achieved), "forecast" ("预计完成…", stated beside or instead of the actual figure) or "target"
    # ("力争完成…", "主要预期目标是：…增长6%左右"): a question about what was achieved never gets a target.
    kind: str = "result"

    @property
    def estimate(self) -> bool:
        return self.kind == "forecast"


def format_value(ind: Indicator) -> str:
    """The value as written with its unit, e.g. "17.03亿元"; "" for growth-only / rank-only facts."""
    if ind.value is None:
        return ""
    return f"{ind.value_text}{ind.unit or ''}"


@dataclass
class IndicatorDraft:
    raw_metric: str
    value: float | None
    value_text: str
    unit: str | None
    start: int
    end: int
    period: str | None
    growth: float | None = None
    growth_text: str | None = None
    progress: float | None = None
    progress_text: str | None = None
    rank: int | None = None
    rank_scope: str | None = None
    rank_text: str | None = None
    kind: str = "result"

    def freeze(self) -> Indicator:
        return Indicator(
            metric=normalize_metric(self.raw_metric),
            raw_metric=self.raw_metric,
            value=self.value,
            value_text=self.value_text,
            unit=self.unit,
            growth=self.growth,
            growth_text=self.growth_text,
            progress=self.progress,
            progress_text=self.progress_text,
            rank=self.rank,
            rank_scope=self.rank_scope,
            rank_text=self.rank_text,
            period=self.period,
            start=self.start,
            end=self.end,
            kind=self.kind,
        )
