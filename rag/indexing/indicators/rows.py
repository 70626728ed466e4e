"""Table rows (rendered by rag.ingest.tables): the column header says what each cell is; a row is read as one fact
and said as a sentence for quoting."""

from __future__ import annotations

import re

from rag.indexing.indicators.metrics import looks_like_metric
from rag.indexing.indicators.model import Indicator, IndicatorDraft
from rag.indexing.indicators.tokens import NEGATIVE_GROWTH_WORDS, NUM, SCOPE, UNITS, VALUE_RE, pct_numbers
from rag.ingest.tables import Cell, row_cells
from rag.text.numerals import CN_NUMERAL_CHARS
from rag.text.numerals import ordinal as ordinal_number
from rag.text.periods import PERIOD_RE, period_of
from rag.text.vocab import (
    column_patterns,
    value_column,
)

_HEADER_UNIT = re.compile(r"[（(]([^）)]+)[）)]")
_BARE_NUM = re.compile(rf"^[-+−－]?{NUM}[%％]?$")
_YEAR_COL = re.compile(r"((?:19|20)\d{2})\s*年")


def _role(name: str) -> str | None:
    """What a column holds, from its header (rag/text/data/columns.toml); None for a value column."""
    return next((role for role, pattern in column_patterns() if pattern.search(name)), None)


def _header_unit(name: str) -> str | None:
    m = _HEADER_UNIT.search(name)
    unit = m.group(1).strip() if m else None
    return unit if unit in UNITS else None


def _cell_value(cell: Cell, row_unit: str | None = None) -> tuple[float, str, str | None] | None:
    """(value, digits as written, unit) of a value cell: "47家", "12.36亿元", or "5.83" under "完成值（亿元）"
    (or in a row whose metric says "规模工业产值（亿元）": row_unit)."""
    value = cell.value.strip()
    if m := VALUE_RE.search(value):
        return float(m.group("num")), m.group("num"), m.group("unit")
    if _BARE_NUM.match(value) and (unit := _header_unit(cell.name) or row_unit):
        num = value.rstrip("%％")
        return float(num.replace("−", "-").replace("－", "-")), num, unit
    return None


def _cell_pct(cell: Cell, negative: bool) -> float | None:
    """A growth/progress cell: "17.5%", "-3.2%", or a bare number under a "(%)" header."""
    value = cell.value.strip()
    nums = pct_numbers(value)
    if not nums and _BARE_NUM.match(value) and "%" in cell.name.replace("％", "%"):
        nums = pct_numbers(value + "%")
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
    scope = re.search(SCOPE, value) or re.search(SCOPE, cell.name)
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
    if not looks_like_metric(name, None):
        return None
    draft = IndicatorDraft(name, None, "", None, start, end, default_period)
    for cell in cells:
        role = roles[id(cell)]
        segment = text[cell.start : cell.end]
        if role == "growth" and draft.growth is None:
            draft.growth = _cell_pct(cell, negative=bool(re.search("|".join(NEGATIVE_GROWTH_WORDS), cell.name)))
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
