"""Passages and whole reports as safe HTML, with the sentences an answer rests on highlighted."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence


def merge_spans(spans: Iterable[Sequence[int]], start: int, end: int) -> list[tuple[int, int]]:
    """Spans clipped to [start, end), empty ones dropped, overlapping or touching ones merged, sorted."""
    clipped = sorted((max(int(a), start), min(int(b), end)) for a, b in spans)
    merged: list[tuple[int, int]] = []
    for a, b in clipped:
        if a >= b:
            continue
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


# A PDF's page break (rag.ingest.normalize.PAGE_BREAK, a form feed on its own line) drawn as a dashed rule.
_PAGE_BREAK_HTML = (
    '<span class="page-break" style="display:block;border-top:1px dashed rgba(128,128,128,0.6);margin:0.4rem 0;'
    'text-align:center;font-size:0.75rem;color:rgba(128,128,128,0.9)">分页 page break</span>'
)


def _escape_block(text: str) -> str:
    # Inside an HTML block a blank line would end the block and hand the rest to the markdown parser.
    escaped = html.escape(text, quote=True).replace("\r\n", "\n")
    escaped = escaped.replace("\n\f\n", _PAGE_BREAK_HTML).replace("\f", _PAGE_BREAK_HTML)
    return escaped.replace("\n", "<br>")


def highlight_html(
    text: str, spans: Iterable[Sequence[int]] = (), *, offset: int = 0, mark_id: str | None = None
) -> str:
    """`text` escaped, with each span wrapped in <mark>. Spans are offsets into the report; `offset` is where
    `text` starts in it (a passage's chunk.start), so report offsets can be used as they are. The first mark
    gets `mark_id` (for scrolling to it)."""
    parts: list[str] = []
    pos = 0
    for i, (a, b) in enumerate(merge_spans(spans, offset, offset + len(text))):
        a, b = a - offset, b - offset
        parts.append(_escape_block(text[pos:a]))
        attr = f' id="{html.escape(mark_id, quote=True)}"' if mark_id and i == 0 else ""
        parts.append(f"<mark{attr}>{_escape_block(text[a:b])}</mark>")
        pos = b
    parts.append(_escape_block(text[pos:]))
    return "".join(parts)


def passage_html(text: str, spans: Iterable[Sequence[int]] = (), *, offset: int = 0) -> str:
    """A cited passage as one HTML block (no blank lines: markdown leaves it alone)."""
    return f'<div class="passage">{highlight_html(text, spans, offset=offset)}</div>'


def mark_id_for(doc_id: str, start: int) -> str:
    """A DOM id for the highlighted span of a report: letters, digits and dashes only."""
    safe = re.sub(r"[^A-Za-z0-9]+", "-", doc_id).strip("-") or "report"
    return f"hl-{safe}-{int(start)}"


def report_html(text: str, spans: Iterable[Sequence[int]] = (), *, mark_id: str = "hl", height_vh: int = 70) -> str:
    """The whole report, escaped, in a scrollable box, the spans marked and the first one scrolled into view.

    The script only looks up our own element id; the report text cannot add markup, so it cannot add script.
    The script contains no "<": Streamlit's HTML sanitiser (DOMPurify) drops a script whose text has "<" + letter.
    """
    body = highlight_html(text, spans, mark_id=mark_id)
    target = html.escape(mark_id, quote=True)
    return (
        f'<div class="report-full" style="max-height:{int(height_vh)}vh;overflow-y:auto;line-height:1.8;'
        "padding:0.75rem 1rem;border:1px solid rgba(128,128,128,0.3);border-radius:0.5rem;"
        f'white-space:normal;font-size:0.95rem">{body}</div>'
        "<script>(function(){var tries=0;function go(){"
        f'var el=document.getElementById("{target}");'
        'if(el){el.scrollIntoView({block:"center"});}else if(40>tries++){setTimeout(go,100);}}'
        "setTimeout(go,50);})();</script>"
    )
