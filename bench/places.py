"""Place detection accuracy per field on real reports, without any manifest: `python -m bench.places [FOLDER ...]`.

Each folder holds reports and a truth table: a `SOURCES.md` markdown table (../shared/corpus and eval/reports
have one; columns `file`, `place`, `level`, and the years in a "回顾2020年"/"2022年上半年" cell) or the seeds'
`manifest.csv` (street = place, level 街道, year). A field whose truth says the text never states it ("原文未写")
counts as right when detection leaves it empty. Prints one table per folder and writes bench/out/places.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from rag.config import ROOT
from rag.ingest.detect import detect_meta
from rag.ingest.extract import extract_text
from rag.text.places import short_name

FIELDS = ("place", "level", "year", "plan_year", "kind")
# Kinds the truth tables write, and the kinds detection may rightly give for them.
_KIND_TRUTH = {
    "半年总结": {"半年总结"},
    "年度总结": {"年度总结"},
    "年度总结片段": {"年度总结"},
    "政府工作报告": {"政府工作报告"},
    "年度工作报告": {"年度总结", "政府工作报告"},  # a 街道 "工作报告" reviewing a year: either reading is right
    "工作报告摘要": {"年度总结", "政府工作报告"},
    "工作计划": {"工作计划"},
}


@dataclass
class Truth:
    place: str | None  # None: the text never names it (detection must leave it empty)
    level: str | None
    year: int | None = None
    plan_year: int | None = None
    kinds: set[str] = field(default_factory=set)
    above: str = ""  # the truth's parents and province cells: every detected parent must be named there


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _truth_from_sources(folder: Path) -> dict[str, Truth]:
    lines = (folder / "SOURCES.md").read_text(encoding="utf-8").splitlines()
    header = next(_cells(line) for line in lines if line.startswith("| file"))
    col = {name: i for i, name in enumerate(header)}
    covered = next(name for name in header if "cover" in name or "period" in name)
    truth = {}
    for line in lines:
        cells = _cells(line)
        if len(cells) != len(header) or not cells[0].endswith(".txt"):
            continue
        raw_place = cells[col["place"]]
        place = None if "未写" in raw_place else "全国" if raw_place.startswith("国务院") else raw_place.split("（")[0]
        span = cells[col[covered]]
        reviewed = (
            re.search(r"(\d{4})年回顾", span) or re.search(r"回顾\D*?(\d{4})年", span) or re.search(r"(\d{4})年", span)
        )
        planned = re.search(r"部署(\d{4})年", span)
        kind = span.split("；")[0].strip() if "；" in span else ""
        kind = "政府工作报告" if "人大" in kind else kind  # "2019-01-15 市八届人大四次会议…": delivered to a congress
        truth[cells[0]] = Truth(
            place=place,
            level=cells[col["level"]],
            year=int(reviewed.group(1)) if reviewed else None,
            plan_year=int(planned.group(1)) if planned else None,
            kinds=_KIND_TRUTH.get(kind, set()),
            above=" ".join(cells[col[c]] for c in ("parents", "province") if c in col),
        )
    return truth


def _truth_from_manifest(folder: Path) -> dict[str, Truth]:
    with open(folder / "manifest.csv", encoding="utf-8-sig") as handle:
        return {
            row["file"]: Truth(
                row["street"] or None,
                "街道",
                int(row["year"]) if row["year"] else None,
                above=row["district"] + row["city"],
            )
            for row in csv.DictReader(handle)
        }


def load_truth(folder: Path) -> dict[str, Truth]:
    return _truth_from_sources(folder) if (folder / "SOURCES.md").is_file() else _truth_from_manifest(folder)


def score(folder: Path) -> dict:
    """Per report: truth, detection, right/wrong per field; per field: right / scored."""
    rows, totals = [], {name: [0, 0] for name in FIELDS}
    parents = [0, 0, 0]  # right, detected, reports whose truth names parents
    for name, truth in sorted(load_truth(folder).items()):
        path = folder / name
        text, _ = extract_text(path.read_bytes(), path.suffix)
        meta = detect_meta(text, name)
        marks = {}
        for field_name in FIELDS:
            got = meta.fact(field_name)
            if field_name == "kind":
                if not truth.kinds:
                    continue
                right = got in truth.kinds
            else:
                expected = getattr(truth, field_name)
                if expected is None and field_name in ("year", "plan_year"):
                    continue  # the truth table does not say: not scored
                right = got == expected
            marks[field_name] = right
            totals[field_name][0] += right
            totals[field_name][1] += 1
        if meta.parents and truth.above:  # parents: precision (each one named in the truth), coverage (any found)
            right_parents = all(short_name(p) in truth.above for p in meta.parents)
            parents[0] += right_parents
            parents[1] += 1
            marks["parents"] = right_parents
        parents[2] += bool(truth.above.strip(" —-"))
        rows.append(
            {
                "file": name,
                "truth": {
                    "place": truth.place,
                    "level": truth.level,
                    "year": truth.year,
                    "plan_year": truth.plan_year,
                    "kind": "/".join(sorted(truth.kinds)),
                },
                "detected": {f: meta.fact(f) for f in (*FIELDS, "parents")},
                "confidence": {f: meta.source_of(f)[1] for f in FIELDS},
                "right": marks,
            }
        )
    return {
        "folder": str(folder),
        "reports": rows,
        "accuracy": {k: v for k, v in totals.items() if v[1]},
        "parents": {"right": parents[0], "detected": parents[1], "stated_in_truth": parents[2]},
    }


def render(result: dict) -> str:
    lines = [f"### {result['folder']} ({len(result['reports'])} reports)", ""]
    lines.append("| field | right / scored | accuracy |")
    lines.append("|---|---|---|")
    for name, (right, n) in result["accuracy"].items():
        lines.append(f"| {name} | {right} / {n} | {right / n:.2f} |")
    p = result["parents"]
    lines.append(
        f"| parents (precision; found) | {p['right']} / {p['detected']} right; found for {p['detected']} of "
        f"{p['stated_in_truth']} | {p['right'] / max(1, p['detected']):.2f} |"
    )
    misses = [
        f"- {r['file']}: "
        + ", ".join(
            f"{f} {r['detected'][f]!r} (truth {r['truth'].get(f, '')!r})" for f in r["right"] if not r["right"][f]
        )
        for r in result["reports"]
        if not all(r["right"].values())
    ]
    return "\n".join(lines + (["", "Misses:", *misses] if misses else []))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", type=Path, help="report folders (default: seeds and ../shared/corpus)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "places.json")
    args = parser.parse_args(argv)
    folders = args.folders or [ROOT / "seeds", ROOT.parent / "shared" / "corpus"]
    results = [score(folder) for folder in folders if folder.is_dir()]
    print("\n\n".join(render(r) for r in results))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=2, default=list), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
