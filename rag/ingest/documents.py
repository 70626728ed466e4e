"""Loading reports (.txt .md .docx .pdf .html) to text, detecting their metadata, and the seeds manifest.

Everything here is deterministic: the same bytes always give the same text, encoding and metadata.
`Document.text` is the text as the report reads; every offset elsewhere in the system points into it.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import os
import re
import tempfile
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, fields, replace
from functools import lru_cache
from pathlib import Path

SUPPORTED_SUFFIXES = (".txt", ".md", ".docx", ".pdf", ".html", ".htm")
MANIFEST_NAME = "manifest.csv"
MANIFEST_COLUMNS = ("file", "street", "district", "city", "year", "period", "title")


def _words(spaced: str) -> frozenset[str]:
    return frozenset(spaced.split(" "))


class DocumentError(Exception):
    """A file that cannot be loaded. `str(e)` is a clear Chinese sentence for the user, with a short English hint."""

    def __init__(self, reason: str, hint: str = "", file: str | None = None) -> None:
        self.reason = reason
        self.hint = hint
        self.file = file
        super().__init__(_format_error(reason, hint, file))

    def for_file(self, name: str) -> DocumentError:
        """The same error, naming the file (decoders do not know the name; loaders do)."""
        return DocumentError(self.reason, self.hint, name)


def _format_error(reason: str, hint: str, file: str | None) -> str:
    message = f"{reason}：{file}" if file else reason
    return f"{message}（{hint}）" if hint else message


@dataclass(frozen=True)
class ReportMeta:
    street: str | None = None  # "西林街道" / "XX镇" / "XX乡" (full name with suffix)
    district: str | None = None  # "钟楼区"
    city: str | None = None  # "常州市"
    year: int | None = None  # 2023
    period: str | None = None  # normalised: "上半年" | "全年" | "工作计划" | "1-5月" | "1-10月" | "一季度" ...
    title: str | None = None


@dataclass(frozen=True)
class Document:
    doc_id: str  # file name relative to the seeds folder, POSIX style
    path: Path
    text: str  # decoded text as the report reads
    sha256: str  # of the raw file bytes
    encoding: str  # "utf-8", "utf-8-sig", "gb18030", "utf-16", "docx", "pdf", "html"
    meta: ReportMeta = field(default_factory=ReportMeta)


# ---------------------------------------------------------------------------------------------------------------
# Decoding bytes to text
# ---------------------------------------------------------------------------------------------------------------

# Longest BOMs first: the UTF-32-LE BOM starts with the UTF-16-LE one.
_BOMS: tuple[tuple[bytes, str, str], ...] = (
    (b"\xff\xfe\x00\x00", "utf-32-le", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32-be", "utf-32"),
    (b"\xef\xbb\xbf", "utf-8", "utf-8-sig"),
    (b"\xff\xfe", "utf-16-le", "utf-16"),
    (b"\xfe\xff", "utf-16-be", "utf-16"),
)
_ALLOWED_CONTROLS = frozenset("\t\n\r\f\v")
_MAX_BAD_RATIO = 0.01  # real text has (almost) no control or private-use characters


def _empty_error() -> DocumentError:
    return DocumentError("文件为空", "empty file")


def _blank_error() -> DocumentError:
    return DocumentError("文件里只有空白，没有文字内容", "only whitespace, no text")


def _binary_error() -> DocumentError:
    return DocumentError("文件不是文本，看起来是二进制数据", "binary data, not text")


def _undecodable_error() -> DocumentError:
    return DocumentError("无法识别文件的文字编码", "unknown text encoding")


def _strict(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _bad_char_ratio(text: str) -> float:
    """Share of control, surrogate, private-use and replacement characters: high for binary decoded as text."""
    bad = sum(
        1
        for ch in text
        if ch == "\ufffd" or (ch not in _ALLOWED_CONTROLS and unicodedata.category(ch) in ("Cc", "Cs", "Co"))
    )
    return bad / max(1, len(text))


def _is_plausible(text: str) -> bool:
    return "\x00" not in text and _bad_char_ratio(text) <= _MAX_BAD_RATIO


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" or "\uf900" <= ch <= "\ufaff"


def _looks_like_chinese_text(text: str) -> bool:
    """For UTF-16 guesses: mostly CJK, CJK punctuation, ASCII or whitespace (random bytes are not)."""
    good = sum(
        1
        for ch in text
        if _is_cjk(ch) or "\u3000" <= ch <= "\u303f" or "\uff00" <= ch <= "\uffef" or ch.isspace() or " " <= ch <= "~"
    )
    return bool(text) and good / len(text) >= 0.9


def _utf16_by_nul_pattern(data: bytes) -> str | None:
    """ASCII in UTF-16 has a NUL in every other byte: odd positions for LE, even for BE."""
    if len(data) < 2 or len(data) % 2:
        return None
    even, odd = data[0::2].count(0), data[1::2].count(0)
    if odd >= 0.75 * (even + odd):
        return "utf-16-le"
    if even >= 0.75 * (even + odd):
        return "utf-16-be"
    return None


def _finish(text: str, encoding: str) -> tuple[str, str]:
    if not _is_plausible(text):
        raise _binary_error()
    text = text.replace("\r\n", "\n")
    if not text.strip():
        raise _blank_error()
    return text, encoding


def _decode_without_bom(data: bytes) -> tuple[str, str] | None:
    if b"\x00" in data:  # NUL bytes: UTF-16 without BOM, or binary
        codec = _utf16_by_nul_pattern(data)
        text = _strict(data, codec) if codec else None
        if text is not None and _looks_like_chinese_text(text):
            return text, "utf-16"
        raise _binary_error()
    text = _strict(data, "utf-8")
    if text is not None:  # valid UTF-8 is never a coincidence; if it is full of control characters it is binary
        return text, "utf-8"
    text = _strict(data, "gb18030")  # a superset of GBK and GB2312
    if text is not None and _is_plausible(text):
        return text, "gb18030"
    for codec in ("utf-16-le", "utf-16-be"):  # UTF-16 without BOM and without any ASCII character
        text = _strict(data, codec)
        if text is not None and _looks_like_chinese_text(text):
            return text, "utf-16"
    return _decode_with_charset_normalizer(data)


def _decode_with_charset_normalizer(data: bytes) -> tuple[str, str] | None:
    """Last resort (Big5, Shift-JIS, cp1252 ...): a statistical guess, only accepted when it reads as text."""
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or not best.encoding:
        return None
    text = str(best)
    name = codecs.lookup(best.encoding).name  # "utf_16_be" -> "utf-16-be"
    return (text, "utf-16" if name.startswith("utf-16") else name) if _is_plausible(text) else None


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode a text file: BOM, strict UTF-8, UTF-16 by NUL pattern, strict GB18030, then a statistical guess."""
    if not data.strip(b" \t\r\n\x0b\x0c"):
        raise _empty_error()
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            text = _strict(data[len(bom) :], codec)
            if text is None:
                raise _undecodable_error()
            return _finish(text, label)
    decoded = _decode_without_bom(data)
    if decoded is None:
        raise _undecodable_error()
    return _finish(*decoded)


def normalize_ws(text: str) -> str:
    """Collapse runs of whitespace (incl. full-width and no-break spaces); for embedded/keyword text only."""
    return re.sub(r"\s+", " ", text).strip()


# ---------------------------------------------------------------------------------------------------------------
# Extracting text from .docx / .pdf / .html, sniffing the real type from magic bytes
# ---------------------------------------------------------------------------------------------------------------

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


def _unsupported_error(suffix: str) -> DocumentError:
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
        raise _unsupported_error(".xlsx")
    if "ppt/presentation.xml" in members:
        raise _unsupported_error(".pptx")
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


_HTML_SKIP = _words(
    "head script style noscript template iframe object embed svg canvas button select option input textarea"
)
_HTML_BLOCK = _words(
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
        raise _unsupported_error(suffix)
    if not data.strip():
        raise _empty_error()
    kind = _sniff(data)
    if kind == "ole":
        raise _unsupported_error(".doc")
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


# ---------------------------------------------------------------------------------------------------------------
# Metadata detection: general rules, no list of known places
# ---------------------------------------------------------------------------------------------------------------

_ADMIN_CHARS = frozenset("省市区县")
# Characters that may stand right before a place name (besides anything that is not a Han character).
_BOUNDARY_CHARS = frozenset("年月日在与和及对由向将把从让经为是的被给同跟至到于")
# A street/town name never ends with these: "全街道", "各街道", "城乡", "乡镇", "小镇", "城镇", "区委区" ...
_NAME_END_STOP = frozenset(
    "全各本该我此每其个级等的和与及在到为对由从把将向了是有被给让于至省市区县镇乡村城小古重名强坐集老下返家故同他异委社"
)
# ... nor start with these (they belong to the words before the name).
_NAME_START_STOP = frozenset("在与和及对由向将把从让经为是的被给同跟至到于今以了")
# Verb-like endings ("制定街道", "落实市"): allowed only with formal evidence (title, 《》, admin chain).
_SOFT_END = frozenset("实彻成达评加入选往出过施定动升固办理合立离留治展进推")
# Words that stand before 街道/镇 without being a name ("精品街道", "示范街道", "特色小镇").
_GENERIC_NAMES = _words(
    "精品 示范 文明 特色 先进 模范 样板 标杆 星级 优秀 平安 美丽 幸福 智慧 活力 创新 品质 宜居 生态 绿色 和谐 法治 "
    "重点 试点 乡村 农村 城市 商业 背街 新型 现代 传统 整洁 干净 卫生 园林 花园 低碳 健康 书香 数字 智能 人文 安全 "
    "放心 诚信 清洁 开放 相关 其他 其它 所在 所属 周边 其余 兄弟 有关 部分 多个 两个 各个"
)
_STREET_NEXT_STOP = {"镇": frozenset("村街区域级"), "乡": frozenset("村镇贤愁土亲音情下里邻间野"), "街道": frozenset()}
# What follows a report's own name when it is the subject of a sentence ("，西林街道将…", "西林街道在区委…").
_SUBJECT_NEXT = re.compile(
    r"(?:将|在|把|要|以|已|于|坚持|认真|全面|紧紧|始终|积极|深入|按照|围绕|紧扣|上下|全体|共|今年|上半年|实现|完成)"
)
_INSTITUTION_NEXT = re.compile(r"(?:办事处|党工委|工委|人民政府|政府|党委|纪工委|纪委|管委会|人大|机关)")
_DISTRICT_END_STOP = frozenset(
    "全各本该我此每其个级等的和与及在到为对由从把将向了是有被给让于至省市县镇乡村委社小城片辖街景园校学厂郊疫灾矿库营控范务心聚验贸护能发地分险行济"
)
_GENERIC_DISTRICTS = _words("开发 高新 经开 工业 新城 老城 主城 城乡 农业 旅游 度假 商务 保税 综保")
_CITY_END_STOP = frozenset(
    "城全各本我该此每超菜股上夜集门街早黑牛熊开闭休罢省县区都级路场农范强大地一二三四五六七八九十两多和与及在对由向为于"
)
# Dictionary tags (jieba) that mark a word as a verb, preposition, adverb ... rather than a name: "确保市", "按照区".
_NOT_NAME_TAGS = _words("v vd vn p c d r u f q m t ad uj ul")

_YEAR_RE = re.compile(r"((?:19|20)\d{2})\s*(?:年|(?=[上下]半年))")
_TITLE_WORDS = re.compile(
    r"工作总结|工作计划|工作报告|工作要点|工作思路|工作打算|工作情况|述职|汇报|总结|计划|报告|要点"
)
_ENUMERATED = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[)）]|\d+[、.．\s]|第[一二三四五六七八九十]+)"
)
_SOURCE_LINE = re.compile(r"^\s*(?:来源|发布单位|发布机构|信息来源)\s*[:：]\s*(\S+)")
_TITLE_PREFIX = re.compile(r"^(?:关于|中共|(?:19|20)\d{2}\s*年度?|[\s【\[（(《“\"])+")
_CHAIN = re.compile(
    r"(?:[\u4e00-\u9fff]{2,7}?(?:省|自治区))?"
    r"(?P<city>[\u4e00-\u9fff]{2,6}?市)?"
    r"(?P<district>[\u4e00-\u9fff]{2,7}?(?:区|县|旗))?"
    r"(?P<street>[\u4e00-\u9fff]{2,5}?(?:街道|镇|乡))?"
)
_CN_DIGITS = {**{ch: n for n, ch in enumerate("一二三四五六七八九十", start=1)}, "十一": 11, "十二": 12}
_MONTH_RANGE = re.compile(
    r"(?<![\d.])1\s*月?\s*[-—–~～－至到]\s*(1[0-2]|[1-9])\s*月|一\s*月?\s*[-—–~～－至到]\s*(十[一二]?|[二三四五六七八九])\s*月"
)


# A report says who it is near its start; scanning more costs seconds on book-length files for nothing.
_DETECT_CHARS = 60_000


@dataclass
class _Evidence:
    """What the text says around one candidate name (e.g. "西林街道")."""

    prefix: str
    anchored: int = 0  # occurrences with a boundary right before the name
    formal: int = 0  # in 《》 or right after 区/市/县/省
    institution: int = 0  # followed by 办事处/党工委/政府 ... ("开展街道党工委…" shows it is weaker than formal)
    subject: int = 0  # at a clause start and followed by 将/在/坚持 ...
    strong: int = 0  # in a title line, a head line, a 来源 line or the file name


def _clean_lines(text: str) -> list[str]:
    return [line.strip() for line in text.split("\n") if line.strip()]


def _is_title_line(line: str) -> bool:
    """A short line naming a report ("秦灶街道2021年工作计划"); numbered section headings are not titles."""
    if not 4 <= len(line) <= 60 or _ENUMERATED.match(line) or re.search(r"[。；;！!？?]$|[，,]", line):
        return False
    return bool(_TITLE_WORDS.search(line))


def _filename_line(filename: str) -> str | None:
    """A file name that reads like a title ("西林街道2023年上半年工作总结.docx"); hashes and numbers do not."""
    stem = Path(filename).stem
    return stem.replace("_", " ").strip() if any(_is_cjk(ch) for ch in stem) else None


def _strong_lines(text: str, filename: str) -> list[str]:
    """Head lines, title lines, 来源 lines and the file name: where a report names itself."""
    lines = _clean_lines(text)
    strong = [line for line in lines[:5] if len(line) <= 60 and not re.search(r"[。；;]$", line)]
    strong += [line for line in lines[5:20] if _is_title_line(line)]
    strong += [m.group(1) for line in lines[:30] if (m := _SOURCE_LINE.match(line))]
    if (name_line := _filename_line(filename)) is not None:
        strong.append(name_line)
    return list(dict.fromkeys(strong))


def _chain(line: str) -> dict[str, str]:
    """ "江苏省南通市崇川区秦灶街道…" at the start of a line -> {city, district, street}."""
    line = _SOURCE_LINE.sub(r"\1", line)
    line = _TITLE_PREFIX.sub("", line)
    m = _CHAIN.match(line)
    return {key: value for key, value in m.groupdict().items() if value} if m else {}


def _is_boundary(text: str, index: int) -> bool:
    if index < 0:
        return True
    ch = text[index]
    return not _is_cjk(ch) or ch in _ADMIN_CHARS or ch in _BOUNDARY_CHARS


def _hard_rejected_street(prefix: str, text: str, start: int) -> bool:
    last2 = prefix[-2:]
    if prefix[-1] in _NAME_END_STOP or prefix[0] in _NAME_START_STOP or last2 in _GENERIC_NAMES:
        return True
    # "崇川区秦灶" is not a name: the admin character ends the name before it.
    return prefix[0] in _ADMIN_CHARS and start > 0 and _is_cjk(text[start - 1])


def _street_evidence(text: str) -> dict[str, _Evidence]:
    found: dict[str, _Evidence] = {}
    for m in re.finditer(r"街道|镇|乡", text):
        suffix, i = m.group(), m.start()
        if text[m.end() : m.end() + 1] and text[m.end()] in _STREET_NEXT_STOP[suffix]:
            continue
        for k in (2, 3, 4):
            prefix = text[i - k : i] if i - k >= 0 else ""
            if not prefix or not all(_is_cjk(ch) for ch in prefix):
                break
            anchored = _is_boundary(text, i - k - 1)
            if (k == 4 and not anchored) or _hard_rejected_street(prefix, text, i - k):
                continue
            ev = found.setdefault(prefix + suffix, _Evidence(prefix))
            _add_occurrence(ev, text, i - k, m.end(), anchored)
    return found


def _add_occurrence(ev: _Evidence, text: str, start: int, end: int, anchored: bool) -> None:
    before = text[start - 1] if start > 0 else "\n"
    after = text[end : end + 6]
    ev.anchored += anchored
    if before in "《【" or before in _ADMIN_CHARS:
        ev.formal += 1
    elif _INSTITUTION_NEXT.match(after):
        ev.institution += 1
    elif anchored and before in "\n，,。；;：:！!？?、 " and _SUBJECT_NEXT.match(after):
        ev.subject += 1


def _add_strong(found: dict[str, _Evidence], lines: Iterable[str], key: str) -> None:
    for line in lines:
        name = _chain(line).get(key)
        if not name:
            continue
        prefix = re.sub(r"(街道|镇|乡|区|县|旗|市)$", "", name)
        if key == "district" and (prefix[-1] in _DISTRICT_END_STOP or prefix[-2:] in _GENERIC_DISTRICTS):
            continue  # "开发区…工作总结", "社区…": not a district
        if key == "city" and prefix[-1] in _CITY_END_STOP:
            continue
        found.setdefault(name, _Evidence(prefix)).strong += 1


def _street_points(name: str, ev: _Evidence, text: str) -> float:
    full = text.count(name)
    bare_extra = max(0, text.count(ev.prefix) - full)
    named = 3 * ev.formal + 2 * (ev.institution + ev.subject)
    return 10 * ev.strong + named + full + min(5.0, 0.25 * bare_extra)


def _street_ok(name: str, ev: _Evidence, text: str) -> bool:
    if ev.strong:
        return not _hard_rejected_street(ev.prefix, ev.prefix, 0)
    if not ev.anchored or _street_points(name, ev, text) < 4:
        return False
    return ev.formal > 0 or _body_name_ok(ev)


def _best(scored: dict[str, float], text: str) -> str | None:
    if not scored:
        return None
    # Highest points; then the name mentioned more often; then the earlier one (deterministic).
    return max(scored, key=lambda name: (scored[name], text.count(name), -_first_index(text, name)))


def _first_index(text: str, name: str) -> int:
    index = text.find(name)
    return index if index >= 0 else len(text)


def _detect_street(text: str, strong: list[str]) -> str | None:
    found = _street_evidence(text)
    _add_strong(found, strong, "street")
    scored = {name: _street_points(name, ev, text) for name, ev in found.items() if _street_ok(name, ev, text)}
    return _best(scored, text) or _indirect_street(text)


# Indirect evidence when a report calls itself only "街道": slogans and self-names around its short name,
# e.g. "，新闸人将…", "贡献新闸力量", "共栽“河海幸福树”", "乐居河海”", "阳光西林”".
_LEFT_MARKERS = tuple(sorted(_words("贡献 阳光 幸福 乐居 智美 魅力 活力 美丽 和谐 平安 法治 人文 智慧 品质")))
_RIGHT_MARKERS = tuple(sorted(_words("人 力量 经验 模式 样板 品牌 特色 好声音 故事 速度 担当 百姓 企业家 幸福")))


def _enclosed_side(text: str, index: int, markers: tuple[str, ...], left: bool) -> str | None:
    """'|' when the name is delimited here by punctuation/text edge, the marker when by a marker, else None."""
    if index < 0 or index >= len(text) or not _is_cjk(text[index]):
        return "|"
    for marker in markers:
        if left and text[max(0, index - len(marker) + 1) : index + 1] == marker:
            return marker
        if not left and text.startswith(marker, index):
            return marker
    return None


def _indirect_hits(text: str) -> dict[str, set[str]]:
    """Short names (2-3 Han characters) enclosed by a marker on one side and a marker or punctuation on the other."""
    hits: dict[str, set[str]] = {}

    def consider(start: int, k: int) -> None:
        token = text[start : start + k]
        if start < 0 or len(token) < k or not all(_is_cjk(ch) for ch in token):
            return
        if token in _GENERIC_NAMES or token[-1] in _NAME_END_STOP:
            return
        left = _enclosed_side(text, start - 1, _LEFT_MARKERS, left=True)
        right = _enclosed_side(text, start + k, _RIGHT_MARKERS, left=False)
        if left and right and (left, right) != ("|", "|"):
            hits.setdefault(token, set()).add(left if left != "|" else right)

    # Every hit touches a marker, so only the places next to markers need looking at.
    for marker in _LEFT_MARKERS:
        for m in re.finditer(re.escape(marker), text):
            consider(m.end(), 2)
            consider(m.end(), 3)
    for marker in _RIGHT_MARKERS:
        for m in re.finditer(re.escape(marker), text):
            consider(m.start() - 2, 2)
            consider(m.start() - 3, 3)
    return hits


def _self_kind(text: str) -> str | None:
    """Whether the report speaks of itself as 街道, 镇 or 乡 ("街道认真贯彻…", "我镇", "镇党委")."""
    counts = {
        "街道": len(re.findall(r"(?<![\u4e00-\u9fff])街道|[我全本该]街道|街道(?:党工委|办事处)", text)),
        "镇": len(re.findall(r"[我全本该]镇|镇(?:党委|政府|人大)", text)),
        "乡": len(re.findall(r"[我全本该]乡|乡(?:党委|政府|人大)", text)),
    }
    kind, count = max(counts.items(), key=lambda item: item[1])
    return kind if count >= 3 and list(counts.values()).count(count) == 1 else None


def _indirect_street(text: str) -> str | None:
    kind = _self_kind(text)
    if kind is None:
        return None
    hits = _indirect_hits(text)
    winners = [token for token, kinds in hits.items() if len(kinds) >= 2 and text.count(token) >= 3]
    if len(winners) != 1:
        return None
    token = winners[0]
    # "荷花" (法治荷花, “荷花模式”) next to "荷花池" (幸福荷花池): which is the name is unknowable -> None.
    if any(other != token and (token in other or other in token) for other in hits):
        return None
    return token + kind


@lru_cache(maxsize=1)
def _jieba_dictionary() -> str:
    """jieba's dictionary ("word freq tag" lines) as one string; "" without jieba. Read once (~30 ms)."""
    try:
        import jieba
    except ImportError:  # optional: without it body-only city/district evidence is just weaker
        return ""
    try:
        return "\n" + Path(jieba.__file__).with_name("dict.txt").read_text(encoding="utf-8")
    except OSError:
        return ""


@lru_cache(maxsize=4096)
def _word_tag(word: str) -> str | None:
    """The part-of-speech tag of `word` in jieba's dictionary ("ns" = place name, "v" = verb), None if unknown."""
    data = _jieba_dictionary()
    start = data.find(f"\n{word} ")  # a plain scan: loading jieba's own tables would take ~1 s
    if start < 0:
        return None
    line = data[start + 1 : data.find("\n", start + 1)].split()
    return line[2] if len(line) == 3 else None


def _admin_evidence(
    text: str, suffix_re: str, end_stop: frozenset[str], formal_before: str, lower: tuple[str, ...]
) -> dict[str, _Evidence]:
    """Candidates "XX区" / "XX市": 2-4 Han characters before the suffix, delimited on the left for 3-4.

    Formal evidence: a formal character right before ("《新北区", "江苏省常州市") or a lower unit already
    detected right after ("钟楼区南大街街道", "常州市钟楼区").
    """
    found: dict[str, _Evidence] = {}
    for m in re.finditer(suffix_re, text):
        i = m.start()
        for k in (2, 3, 4):
            prefix = text[i - k : i] if i - k >= 0 else ""
            if not prefix or not all(_is_cjk(ch) for ch in prefix):
                break
            anchored = _is_boundary(text, i - k - 1)
            bad = prefix[-1] in end_stop or prefix[-2:] in _GENERIC_DISTRICTS or prefix[0] in _NAME_START_STOP
            if bad or (k > 2 and not anchored) or (prefix[0] in _ADMIN_CHARS and not anchored):
                continue
            ev = found.setdefault(prefix + m.group(), _Evidence(prefix))
            ev.anchored += anchored
            before_formal = i - k > 0 and text[i - k - 1] in formal_before
            ev.formal += before_formal or any(text.startswith(name, m.end()) for name in lower if name)
    return found


def _body_name_ok(ev: _Evidence) -> bool:
    """Without formal evidence the prefix must not be a dictionary verb/adverb or end like one."""
    return ev.prefix[-1] not in _SOFT_END and _word_tag(ev.prefix) not in _NOT_NAME_TAGS


def _detect_district(text: str, strong: list[str], street: str | None) -> str | None:
    # Formal evidence, or a dictionary place name ("ns") mentioned at least twice.
    found = _admin_evidence(text, r"区|县", _DISTRICT_END_STOP, "《【市", (street or "",))
    _add_strong(found, strong, "district")
    scored = {
        name: 10 * ev.strong + 3 * ev.formal + text.count(name)
        for name, ev in found.items()
        if ev.strong
        or ev.formal
        or (ev.anchored and text.count(name) >= 2 and _body_name_ok(ev) and _word_tag(ev.prefix) == "ns")
    }
    return _best(scored, text)


def _city_points(name: str, ev: _Evidence, text: str) -> float:
    bare_extra = max(0, text.count(ev.prefix) - text.count(name))
    return 10 * ev.strong + 3 * ev.formal + text.count(name) + min(3.0, 0.5 * bare_extra)


def _city_ok(name: str, ev: _Evidence, text: str) -> bool:
    if ev.strong or ev.formal:
        return True
    # "常州市" once plus "常州精神" elsewhere; but "确保市、区…" is a verb before 市.
    named_elsewhere = text.count(ev.prefix) > text.count(name)
    known_place = _word_tag(ev.prefix) == "ns"
    return named_elsewhere and _body_name_ok(ev) and (known_place or ev.anchored > 0)


def _detect_city(text: str, strong: list[str], lower: tuple[str, ...]) -> str | None:
    found = _admin_evidence(text, r"市(?!场|政|容|民|值|面|井|级)", _CITY_END_STOP, "《【省", lower)
    _add_strong(found, strong, "city")
    scored = {name: _city_points(name, ev, text) for name, ev in found.items() if _city_ok(name, ev, text)}
    return _best(scored, text)


def _month_range_end(text: str) -> int | None:
    m = _MONTH_RANGE.search(text)
    if not m:
        return None
    return int(m.group(1)) if m.group(1) else _CN_DIGITS[m.group(2)]


def normalize_period(text: str) -> str | None:
    """The period a title or phrase names, normalised: "1-6月" -> "上半年", "年度工作总结" -> "全年" ..."""
    end = _month_range_end(text)
    if "上半年" in text or re.search(r"(?<!下)半年工作", text) or end == 6:
        return "上半年"
    if "前三季度" in text or end == 9:
        return "前三季度"
    if re.search(r"(?:第)?一季度", text) or end == 3:
        return "一季度"
    if end == 12:
        return "全年"
    if end is not None:
        return f"1-{end}月"
    if "下半年" in text and not re.search(r"计划|打算|思路|安排", text):
        return "下半年"
    if re.search(r"全年|年度|年终|总结|工作报告|情况的?报告|述职", text):
        return "全年"
    if re.search(r"计划|要点|思路|打算|安排", text):
        return "工作计划"
    return None


def _title_lines(text: str, filename: str) -> list[str]:
    lines = [line for line in _clean_lines(text)[:20] if _is_title_line(line)]
    name_line = _filename_line(filename)
    if name_line and _TITLE_WORDS.search(name_line):
        lines.append(name_line)
    return lines


def _year_points(text: str) -> Counter[int]:
    """Each "20XX年" scores; more when it opens the report or names the report's own period."""
    points: Counter[int] = Counter()
    for m in _YEAR_RE.finditer(text):
        year = int(m.group(1))
        after = text[m.end() : m.end() + 6]
        points[year] += 1
        if m.start() < 200:
            points[year] += 3
        if re.match(r"\s*(?:是|上半年|下半年|全年|以来|[1一]\s*[-—至到]|一季度|前三季度|工作总结|度|[,，])", after):
            points[year] += 2
    return points


def _detect_year(text: str, titles: list[str]) -> int | None:
    for line in titles:
        if m := _YEAR_RE.search(line):
            return int(m.group(1))
    points = _year_points(text)
    if not points:
        return None
    ranked = points.most_common()
    if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
        return None  # two years equally likely: do not guess
    return ranked[0][0]


def _detect_period(text: str, titles: list[str], year: int | None) -> str | None:
    for line in titles:
        if period := normalize_period(line):
            return period
    headings = [line for line in _clean_lines(text) if len(line) <= 30]
    if any("上半年" in line or re.search(r"(?<!下)半年工作", line) for line in headings):
        return "上半年"
    if "下半年" in text and re.search(r"上半年|半年来|1\s*[-—–至]\s*6\s*月", text):
        return "上半年"
    if year is not None and re.search(rf"{year + 1}\s*年(?:度)?(?:工作)?(?:总体)?(?:思路|计划|打算|要点|安排)", text):
        return "全年"  # a year's summary followed by next year's plan
    if len(re.findall(r"全年", text)) >= 2 and "上半年" not in text:
        return "全年"
    return None


def detect_meta(text: str, filename: str) -> ReportMeta:
    """Street, district, city, year, period and title from the text and the file name, by general rules.

    A field is None when the evidence is weak: a missing value is better than a wrong one.
    """
    text = text[:_DETECT_CHARS]
    strong = _strong_lines(text, filename)
    titles = _title_lines(text, filename)
    year = _detect_year(text, titles)
    street = _detect_street(text, strong)
    district = _detect_district(text, strong, street)
    return ReportMeta(
        street=street,
        district=district,
        city=_detect_city(text, strong, (district or "", street or "")),
        year=year,
        period=_detect_period(text, titles, year),
        title=titles[0] if titles else None,
    )


def merge_meta(detected: ReportMeta, override: ReportMeta | None) -> ReportMeta:
    """Field by field: a value in `override` (the manifest) wins; None keeps the detected value."""
    if override is None:
        return detected
    changes = {f.name: getattr(override, f.name) for f in fields(ReportMeta) if getattr(override, f.name) is not None}
    return replace(detected, **changes)


# ---------------------------------------------------------------------------------------------------------------
# Manifest
# ---------------------------------------------------------------------------------------------------------------


def _cell(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def _parse_year(value: str | None) -> int | None:
    value = _cell(value)
    if value is None:
        return None
    m = re.fullmatch(r"((?:19|20)\d{2})\s*年?", value)
    return int(m.group(1)) if m else None  # a malformed year keeps the detected one


def _meta_from_row(row: dict[str, str | None]) -> ReportMeta:
    return ReportMeta(
        street=_cell(row.get("street")),
        district=_cell(row.get("district")),
        city=_cell(row.get("city")),
        year=_parse_year(row.get("year")),
        period=_cell(row.get("period")),
        title=_cell(row.get("title")),
    )


def _read_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    try:
        raw = path.read_text(encoding="utf-8-sig")  # tolerate a BOM left by Excel
    except FileNotFoundError:
        return list(MANIFEST_COLUMNS), []
    except (OSError, UnicodeDecodeError) as exc:
        raise DocumentError("清单文件无法读取", "cannot read manifest.csv", path.name) from exc
    reader = csv.DictReader(io.StringIO(raw))
    header = [name.strip() for name in reader.fieldnames or []]
    if raw.strip() and "file" not in header:
        raise DocumentError("清单文件缺少 file 列", "manifest.csv has no 'file' column", path.name)
    reader.fieldnames = header
    rows = [{k: (v or "") for k, v in row.items() if k is not None} for row in reader]
    return header or list(MANIFEST_COLUMNS), [row for row in rows if row.get("file", "").strip()]


def read_manifest(path: Path) -> dict[str, ReportMeta]:
    """Rows keyed by file name (relative to the manifest's folder); a missing file gives {}."""
    _, rows = _read_rows(Path(path))
    return {row["file"].strip(): _meta_from_row(row) for row in rows}


def _row_from_meta(file: str, meta: ReportMeta) -> dict[str, str]:
    row = {"file": file}
    for f in fields(ReportMeta):
        value = getattr(meta, f.name)
        row[f.name] = "" if value is None else str(value)
    return row


def write_manifest_entry(path: Path, file: str, meta: ReportMeta) -> None:
    """Add or replace one row; other rows (and extra columns) are kept. Atomic: temp file + os.replace."""
    path = Path(path)
    header, rows = _read_rows(path)
    new_row = _row_from_meta(file, meta)
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
    """The manifest rewritten atomically (temp file + os.replace): our columns first, extra columns kept."""
    columns = list(MANIFEST_COLUMNS) + [name for name in header if name not in MANIFEST_COLUMNS]
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644  # mkstemp's 0600 would hide it from readers
    fd, tmp_name = tempfile.mkstemp(prefix=".manifest-", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp_name, mode)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
            writer.writeheader()
            writer.writerows({name: row.get(name, "") for name in columns} for row in rows)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------------------------------------------------------
# Loading files and folders
# ---------------------------------------------------------------------------------------------------------------


def _doc_id(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:  # outside the root (e.g. an upload in a temp folder): the bare name
        return path.name


def load_document(path: Path, root: Path, manifest: dict[str, ReportMeta] | None = None) -> Document:
    """Read, decode and describe one report; the manifest row (if any) overrides detection field by field."""
    path, root = Path(path), Path(root)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise _unsupported_error(suffix).for_file(path.name)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError("文件无法读取", "cannot read file", path.name) from exc
    try:
        text, encoding = extract_text(data, suffix)
    except DocumentError as exc:
        raise exc.for_file(path.name) from exc
    doc_id = _doc_id(path, root)
    override = (manifest or {}).get(doc_id)
    return Document(
        doc_id=doc_id,
        path=path,
        text=text,
        sha256=hashlib.sha256(data).hexdigest(),
        encoding=encoding,
        meta=merge_meta(detect_meta(text, path.name), override),
    )


def _is_hidden(path: Path, folder: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(folder).parts)


def load_folder(folder: Path) -> tuple[list[Document], list[tuple[Path, str]]]:
    """Every supported file under `folder` (recursively), with its manifest.csv; one bad file never stops the rest."""
    folder = Path(folder)
    errors: list[tuple[Path, str]] = []
    manifest_path = folder / MANIFEST_NAME
    try:
        manifest = read_manifest(manifest_path)
    except DocumentError as exc:
        errors.append((manifest_path, str(exc)))
        manifest = {}
    docs: list[Document] = []
    for path in sorted(folder.rglob("*"), key=lambda p: p.relative_to(folder).as_posix()):
        if not path.is_file() or _is_hidden(path, folder) or path == manifest_path:
            continue
        try:
            docs.append(load_document(path, folder, manifest))
        except DocumentError as exc:
            errors.append((path, str(exc)))
    return docs, errors
