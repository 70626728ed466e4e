"""Which PDF text extractor to use, on evidence: pypdf vs pdfplumber vs pdfminer.six vs pypdfium2 (raw output).

Real Chinese PDFs made here: each seed report (and optionally reports from a corpus folder) is laid out as an HTML
report with a 3-row table (`bench.report_formats.report_html`) and printed by Chromium (`--print-to-pdf`, browser
header/footer on). For every extractor, on its RAW output (before our normalisation):

- sentences found: share of the source's sentences (split at 。！？；) found in the output once whitespace is
  removed and radicals folded — completeness and reading order within a sentence;
- radicals: code points left in the Kangxi Radicals / CJK Radicals Supplement blocks, per 1,000 characters;
- CJK spaces: spaces between two Han characters or a Han character and a digit, per 1,000 characters;
- table: whether the table's body row comes out with its cells in order on one line (or as a table);
- furniture: whether the browser's print date / file URL reach the text;
- seconds per page.

    .venv/bin/python -m bench.pdf_extractors [--corpus /work/shared/corpus --corpus-files 3]
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import re
import time
from collections.abc import Callable
from pathlib import Path

from bench.report_formats import chromium_pdf, report_html, split_report
from rag.config import ROOT
from rag.ingest.normalize import fold_chars

TABLE = [
    ["指标", "完成值", "同比增幅", "全区排名"],
    ["高新技术企业数", "47家", "17.5%", "第一"],
    ["社会消费品零售总额", "12.36亿元", "-3.2%", "第三"],
]
_RADICAL = re.compile(r"[\u2e80-\u2eff\u2f00-\u2fdf]")
_CJK_SPACE = re.compile(r"(?<=[\u4e00-\u9fff])[ \u3000]+(?=[\u4e00-\u9fff\d])|(?<=\d)[ \u3000]+(?=[\u4e00-\u9fff])")


def _pypdf(data: bytes) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages]


def _pdfplumber(data: bytes) -> list[str]:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return [page.extract_text() or "" for page in pdf.pages]


def _pdfminer(data: bytes) -> list[str]:
    from pdfminer.high_level import extract_text

    return extract_text(io.BytesIO(data)).split("\f")


def _pypdfium2(data: bytes) -> list[str]:
    import pypdfium2

    pdf = pypdfium2.PdfDocument(data)
    return [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]


def _ours(data: bytes) -> list[str]:
    from rag.ingest.pdf import pdf_pages

    return pdf_pages(data)


def _ours_normalised(data: bytes) -> list[str]:
    from rag.ingest.normalize import PAGE_BREAK, normalize_pages
    from rag.ingest.pdf import pdf_pages

    return normalize_pages(pdf_pages(data)).split(PAGE_BREAK)


EXTRACTORS: dict[str, Callable[[bytes], list[str]]] = {
    "pypdf": _pypdf,
    "pdfplumber": _pdfplumber,
    "pdfminer.six": _pdfminer,
    "pypdfium2": _pypdfium2,
    "ours (pypdfium2 text + pdfplumber tables)": _ours,
    "ours + normalize_pages (what is indexed)": _ours_normalised,
}


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", fold_chars(text))


def _sentences(paragraphs: list[str]) -> list[str]:
    return [s for p in paragraphs for s in re.split(r"(?<=[。！？；])", p) if len(s) >= 6]


def measure(name: str, extract: Callable[[bytes], list[str]], data: bytes, paragraphs: list[str]) -> dict:
    start = time.perf_counter()
    pages = extract(data)
    seconds = time.perf_counter() - start
    text = "\n".join(pages)
    squashed = _squash(text)
    sentences = _sentences(paragraphs)
    found = sum(_squash(s) in squashed for s in sentences)
    row_ok = any(
        all(cell in line for cell in TABLE[1]) and line.index("47家") < line.index("17.5%") < line.rindex("第一")
        for line in fold_chars(text).split("\n")
        if "高新技术企业数" in line and "47家" in line and "17.5%" in line
    )
    thousand = max(1, len(text)) / 1000
    return {
        "extractor": name,
        "pages": len(pages),
        "sentences": found / max(1, len(sentences)),
        "radicals_per_k": len(_RADICAL.findall(text)) / thousand,
        "cjk_spaces_per_k": len(_CJK_SPACE.findall(text)) / thousand,
        "table_row": row_ok,
        "furniture": bool(re.search(r"\d{1,2}/\d{1,2}/\d{2},\s+\d{1,2}:\d{2}|file:///", text)),
        "s_per_page": seconds / max(1, len(pages)),
    }


def _sources(corpus: Path | None, corpus_files: int) -> list[tuple[str, str]]:
    files = sorted((ROOT / "seeds").glob("*.txt"))
    if corpus:
        files += sorted(corpus.glob("*.txt"))[:corpus_files]
    return [(f.name, f.read_text(encoding="utf-8")) for f in files]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=None)
    parser.add_argument("--corpus-files", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "pdf_extractors.json")
    args = parser.parse_args()
    logging.getLogger("pdfminer").setLevel(logging.ERROR)  # "Could not get FontBBox" on every CJK glyph
    results: list[dict] = []
    for file, text in _sources(args.corpus, args.corpus_files):
        title, paragraphs = split_report(text)
        data = chromium_pdf(report_html(title, paragraphs, TABLE, table_after=2))
        for name, extract in EXTRACTORS.items():
            results.append({"file": file, **measure(name, extract, data, paragraphs)})
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    files = len({r["file"] for r in results})
    print(f"{files} Chromium-printed reports, {sum(r['pages'] for r in results) // len(EXTRACTORS)} pages\n")
    print(
        "| extractor | sentences found | radicals /1k chars | CJK spaces /1k | table row intact | furniture in text | s/page |"
    )
    print("|---|---|---|---|---|---|---|")
    for name in EXTRACTORS:
        rows = [r for r in results if r["extractor"] == name]
        n = len(rows)
        print(
            f"| {name} | {sum(r['sentences'] for r in rows) / n:.3f} | {sum(r['radicals_per_k'] for r in rows) / n:.1f}"
            f" | {sum(r['cjk_spaces_per_k'] for r in rows) / n:.2f} | {sum(r['table_row'] for r in rows)}/{n}"
            f" | {sum(r['furniture'] for r in rows)}/{n} | {sum(r['s_per_page'] for r in rows) / n:.2f} |"
        )


if __name__ == "__main__":
    main()
