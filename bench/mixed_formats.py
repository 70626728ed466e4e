"""Does a report set answer as well when it arrives as PDF / DOCX / HTML / TXT as when it is plain text?

The seed reports are converted line for line (no text added or dropped): one printed to PDF by Chromium (browser
header and footer on), one written as a Word file by python-docx, one as an HTML page, one kept as .txt, and the
fifth printed to PDF too (PDF is the format that breaks most). manifest.csv is copied with the new file names.
Each copy is indexed and evaluated with the real CLI:

    python -m rag index --seeds <copy> --index <index>
    python -m rag eval eval/dev.jsonl --index <index> --json <out>

    .venv/bin/python -m bench.mixed_formats [--questions eval/dev.jsonl] [--no-manifest]
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.report_formats import chromium_pdf, report_docx, report_html
from rag.config import ROOT

# Seed order -> the format it arrives as.
FORMATS = (".pdf", ".docx", ".html", ".txt", ".pdf")


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.split("\n") if line.strip()]


def write_as(text: str, title: str, suffix: str, target: Path) -> None:
    if suffix == ".txt":
        target.write_text(text, encoding="utf-8")
    elif suffix == ".docx":
        target.write_bytes(report_docx(None, _lines(text)))
    else:
        page = report_html(title, _lines(text), heading=False)
        if suffix == ".html":
            target.write_text(page, encoding="utf-8")
        else:
            target.write_bytes(chromium_pdf(page))


def make_copies(root: Path, manifest: bool) -> dict[str, Path]:
    seeds = sorted((ROOT / "seeds").glob("*.txt"))
    with open(ROOT / "seeds" / "manifest.csv", encoding="utf-8") as handle:
        rows = {row["file"]: row for row in csv.DictReader(handle)}
    plain, mixed = root / "plain", root / "mixed"
    plain.mkdir()
    mixed.mkdir()
    renamed = []
    for seed, suffix in zip(seeds, FORMATS, strict=True):
        text = seed.read_text(encoding="utf-8")
        (plain / seed.name).write_text(text, encoding="utf-8")
        name = seed.with_suffix(suffix).name
        write_as(text, rows[seed.name]["title"], suffix, mixed / name)
        renamed.append({**rows[seed.name], "file": name})
    if manifest:
        for folder, table in ((plain, list(rows.values())), (mixed, renamed)):
            with open(folder / "manifest.csv", "w", encoding="utf-8", newline="") as handle:
                writer = csv.DictWriter(handle, fieldnames=list(table[0]))
                writer.writeheader()
                writer.writerows(table)
    return {"plain text (.txt)": plain, "mixed (2 PDF, DOCX, HTML, TXT)": mixed}


def run(seeds: Path, index: Path, questions: Path, out: Path) -> dict:
    python = sys.executable
    subprocess.run([python, "-m", "rag", "index", "--seeds", str(seeds), "--index", str(index)], check=True)
    subprocess.run(
        [python, "-m", "rag", "eval", str(questions), "--index", str(index), "--json", str(out)],
        check=True,
        env={**__import__("os").environ, "RAG_SEEDS_DIR": str(seeds)},
    )
    return json.loads(out.read_text(encoding="utf-8"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--questions", type=Path, default=ROOT / "eval" / "dev.jsonl")
    parser.add_argument("--no-manifest", action="store_true", help="detect place/period from the files alone")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "mixed_formats.json")
    args = parser.parse_args()
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for label, folder in make_copies(Path(tmp), manifest=not args.no_manifest).items():
            report = run(folder, Path(tmp) / f"index-{folder.name}", args.questions, Path(tmp) / f"{folder.name}.json")
            results[label] = report.get("summary", report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    keys = ("answer_accuracy", "refusal_accuracy", "false_refusals", "hit@1", "hit@5", "mrr@10")
    print(f"questions: {args.questions.name}; manifest: {'no' if args.no_manifest else 'yes'}\n")
    print("| report set | " + " | ".join(keys) + " |")
    print("|---|" + "---|" * len(keys))
    for label, summary in results.items():
        cells = [summary.get(k) for k in keys]
        print(f"| {label} | " + " | ".join("—" if c is None else f"{c:.3f}" for c in cells) + " |")


if __name__ == "__main__":
    main()
