"""The lines where a report names itself: its head lines, title lines, 来源 lines and its file name."""

from __future__ import annotations

import re
from pathlib import Path

from rag.text.cjk import is_cjk
from rag.text.headings import CN_NUMBERED, PAREN_NUMBERED
from rag.text.numerals import CN_LIST_DIGITS

# A numbered section heading ("一、", "（二）", "3.", "第四"): never a report's title.
ENUMERATED = re.compile(rf"^(?:{CN_NUMBERED}|{PAREN_NUMBERED}|\d+[、.．\s]|第[{CN_LIST_DIGITS}]+)")
TITLE_WORDS = re.compile(
    r"工作总结|工作计划|工作报告|工作要点|工作思路|工作打算|工作情况|述职|汇报|总结|计划|报告|要点"
)
SOURCE_LINE = re.compile(r"^\s*(?:来源|发布单位|发布机构|信息来源)\s*[:：]\s*(\S+)")


def clean_lines(text: str, strip: str | None = None) -> list[str]:
    """The non-empty lines, stripped (of whitespace, or of the characters in `strip`)."""
    return [line.strip(strip) for line in text.split("\n") if line.strip(strip)]


def head_lines(text: str, n: int) -> list[str]:
    """The first `n` lines without the dashes and ideographic spaces around them ("——2021年1月12日在…")."""
    return clean_lines(text, " \t\u3000—-")[:n]


def is_title_line(line: str) -> bool:
    """A short line naming a report ("秦灶街道2021年工作计划"); numbered section headings are not titles."""
    if not 4 <= len(line) <= 60 or ENUMERATED.match(line) or re.search(r"[。；;！!？?]$|[，,]", line):
        return False
    return bool(TITLE_WORDS.search(line))


def filename_line(filename: str) -> str | None:
    """A file name that reads like a title ("西林街道2023年上半年工作总结.docx"); hashes and numbers do not. A
    numbering prefix that folders of reports often carry ("01_", "175-", "3. ") is not part of the title."""
    stem = re.sub(r"^[\d\s._\-—、()（）]+(?=\D)", "", Path(filename).stem)
    return stem.replace("_", " ").strip() if any(is_cjk(ch) for ch in stem) else None


def title_lines(text: str, filename: str) -> list[str]:
    """Title lines among the first 20 lines, then the file name when it reads like a title."""
    lines = [line for line in clean_lines(text)[:20] if is_title_line(line)]
    name_line = filename_line(filename)
    if name_line and TITLE_WORDS.search(name_line):
        lines.append(name_line)
    return lines


def strong_lines(text: str, filename: str) -> list[str]:
    """Head lines, title lines, 来源 lines and the file name: where a report names itself."""
    lines = clean_lines(text)
    strong = [line for line in lines[:5] if len(line) <= 60 and not re.search(r"[。；;]$", line)]
    strong += [line for line in lines[5:20] if is_title_line(line)]
    strong += [m.group(1) for line in lines[:30] if (m := SOURCE_LINE.match(line))]
    if (name_line := filename_line(filename)) is not None:
        strong.append(name_line)
    return list(dict.fromkeys(strong))
