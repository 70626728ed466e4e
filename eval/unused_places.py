"""List the corpus-large reports whose place no question set, label file or development corpus uses yet.

Usage: python eval/unused_places.py

A new blind set must be written over reports nobody has written a rule on. Used places: every place of
eval/large_dev.jsonl, large_holdout.jsonl, large_holdout2.jsonl and large_holdout3.jsonl; the reports labelled in
eval/targets.jsonl and every place bench/targets_eval.py reads; the places of ../shared/corpus (its SOURCES.md); the
cities of the 街道/镇 reports of eval/reports (the parents column of its SOURCES.md, asked in eval/corpus*.jsonl).
全国 (国务院 reports, 国家统计局 bulletins) is one place split by year: a national file is listed only when no set
or label cites that exact file.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "eval"))
import check  # noqa: E402

NATIONAL = {"政府工作报告-国务院", "国家统计局年度统计"}
LARGE_SETS = ("large_dev", "large_holdout", "large_holdout2", "large_holdout3")


def place(name: str) -> str:
    """'135_阳江市_2021.txt' -> '阳江市'."""
    return name.split("_", 1)[1].rsplit("_", 1)[0]


def _rows(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def used_files() -> set[str]:
    """corpus-large file names cited by a question set or a target–result label."""
    files = set()
    for name in LARGE_SETS:
        for r in _rows(ROOT / "eval" / f"{name}.jsonl"):
            files |= {d.rsplit("/", 1)[-1] for d in [r["doc"], *r.get("docs", [])] if d}
    for r in _rows(ROOT / "eval" / "targets.jsonl"):
        if r["corpus"] == "corpus-large":
            files |= {r["target_doc"], r["result_doc"]}
    return files


def used_places(files: set[str]) -> set[str]:
    source = (ROOT / "bench" / "targets_eval.py").read_text(encoding="utf-8")
    bench = set(re.findall(r'"(.+?)"', re.search(r"LARGE_PLACES = \((.*?)\)", source, re.S).group(1)))
    places = {place(f) for f in files} | bench
    shared = check.shared_corpus_dir()
    if shared is not None:
        rows = (shared / "SOURCES.md").read_text(encoding="utf-8").splitlines()
        places |= {line.split("|")[2].strip() for line in rows if ".txt |" in line}
    for line in (ROOT / "eval" / "reports" / "SOURCES.md").read_text(encoding="utf-8").splitlines():
        if ".txt |" in line:
            city = re.match(r"\s*(?:\*\*)?([^\s（*]+?市)", line.split("|")[8])
            places |= {city.group(1)} if city else set()
    return places


def main() -> int:
    large = check.large_corpus_dir()
    if large is None:
        print("../shared/corpus-large not found", file=sys.stderr)
        return 1
    files = used_files()
    places = used_places(files)
    unused = [
        p.name
        for p in check.report_files(large)
        if (p.name not in files if place(p.name) in NATIONAL else place(p.name) not in places)
    ]
    print(f"{len(unused)} reports of unused places:")
    print("\n".join(unused))
    return 0


if __name__ == "__main__":
    sys.exit(main())
