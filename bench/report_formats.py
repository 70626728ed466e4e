"""Helper, not a benchmark: one report's text written as the files reports really arrive as.

- HTML: a styled page (headings, paragraphs, optional bordered table with a header row);
- PDF: that page printed by Chromium (`--print-to-pdf`, header and footer on: print date, title, file URL, page
  numbers — exactly what a browser print carries);
- DOCX: python-docx paragraphs (+ a real Word table);
- TXT: the text itself.

Used by bench/pdf_extractors.py and bench/mixed_formats.py, and by the tests on real-shaped files.
"""

from __future__ import annotations

import html
import io
import shutil
import subprocess
import tempfile
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
_STYLE = (
    "body{font-family:'Noto Serif CJK SC','Noto Sans CJK SC',serif;font-size:15px;line-height:1.8;margin:2em;"
    "text-align:justify}h1{text-align:center;font-size:22px}table{border-collapse:collapse;margin:1em 0}"
    "td,th{border:1px solid #333;padding:4px 10px}"
)


def report_html(
    title: str,
    paragraphs: list[str],
    table: list[list[str]] | None = None,
    table_after: int = 1,
    heading: bool = True,
) -> str:
    """A report page: the title as <h1> (and <title>), each paragraph a <p>, the table (first row = <th> header)
    after paragraph `table_after`. heading=False: the title only in <title> (the text's own lines carry it)."""
    body = [f"<h1>{html.escape(title)}</h1>"] if heading else []
    for i, paragraph in enumerate(paragraphs):
        body.append(f"<p>{html.escape(paragraph)}</p>")
        if table and i + 1 == table_after:
            head = "".join(f"<th>{html.escape(c)}</th>" for c in table[0])
            rows = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in table[1:])
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
    return (
        f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"<style>{_STYLE}</style></head><body>{''.join(body)}</body></html>"
    )


def chromium_pdf(page_html: str, timeout: float = 120) -> bytes:
    """Chromium's own print-to-pdf of the page, with the browser's header and footer."""
    if not CHROMIUM.exists():
        raise RuntimeError(f"{CHROMIUM} not found: run `make browser`")
    with tempfile.TemporaryDirectory() as tmp:
        source, target = Path(tmp) / "report.html", Path(tmp) / "report.pdf"
        source.write_text(page_html, encoding="utf-8")
        subprocess.run(
            [
                str(CHROMIUM),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                f"--user-data-dir={tmp}/profile",
                f"--print-to-pdf={target}",
                source.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=timeout,
        )
        return target.read_bytes()


def report_docx(
    title: str | None, paragraphs: list[str], table: list[list[str]] | None = None, table_after: int = 1
) -> bytes:
    import docx

    document = docx.Document()
    if title:
        document.add_heading(title, level=1)
    for i, paragraph in enumerate(paragraphs):
        document.add_paragraph(paragraph)
        if table and i + 1 == table_after:
            grid = document.add_table(rows=len(table), cols=len(table[0]))
            grid.style = "Table Grid"
            for r, row in enumerate(table):
                for c, value in enumerate(row):
                    grid.cell(r, c).text = value
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def scanned_pdf(page_html: str) -> bytes:
    """A PDF with no text layer: the Chromium print rendered to an image (pypdfium2) and saved as an image PDF."""
    import pypdfium2

    pdf = pypdfium2.PdfDocument(chromium_pdf(page_html))
    images = [pdf[i].render(scale=2).to_pil().convert("RGB") for i in range(len(pdf))]
    buffer = io.BytesIO()
    images[0].save(buffer, format="PDF", save_all=True, append_images=images[1:], resolution=144)
    return buffer.getvalue()


def split_report(text: str) -> tuple[str, list[str]]:
    """(title, paragraphs) of a plain-text report: its first non-empty line and the rest, one per line."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    return lines[0], lines[1:]


def has_chromium() -> bool:
    return CHROMIUM.exists() or shutil.which("chromium") is not None
