"""Detected place vs the file-name place for every report of a folder (../shared/corpus-large by default):
`python -m bench.places_large [FOLDER]`. The file name ("243_内蒙古自治区_2022.txt") is the truth only here:
detection is given a neutral file name, so it sees the text alone. Prints the counts and every report whose
detected place differs; writes bench/out/places_large.json.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from rag.config import ROOT
from rag.ingest.detect import detect_meta
from rag.ingest.extract import extract_text
from rag.text.places import short_name


def truth_of(name: str) -> str:
    """ "243_内蒙古自治区_2022.txt" -> 内蒙古自治区."""
    return re.sub(r"^\d+_|_\d{4}$", "", Path(name).stem)


def compare(folder: Path) -> dict:
    rows = []
    for path in sorted(folder.glob("*.txt")):
        text, _ = extract_text(path.read_bytes(), path.suffix)
        meta = detect_meta(text, "report.txt")  # no file name: the text alone
        truth, got = truth_of(path.name), meta.fact("place")
        truth = "全国" if re.match(r"政府工作报告-国务院|国家统计局", truth) else truth
        same = got == truth or (got is not None and short_name(got) == short_name(truth))
        rows.append({"file": path.name, "truth": truth, "detected": got, "level": meta.fact("level"), "same": same})
    return {
        "reports": len(rows),
        "same": sum(r["same"] for r in rows),
        "missing": sum(r["detected"] is None for r in rows),
        "wrong": sum(not r["same"] and r["detected"] is not None for r in rows),
        "rows": rows,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=ROOT.parent / "shared" / "corpus-large")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "places_large.json")
    args = parser.parse_args(argv)
    result = compare(args.folder)
    print(
        f"{result['reports']} reports: {result['same']} same place, {result['wrong']} wrong, {result['missing']} none"
    )
    for r in result["rows"]:
        if not r["same"]:
            print(f"- {r['file']}: detected {r['detected']!r} ({r['level']})")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
