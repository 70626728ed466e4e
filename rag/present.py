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
from rag.text.periods import report_period
from rag.text.vocab import metric_synonyms

# How a figure's kind is shown: in the table (an achieved figure needs no mark) and on a chart series.
KIND_LABELS = {"result": "", "forecast": "预计", "target": "目标"}
SERIES_KINDS = {"result": "完成 actual", "forecast": "预计 forecast", "target": "目标 target"}

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
    """ "2024年上半年", "2024年", "上半年" or "" — the time span the report's figures describe."""
    return (f"{meta.year}年" if meta.year else "") + (meta.period or "")


def figures_label(meta: ReportMeta) -> str:
    """ "数据期 2020年全年": which time the figures describe. A plan written in 2021 reviews 2020, so the year of the
    figures is said as such and never read against the report's title ("…2021年工作计划")."""
    when = period_label(meta)
    return f"数据期 {when}" if when else ""


def place_label(meta: ReportMeta) -> str:
    """The report's own place at any level ("西林街道", "嘉兴市", "全国"); "未识别地点" when unknown."""
    return meta.name or "未识别地点"


def report_label(meta: ReportMeta, doc_id: str | None = None) -> str:
    """ "西林街道 · 数据期 2024年上半年 · 002_….txt" (missing parts are left out)."""
    parts = [place_label(meta), figures_label(meta), doc_id or ""]
    return " · ".join(p for p in parts if p)


def source_label(meta: ReportMeta, section: str | None, doc_id: str) -> str:
    """place · period of the figures · 《report title》 (the file when there is no title) · section, as shown above
    a cited passage: "秦灶街道 · 数据期 2020年全年 · 《秦灶街道2021年工作计划》 · 一、…"."""
    report = f"《{meta.title}》" if meta.title else doc_id
    parts = [place_label(meta), figures_label(meta), report, section or ""]
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


# What would make report or answer text live in Markdown: a backslash (to undo our escapes), link and image brackets,
# code ticks, ":" (Streamlit's ":material/…:" and ":red[…]"), "$" (maths) and "~" (strike-through). "<" is taken
# care of by HTML escaping.
_MARKDOWN_LIVE = re.compile(r"([\\\[\]`:$~])")
# GFM turns "http://…", "www.…" and "a@b.cn" into links after parsing, on the text itself, where backslashes are
# already gone: an invisible word joiner (U+2060) inside each breaks the pattern and changes nothing a reader sees.
_AUTOLINK = re.compile(r"(?i)(?<=[a-z])(?=://)|(?<=\bwww)(?=\.)|(?<=@)")
WORD_JOINER = "\u2060"


def escape_markdown(text: str) -> str:
    """Text from a report, a question or a model made inert for Markdown (st.markdown, captions, messages, expander
    labels, the export): no link, image, autolink, HTML, maths or Streamlit directive can come out of it; it shows
    as written. Emphasis and lists are left alone: a model's answer keeps its bold and its bullets."""
    unlinked = _AUTOLINK.sub(WORD_JOINER, text or "")
    return _MARKDOWN_LIVE.sub(r"\\\1", html.escape(unlinked, quote=False))


def code_span(text: str) -> str:
    """Text (a file name) as a Markdown code span it cannot break out of: the fence is longer than any run of
    backticks in it."""
    text = " ".join((text or "").split("\n"))
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


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


# ---------------------------------------------------------------------------------------------- export


@dataclass(frozen=True)
class ExportSource:
    """One numbered source of an exported answer."""

    rank: int
    place: str  # "常州市钟楼区西林街道"
    period: str  # "2024年上半年"
    title: str
    file: str
    section: str
    quote: str  # the sentences the answer rests on (or the whole passage when none is marked)
    cited: bool


def export_sources(sources: Iterable[object]) -> list[ExportSource]:
    """rag Answer.sources as ExportSource rows: the highlighted sentences quoted exactly, joined by " … "."""
    out = []
    for s in sources:
        chunk, meta = s.hit.chunk, s.hit.report.meta
        spans = merge_spans(s.highlights, chunk.start, chunk.end)
        quote = " … ".join(chunk.text[a - chunk.start : b - chunk.start] for a, b in spans) or chunk.text
        place = "".join(p for p in (meta.city, meta.district, meta.street) if p) or place_label(meta)
        cited = bool(getattr(s, "cited", False) or s.highlights)
        out.append(
            ExportSource(
                s.rank, place, period_label(meta), meta.title or "", chunk.doc_id, chunk.section or "", quote, cited
            )
        )
    return out


def _blockquote(text: str) -> str:
    return "\n".join(f"> {escape_markdown(line)}" if line.strip() else ">" for line in text.strip().splitlines())


def _inert_with_citations(text: str) -> str:
    """An answer made inert (escape_markdown) except its "[n]" markers, which stay as written for the reader."""
    out, last = [], 0
    for match in _CITATION.finditer(text):
        out += [escape_markdown(text[last : match.start()]), match.group()]
        last = match.end()
    return "".join([*out, escape_markdown(text[last:])])


def answer_export_markdown(
    question: str, answer_text: str, sources: Sequence[ExportSource], filters: str = "", *, asked: str = ""
) -> str:
    """The answer as Markdown for a briefing: the question, the answer with its [n] markers, then each numbered
    source (place, period, report, file) with its passage quoted exactly. Uncited, merely related passages are
    left out when the answer cites any. `question` is the question as understood (a follow-up's standalone form);
    `asked`, when it differs, is what the user typed ("那荷花池街道呢？"), shown under it. Every text from a report,
    a model or a user is made inert: the file carries no live link, image or HTML."""
    lines = [f"## 问：{escape_markdown(question.strip())}", ""]
    if asked.strip() and asked.strip() != question.strip():
        lines += [f"*原问题 asked：{escape_markdown(asked.strip())}*", ""]
    answer = _inert_with_citations(answer_text.strip()).replace("\n", "  \n")  # hard line breaks
    lines += [answer, ""]
    if filters:
        lines += [f"*筛选 filters：{escape_markdown(filters)}*", ""]
    chosen = [s for s in sources if s.cited] or list(sources)
    if chosen:
        lines += ["### 来源 Sources", ""]
    for s in chosen:
        head = " · ".join(
            p
            for p in (s.place, f"数据期 {s.period}" if s.period else "", f"《{s.title}》" if s.title else "", s.section)
            if p
        )
        lines += [
            f"**[{s.rank}]** {escape_markdown(head)}  ",
            f"文件 file：{code_span(s.file)}",
            "",
            _blockquote(s.quote),
            "",
        ]
    return "\n".join(lines).rstrip() + "\n"


def export_filename(question: str, when: datetime | None = None) -> str:
    """ "答案-西林街道上半年一般公共预算收入多少-20261129-1503.md": safe on every file system."""
    stem = re.sub(r"[\\/:*?\"<>|\s？?！!。，,]+", "", question)[:30] or "answer"
    return f"答案-{stem}-{(when or datetime.now(UTC)).strftime('%Y%m%d-%H%M')}.md"


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


# ---------------------------------------------------------------------------------------------- chart series


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
