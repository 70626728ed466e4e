"""Extracting text from a report's bytes per format (.txt .md .docx .pdf .html), sniffing the real type first.

The content's magic bytes win over a wrong extension; every failure is a `DocumentError` with a clear message.
"""

from __future__ import annotations

import io
import re
import zipfile

from rag.ingest.archive import check_unpacked
from rag.ingest.decode import decode_bytes, empty_error
from rag.ingest.errors import DocumentError
from rag.ingest.limits import Limits
from rag.ingest.normalize import normalize_pages, normalize_text
from rag.ingest.pdf import PdfReadError, PdfTooLongError, ScannedPdfError, pdf_pages
from rag.ingest.tables import table_from_grid
from rag.text.vocab import words

SUPPORTED_SUFFIXES = (".txt", ".md", ".docx", ".pdf", ".html", ".htm")

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .doc/.xls/.ppt
_LEGACY_HINTS = {
    ".doc": "旧版 Word（.doc）",
    ".wps": "WPS 文字（.wps）",
    ".xls": "Excel 表格（.xls）",
    ".xlsx": "Excel 表格（.xlsx）",
    ".ppt": "PowerPoint（.ppt）",
    ".pptx": "PowerPoint（.pptx）",
    ".rtf": "RTF 文档",
}


def _supported_list() -> str:
    return " ".join(SUPPORTED_SUFFIXES)


def unsupported_error(suffix: str) -> DocumentError:
    kind = _LEGACY_HINTS.get(suffix)
    what = (
        f"不支持{kind}，请另存为 .docx、.pdf 或 .txt 后再上传" if kind else f"不支持的文件类型“{suffix or '无扩展名'}”"
    )
    return DocumentError(
        f"{what}。支持的类型：{_supported_list()}", f"unsupported file type; supported: {_supported_list()}"
    )


def _normalize_suffix(suffix: str) -> str:
    suffix = suffix.strip().lower()
    return suffix if not suffix or suffix.startswith(".") else "." + suffix


def _sniff(data: bytes) -> str | None:
    """The real container type from magic bytes, whatever the file name says."""
    if data.startswith(b"PK\x03\x04"):
        return "zip"
    if data.lstrip()[:5] == b"%PDF-":
        return "pdf"
    if data.startswith(_OLE_MAGIC):
        return "ole"
    return None


def _zip_members(data: bytes) -> set[str]:
    """The archive's member names, once its stated sizes passed rag.ingest.archive (nothing is unpacked here)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise DocumentError("Word 文档已损坏（压缩包不完整），无法读取", "corrupted .docx / zip file") from exc
    check_unpacked(infos, len(data))
    return {info.filename for info in infos}


def _check_docx_zip(data: bytes) -> None:
    members = _zip_members(data)
    if "word/document.xml" in members:
        return
    if "xl/workbook.xml" in members:
        raise unsupported_error(".xlsx")
    if "ppt/presentation.xml" in members:
        raise unsupported_error(".pptx")
    raise DocumentError("这是一个 ZIP 压缩包，不是 Word 文档", "zip archive, not a .docx file")


def _docx_cell_row(row) -> str:
    cells: list[str] = []
    previous = None
    for cell in row.cells:
        if cell._tc is previous:  # a merged cell is repeated once per grid column
            continue
        previous = cell._tc
        cells.append(" ".join(cell.text.split("\n")).strip())
    return "\t".join(cells)


def _docx_grid(table) -> list[list[str | None]]:
    """Cell texts per row; a merged cell repeated in the next grid column is None, so columns stay aligned."""
    grid: list[list[str | None]] = []
    for row in table.rows:
        cells: list[str | None] = []
        previous = None
        for cell in row.cells:
            cells.append(None if cell._tc is previous else cell.text)
            previous = cell._tc
        grid.append(cells)
    return grid


def _docx_table_lines(table) -> list[str]:
    """A table of facts as header+row lines (rag.ingest.tables); a layout table as tab-separated lines."""
    rendered = table_from_grid(_docx_grid(table))
    return rendered.lines() if rendered is not None else [_docx_cell_row(row) for row in table.rows]


def _docx_text(data: bytes) -> str:
    """Body paragraphs and tables in document order, one paragraph (or table row) per line."""
    import docx
    from docx.table import Table

    try:
        document = docx.Document(io.BytesIO(data))
        lines: list[str] = []
        for block in document.iter_inner_content():
            if isinstance(block, Table):
                lines.extend(_docx_table_lines(block))
            else:
                lines.append(block.text)
    except Exception as exc:  # python-docx raises KeyError/ValueError/lxml errors on malformed files
        raise DocumentError("Word 文档已损坏或格式不正确，无法读取", "invalid or corrupted .docx") from exc
    return "\n".join(lines).replace("\r\n", "\n")


def _pdf_text(data: bytes, max_pages: int) -> str:
    """The pages' text (rag.ingest.pdf: PDFium text, pdfplumber tables), normalised with page breaks kept."""
    try:
        pages = pdf_pages(data, max_pages)
    except PdfTooLongError as exc:
        raise DocumentError(
            f"PDF 共 {exc.pages} 页，超过上限 {max_pages} 页（RAG_MAX_PDF_PAGES），请拆分后再上传",
            f"PDF has {exc.pages} pages, limit {max_pages}",
        ) from exc
    except PdfReadError as exc:
        if "password" in str(exc).lower():
            raise DocumentError("PDF 文件已加密，无法读取", "encrypted PDF") from exc
        raise DocumentError("PDF 文件已损坏或格式不正确，无法读取", "invalid or corrupted PDF") from exc
    except ScannedPdfError as exc:
        raise DocumentError(
            "PDF 中没有文字层（像是扫描件或图片），无法读取其中的文字；请上传带文字的 PDF、Word 或文本文件",
            "scanned PDF without a text layer; OCR is not available",
        ) from exc
    return normalize_pages(pages)


_HTML_SKIP = words(
    "head script style noscript template iframe object embed svg canvas button select option input textarea"
)
_HTML_BLOCK = words(
    "address article aside blockquote body caption center dd details dialog div dl dt fieldset figcaption figure "
    "footer form h1 h2 h3 h4 h5 h6 header hgroup hr html li main nav ol p pre section summary table tbody tfoot "
    "thead tr ul"
)
_HTML_CELL = frozenset(("td", "th"))


def _html_pieces(root) -> list[str]:
    """Visible strings in reading order, block elements on their own lines (iterative: no recursion limit)."""
    from bs4 import NavigableString, Tag
    from bs4.element import CData, Comment, Declaration, Doctype, ProcessingInstruction

    hidden = (Comment, Declaration, Doctype, ProcessingInstruction, CData)
    pieces: list[str] = []
    stack: list[object] = [root]
    while stack:
        item = stack.pop()
        if isinstance(item, tuple):  # a line/cell break queued after a block's children
            pieces.append(item[0])
        elif isinstance(item, NavigableString):
            if not isinstance(item, hidden):
                pieces.append(re.sub(r"[ \t\r\n\f\v\xa0]+", " ", str(item)))  # &nbsp; is layout
        elif isinstance(item, Tag) and item.name not in _HTML_SKIP:
            if item.name == "table" and (rows := _html_table_lines(item)):
                pieces.append("\n" + "\n".join(rows) + "\n")
                continue
            if item.name == "br":
                pieces.append("\n")
                continue
            closing = ("\n",) if item.name in _HTML_BLOCK else ("\t",) if item.name in _HTML_CELL else None
            if closing:
                stack.append(closing)
            stack.extend(reversed(list(item.children)))
            if item.name in _HTML_BLOCK:
                pieces.append("\n")
    return pieces


def _html_table_lines(table) -> list[str]:
    """A data table (no table nested in it, a header row) as header+row lines; [] for a layout table."""
    if table.find("table") is not None:
        return []
    grid: list[list[str | None]] = []
    for tr in table.find_all("tr"):
        row: list[str | None] = []
        for cell in tr.find_all(("td", "th")):
            row.append(cell.get_text(" ", strip=True))
            span = str(cell.get("colspan", "1"))
            row.extend([None] * (int(span) - 1 if span.isdigit() and 1 < int(span) < 50 else 0))
        grid.append(row)
    rendered = table_from_grid(grid)
    return rendered.lines() if rendered is not None else []


def _html_text(markup: str) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(markup, "html.parser")
    lines = (line.strip(" \t\u3000\xa0") for line in "".join(_html_pieces(soup)).split("\n"))
    text = "\n".join(re.sub(r"[ \t]*\t[ \t]*", "\t", line) for line in lines if line)
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    if title and title not in text:  # the <title> is often the report's only title line
        text = f"{title}\n{text}" if text else title
    return text


def _not_really(suffix: str) -> DocumentError:
    kind = "Word 文档" if suffix == ".docx" else "PDF 文件"
    return DocumentError(f"文件扩展名是 {suffix}，但内容不是有效的{kind}", f"not a valid {suffix} file")


def extract_text(data: bytes, suffix: str, limits: Limits | None = None) -> tuple[str, str]:
    """(text, encoding) for a file's bytes; the content's magic bytes win over a wrong extension.

    The text is normalised (rag.ingest.normalize) before anything else sees it: every offset points into it.
    `limits` (default: the environment's, rag.config): a PDF with more pages is refused before its pages are read.
    """
    limits = limits or Limits.from_env()
    suffix = _normalize_suffix(suffix)
    if suffix not in SUPPORTED_SUFFIXES:
        raise unsupported_error(suffix)
    if not data.strip():
        raise empty_error()
    kind = _sniff(data)
    if kind == "ole":
        raise unsupported_error(".doc")
    if kind == "zip":
        _check_docx_zip(data)
        return _checked(normalize_text(_docx_text(data))), "docx"
    if kind == "pdf":
        return _checked(_pdf_text(data, limits.pdf_pages)), "pdf"
    if suffix in (".docx", ".pdf"):
        try:  # e.g. a text file saved with the wrong extension: load it by its content
            text, encoding = decode_bytes(data)
        except DocumentError as exc:
            raise _not_really(suffix) from exc
        return _checked(normalize_text(text)), encoding
    text, encoding = decode_bytes(data)
    if suffix in (".html", ".htm"):
        return _checked(normalize_text(_html_text(text))), "html"
    return _checked(normalize_text(text)), encoding


def _checked(text: str) -> str:
    if not text.strip():
        raise DocumentError("文件中没有可读的文字", "no readable text")
    return text
