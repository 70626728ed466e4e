"""The one normalisation step every extracted text goes through before it becomes `Document.text`.

Extraction (PDF above all) leaves text that reads right on screen but does not match what a user types:
look-alike code points (Kangxi radicals "⼀⼯⼊", CJK Radicals Supplement "⻓"), full-width digits, spaces between
Chinese characters and between Chinese and figures ("5.83 亿元", "1-5 ⽉"), lines wrapped mid-sentence, and running
headers/footers ("11/29/26, 2:25 PM", "file:///… 1/1", "第 3 页 共 10 页"). All of it is fixed here, once, before
the text is fixed, so every offset elsewhere points into the text that is displayed and quoted.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import lru_cache
from pathlib import Path

from rag.ingest.tables import is_table_row
from rag.text.headings import CN_NUMBERED, PAREN_NUMBERED

# Pages of a PDF are joined with a form feed on its own line: invisible whitespace to chunking, indexing and
# quoting (all treat it as a blank line), and the full-report view draws a page break there.
PAGE_BREAK = "\f"

# Compatibility forms that carry meaning NFKC would throw away: "①" is a list marker, not "1"; "㎡" is a unit;
# "²" an exponent. Every other compatibility mapping (full-width letters/digits, radicals, ideographic and no-break
# spaces, compatibility ideographs) is applied.
_KEEP_TAGS = frozenset(("<circle>", "<square>", "<super>", "<sub>", "<fraction>"))
_SUPPLEMENT_FILE = Path(__file__).with_name("radicals_supplement.txt")


def _supplement_map() -> dict[int, str]:
    """CJK Radicals Supplement -> unified ideograph, from the Unicode data file (NFKC does not cover this block)."""
    table: dict[int, str] = {}
    for line in _SUPPLEMENT_FILE.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        source, target = (part.strip() for part in line.split(";"))
        first, _, last = source.partition("..")
        for code in range(int(first, 16), int(last or first, 16) + 1):
            table[code] = chr(int(target, 16))
    return table


def _folded(ch: str) -> str | None:
    """The NFKC form of one character when it is a letter/digit/ideograph/space variant, else None (keep as is)."""
    decomposition = unicodedata.decomposition(ch)
    if not decomposition or decomposition.split(" ", 1)[0] in _KEEP_TAGS:
        return None
    folded = unicodedata.normalize("NFKC", ch)
    if folded == ch:
        return None
    # Full-width punctuation stays as written ("，" is not ","): the reports use both and every rule reads both.
    if not all(c.isalnum() or c.isspace() for c in folded):
        return None
    return " " if folded.isspace() else folded


@lru_cache(maxsize=1)
def _char_table() -> dict[int, str]:
    """One translate() table for the blocks extraction gets wrong; built once from Unicode data, not by hand."""
    table = _supplement_map()
    blocks = (
        range(0x2F00, 0x2FE0),  # Kangxi Radicals
        range(0xF900, 0xFB00),  # CJK Compatibility Ideographs
        range(0xFF00, 0xFFF0),  # Halfwidth and Fullwidth Forms
        range(0x3000, 0x3001),  # ideographic space
        range(0x00A0, 0x00A1),  # no-break space
        range(0x2000, 0x200B),  # en/em/thin spaces
        range(0x2F800, 0x2FA20),  # CJK Compatibility Ideographs Supplement
    )
    for block in blocks:
        for code in block:
            if (folded := _folded(chr(code))) is not None:
                table[code] = folded
    # Invisible characters that break words and numbers apart: soft hyphen, zero-width space/joiners, BOM.
    table.update(dict.fromkeys((0x00AD, 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF), ""))
    return table


_NUMBER_POINT = re.compile(r"(?<=\d)[．。](?=\d)")


def fold_chars(text: str) -> str:
    """Look-alike code points to the characters a user types (radicals -> ideographs, "５" -> "5", "１２．５" ->
    "12.5": a full-width point inside a number is a decimal point)."""
    return _NUMBER_POINT.sub(".", text.translate(_char_table()))


_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"
_CJK_PUNCT = r"\u3001-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65\u2018-\u201f\u2026\u2014"
_CJK = f"[{_HAN}{_CJK_PUNCT}]"
# Spaces between two Chinese characters, or a Chinese character and a figure/unit, were put there by the
# extractor (justified lines, glyph positioning), never by the author. Spaces next to Latin letters are kept
# ("实现 GDP 增长"), and so are spaces inside English/number runs ("Q1 2023").
_SPACE = r"[ \u00a0\u3000]+"  # not tabs: they separate table cells
_INSERTED_SPACE = re.compile(
    rf"(?<={_CJK}){_SPACE}(?={_CJK}|[0-9%])|(?<=[0-9%]){_SPACE}(?={_CJK})|(?<=[{_HAN}]){_SPACE}(?=[,.;:!?)])"
    rf"|(?<={_CJK}[,;:!?]){_SPACE}(?={_CJK})|(?<=[0-9]){_SPACE}(?=[%％])"
)


def join_cjk_spaces(text: str) -> str:
    """ "5.83 亿元" -> "5.83亿元", "单 位 ： 万 元" -> "单位：万元"; "实现 GDP 增长" stays."""
    # Twice: "月 , 完成" has two spaces whose removal depends on each other.
    return _INSERTED_SPACE.sub("", _INSERTED_SPACE.sub("", text))


# --- running headers / footers ----------------------------------------------------------------------------------

_PRINT_DATE = re.compile(r"^\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4},?\s+\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AaPp][Mm])?\b")
_URL_LINE = re.compile(r"^(?:file|https?)://\S*(?:\s+\d+\s*/\s*\d+)?\s*$")
_PAGE_NUMBER = re.compile(
    r"^[-—–\s]*(?:第\s*\d+\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?|共\s*\d+\s*页\s*第\s*\d+\s*页|"
    r"(?:page\s*)?\d{1,4}(?:\s*(?:/|of)\s*\d{1,4})?)[-—–\s]*$",
    re.I,
)
_EDGE_LINES = 2  # running headers/footers are the first or last lines of a page
_FURNITURE_MAX = 60  # ... and short: a repeated sentence of the report is not furniture
_SENTENCE_CLOSE = re.compile(r"[。！？!?；;]$")


def is_running_line(line: str) -> bool:
    """A page number, a browser print date/time or a printed URL: never report text."""
    line = line.strip()
    return bool(_PAGE_NUMBER.match(line) or _PRINT_DATE.match(line) or _URL_LINE.match(line))


def _shape(line: str) -> str:
    """The line with its figures blanked, so "第 3 页" on every page is one repeated shape."""
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", line))


def _edge_indexes(lines: list[str]) -> list[int]:
    filled = [i for i, line in enumerate(lines) if line.strip()]
    return sorted(set(filled[:_EDGE_LINES] + filled[-_EDGE_LINES:]))


def drop_running_lines(pages: list[list[str]]) -> list[list[str]]:
    """Remove page furniture: page numbers, print dates, URLs, and lines repeated at the edges of most pages."""
    repeated: set[str] = set()
    if len(pages) >= 2:
        counts = Counter()
        for page in pages:
            counts.update({_shape(page[i]) for i in _edge_indexes(page)})
        repeated = {
            shape
            for shape, n in counts.items()
            if shape
            and n >= max(2, (len(pages) + 1) // 2)
            and len(shape) <= _FURNITURE_MAX
            and not _SENTENCE_CLOSE.search(shape)
        }
    out: list[list[str]] = []
    for page in pages:
        edges = set(_edge_indexes(page))
        out.append(
            [
                line
                for i, line in enumerate(page)
                if not (i in edges and (is_running_line(line) or _shape(line) in repeated))
            ]
        )
    return out


# --- line wraps ---------------------------------------------------------------------------------------------------

_LINE_END = re.compile(r"[。！？!?；;：:”」』）)]$")
_LIST_START = re.compile(rf"^(?:{CN_NUMBERED}|{PAREN_NUMBERED}|\d{{1,2}}[.．、]\D|[①-⑳•·\-—])")
_WRAP_SHARE = 0.65  # a line this long (share of the page's longest) may have run into the right margin


def join_wrapped_lines(lines: list[str]) -> list[str]:
    """Join a line that ran into the right margin with the next one (a visual wrap, not a paragraph end).

    A line is a wrap when it is nearly as long as the longest line of its page, does not end a sentence, and
    the next line does not start a heading or list item. Latin words split by a hyphen are rejoined.
    """
    widest = max((len(line.strip()) for line in lines), default=0)
    out: list[str] = []
    wraps = False
    for line in lines:
        line = line.strip()
        if out and wraps and line and not _LIST_START.match(line) and not is_table_row(line):
            previous = out[-1]
            if previous.endswith("-") and re.search(r"[A-Za-z]-$", previous) and line[:1].islower():
                out[-1] = previous[:-1] + line
            elif re.search(r"[A-Za-z0-9,.]$", previous) and line[:1].isascii() and line[:1].isalnum():
                out[-1] = f"{previous} {line}"
            else:
                out[-1] = previous + line
        else:
            out.append(line)
        wraps = (
            bool(line) and len(line) >= _WRAP_SHARE * widest and not _LINE_END.search(line) and not is_table_row(line)
        )
    return out


# --- the one step ---------------------------------------------------------------------------------------------------


def _tidy_line(line: str) -> str:
    return join_cjk_spaces(fold_chars(line)).strip(" \t")


def normalize_text(text: str) -> str:
    """Characters folded and inserted spaces removed, line by line (.txt .md .docx .html: lines are paragraphs,
    unless the text was saved hard-wrapped at a page's width, as a PDF copied to .txt is: then wraps are joined)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [_tidy_line(line) for line in text.split("\n")]
    return "\n".join(join_wrapped_lines(lines) if is_hard_wrapped(lines) else lines)


# A hard-wrapped text: most lines stop mid-sentence, and its long lines are a printed line's width (a few dozen
# characters); a text whose lines are paragraphs has lines of hundreds of characters ending a sentence.
_WRAPPED_OPEN_SHARE = 0.6
_WRAPPED_MAX_WIDTH = 120


def is_hard_wrapped(lines: list[str]) -> bool:
    full = [line for line in lines if line]
    if len(full) < 10:
        return False
    widths = sorted(len(line) for line in full)
    open_share = sum(not _LINE_END.search(line) for line in full) / len(full)
    return open_share >= _WRAPPED_OPEN_SHARE and widths[int(0.9 * len(widths))] <= _WRAPPED_MAX_WIDTH


def normalize_pages(pages: list[str]) -> str:
    """A PDF's pages: page furniture dropped, visual wraps joined, then the same per-line step; pages separated by
    a PAGE_BREAK line. A sentence that runs over a page break is joined and the break moved after it."""
    split = [[_tidy_line(line) for line in page.replace("\r\n", "\n").split("\n")] for page in pages]
    kept = drop_running_lines(split)
    out: list[str] = []
    for page in kept:
        lines = [line for line in join_wrapped_lines(page) if line]
        if out and lines and out[-1] == PAGE_BREAK and _continues(out[-2] if len(out) > 1 else "", lines[0]):
            out[-2] += lines.pop(0)  # the sentence went on over the page break
        out.extend(lines)
        out.append(PAGE_BREAK)
    while out and out[-1] == PAGE_BREAK:
        out.pop()
    return "\n".join(out)


def _continues(previous: str, line: str) -> bool:
    if is_table_row(previous) or is_table_row(line):
        return False
    return bool(previous) and not _LINE_END.search(previous) and not _LIST_START.match(line) and len(previous) > 20
