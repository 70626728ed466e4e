"""Extracting text from a report's bytes per format (.txt .md .docx .pdf .html), sniffing the real type first.

The content's magic bytes win over a wrong extension; every failure is a `DocumentError` with a clear message.
"""

from __future__ import annotations

import io
import re
import zipfile

from rag.ingest.decode import decode_bytes, empty_error
from rag.ingest.errors import DocumentError
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
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise DocumentError("Word 文档已损坏（压缩包不完整），无法读取", "corrupted .docx / zip file") from exc


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


def _docx_text(data: bytes) -> str:
    """Body paragraphs and tables in document order, one paragraph (or table row) per line."""
    import docx
    from docx.table import Table

    try:
        document = docx.Document(io.BytesIO(data))
        lines: list[str] = []
        for block in document.iter_inner_content():
            if isinstance(block, Table):
                lines.extend(_docx_cell_row(row) for row in block.rows)
            else:
                lines.append(block.text)
    except Exception as exc:  # python-docx raises KeyError/ValueError/lxml errors on malformed files
        raise DocumentError("Word 文档已损坏或格式不正确，无法读取", "invalid or corrupted .docx") from exc
    return "\n".join(lines).replace("\r\n", "\n")


def _pdf_text(data: bytes) -> str:
    """The pages' text, one page after another."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not _pdf_unlock(reader):
            raise DocumentError("PDF 文件已加密，无法读取", "encrypted PDF")
        pages = [page.extract_text() or "" for page in reader.pages]
    except DocumentError:
        raise
    except Exception as exc:  # pypdf raises many types on malformed files
        raise DocumentError("PDF 文件已损坏或格式不正确，无法读取", "invalid or corrupted PDF") from exc
    return "\n".join(pages).replace("\r\n", "\n")


def _pdf_unlock(reader) -> bool:
    """Many 'encrypted' PDFs only carry an owner password and open with the empty user password."""
    try:
        return bool(reader.decrypt(""))
    except Exception:
        return False


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


def extract_text(data: bytes, suffix: str) -> tuple[str, str]:
    """(text, encoding) for a file's bytes; the content's magic bytes win over a wrong extension."""
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
        return _checked(_docx_text(data)), "docx"
    if kind == "pdf":
        text = _pdf_text(data)
        if not text.strip():
            raise DocumentError(
                "PDF 中没有可提取的文字（可能是扫描件，需要先做文字识别）", "no extractable text; OCR needed"
            )
        return text, "pdf"
    if suffix in (".docx", ".pdf"):
        try:  # e.g. a text file saved with the wrong extension: load it by its content
            return decode_bytes(data)
        except DocumentError as exc:
            raise _not_really(suffix) from exc
    text, encoding = decode_bytes(data)
    if suffix in (".html", ".htm"):
        return _checked(_html_text(text)), "html"
    return text, encoding


def _checked(text: str) -> str:
    if not text.strip():
        raise DocumentError("文件中没有可读的文字", "no readable text")
    return text
