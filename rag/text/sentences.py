"""The one sentence splitter: spans (start, end) of the sentences of a text, offsets into that text.

Callers differ on purpose and say so with parameters, not with their own splitter:
- chunking keeps the end marks and any closing quote/bracket after them with the sentence (`closers`);
- quoting does not end a sentence at a mark inside “…” (`quotes=True`): "“你好!北大街”" stays whole;
- fact extraction treats the marks as separators (`keep_marks=False`) and also ends at an ASCII "." that is not a
  decimal point (`ascii_period=True`), while a semicolon is left to its clause walker (not in `ends`).
A newline always ends a sentence. Empty spans are never returned; trimming is the caller's business.
"""

from __future__ import annotations

import re

from rag.text.numerals import CN_DIGITS, parse_int

SENTENCE_ENDS = "。！？；!?;"
CLOSERS = "”’」』）)"
_OPEN_QUOTES, _CLOSE_QUOTES = "“「『", "”」』"
# The mark that opens an item of a numbered list: "（一）", "(2)", "一是", "二、", "3.", "第四，".
_ITEM = rf"[{CN_DIGITS}]{{1,3}}|\d{{1,2}}"
ITEM_MARK = re.compile(
    rf"^\s*(?:[（(](?P<a>{_ITEM})[)）]|(?P<b>[{CN_DIGITS}]{{1,3}})是|(?P<c>{_ITEM})[、.．]|第(?P<d>{_ITEM})[，,、])"
)


def sentence_spans(
    text: str,
    start: int = 0,
    end: int | None = None,
    *,
    ends: str = SENTENCE_ENDS,
    closers: str = "",
    quotes: bool = False,
    keep_marks: bool = True,
    ascii_period: bool = False,
) -> list[tuple[int, int]]:
    """Sentences of text[start:end]. A run of end marks ends one sentence ("？！"); see the module docstring."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    sentence_start, depth, i = start, 0, start

    def close(mark_start: int, mark_end: int) -> None:
        nonlocal sentence_start
        stop = mark_end if keep_marks else mark_start
        if stop > sentence_start:
            spans.append((sentence_start, stop))
        sentence_start = mark_end

    def is_end(j: int) -> bool:
        ch = text[j]
        return ch in ends or (ascii_period and ch == "." and not (j + 1 < len(text) and text[j + 1].isdecimal()))

    while i < end:
        ch = text[i]
        if ch == "\n":
            close(i, i + 1)
            depth, i = 0, i + 1
        elif quotes and ch in _OPEN_QUOTES:
            depth, i = depth + 1, i + 1
        elif quotes and ch in _CLOSE_QUOTES:
            depth, i = max(0, depth - 1), i + 1
        elif is_end(i) and depth == 0:
            j = i + 1
            if keep_marks:  # the whole run of marks, then closers, belongs to this sentence
                while j < end and is_end(j):
                    j += 1
                while j < end and text[j] in closers:
                    j += 1
            close(i, j)
            i = j
        else:
            i += 1
    if end > sentence_start:
        spans.append((sentence_start, end))
    return spans


def item_number(sentence: str) -> int | None:
    """The number of the list item a sentence opens ("（一）打造…" -> 1, "3.推进…" -> 3); None for other text."""
    m = ITEM_MARK.match(sentence)
    if not m:
        return None
    return parse_int(next(g for g in m.groups() if g))
