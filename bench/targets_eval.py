"""Targets against results (issue 20): the pairs `rag.answering.targets.target_table` produces from the reports'
indicators, scored against the labelled pairs of eval/targets.jsonl.

No index and no embedding: the pairs come from the indicators, which are read straight from the documents
(`load_document` + `extract_indicators`, exactly what `build_index` stores).

    precision  produced complete pairs (target and result) in the labelled place-years that are right: a labelled
               pair with the same place, year, metric and measure, the same target and result figures, the same
               verdict and forecast flag; a produced pair no label covers is counted as unjudged (listed)
    recall     labelled pairs (not marked `absent`) that are produced right
    mixed      produced pairs whose two sides differ in measure (a growth rate beside an amount or a share) or whose
               period is not the whole year on both sides

    .venv/bin/python -m bench.targets_eval            # table + bench/out/issue-20/targets_eval.json
    .venv/bin/python -m bench.targets_eval --dump     # every produced pair of the bench reports, with context
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import rag  # noqa: F401
from rag.answering.targets import Pair, Report, pair_json, target_table
from rag.config import ROOT
from rag.indexing.indicators import extract_indicators
from rag.ingest.documents import load_document

SHARED = ROOT.parent / "shared"
LABELS = ROOT / "eval" / "targets.jsonl"
OUT = ROOT / "bench" / "out" / "issue-20"
# The reports: 嘉兴 2019–2021 and 咸宁 2020–2021 (corpus); places with three consecutive reports and the national
# reports with their statistical bulletins (corpus-large).
CORPUS = [
    "01_jiaxing_2019.txt",
    "02_jiaxing_2020.txt",
    "03_jiaxing_2021.txt",
    "04_xianning_2020.txt",
    "05_xianning_2021.txt",
]
LARGE_PLACES = (
    "丹东市",
    "乌兰察布市",
    "保定市",
    "吉林市",
    "大理白族自治州",
    "巴中市",
    "常德市",
    "广西壮族自治区",
    "抚州市",
    "杭州市",
    "松原市",
    "河南省",
    "淮安市",
    "盐城市",
    "福州市",
    "鸡西市",
    "黔东南苗族侗族自治州",
    "政府工作报告-国务院",
    "国家统计局年度统计",
)
_NUM = re.compile(r"\d+(?:\.\d+)?")


def bench_files() -> list[tuple[str, Path]]:
    """(label of the folder, path) of every report the bench reads."""
    files = [("corpus", SHARED / "corpus" / name) for name in CORPUS]
    large = SHARED / "corpus-large"
    for path in sorted(large.glob("*.txt")):
        m = re.match(r"\d+_(.+)_\d{4}\.txt$", path.name)
        if m and m.group(1) in LARGE_PLACES:
            files.append(("corpus-large", path))
    return files


def load_reports() -> list[Report]:
    reports = []
    for _folder, path in bench_files():
        doc = load_document(path, path.parent)
        reports.append(Report(doc.doc_id, doc.meta, doc.text, tuple(extract_indicators(doc.text, doc.meta.period))))
    return reports


def _numbers(text: str) -> list[str]:
    return _NUM.findall(text)


def matches(pair: Pair, label: dict) -> bool:
    """Is the produced pair the labelled one, right in every part?"""
    if pair.target is None or pair.result is None:
        return False
    return (
        _numbers(pair.target.figure)[:1] == _numbers(label["target"])[:1]
        and _numbers(pair.result.figure)[:1] == _numbers(label["result"])[:1]
        and pair.target.doc_id == label["target_doc"]
        and pair.result.doc_id == label["result_doc"]
        and pair.verdict == label["verdict"]
        and pair.result.forecast == label.get("forecast", False)
    )


def key_of(item: Pair | dict) -> tuple:
    if isinstance(item, Pair):
        return (item.place, item.year, item.metric, item.measure)
    return (item["place"], item["year"], item["metric"], item["measure"])


def mixed(pair: Pair) -> bool:
    """Two sides of different measures, or a side that is not the whole year (never allowed)."""
    if pair.target is None or pair.result is None:
        return False
    growth = [side.ind.growth is not None and side.measure == "growth" for side in (pair.target, pair.result)]
    unit = [side.unit_key for side in (pair.target, pair.result)]
    periods = [side.ind.period for side in (pair.target, pair.result)]
    part_year = any(p and not re.fullmatch(r"全年|(?:19|20)\d{2}年|1-12月", p) for p in periods)
    return pair.target.measure != pair.result.measure or growth[0] != growth[1] or unit[0] != unit[1] or part_year


def evaluate(pairs: list[Pair], labels: list[dict]) -> dict:
    complete = [p for p in pairs if p.complete]
    covered = {(lab["place"], lab["year"]) for lab in labels}
    by_key: dict[tuple, dict] = {key_of(lab): lab for lab in labels}
    judged_right, judged_wrong, unjudged = [], [], []
    for p in complete:
        if (p.place, p.year) not in covered:
            continue
        lab = by_key.get(key_of(p))
        if lab is None:
            unjudged.append(p)
        elif not lab.get("absent") and matches(p, lab):
            judged_right.append(p)
        else:
            judged_wrong.append((p, lab))
    produced = {key_of(p): p for p in complete}
    wanted = [lab for lab in labels if not lab.get("absent")]
    found = [lab for lab in wanted if key_of(lab) in produced and matches(produced[key_of(lab)], lab)]
    missed = [lab for lab in wanted if lab not in found]
    n_judged = len(judged_right) + len(judged_wrong)
    return {
        "labelled": len(wanted),
        "absent_labels": len(labels) - len(wanted),
        "produced_complete": len(complete),
        "produced_in_labelled_place_years": n_judged + len(unjudged),
        "right": len(judged_right),
        "wrong": [_show(p) | {"label": lab} for p, lab in judged_wrong],
        "unjudged": [_show(p) for p in unjudged],
        "precision": round(len(judged_right) / n_judged, 3) if n_judged else None,
        "recall": round(len(found) / len(wanted), 3) if wanted else None,
        "mixed": [_show(p) for p in pairs if mixed(p)],
        "missed": [
            {k: lab.get(k) for k in ("id", "place", "year", "metric", "measure", "why_missed")} for lab in missed
        ],
    }


def _show(p: Pair) -> dict:
    """A produced pair in the shape of a label row (eval/targets.jsonl), from the table's own row (pair_json)."""
    row = pair_json(p)
    target, result = row["target"], row["result"]
    return {k: row[k] for k in ("place", "year", "metric", "measure")} | {
        "target": target["figure"],
        "target_doc": target["doc"],
        "result": result["figure"],
        "result_doc": result["doc"],
        "forecast": bool(result["forecast"]),
        "verdict": row["verdict"],
        "note": row["note"],
    }


def _context(report: Report, start: int, end: int, width: int = 40) -> str:
    return report.text[max(0, start - width) : end + 10].replace("\n", "⏎")


def dump(pairs: list[Pair], reports: list[Report]) -> None:
    texts = {r.doc_id: r for r in reports}
    for p in pairs:
        if not p.complete:
            continue
        row = _show(p)
        row["target_context"] = _context(texts[p.target.doc_id], p.target.ind.start, p.target.ind.end)
        row["result_context"] = _context(texts[p.result.doc_id], p.result.ind.start, p.result.ind.end)
        print(json.dumps(row, ensure_ascii=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dump", action="store_true", help="print every produced complete pair with its context")
    parser.add_argument("--labels", type=Path, default=LABELS)
    args = parser.parse_args()
    reports = load_reports()
    pairs = target_table(reports)
    if args.dump:
        dump(pairs, reports)
        return
    labels = [json.loads(line) for line in args.labels.read_text(encoding="utf-8").splitlines() if line.strip()]
    result = evaluate(pairs, labels)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "targets_eval.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"reports {len(reports)} · labelled pairs {result['labelled']} (+{result['absent_labels']} absent)")
    print("| figure | value |\n|---|---|")
    print(f"| precision (right / judged produced pairs) | {result['precision']} ({result['right']} right) |")
    print(f"| recall (labelled pairs found right) | {result['recall']} |")
    print(f"| mixed pairs (measure or period) | {len(result['mixed'])} |")
    print(f"| produced pairs in labelled place-years not labelled | {len(result['unjudged'])} |")
    for w in result["wrong"]:
        print("WRONG", json.dumps(w, ensure_ascii=False))
    for u in result["unjudged"]:
        print("UNJUDGED", json.dumps(u, ensure_ascii=False))
    for m in result["missed"]:
        print("MISSED", json.dumps(m, ensure_ascii=False))


if __name__ == "__main__":
    main()
