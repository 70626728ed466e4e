"""Tables as facts: a table row becomes one line that keeps its header, fit to retrieve, quote and cite.

A Word/PDF/HTML table row flattened to "高新技术企业数 47家 17.5% 第一" loses which number is the growth and which the
rank. Each row is rendered instead as

    指标：高新技术企业数；完成值：47家；同比增幅：17.5%；全区排名：第一

so the line reads on its own, a quote of it says what each figure is, and the indicator table can take metric,
value, growth and rank from the columns (rag.indexing.indicators.row_indicators). `ROW_LINE` recognises such a
line again in `Document.text`; chunking never takes it for a heading and quoting never cuts it at a "；".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.text.periods import YEAR

CELL_SEP = "；"
KEY_SEP = "："
_DEFAULT_FIRST = "项目"  # the name column when the header leaves it blank
_NUMBER = re.compile(r"\d")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    def lines(self) -> list[str]:
        """One rendered line per row (see the module doc)."""
        return [render_row(self.header, row) for row in self.rows]


def _clean(cell: str | None) -> str:
    # Cells hold no line structure: a wrapped cell is one phrase. Separators inside a cell would break the row.
    text = _SPACES.sub(" ", cell or "").strip()
    return text.replace(CELL_SEP, "，").replace(KEY_SEP, ":")


# Figures a header may hold: years, month ranges and units in brackets ("2023年1-6月", "完成值（亿元）").
_HEADER_FIGURES = re.compile(rf"{YEAR}\s*年?" r"|\d{1,2}\s*[-—–~至]\s*\d{1,2}\s*月|\d{1,2}\s*月|[（(][^）)]*[）)]")


def _is_header_row(row: list[str]) -> bool:
    """A header names columns: at least two filled cells, none with a figure other than a year/period/unit."""
    filled = [_HEADER_FIGURES.sub("", cell) for cell in row if cell]
    return len(filled) >= 2 and not any(_NUMBER.search(cell) for cell in filled)


def table_from_grid(grid: list[list[str | None]]) -> Table | None:
    """A Table from extracted cells (rows of strings, None for a merged/empty cell), or None when it is layout.

    Empty rows and columns are dropped; the first row is the header when it names columns (no figures), else the
    columns get no names and the table is not a table of facts (None). Header rows stacked on top of each other
    ("2023年" over "完成值 | 增幅") are joined per column.
    """
    rows = [[_clean(cell) for cell in row] for row in grid if any(_clean(cell) for cell in row)]
    if len(rows) < 2:
        return None
    width = max(len(row) for row in rows)
    rows = [row + [""] * (width - len(row)) for row in rows]
    keep = [c for c in range(width) if any(row[c] for row in rows)]
    rows = [[row[c] for c in keep] for row in rows]
    if len(keep) < 2 or not _is_header_row(rows[0]):
        return None
    header = rows[0]
    body = rows[1:]
    while body and _is_header_row(body[0]) and len(body) > 1:  # a second header row refines the first
        header = [" ".join(dict.fromkeys(p for p in (a, b) if p)) for a, b in zip(header, body[0], strict=True)]
        body = body[1:]
    header = [name or (_DEFAULT_FIRST if c == 0 else f"第{c + 1}列") for c, name in enumerate(header)]
    return Table(tuple(header), tuple(tuple(row) for row in body if sum(bool(cell) for cell in row) >= 1))


def render_row(header: tuple[str, ...], row: tuple[str, ...]) -> str:
    """ "指标：高新技术企业数；完成值：47家；…": header and cell pairs, empty cells left out."""
    return CELL_SEP.join(f"{name}{KEY_SEP}{cell}" for name, cell in zip(header, row, strict=True) if cell)


# A rendered row: at least two "name：value" cells joined by "；", names short and without sentence punctuation.
_KEY = r"[^：；。！？\n]{1,20}"
_VALUE = r"[^；\n]*"
ROW_LINE = re.compile(rf"^{_KEY}{KEY_SEP}{_VALUE}(?:{CELL_SEP}{_KEY}{KEY_SEP}{_VALUE})+$")


def is_table_row(line: str) -> bool:
    return bool(ROW_LINE.match(line.strip()))


@dataclass(frozen=True)
class Cell:
    name: str
    value: str
    start: int  # offsets of "name：value" in the text the row came from
    end: int
    value_start: int


def row_cells(text: str, start: int, end: int) -> list[Cell]:
    """The cells of the rendered row text[start:end], with offsets into text."""
    cells: list[Cell] = []
    for m in re.finditer(rf"(?P<name>{_KEY}){KEY_SEP}(?P<value>{_VALUE})", text[start:end]):
        cells.append(
            Cell(m.group("name"), m.group("value"), start + m.start(), start + m.end(), start + m.start("value"))
        )
    return cells


def row_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every rendered table row line in text."""
    spans: list[tuple[int, int]] = []
    offset = 0
    for line in text.split("\n"):
        if is_table_row(line):
            spans.append((offset, offset + len(line)))
        offset += len(line) + 1
    return spans
