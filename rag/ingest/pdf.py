"""PDF to text, chosen on evidence (bench/pdf_extractors.py, bench/README.md):

- text from PDFium (pypdfium2): reading order as printed, correct code points where pypdf/pdfplumber/pdfminer
  return Kangxi radicals ("⼯作" for "工作"), and ~10x faster;
- tables from pdfplumber's ruling-line detector: each table becomes rows with their header
  (rag.ingest.tables), placed where the table stands on the page; the text inside the table's box is not
  repeated as loose lines.

Pages come back raw (one string per page); rag.ingest.normalize.normalize_pages removes page furniture, joins
visual line wraps and folds characters.
"""

from __future__ import annotations

import io
import logging

from rag.ingest.tables import Table, table_from_grid

# A page with fewer visible characters than this has no text layer worth the name (a scan, a photo).
MIN_PAGE_CHARS = 20


class PdfReadError(Exception):
    """The PDF cannot be opened (corrupt, encrypted with a password)."""


class ScannedPdfError(Exception):
    """The PDF has no text layer: its pages are images."""


class PdfTooLongError(Exception):
    """The PDF has more pages than a report may have (rag.ingest.limits)."""

    def __init__(self, pages: int) -> None:
        super().__init__(f"{pages} pages")
        self.pages = pages


def _open(data: bytes):
    import pypdfium2

    try:
        return pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as exc:
        raise PdfReadError(str(exc)) from exc


def _tables(
    data: bytes, pages_with_lines: set[int]
) -> dict[int, list[tuple[tuple[float, float, float, float], Table]]]:
    """Per page index: (bbox as (x0, top, x1, bottom) from the top-left, Table) for every table with a header."""
    if not pages_with_lines:
        return {}
    import pdfplumber

    logging.getLogger("pdfminer").setLevel(logging.ERROR)  # warns once per CJK glyph about font boxes
    found: dict[int, list[tuple[tuple[float, float, float, float], Table]]] = {}
    try:
        with pdfplumber.open(io.BytesIO(data), pages=[i + 1 for i in sorted(pages_with_lines)]) as pdf:
            for page in pdf.pages:
                for candidate in page.find_tables():
                    table = table_from_grid(candidate.extract())
                    if table is not None and table.rows:
                        found.setdefault(page.page_number - 1, []).append((candidate.bbox, table))
    except Exception:  # pdfminer chokes on some files PDFium reads: their tables stay as plain lines
        return {}
    return found


def _has_rulings(page) -> bool:
    """Cheap pre-check with PDFium: a page without any path object cannot hold a ruled table."""
    import pypdfium2.raw as raw

    return any(obj.type == raw.FPDF_PAGEOBJ_PATH for obj in page.get_objects(max_depth=2))


def _inside(box: tuple[float, float, float, float], bbox: tuple[float, float, float, float], height: float) -> bool:
    """A PDFium char box (left, bottom, right, top; origin bottom-left) centred in a pdfplumber bbox (origin top-left)."""
    left, bottom, right, top = box
    x, y = (left + right) / 2, height - (bottom + top) / 2
    x0, top0, x1, bottom0 = bbox
    return x0 <= x <= x1 and top0 <= y <= bottom0


def _page_text(page, tables: list[tuple[tuple[float, float, float, float], Table]]) -> str:
    """The page's text in PDFium's reading order; each table's characters replaced by its rendered rows, on their
    own lines, where the table's first character stood."""
    textpage = page.get_textpage()
    text = textpage.get_text_range()
    if not tables:
        return text
    height = page.get_size()[1]
    pieces: list[str] = []
    placed: set[int] = set()
    for i, ch in enumerate(text):
        owner = next(
            (t for t, (bbox, _) in enumerate(tables) if ch.strip() and _inside(textpage.get_charbox(i), bbox, height)),
            None,
        )
        if owner is None:
            pieces.append(ch)
        elif owner not in placed:
            placed.add(owner)
            pieces.append("\n" + "\n".join(tables[owner][1].lines()) + "\n")
    return "".join(pieces)


def _count_images(page) -> int:
    import pypdfium2.raw as raw

    return sum(obj.type == raw.FPDF_PAGEOBJ_IMAGE for obj in page.get_objects(max_depth=2))


def _is_scanned(images: int, pages: list[str]) -> bool:
    """No text at all, or pictures with (almost) no text on every page: a scan or photographed pages."""
    visible = [len("".join(page.split())) for page in pages]
    return sum(visible) == 0 or (images > 0 and all(n < MIN_PAGE_CHARS for n in visible))


def pdf_pages(data: bytes, max_pages: int | None = None) -> list[str]:
    """Each page's text, tables rendered as header+row lines; raises ScannedPdfError when no page has text and
    PdfTooLongError, before reading any page, when there are more than `max_pages`."""
    import pypdfium2

    pdf = _open(data)
    try:
        if max_pages is not None and len(pdf) > max_pages:
            raise PdfTooLongError(len(pdf))
        ruled = {i for i in range(len(pdf)) if _has_rulings(pdf[i])}
        tables = _tables(data, ruled)
        pages = [_page_text(pdf[i], tables.get(i, [])) for i in range(len(pdf))]
        pdf_images = sum(_count_images(pdf[i]) for i in range(len(pdf)))
    except pypdfium2.PdfiumError as exc:  # a page that cannot be loaded: the file is damaged
        raise PdfReadError(str(exc)) from exc
    finally:
        pdf.close()
    if _is_scanned(pdf_images, pages):
        raise ScannedPdfError(f"{len(pages)} page(s), no text layer")
    return [page.replace("\r\n", "\n").replace("\r", "\n") for page in pages]
