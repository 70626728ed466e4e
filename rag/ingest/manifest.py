"""The seeds manifest (manifest.csv): per-file metadata that overrides detection, read and written atomically."""

from __future__ import annotations

import csv
import io
import re
from functools import lru_cache
from pathlib import Path

from rag.fsutil import atomic_write
from rag.ingest.errors import DocumentError
from rag.ingest.metadata import ReportMeta, place_of
from rag.text.periods import YEAR
from rag.text.places import Place, level_of

MANIFEST_NAME = "manifest.csv"
MANIFEST_COLUMNS = ("file", "place", "level", "parents", "year", "period", "title", "plan_year", "kind")
# The columns manifests had before `place`: the lowest unit named is the place and the ones above are its parents.
# Read when a row has no place; a row the program rewrites has them emptied, so the place is stated once.
OLD_UNIT_COLUMNS = ("street", "district", "city")  # 街道/镇/乡, 区/县, 市
PARENTS_SEP = "/"  # "常州市/钟楼区" in a manifest cell
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection: a detected title
# "=HYPERLINK(…)"). Such a cell is written with a leading apostrophe, which spreadsheets show as text; a value that
# itself starts with an apostrophe gets one too, so reading takes exactly one off and every value comes back as it was.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "'")


def escape_cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def unescape_cell(value: str) -> str:
    return value[1:] if value.startswith("'") else value


def _cell(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def _parse_year(value: str | None) -> int | None:
    value = _cell(value)
    if value is None:
        return None
    m = re.fullmatch(rf"({YEAR})\s*年?", value)
    return int(m.group(1)) if m else None  # a malformed year keeps the detected one


def _parents(row: dict[str, str | None]) -> tuple[str, ...]:
    return tuple(p.strip() for p in (row.get("parents") or "").split(PARENTS_SEP) if p.strip())


def _place_from_row(row: dict[str, str | None]) -> Place | None:
    """The row's place; a row of the old layout names its units in OLD_UNIT_COLUMNS, lowest first."""
    name, level = _cell(row.get("place")), _cell(row.get("level"))
    lowest_first = [unit for column in OLD_UNIT_COLUMNS if (unit := _cell(row.get(column)))]
    if name is None and lowest_first:
        name = lowest_first[0]
        level = level or level_of(name)
    # The 区/县 and 市 columns name units above whatever place the row states (top-down: 市, then 区/县).
    above = tuple(u for c in reversed(OLD_UNIT_COLUMNS[1:]) if (u := _cell(row.get(c))) and u != name)
    return place_of(name, level, _parents(row) or (above if name else ()))


def _meta_from_row(row: dict[str, str | None]) -> ReportMeta:
    return ReportMeta(
        place=_place_from_row(row),
        year=_parse_year(row.get("year")),
        period=_cell(row.get("period")),
        title=_cell(row.get("title")),
        plan_year=_parse_year(row.get("plan_year")),
        kind=_cell(row.get("kind")),
    )


RowCells = tuple[tuple[str, object], ...]


def _row_cells(row: dict[str, str | None]) -> RowCells:
    """The row as the index's source key hashes it (rag.indexing.scan): each column parsed, in the shape the keys
    of indexes built before `Place` were computed from, so an unchanged row keeps its key (and its report is not
    read again on every update)."""
    cells: dict[str, object] = {c: _cell(row.get(c)) for c in (*OLD_UNIT_COLUMNS, *MANIFEST_COLUMNS[1:])}
    cells.update(year=_parse_year(row.get("year")), plan_year=_parse_year(row.get("plan_year")))
    cells.update(parents=_parents(row), origin=())
    return tuple(sorted(cells.items()))


def _read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8-sig")  # tolerate a BOM left by Excel
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise DocumentError("清单文件无法读取", "cannot read manifest.csv", path.name) from exc


def _read_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    raw = _read_text(path)
    if raw is None:
        return list(MANIFEST_COLUMNS), []
    header, rows = _parse_rows(raw, path.name)
    return list(header), [dict(row) for row in rows]  # copies: callers may edit the rows


def _parse_rows(raw: str, name: str) -> tuple[tuple[str, ...], tuple[dict[str, str], ...]]:
    reader = csv.DictReader(io.StringIO(raw))
    header = [column.strip() for column in reader.fieldnames or []]
    if raw.strip() and "file" not in header:
        raise DocumentError("清单文件缺少 file 列", "manifest.csv has no 'file' column", name)
    reader.fieldnames = header
    rows = [{k: unescape_cell(v or "") for k, v in row.items() if k is not None} for row in reader]
    return tuple(header or MANIFEST_COLUMNS), tuple(row for row in rows if row.get("file", "").strip())


def read_manifest(path: Path) -> dict[str, ReportMeta]:
    """Rows keyed by file name (relative to the manifest's folder); a missing file gives {}."""
    path = Path(path)
    raw = _read_text(path)
    return {} if raw is None else {file: meta for file, (meta, _) in _manifest_of(raw, path.name).items()}


def read_row_cells(path: Path) -> dict[str, RowCells]:
    """Per file, its row as the index's source key hashes it (`_row_cells`); a missing file gives {}."""
    path = Path(path)
    raw = _read_text(path)
    return {} if raw is None else {file: key for file, (_, key) in _manifest_of(raw, path.name).items()}


@lru_cache(maxsize=2)
def _manifest_of(raw: str, name: str) -> dict[str, tuple[ReportMeta, RowCells]]:
    """The same text is parsed once: every index update reads the manifest, and at 1,000 rows parsing it took
    longer than the rest of deleting one report. Reading the file stays cheap; callers get a copy."""
    _, rows = _parse_rows(raw, name)
    return {row["file"].strip(): (_meta_from_row(row), _row_cells(row)) for row in rows}


def row_from_meta(file: str, meta: ReportMeta) -> dict[str, str]:
    """One manifest row: every column as text ("" for unknown, parents joined by "/")."""
    row = {"file": file, **dict.fromkeys(OLD_UNIT_COLUMNS, "")}  # the place is stated once, in `place`
    for name in MANIFEST_COLUMNS[1:]:
        value = meta.name if name == "place" else getattr(meta, name)
        row[name] = PARENTS_SEP.join(value) if isinstance(value, tuple) else "" if value is None else str(value)
    return row


def write_manifest_entry(path: Path, file: str, meta: ReportMeta) -> None:
    """Add or replace one row; other rows (and extra columns) are kept. Atomic (rag.fsutil.atomic_write)."""
    path = Path(path)
    header, rows = _read_rows(path)
    new_row = row_from_meta(file, meta)
    replaced = False
    for row in rows:
        if row["file"].strip() == file:
            row.update(new_row)
            replaced = True
    if not replaced:
        rows.append(new_row)
    _write_rows(path, header, rows)


def remove_manifest_entry(path: Path, file: str) -> bool:
    """Drop the row of `file` (a deleted report); other rows and columns are kept. True when a row was removed."""
    path = Path(path)
    if not path.exists():
        return False
    header, rows = _read_rows(path)
    kept = [row for row in rows if row["file"].strip() != file]
    if len(kept) == len(rows):
        return False
    _write_rows(path, header, kept)
    return True


def _write_rows(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    """The manifest rewritten atomically: our columns first, extra columns kept."""
    columns = list(MANIFEST_COLUMNS) + [name for name in header if name not in MANIFEST_COLUMNS]
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows({name: escape_cell(row.get(name, "")) for name in columns} for row in rows)
    atomic_write(path, buffer.getvalue())
