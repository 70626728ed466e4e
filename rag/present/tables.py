"""Indicator tables: the Indicators page's rows (filtered by Chinese text or an English search) and an answer's
indicator rows."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rag.indexing.indicators import Indicator, format_value
from rag.ingest.documents import ReportMeta

# How a figure's kind is shown: in the table (an achieved figure needs no mark) and on a chart series.
KIND_LABELS = {"result": "", "forecast": "预计", "target": "目标"}


@dataclass(frozen=True)
class IndicatorRow:
    """One indicator with its report's labels, flat for tables and charts."""

    row_id: int
    doc_id: str
    street: str
    year: int | None
    report_period: str
    period: str  # the fact's own period if stated ("1-6月"), else the report's
    metric: str
    raw_metric: str
    value: float | None
    value_text: str  # "17.03亿元"
    unit: str
    growth_text: str
    progress_text: str
    rank_text: str
    start: int
    end: int
    kind: str = "result"  # Indicator.kind: "result" | "forecast" ("预计完成…") | "target" ("力争…", 主要预期目标)
    rank: int | None = None  # 位列全区第一 -> 1

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, "")

    @property
    def period_label(self) -> str:
        """ "2024年 1-6月"; a period that already names its year ("2017年") is not prefixed again."""
        if not self.year or re.match(r"(19|20)\d{2}\s*年", self.period):
            return self.period
        return " ".join(p for p in (f"{self.year}年", self.period) if p)

    def label(self) -> str:
        """ "西林街道 · 2024年 1-6月 · 固定资产投资 17.03亿元" """
        value = self.value_text or self.growth_text or self.rank_text
        return " · ".join(p for p in (self.street, self.period_label, f"{self.metric} {value}".strip()) if p)

    def as_dict(self) -> dict:
        return {
            "街道": self.street,
            "年份": self.year,
            "时期": self.period,
            "指标": self.metric,
            "原文指标": self.raw_metric,
            "数值": self.value_text,
            "类别": self.kind_label,
            "增幅": self.growth_text,
            "进度": self.progress_text,
            "排名": self.rank_text,
            "文件": self.doc_id,
            "row_id": self.row_id,
        }


def indicator_rows(indicators: Sequence[tuple[str, Indicator]], metas: dict[str, ReportMeta]) -> list[IndicatorRow]:
    """Index.indicators joined with each report's metadata, in index order (row_id = position)."""
    rows: list[IndicatorRow] = []
    for i, (doc_id, ind) in enumerate(indicators):
        meta = metas.get(doc_id) or ReportMeta()
        rows.append(
            IndicatorRow(
                row_id=i,
                doc_id=doc_id,
                street=meta.name or "未识别",
                year=meta.year,
                report_period=meta.period or "",
                period=ind.period or meta.period or "",
                metric=ind.metric,
                raw_metric=ind.raw_metric,
                value=ind.value,
                value_text=format_value(ind),
                unit=ind.unit or "",
                growth_text=ind.growth_text or "",
                progress_text=ind.progress_text or "",
                rank_text=ind.rank_text or "",
                start=ind.start,
                end=ind.end,
                kind=ind.kind,
                rank=ind.rank,
            )
        )
    return rows


def filter_rows(
    rows: Iterable[IndicatorRow],
    *,
    query: str = "",
    metrics: Sequence[str] = (),
    streets: Sequence[str] = (),
    periods: Sequence[str] = (),
) -> list[IndicatorRow]:
    """Rows matching every given filter. `query` is matched (case-insensitively) against all the labels; an English
    query ("Xilin GDP", "first") is read with the answer engine's glossary and pinyin street names."""
    rows = list(rows)
    needle = (query or "").strip().lower()
    english = english_search(needle, {r.street for r in rows}) if is_english(needle) else None
    out = []
    for row in rows:
        if metrics and row.metric not in metrics:
            continue
        if streets and row.street not in streets:
            continue
        if periods and row.period not in periods:
            continue
        if english is not None and not english.matches(row):
            continue
        if needle and english is None and needle not in _haystack(row):
            continue
        out.append(row)
    return out


def _haystack(row: IndicatorRow) -> str:
    fields = (row.metric, row.raw_metric, row.street, row.period_label, row.value_text, row.growth_text,
              row.rank_text, row.doc_id)  # fmt: skip
    return " ".join(fields).lower()


@dataclass(frozen=True)
class EnglishSearch:
    """An English indicator search: the Chinese words its glossary phrases stand for, the streets it names (by
    pinyin), the rank it names ("first"). A row matches when it has all of them."""

    words: tuple[str, ...]
    streets: frozenset[str]
    rank: int | None

    def matches(self, row: IndicatorRow) -> bool:
        hay = _haystack(row)
        return (
            all(w in hay for w in self.words)
            and (not self.streets or row.street in self.streets)
            and (self.rank is None or row.rank == self.rank)
        )


def english_search(query: str, streets: Iterable[str]) -> EnglishSearch | None:
    """None when the query names nothing the glossary, a street's pinyin or an ordinal knows (then it is matched
    as plain text: a file name, "2024")."""
    from rag.answering.query import glossary_terms  # the one glossary
    from rag.text.numerals import parse_en_ordinal
    from rag.text.places import pinyin

    words = re.findall(r"[a-z]+", query.lower())
    named = frozenset(s for s in streets if pinyin(s) in words)
    ordinals = [n for w in words if (n := parse_en_ordinal(w))]
    chinese = tuple(w.lower() for w in glossary_terms(query))
    if not (chinese or named or ordinals):
        return None
    return EnglishSearch(chinese, named, ordinals[0] if ordinals else None)


def is_english(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and all(c.isascii() for c in letters)


def answer_indicator_table(rows: Sequence[dict]) -> list[dict]:
    """An answer's indicator rows (Answer.indicators: Indicator fields + street, doc, sources) for a small table.

    Unknown or missing keys are tolerated: the answer engine may add fields."""
    table = []
    for row in rows:
        unit = row.get("unit") or ""
        value = f"{row.get('value_text') or ''}{unit}" if row.get("value_text") else ""
        sources = row.get("sources") or []
        table.append(
            {
                "街道": row.get("street") or "",
                "时期": row.get("period") or "",
                "指标": row.get("metric") or row.get("raw_metric") or "",
                "数值": value,
                "增幅": row.get("growth_text") or "",
                "进度": row.get("progress_text") or "",
                "排名": row.get("rank_text") or "",
                "来源": "".join(f"[{n}]" for n in sources) if isinstance(sources, list | tuple) else str(sources),
            }
        )
    return table
