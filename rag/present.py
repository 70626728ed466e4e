"""Pure presentation helpers for the UI: labels, safe HTML for passages and answers, indicator tables.

Nothing here touches Streamlit, the model or the index, so every function is unit-tested on plain values.
Every piece of report or answer text is HTML-escaped before markup is added: a report (or an LLM answer) that
contains "<script>" shows those characters, it never runs them.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from rag.indexing.indicators import Indicator, format_value
from rag.ingest.documents import ReportMeta

# The same markers rag.answering.verify reads: "[1]", "［2］", "【3】", "[1, 2]", "[1-3]".
_CITATION = re.compile(r"[\[［【]\s*([0-9０-９]+(?:\s*[,，、\-–~～]\s*[0-9０-９]+)*)\s*[\]］】]")
_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")

STAGE_LABELS = {
    "copy": "复用未变向量 reusing vectors",
    "embed": "嵌入段落 embedding passages",
    "keywords": "关键词索引 keyword index",
    "done": "完成 done",
}
MODE_LABELS = {
    "auto": "自动 auto",
    "extractive": "摘录式 extractive",
    "llm": "大模型 LLM",
}
OUTCOME_KINDS = {"added": "success", "duplicate": "info", "rejected": "error"}


# ---------------------------------------------------------------------------------------------- labels


def period_label(meta: ReportMeta) -> str:
    """ "2024年 上半年", "2024年", "上半年" or "" — the report's time span in one short label."""
    parts = [f"{meta.year}年" if meta.year else "", meta.period or ""]
    return " ".join(p for p in parts if p)


def place_label(meta: ReportMeta) -> str:
    """The report's own place at any level ("西林街道", "嘉兴市", "全国"); "未识别地点" when unknown."""
    return meta.name or "未识别地点"


def report_label(meta: ReportMeta, doc_id: str | None = None) -> str:
    """ "西林街道 · 2024年 上半年 · 002_….txt" (missing parts are left out)."""
    parts = [place_label(meta), period_label(meta), doc_id or ""]
    return " · ".join(p for p in parts if p)


def source_label(meta: ReportMeta, section: str | None, doc_id: str) -> str:
    """street · period · section · file, as shown above a cited passage."""
    parts = [place_label(meta), period_label(meta), section or "", doc_id]
    return " · ".join(p for p in parts if p)


def format_timestamp(iso: str | None) -> str:
    """ISO time of the index build as "2026-11-23 11:15 UTC"; "—" when unknown, the raw text if unparsable."""
    if not iso:
        return "—"
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def progress_state(stage: str, done: int, total: int) -> tuple[float, str]:
    """A build progress callback's (stage, done, total) as a bar fraction in [0, 1] and its caption."""
    fraction = 1.0 if total <= 0 else min(max(done / total, 0.0), 1.0)
    label = STAGE_LABELS.get(stage, stage)
    text = label if stage in ("done", "keywords") else f"{label}：{done}/{total}"
    return fraction, text


# ---------------------------------------------------------------------------------------------- citations


def _numbers(group: str) -> list[int]:
    """'1, 3' -> [1, 3]; '1-3' -> [1, 2, 3] (short ranges only, as rag.answering.verify reads them)."""
    out: list[int] = []
    for part in re.split(r"\s*[,，、]\s*", group.translate(_FULLWIDTH_DIGITS)):
        bounds = [int(x) for x in re.split(r"\s*[\-–~～]\s*", part) if x]
        if len(bounds) == 2 and 0 <= bounds[1] - bounds[0] <= 10:
            out.extend(range(bounds[0], bounds[1] + 1))
        else:
            out.extend(bounds)
    return out


def cited_ranks(text: str) -> list[int]:
    """Source numbers an answer cites, in order of first appearance, each once."""
    cited: list[int] = []
    for match in _CITATION.finditer(text or ""):
        for n in _numbers(match.group(1)):
            if n not in cited:
                cited.append(n)
    return cited


def escape_markdown(text: str) -> str:
    # HTML first (so nothing in the text is markup), then the characters Streamlit's markdown would turn into
    # maths ($) or strike-through (~); other markdown (lists, bold) in an LLM answer is kept on purpose.
    return html.escape(text, quote=False).replace("$", "\\$").replace("~", "\\~")


def answer_markdown(text: str, n_sources: int) -> str:
    """The answer as markdown with its text escaped and each [n] marker as a superscript badge.

    A marker naming no source (n outside 1..n_sources) gets the "bad" style, so a reader sees it is broken.
    """
    out: list[str] = []
    last = 0
    for match in _CITATION.finditer(text or ""):
        out.append(escape_markdown(text[last : match.start()]))
        numbers = _numbers(match.group(1)) or [0]
        badges = []
        for n in numbers:
            ok = 1 <= n <= n_sources
            css = "cite" if ok else "cite cite-bad"
            title = f"来源 {n} source" if ok else f"来源 {n} 不存在（no such source）"
            badges.append(f'<sup class="{css}" title="{title}">[{n}]</sup>')
        out.append("".join(badges))
        last = match.end()
    out.append(escape_markdown((text or "")[last:]))
    return "".join(out)


# ---------------------------------------------------------------------------------------------- highlighting


def merge_spans(spans: Iterable[Sequence[int]], start: int, end: int) -> list[tuple[int, int]]:
    """Spans clipped to [start, end), empty ones dropped, overlapping or touching ones merged, sorted."""
    clipped = sorted((max(int(a), start), min(int(b), end)) for a, b in spans)
    merged: list[tuple[int, int]] = []
    for a, b in clipped:
        if a >= b:
            continue
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


# A PDF's page break (rag.ingest.normalize.PAGE_BREAK, a form feed on its own line) drawn as a dashed rule.
_PAGE_BREAK_HTML = (
    '<span class="page-break" style="display:block;border-top:1px dashed rgba(128,128,128,0.6);margin:0.4rem 0;'
    'text-align:center;font-size:0.75rem;color:rgba(128,128,128,0.9)">分页 page break</span>'
)


def _escape_block(text: str) -> str:
    # Inside an HTML block a blank line would end the block and hand the rest to the markdown parser.
    escaped = html.escape(text, quote=True).replace("\r\n", "\n")
    escaped = escaped.replace("\n\f\n", _PAGE_BREAK_HTML).replace("\f", _PAGE_BREAK_HTML)
    return escaped.replace("\n", "<br>")


def highlight_html(
    text: str, spans: Iterable[Sequence[int]] = (), *, offset: int = 0, mark_id: str | None = None
) -> str:
    """`text` escaped, with each span wrapped in <mark>. Spans are offsets into the report; `offset` is where
    `text` starts in it (a passage's chunk.start), so report offsets can be used as they are. The first mark
    gets `mark_id` (for scrolling to it)."""
    parts: list[str] = []
    pos = 0
    for i, (a, b) in enumerate(merge_spans(spans, offset, offset + len(text))):
        a, b = a - offset, b - offset
        parts.append(_escape_block(text[pos:a]))
        attr = f' id="{html.escape(mark_id, quote=True)}"' if mark_id and i == 0 else ""
        parts.append(f"<mark{attr}>{_escape_block(text[a:b])}</mark>")
        pos = b
    parts.append(_escape_block(text[pos:]))
    return "".join(parts)


def passage_html(text: str, spans: Iterable[Sequence[int]] = (), *, offset: int = 0) -> str:
    """A cited passage as one HTML block (no blank lines: markdown leaves it alone)."""
    return f'<div class="passage">{highlight_html(text, spans, offset=offset)}</div>'


def mark_id_for(doc_id: str, start: int) -> str:
    """A DOM id for the highlighted span of a report: letters, digits and dashes only."""
    safe = re.sub(r"[^A-Za-z0-9]+", "-", doc_id).strip("-") or "report"
    return f"hl-{safe}-{int(start)}"


def report_html(text: str, spans: Iterable[Sequence[int]] = (), *, mark_id: str = "hl", height_vh: int = 70) -> str:
    """The whole report, escaped, in a scrollable box, the spans marked and the first one scrolled into view.

    The script only looks up our own element id; the report text cannot add markup, so it cannot add script.
    The script contains no "<": Streamlit's HTML sanitiser (DOMPurify) drops a script whose text has "<" + letter.
    """
    body = highlight_html(text, spans, mark_id=mark_id)
    target = html.escape(mark_id, quote=True)
    return (
        f'<div class="report-full" style="max-height:{int(height_vh)}vh;overflow-y:auto;line-height:1.8;'
        "padding:0.75rem 1rem;border:1px solid rgba(128,128,128,0.3);border-radius:0.5rem;"
        f'white-space:normal;font-size:0.95rem">{body}</div>'
        "<script>(function(){var tries=0;function go(){"
        f'var el=document.getElementById("{target}");'
        'if(el){el.scrollIntoView({block:"center"});}else if(40>tries++){setTimeout(go,100);}}'
        "setTimeout(go,50);})();</script>"
    )


# ---------------------------------------------------------------------------------------------- indicators


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
    estimate: bool = False  # a forecast ("预计完成…"), not an achieved figure

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
            "预计": "预计" if self.estimate else "",
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
                estimate=bool(ind.estimate),
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
    """Rows matching every given filter; `query` is matched (case-insensitively) against all the labels."""
    needle = (query or "").strip().lower()
    out = []
    for row in rows:
        if metrics and row.metric not in metrics:
            continue
        if streets and row.street not in streets:
            continue
        if periods and row.period not in periods:
            continue
        if needle:
            hay = " ".join(
                (
                    row.metric,
                    row.raw_metric,
                    row.street,
                    row.period_label,
                    row.value_text,
                    row.growth_text,
                    row.rank_text,
                    row.doc_id,
                )
            ).lower()
            if needle not in hay:
                continue
        out.append(row)
    return out


def metric_choices(rows: Iterable[IndicatorRow]) -> list[str]:
    """Metrics with a value, the most reported (across streets) first: the best candidates for a comparison."""
    streets: dict[str, set[str]] = {}
    for row in rows:
        if row.value is not None:
            streets.setdefault(row.metric, set()).add(row.street)
    return sorted(streets, key=lambda m: (-len(streets[m]), m))


def chart_rows(rows: Iterable[IndicatorRow], metric: str) -> tuple[list[dict], str, int]:
    """Values of one metric across streets for a bar chart: (records, unit, left out).

    Only the most common unit is charted (亿元 next to 万元 would mislead); rows in another unit are counted
    in `left out` so the page can say so.
    """
    candidates = [r for r in rows if r.metric == metric and r.value is not None]
    if not candidates:
        return [], "", 0
    unit = Counter(r.unit for r in candidates).most_common(1)[0][0]
    records = []
    seen: Counter[str] = Counter()
    for r in candidates:
        if r.unit != unit:
            continue
        period = r.period_label or "未注明"
        # A forecast is labelled as one: 完成 and 预计完成 for the same half-year get a bar each, never stacked.
        bar = f"{r.street} · {period}" + (" · 预计" if r.estimate else "")
        seen[bar] += 1
        if seen[bar] > 1:  # the same street, period and kind twice (two passages state it): still a bar each
            bar = f"{bar} ({seen[bar]})"
        records.append(
            {
                "柱": bar,
                "街道": r.street,
                "时期": period,
                "数值": r.value,
                "原文": r.value_text,
                "row_id": r.row_id,
                "文件": r.doc_id,
            }
        )
    return records, unit, len(candidates) - len(records)


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


# ---------------------------------------------------------------------------------------------- uploads


def outcome_kind(status: str) -> str:
    """Which Streamlit message box shows an upload outcome: success / info / error."""
    return OUTCOME_KINDS.get(status, "warning")


def parse_year(value: object) -> int | None:
    """A year typed into the metadata editor: 2024, "2024", "2024年", 2024.0; None when empty.

    ValueError (Chinese message) for anything else, so a typo is never saved as a wrong year."""
    if value is None:
        return None
    if isinstance(value, float):
        if value != value:  # NaN: an emptied cell
            return None
        if not value.is_integer():
            raise ValueError(f"年份无效：{value}（invalid year）")
        value = int(value)
    text = str(value).strip().removesuffix("年").strip()
    if not text:
        return None
    if not re.fullmatch(r"\d{4}", text) or not 1949 <= int(text) <= 2100:
        raise ValueError(f"年份无效：{value}（invalid year, e.g. 2024）")
    return int(text)


def clean_text(value: object) -> str | None:
    """A text cell from the editor: stripped, None when empty (or NaN)."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    text = str(value).strip()
    return text or None
