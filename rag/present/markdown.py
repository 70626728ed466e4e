"""An answer as safe Markdown: its "[n]" citations read and linked, report and answer text escaped so nothing in it
is live Markdown."""

from __future__ import annotations

import html
import re

# The same markers rag.answering.verify reads: "[1]", "［2］", "【3】", "[1, 2]", "[1-3]".
CITATION = re.compile(r"[\[［【]\s*([0-9０-９]+(?:\s*[,，、\-–~～]\s*[0-9０-９]+)*)\s*[\]］】]")
_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


def _numbers(group: str) -> list[int]:
    """'1, 3' -> [1, 3]; '1-3' -> [1, 2, 3] (short ranges only, as rag.answering.verify reads them)."""
    out: list[int] = []
    for part in re.split(r"\s*[,，、]\s*", group.translate(_FULLWIDTH_DIGITS)):
        bounds = [int(x) for x in re.split(r"\s*[\-–~～]\s*", part) if x]
        if len(bounds) == 2 and 0 <= bounds[1] - bounds[0] <= 10:
            out.extend(range(bounds[0], bounds[1] + 1))
        else:
            out.extend(bounds)
    return out


def cited_ranks(text: str) -> list[int]:
    """Source numbers an answer cites, in order of first appearance, each once."""
    cited: list[int] = []
    for match in CITATION.finditer(text or ""):
        for n in _numbers(match.group(1)):
            if n not in cited:
                cited.append(n)
    return cited


# What would make report or answer text live in Markdown: a backslash (to undo our escapes), link and image brackets,
# code ticks, ":" (Streamlit's ":material/…:" and ":red[…]"), "$" (maths) and "~" (strike-through). "<" is taken
# care of by HTML escaping.
_MARKDOWN_LIVE = re.compile(r"([\\\[\]`:$~])")
# GFM turns "http://…", "www.…" and "a@b.cn" into links after parsing, on the text itself, where backslashes are
# already gone: an invisible word joiner (U+2060) inside each breaks the pattern and changes nothing a reader sees.
_AUTOLINK = re.compile(r"(?i)(?<=[a-z])(?=://)|(?<=\bwww)(?=\.)|(?<=@)")
WORD_JOINER = "\u2060"


def escape_markdown(text: str) -> str:
    """Text from a report, a question or a model made inert for Markdown (st.markdown, captions, messages, expander
    labels, the export): no link, image, autolink, HTML, maths or Streamlit directive can come out of it; it shows
    as written. Emphasis and lists are left alone: a model's answer keeps its bold and its bullets."""
    unlinked = _AUTOLINK.sub(WORD_JOINER, text or "")
    return _MARKDOWN_LIVE.sub(r"\\\1", html.escape(unlinked, quote=False))


def code_span(text: str) -> str:
    """Text (a file name) as a Markdown code span it cannot break out of: the fence is longer than any run of
    backticks in it."""
    text = " ".join((text or "").split("\n"))
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def answer_markdown(text: str, n_sources: int) -> str:
    """The answer as markdown with its text escaped and each [n] marker as a superscript badge.

    A marker naming no source (n outside 1..n_sources) gets the "bad" style, so a reader sees it is broken.
    """
    out: list[str] = []
    last = 0
    for match in CITATION.finditer(text or ""):
        out.append(escape_markdown(text[last : match.start()]))
        numbers = _numbers(match.group(1)) or [0]
        badges = []
        for n in numbers:
            ok = 1 <= n <= n_sources
            css = "cite" if ok else "cite cite-bad"
            title = f"来源 {n} source" if ok else f"来源 {n} 不存在（no such source）"
            badges.append(f'<sup class="{css}" title="{title}">[{n}]</sup>')
        out.append("".join(badges))
        last = match.end()
    out.append(escape_markdown((text or "")[last:]))
    return "".join(out)
