"""Numeric facts (指标) pulled out of report text, with every number traceable to its offsets.

The reports state their economic indicators in a small set of recurring shapes, e.g.

    1-6月,完成一般公共预算收入1.52亿元,进度52.4%,位列全区第二;规模工业总产值8.59亿元,增幅5.1%,...
    工业总产值和规模以上工业产值分别达到191.5亿元和138.5亿元,完成年度目标的105.8%和104.9%,...

A sentence is cut into clauses (,;:), a clause into tokens (period / value / growth / progress / rank), and a
value clause opens a fact that the following modifier clauses (进度, 增幅, 位列...) attach to until a semicolon,
the next fact or the end of the sentence.  Nothing is guessed: a number whose metric cannot be read off the
text is dropped rather than given a plausible name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from rag.ingest.tables import Cell, row_cells, row_spans
from rag.text.numerals import CN_NUMERAL_CHARS
from rag.text.numerals import ordinal as ordinal_number
from rag.text.periods import PERIOD_RE, period_of
from rag.text.sentences import sentence_spans
from rag.text.vocab import (
    alternation,
    blocking_prefixes,
    column_patterns,
    markers,
    metric_surfaces,
    metric_synonyms,
    rank_scopes,
    value_column,
    value_units,
)


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


# The synonym table is data (rag/text/data/metrics.toml): which written forms are one statistical indicator.
_SURFACE_TO_METRIC: dict[str, str] = metric_surfaces()

# Words that change which population a metric covers; "农村居民人均可支配收入" is not 居民人均可支配收入.
_BLOCKING_PREFIXES = blocking_prefixes()

# ---------------------------------------------------------------------------------------------------------
# Regexes (each small; the clause walker combines them).
# ---------------------------------------------------------------------------------------------------------
_NUM = r"\d+(?:\.\d+)?"
# Growth numbers keep an explicit sign: "增幅-11.9%", "下降-58.6%" (full-width minus too).
_SIGNED_PCT = r"[-+−－]?\d+(?:\.\d+)?[%％]"
_PCT = r"\d+(?:\.\d+)?[%％]"

# Clauses: commas, semicolons (which also close the current fact) and colons ("工业指标:1-10月,...").
_CLAUSE_SEP_RE = re.compile(r"[，,；;：:]")
_SEMICOLONS = "；;"

# Units after a number (rag/text/data/units.toml), in the file's order so "万平方米" wins over "万" and "个百分点"
# over "个".  Years, months and days (年 月 日) are deliberately absent: "2021年", "11月18日" are never values.
_UNITS = value_units()
# A value: number, optional 余/多 ("300余万元", "1100余份"), unit, optional trailing qualifier.  Not preceded by a
# letter, digit, "." or "-" so "K12", "H5次方", "1-2个" and "9313" fragments are never read as values.
_VALUE_RE = re.compile(
    rf"(?<![A-Za-z0-9.\-])(?P<num>{_NUM})(?:余|多)?(?P<unit>{'|'.join(map(re.escape, _UNITS))})(?:余|多|{alternation(markers('qualifier'))})?"
)
# What may follow a value for it to be a stated fact.  Anything else ("50亿元的京东项目", "16个产业类项目",
# "100万以上税源项目") makes the number an attribute of a noun, not an indicator.
_VALUE_END_CHARS = set("，,；;。：:、）)」”』.!！？? \t\r\n")
_VALUE_CONTINUATIONS = ("同比", "比上年", "比去年", "较上年", "较去年", "较同期", "增", "降", "下降", "（", "(")

# Year-on-year change.  环比 (vs previous period) is not year-on-year, nor is 年均 (an average over several
# years): matched separately (_NOT_YOY_RE) and ignored.
_NOT_YOY = ("环比", "年均")
_GROWTH_RE = re.compile(
    "".join(f"(?<!{w})" for w in _NOT_YOY)
    + r"(?P<kw>(?:同比|分别|同口径|可比口径){0,2}(?:增长|增幅|增速|下降|降幅|减少|下滑|回落|上升|提高|增加))"
    r"(?:分别)?(?:为|达到|达|约|了)?"
    rf"(?P<nums>{_SIGNED_PCT}(?:[和、及]{_SIGNED_PCT})*)"
    # A range or qualifier belongs to the figure as written ("增长6%—7%", "增长5%左右", "增长12%以上"): kept in the
    # quoted text, never parsed as a second number.
    rf"(?:[—–~～至到-]{_PCT})?(?:{alternation(markers('qualifier'))})?"
    # "增长6%以上、力争7%以上": the higher aim stated with a target is part of it
    rf"(?:[，,、](?:{alternation(markers('aim'))}){_PCT}(?:{alternation(markers('qualifier'))})?)?"
)
_NEGATIVE_GROWTH_WORDS = ("下降", "降幅", "减少", "下滑", "回落")
# A change against a base further back than last year ("比“十二五”期末增长29.6%", "比2015年增长") is not
# year-on-year either; "比上年", "比去年", "比同期" are.
_OLDER_BASE = r"比(?!上年|去年|同期|上月)[^，,；;。比]{1,12}?(?:期末|年末|年底|(?:19|20)\d{2}年)"
_NOT_YOY_RE = re.compile(
    rf"(?:{'|'.join(_NOT_YOY)}|{_OLDER_BASE})(?:分别)?(?:增长|增幅|下降|降幅|减少|上升|提高)(?:分别)?(?:为|达到|达|约|了)?{_SIGNED_PCT}(?:[和、及]{_SIGNED_PCT})*"
)

# Progress against the annual target: "进度52.4%", "完成年度目标的111.87%", "完成年度计划投资78.2%",
# "占全年计划的70%", "完成区政府年初下达指标108.6%".  The gap before 目标/计划 may not contain digits, so
# "完成规模工业产值47.64亿元" is never mistaken for it.
_PROGRESS_RE = re.compile(
    r"(?:(?:完成)?进度(?:为|达到?|已达)?"
    r"|(?:完成|占)[^，,；;。：:%％\d]{0,12}?(?:目标|计划|指标|任务)(?:投资|数)?的?)"
    rf"(?P<nums>{_PCT}(?:[和、及]{_PCT})*)"
)

# Ranks: "位列全区第一", "排名全区第二", "居全县首位", "全区第一", "全区排名第三".  A scope (全X) or a ranking verb
# is required so "第一书记", "第一道防线", "第五批" never count; "全区前列" carries no number and is skipped.
_SCOPE = rf"(?:{alternation(rank_scopes())})"
_ORD = r"(?:第(?P<ord{n}>[一二三四五六七八九十\d]+)(?:位|名)?(?![批届道次个轮期季])|(?P<first{n}>首位))"
_RANK_RE = re.compile(
    r"(?P<all>均|都)?"
    rf"(?:(?:位列|排名|名列|位居|排在|居|列|排)?(?P<scope1>{_SCOPE}){_ORD.format(n=1)}"
    rf"|(?P<scope2>{_SCOPE})?(?:位列|排名|名列|位居|排在|居){_ORD.format(n=2)})"
)

# Metric clean-up.  Leading fillers (list markers, dates, subjects, verbs) and trailing verbs/qualifiers are
# peeled off one at a time; what remains is the metric as written.
_LEAD_FILLER_RE = re.compile(
    # Separators/closers only: an opening quote belongs to the metric ("“政企通”注册率").
    r"^(?:[\s、，,”’》）)\]】·•]+"
    r"|[一二三四五六七八九十]+是|其中|期间|同时|另外|此外|今年以来|今年|年内|年底|年末|年初|目前|现已|截至目前|截止目前"
    r"|(?:截至|截止)?\d{1,2}月(?:\d{1,2}日)?(?:份|上旬|中旬|下旬|底|末|初)?"
    rf"|{alternation(rank_scopes())}|[我本](?:街道|市|区|县|镇|乡|省)|街道(?![及和与、的])|辖区|预计)"
)
_LEAD_VERB_RE = re.compile(
    rf"^(?:{alternation(markers('aim'))}|预计完成|预计实现|可完成|完成|实现|达到|累计|共计|总计|合计|共(?![青享建治同])|已)"
)
_TRAIL_RE = re.compile(
    r"(?:预计|完成|实现|多达|高达|达到|达|突破|超过|超|约|近|控制在|稳定在|保持在|(?<![行作成认因以称视])为|共计|总计|合计|累计|共|分别|首次|已|增至|各|了|总体|平均值|平均|[\s“\"'（(]+)$"
)
# A forecast ("1-6月,预计完成…;规模工业总产值8.6亿元…"): it holds for the rest of the sentence until a clause
# states an achievement again ("…;完成规模工业产值47.64亿元").
_ESTIMATE_RE = re.compile(alternation(markers("forecast")))
_ACTUAL_VERB_RE = re.compile(r"^(?:已经?|累计)?(?:完成|实现)")
_ACTUAL_VERB_END_RE = re.compile(r"(?:完成|实现)了?$")
# A value stated as an aim, not an achievement ("年底力争完成…4.2亿元", "年内争创…示范企业1家").
_TARGET_RE = re.compile(rf"^(?:{alternation(markers('aim') + markers('aim_lead'))})")
# A clause that announces a list of targets ("主要预期目标是", "主要目标任务为"); "目标完成情况" reports results.
_TARGET_LIST_RE = re.compile(rf"(?:{alternation(markers('target'))})(?:任务)?(?:安排)?(?:是|为|如下)?$")
# A percentage whose "metric" is itself a change word ("累计降幅收窄3.8%") is a change, not a level.
_CHANGE_WORD_RE = re.compile(r"增幅|降幅|增速|涨幅|跌幅|幅度|收窄|扩大|回升|回落|增长|下降|提升|提高|上升|减少|下滑")
_CJK_RE = re.compile(r"[\u4e00-\u9fff]")
# "到2025年，…" / "力争到2025年，…": a period so introduced heads the clause, and what follows is for that period.
_PERIOD_LEAD_RE = re.compile(r"^(?:力争|争取)?(?:到|至)$")
_MAX_METRIC_CHARS = 40


# ---------------------------------------------------------------------------------------------------------
# Public helpers
# ---------------------------------------------------------------------------------------------------------
def normalize_metric(raw: str) -> str:
    """Normalised metric name: fillers/verbs stripped, quotes dropped, synonyms mapped ("完成规模工业总产值" -> "规模工业产值")."""
    _, cleaned = _clean_metric(raw)
    name = re.sub(r"[\s“”\"'《》]|\[\d+\]", "", cleaned)  # "国内生产总值[2]": a footnote mark is not the name
    name = re.sub(r"累计|共计", "", name) or name  # "重点楼宇累计税收" names the same thing as "重点楼宇税收"
    return _SURFACE_TO_METRIC.get(name, name)


def find_metric(question: str, known_metrics: Iterable[str] = ()) -> str | None:
    """The normalised metric a question mentions (longest surface form wins), or None.

    known_metrics: extra normalised names (e.g. metrics extracted from the corpus) matched as themselves.
    """
    found = _metric_mentions(question, known_metrics)
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


def _metric_mentions(question: str, known_metrics: Iterable[str] = ()) -> list[tuple[int, int, str]]:
    surfaces: dict[str, str] = dict(_SURFACE_TO_METRIC)
    for name in known_metrics:
        surfaces.setdefault(name, name)
    haystack = question.upper()  # "gdp" asks about GDP too
    found = []
    for surface, norm in surfaces.items():
        for m in re.finditer(re.escape(surface.upper()), haystack):
            before = haystack[: m.start()].removesuffix("居民")  # "农村居民人均…" blocks "人均可支配收入" too
            if not before.endswith(_BLOCKING_PREFIXES):
                found.append((m.start(), m.end(), norm))
    return found


def format_value(ind: Indicator) -> str:
    """The value as written with its unit, e.g. "17.03亿元"; "" for growth-only / rank-only facts."""
    if ind.value is None:
        return ""
    return f"{ind.value_text}{ind.unit or ''}"


def extract_indicators(text: str, default_period: str | None = None) -> list[Indicator]:
    """Every numeric fact in text, in text order; offsets point into text.

    Table rows (rendered by rag.ingest.tables) are read by their columns, never as prose."""
    rows = row_spans(text)
    out: list[Indicator] = []
    # Sentences end at 。！？ or a newline, or an ASCII "." that is not a decimal point ("99.4%." / "1.经济...");
    # semicolons are left to the clause walker (they close a fact, not a sentence).
    list_ends = -1  # end of a paragraph that opened a list of targets ("主要预期目标是：…")
    for s_start, s_end in sentence_spans(text, ends="。！？!?", keep_marks=False, ascii_period=True):
        if not any(start < s_end and s_start < end for start, end in rows):
            found, opened = _extract_sentence(text, s_start, s_end, default_period, target=s_start < list_ends)
            out.extend(found)
            if opened:
                list_ends = _paragraph_end(text, s_start)
    for start, end in rows:
        if (ind := row_indicator(text, start, end, default_period)) is not None:
            out.append(ind)
    return sorted(out, key=lambda ind: ind.start)


# ---------------------------------------------------------------------------------------------------------
# Table rows: the column header says what each cell is.
# ---------------------------------------------------------------------------------------------------------
_HEADER_UNIT = re.compile(r"[（(]([^）)]+)[）)]")
_BARE_NUM = re.compile(rf"^[-+−－]?{_NUM}[%％]?$")
_YEAR_COL = re.compile(r"((?:19|20)\d{2})\s*年")


def _role(name: str) -> str | None:
    """What a column holds, from its header (rag/text/data/columns.toml); None for a value column."""
    return next((role for role, pattern in column_patterns() if pattern.search(name)), None)


def _header_unit(name: str) -> str | None:
    m = _HEADER_UNIT.search(name)
    unit = m.group(1).strip() if m else None
    return unit if unit in _UNITS else None


def _cell_value(cell: Cell, row_unit: str | None = None) -> tuple[float, str, str | None] | None:
    """(value, digits as written, unit) of a value cell: "47家", "12.36亿元", or "5.83" under "完成值（亿元）"
    (or in a row whose metric says "规模工业产值（亿元）": row_unit)."""
    value = cell.value.strip()
    if m := _VALUE_RE.search(value):
        return float(m.group("num")), m.group("num"), m.group("unit")
    if _BARE_NUM.match(value) and (unit := _header_unit(cell.name) or row_unit):
        num = value.rstrip("%％")
        return float(num.replace("−", "-").replace("－", "-")), num, unit
    return None


def _cell_pct(cell: Cell, negative: bool) -> float | None:
    """A growth/progress cell: "17.5%", "-3.2%", or a bare number under a "(%)" header."""
    value = cell.value.strip()
    nums = _pct_numbers(value)
    if not nums and _BARE_NUM.match(value) and "%" in cell.name.replace("％", "%"):
        nums = _pct_numbers(value + "%")
    if len(nums) != 1:
        return None
    number, written = nums[0]
    return -number if negative and written[0] not in "-+−－" else number


def _cell_rank(cell: Cell) -> tuple[int, str | None] | None:
    """(rank, scope) from "第一" / "1" / "第1位" / "首位" / "全区第二", the scope from the cell or the header."""
    value = cell.value.strip()
    if "首位" in value:
        rank: int | None = 1
    else:
        m = re.search(rf"第?([{CN_NUMERAL_CHARS}\d]+)[位名]?$", value)
        rank = ordinal_number(m.group(1)) if m else None
    if rank is None:
        return None
    scope = re.search(_SCOPE, value) or re.search(_SCOPE, cell.name)
    return rank, scope.group() if scope else None


def _row_parts(text: str, start: int, end: int) -> tuple[list[Cell], dict[int, str | None], Cell | None]:
    """A rendered row's cells, each cell's role (by id) and the cell naming the metric (the metric column, else the
    first value-less cell of no other role)."""
    cells = row_cells(text, start, end)
    roles = {id(cell): _role(cell.name) for cell in cells}
    metric = next((c for c in cells if roles[id(c)] == "metric"), None)
    metric = metric or next((c for c in cells if roles[id(c)] is None and not re.search(r"\d", c.value)), None)
    return cells, roles, metric


def row_sentence(text: str, start: int, end: int) -> str | None:
    """A rendered table row said as a sentence, every figure as written: "指标：实际到账外资；完成值：4280万美元；
    同比增长：12.3%" -> "实际到账外资4280万美元，同比增长12.3%"; a bare figure takes its column's unit
    ("完成值（亿元）：8.76" -> "8.76亿元", "同比增长（%）：12.4" -> "同比增长12.4%"). The period column is left to the
    answer's heading; None when the row names no metric."""
    cells, roles, metric = _row_parts(text, start, end)
    if metric is None:
        return None
    row_unit = _header_unit(metric.value)
    head = _HEADER_UNIT.sub("", metric.value).strip() if row_unit else metric.value.strip()
    phrases: list[str] = []
    valued = False  # the metric's name has its figure
    for cell in cells:
        role, value = roles[id(cell)], cell.value.strip()
        if cell is metric or role == "period" or not value or PERIOD_RE.fullmatch(value):
            continue  # the period is the answer heading's
        plain = role is None and not _YEAR_COL.search(cell.name)  # columns per year keep their year
        if plain and not valued and (value_column().search(cell.name) or not phrases):
            head, valued = head + _written(cell.name, value, row_unit), True  # the figure follows the metric
        else:
            phrases.append(cell_phrase(cell.name, value, row_unit if role is None else None))
    return "，".join([head, *phrases])


def cell_phrase(name: str, value: str, row_unit: str | None = None) -> str:
    """One cell said as words: "同比增幅", "17.5%" -> "同比增幅17.5%"; "同比增长（%）", "-6.8" -> "同比增长-6.8%"."""
    return f"{_HEADER_UNIT.sub('', name).strip()}{_written(name, value.strip(), row_unit)}"


def _written(name: str, value: str, row_unit: str | None) -> str:
    """A cell's figure as written, with the unit its header (or row) gives a bare number."""
    if not _BARE_NUM.match(value) or "%" in value or "％" in value:
        return value
    if "%" in name.replace("％", "%"):
        return f"{value}%"
    unit = _header_unit(name) or row_unit
    return f"{value}{unit}" if unit else value


def row_indicator(text: str, start: int, end: int, default_period: str | None = None) -> Indicator | None:
    """The fact one rendered table row states: metric, value, growth, progress, rank (and period) by column."""
    cells, roles, metric = _row_parts(text, start, end)
    if metric is None:
        return None
    name = metric.value.strip()
    row_unit = _header_unit(name)
    name = _HEADER_UNIT.sub("", name).strip() if row_unit else name  # "规模工业产值（亿元）": the unit is not the name
    if not _looks_like_metric(name, None):
        return None
    draft = _Draft(name, None, "", None, start, end, default_period)
    for cell in cells:
        role = roles[id(cell)]
        segment = text[cell.start : cell.end]
        if role == "growth" and draft.growth is None:
            draft.growth = _cell_pct(cell, negative=bool(re.search("|".join(_NEGATIVE_GROWTH_WORDS), cell.name)))
            draft.growth_text = segment if draft.growth is not None else None
        elif role == "progress" and draft.progress is None:
            draft.progress = _cell_pct(cell, negative=False)
            draft.progress_text = segment if draft.progress is not None else None
        elif role == "rank" and draft.rank is None and (ranked := _cell_rank(cell)):
            draft.rank, draft.rank_scope = ranked
            draft.rank_text = segment
        elif role == "period" and (m := PERIOD_RE.search(cell.value)):
            draft.period = period_of(m)
    values = [(c, v) for c in cells if roles[id(c)] is None and c is not metric and (v := _cell_value(c, row_unit))]
    named = [item for item in values if value_column().search(item[0].name)]
    # Columns per year ("2022年 | 2023年"): the latest year is the report's own figure.
    dated = sorted((int(m.group(1)), i) for i, (c, _v) in enumerate(values) if (m := _YEAR_COL.search(c.name)))
    latest = [values[dated[-1][1]]] if len(dated) >= 2 else []
    if chosen := (named or latest or values):
        _cell, (draft.value, draft.value_text, draft.unit) = chosen[0]
    if draft.value is None and draft.growth is None and draft.rank is None and draft.progress is None:
        return None
    return draft.freeze()


# ---------------------------------------------------------------------------------------------------------
# Internals
# ---------------------------------------------------------------------------------------------------------
@dataclass
class _Token:
    kind: str  # "period" | "value" | "growth" | "progress" | "rank" | "ignore"
    start: int  # clause-relative
    end: int
    text: str
    nums: list[tuple[float, str]] = field(default_factory=list)  # growth/progress: one per listed number
    unit: str | None = None
    period: str | None = None
    rank: int | None = None
    scope: str | None = None
    applies_to_all: bool = False  # "均位列全区第一"


@dataclass
class _Draft:
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


def _clauses(text: str, start: int, end: int) -> Iterator[tuple[int, int, bool]]:
    """(start, end, follows_semicolon) for each clause of text[start:end]."""
    pos, after_semicolon = start, False
    for m in _CLAUSE_SEP_RE.finditer(text, start, end):
        yield pos, m.start(), after_semicolon
        pos, after_semicolon = m.end(), m.group() in _SEMICOLONS
    yield pos, end, after_semicolon


def _pct_numbers(nums_text: str) -> list[tuple[float, str]]:
    """ "7.5%和6.5%" -> [(7.5, "7.5%"), (6.5, "6.5%")]; full-width minus read as minus."""
    out = []
    for m in re.finditer(r"[-+−－]?\d+(?:\.\d+)?[%％]", nums_text):
        s = m.group()
        out.append((float(s.rstrip("%％").replace("−", "-").replace("－", "-")), s))
    return out


def _overlaps(span: tuple[int, int], taken: list[tuple[int, int]]) -> bool:
    return any(span[0] < e and s < span[1] for s, e in taken)


def _value_is_stated(clause: str, end: int) -> bool:
    """True when the text after a value ends the fact (boundary, 同比…, or "和" before another number)."""
    rest = clause[end:]
    if not rest or rest[0] in _VALUE_END_CHARS:
        return True
    if rest.startswith(_VALUE_CONTINUATIONS):
        return True
    # "191.5亿元和138.5亿元": a list of values, not "106户和万家塘14户" (a noun follows).
    return rest[0] in "和及与" and len(rest) > 1 and rest[1].isdigit()


def _scan_clause(clause: str) -> list[_Token]:
    """All tokens of one clause, in order; modifiers are found first so their numbers are never values."""
    tokens: list[_Token] = []
    taken: list[tuple[int, int]] = []

    for m in _NOT_YOY_RE.finditer(clause):
        tokens.append(_Token("ignore", m.start(), m.end(), m.group()))
        taken.append(m.span())
    for m in _GROWTH_RE.finditer(clause):
        if _overlaps(m.span(), taken):
            continue
        nums = _pct_numbers(m.group("nums"))
        if any(w in m.group("kw") for w in _NEGATIVE_GROWTH_WORDS):
            # 下降/降幅 mean negative; an explicit sign is kept as written ("下降-58.6%" -> -58.6).
            nums = [(v if t[0] in "-+−－" else -v, t) for v, t in nums]
        tokens.append(_Token("growth", m.start(), m.end(), m.group(), nums=nums))
        taken.append(m.span())
    for m in _PROGRESS_RE.finditer(clause):
        if _overlaps(m.span(), taken):
            continue
        tokens.append(_Token("progress", m.start(), m.end(), m.group(), nums=_pct_numbers(m.group("nums"))))
        taken.append(m.span())
    for m in _RANK_RE.finditer(clause):
        if _overlaps(m.span(), taken):
            continue
        ordinal = m.group("ord1") or m.group("ord2")
        rank = 1 if (m.group("first1") or m.group("first2")) else ordinal_number(ordinal or "")
        if rank is None:
            continue
        start = m.start("all") + len(m.group("all")) if m.group("all") else m.start()
        tokens.append(
            _Token(
                "rank",
                start,
                m.end(),
                clause[start : m.end()],
                rank=rank,
                scope=m.group("scope1") or m.group("scope2"),
                applies_to_all=bool(m.group("all")),
            )
        )
        taken.append(m.span())
    for m in PERIOD_RE.finditer(clause):
        if _overlaps(m.span(), taken):  # "占全年计划的70%": 全年 there is part of the progress phrase
            continue
        tokens.append(_Token("period", m.start(), m.end(), m.group(), period=period_of(m)))
        taken.append(m.span())
    for m in _VALUE_RE.finditer(clause):
        if _overlaps(m.span(), taken) or not _value_is_stated(clause, m.end()):
            continue
        if m.group("unit") == "个百分点":  # a change in points, not a level; never seen with a metric in front
            continue
        tokens.append(
            _Token(
                "value",
                m.start(),
                m.end(),
                m.group(),
                unit=m.group("unit"),
                nums=[(float(m.group("num")), m.group("num"))],
            )
        )
    tokens.sort(key=lambda t: t.start)
    return tokens


def _strip_lead_fillers(s: str) -> tuple[int, str]:
    """Drop list markers, dates, subjects and periods at the front; (chars dropped, rest)."""
    dropped = 0
    while True:
        m = _LEAD_FILLER_RE.match(s) or PERIOD_RE.match(s)
        if not m or not m.group():
            return dropped, s
        dropped += m.end()
        s = s[m.end() :]


def _clean_metric(text: str) -> tuple[int, str]:
    """(offset of the metric inside text, metric as written) after peeling fillers, verbs and qualifiers."""
    offset = 0
    while True:
        n, text = _strip_lead_fillers(text)
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


def _is_target(segment: str) -> bool:
    _, rest = _strip_lead_fillers(segment)
    return bool(_TARGET_RE.match(rest))


def _is_estimate(segment: str, estimate_mode: bool) -> bool:
    """Does the fact after this segment state a forecast? ("预计完成…" yes; "完成…" ends a run of forecasts)."""
    if _ESTIMATE_RE.search(segment):
        return True
    _, rest = _strip_lead_fillers(segment)
    # "…预计增长6%左右；一般公共预算收入完成224.7亿元": an achievement verb before the figure ends the run too
    return estimate_mode and not _ACTUAL_VERB_RE.match(rest) and not _ACTUAL_VERB_END_RE.search(rest)


def _looks_like_metric(raw: str, unit: str | None) -> bool:
    if raw.upper() in _SURFACE_TO_METRIC:  # "GDP增长9.1%"
        return True
    if len(_CJK_RE.findall(raw)) < 2 or len(raw) > _MAX_METRIC_CHARS:
        return False
    if raw.startswith("比"):  # "比上年增加5600亿元": a change against a base, no metric named
        return False
    if raw.endswith("的"):  # "约占盘活存量土地的55%": a share of something, not a named indicator
        return False
    return not (unit in ("%", "％") and _CHANGE_WORD_RE.search(raw))


def _is_known_metric(raw: str) -> bool:
    return normalize_metric(raw) in metric_synonyms()


def _attach(drafts: list[_Draft], tok: _Token, abs_end: int) -> bool:
    """Put a growth/progress/rank token on the current fact(s); never overwrite what is already there."""
    if not drafts:
        return False
    if tok.kind == "rank":
        targets = drafts if (tok.applies_to_all or len(drafts) == 1) else []
        if not targets or any(d.rank is not None for d in targets):
            return False
        for d in targets:
            d.rank, d.rank_scope, d.rank_text = tok.rank, tok.scope, tok.text
            d.end = max(d.end, abs_end)
        return True
    if len(tok.nums) != len(drafts):  # "105.8%和104.9%" needs exactly two facts
        return False
    slot = "growth" if tok.kind == "growth" else "progress"
    if any(getattr(d, slot) is not None for d in drafts):
        return False
    for d, (v, _t) in zip(drafts, tok.nums, strict=True):
        setattr(d, slot, v)
        setattr(d, f"{slot}_text", tok.text)
        d.end = max(d.end, abs_end)
    return True


def _value_run(tokens: list[_Token], i: int, clause: str) -> list[_Token]:
    """Consecutive value tokens joined only by 和/及/与/、 ("191.5亿元和138.5亿元")."""
    run = [tokens[i]]
    j = i + 1
    while (
        j < len(tokens)
        and tokens[j].kind == "value"
        and clause[run[-1].end : tokens[j].start] in ("和", "及", "与", "、")
    ):
        run.append(tokens[j])
        j += 1
    return run


def _split_names(names_text: str) -> list[tuple[int, str]]:
    """ "工业总产值和规模以上工业产值" -> [(0, "工业总产值"), (6, "规模以上工业产值")]."""
    out = []
    for m in re.finditer(r"[^和及与、]+", names_text):
        off, raw = _clean_metric(m.group())
        out.append((m.start() + off, raw))
    return out


def _paragraph_end(text: str, pos: int) -> int:
    end = text.find("\n", pos)
    return len(text) if end < 0 else end


def _opens_target_list(text: str, c_end: int, s_end: int, clause: str) -> bool:
    """ "今年经济社会发展的主要预期目标是：" — a clause naming targets before a colon: what follows lists them."""
    return c_end < s_end and text[c_end] in "：:" and bool(_TARGET_LIST_RE.search(clause.strip()))


def _extract_sentence(
    text: str, s_start: int, s_end: int, default_period: str | None, target: bool = False
) -> tuple[list[Indicator], bool]:
    """The sentence's facts, and whether it opened a list of targets that runs on to the end of its paragraph."""
    drafts: list[_Draft] = []
    carry = default_period  # a period heading the sentence/clause applies to the rest of the sentence
    current: list[_Draft] = []  # the fact(s) that modifier clauses attach to
    target_mode = target  # once a sentence states a target ("力争…"), its later values are targets too
    opened = False
    estimate_mode = False  # likewise for forecasts ("预计…"), until a clause states an achievement
    prev_clause_made_fact = False

    for c_start, c_end, after_semicolon in _clauses(text, s_start, s_end):
        if after_semicolon:
            current = []
        clause = text[c_start:c_end]
        if _opens_target_list(text, c_end, s_end, clause):
            target_mode = opened = True
        tokens = _scan_clause(clause)
        local: str | None = None
        seg_start = anchor = 0
        made_fact = False
        i = 0
        while i < len(tokens):
            tok = tokens[i]
            if tok.kind == "period":
                if not _PERIOD_LEAD_RE.sub("", clause[: tok.start].strip(" \t“”\"'（(")):
                    carry = tok.period  # "1-6月," / "全年18座…": heads the clause, so it heads what follows
                local = tok.period
                anchor = tok.end
                i += 1
                continue
            if tok.kind == "ignore":
                seg_start = anchor = tok.end
                i += 1
                continue

            period = local or carry
            metric_text = clause[anchor : tok.start]
            target_mode = target_mode or _is_target(clause[seg_start : tok.start])
            estimate = _is_estimate(clause[seg_start : tok.start], estimate_mode)

            if tok.kind == "value":
                run = _value_run(tokens, i, clause)
                new = _respectively(run, metric_text, anchor, c_start, period) if len(run) > 1 else []
                if new:
                    i += len(run)
                else:
                    run = [tok]
                    i += 1
                    new = _single_value(tok, metric_text, anchor, c_start, period, current, prev_clause_made_fact)
                for d in new:
                    d.kind = _kind(target_mode, estimate)
                if _clean_metric(metric_text)[1]:  # a restated value ("预计全年可完成220亿元") forecasts only itself
                    estimate_mode = estimate
                drafts.extend(new)
                current = new
                made_fact = made_fact or bool(new)
                seg_start = anchor = run[-1].end
                continue

            # growth / progress / rank
            off, raw = _clean_metric(metric_text)
            opens_fact = (
                tok.kind in ("growth", "rank")
                and _looks_like_metric(raw, None)
                and (not current or _is_known_metric(raw))
            )
            if opens_fact:
                d = _Draft(raw, None, "", None, c_start + anchor + off, c_start + tok.end, period)
                d.kind = _kind(target_mode, estimate)
                estimate_mode = estimate
                _attach([d], tok, c_start + tok.end)
                drafts.append(d)
                current = [d]
                made_fact = True
            else:
                _attach(current, tok, c_start + tok.end)
            seg_start = anchor = tok.end
            i += 1
        prev_clause_made_fact = made_fact

    return [d.freeze() for d in drafts], opened


def _kind(target_mode: bool, estimate: bool) -> str:
    return "target" if target_mode else "forecast" if estimate else "result"


def _respectively(run: list[_Token], metric_text: str, anchor: int, c_start: int, period: str | None) -> list[_Draft]:
    """ "A和B分别达到X和Y": one fact per name, or [] when names and values do not pair up."""
    if "分别" not in metric_text:
        return []
    names = [(off, raw) for off, raw in _split_names(metric_text.split("分别")[0]) if raw]
    if len(names) != len(run) or not all(
        _looks_like_metric(raw, t.unit) for (_o, raw), t in zip(names, run, strict=True)
    ):
        return []
    start = c_start + anchor + names[0][0]
    return [
        _Draft(raw, t.nums[0][0], t.nums[0][1], t.unit, start, c_start + run[-1].end, period)
        for (_o, raw), t in zip(names, run, strict=True)
    ]


def _single_value(
    tok: _Token,
    metric_text: str,
    anchor: int,
    c_start: int,
    period: str | None,
    current: list[_Draft],
    prev_clause_made_fact: bool,
) -> list[_Draft]:
    value, value_text = tok.nums[0]
    off, raw = _clean_metric(metric_text)
    if not raw.strip():
        # "完成服务业应税销售171.22亿元,预计全年可完成220亿元": same metric, restated; only when the fact is in
        # the clause right before and has the same unit ("…提升,达到75.45%" after a 亿元 fact is dropped).
        if prev_clause_made_fact and len(current) == 1 and current[0].unit == tok.unit:
            prev = current[0]
            return [_Draft(prev.raw_metric, value, value_text, tok.unit, prev.start, c_start + tok.end, period)]
        return []
    if not _looks_like_metric(raw, tok.unit):
        return []
    return [_Draft(raw, value, value_text, tok.unit, c_start + anchor + off, c_start + tok.end, period)]
