"""Sanity-check eval/dev.jsonl against the seed reports.

Usage: python eval/check_dev.py [eval/dev.jsonl] [seeds/]
Checks: every line is a JSON object with the expected fields; evidence (10-40 chars) occurs verbatim in `doc`;
every must_contain string occurs verbatim in the cited docs (`doc`, plus `docs` for cross-report questions);
unanswerable rows have empty must_contain and evidence. Exits 1 on any problem.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TYPES = {"fact", "ranking", "comparison", "english", "unanswerable", "plan", "followup-free"}


def check(dev: Path, seeds: Path) -> list[str]:
    texts = {p.name: p.read_text(encoding="utf-8") for p in seeds.iterdir() if p.is_file()}
    problems: list[str] = []
    seen: set[str] = set()
    types: Counter[str] = Counter()
    for n, line in enumerate(dev.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        where = f"line {n}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"{where}: not JSON ({exc})")
            continue
        q = row.get("question")
        if not isinstance(q, str) or not q.strip():
            problems.append(f"{where}: missing question")
            continue
        where = f"line {n} ({q[:30]})"
        if q in seen:
            problems.append(f"{where}: duplicate question")
        seen.add(q)
        must, evidence, unans = row.get("must_contain"), row.get("evidence"), row.get("unanswerable")
        if not isinstance(must, list) or not all(isinstance(m, str) and m for m in must):
            problems.append(f"{where}: must_contain must be a list of non-empty strings")
            continue
        if not isinstance(evidence, str) or not isinstance(unans, bool):
            problems.append(f"{where}: evidence must be a string and unanswerable a bool")
            continue
        if row.get("type") not in TYPES:
            problems.append(f"{where}: unknown type {row.get('type')!r}")
        types[row.get("type")] += 1
        if unans:
            if must or evidence:
                problems.append(f"{where}: unanswerable rows need must_contain [] and evidence ''")
            continue
        if not 1 <= len(must) <= 3:
            problems.append(f"{where}: must_contain should have 1-3 items")
        doc = row.get("doc")
        if doc not in texts:
            problems.append(f"{where}: doc {doc!r} not in {seeds}")
            continue
        if not 10 <= len(evidence) <= 40:
            problems.append(f"{where}: evidence length {len(evidence)} not in 10-40")
        if evidence not in texts[doc]:
            problems.append(f"{where}: evidence not verbatim in {doc}: {evidence!r}")
        docs = [doc, *row.get("docs", [])]
        missing_docs = [d for d in docs if d not in texts]
        if missing_docs:
            problems.append(f"{where}: unknown docs {missing_docs}")
            continue
        for m in must:
            if not any(m in texts[d] for d in docs):
                problems.append(f"{where}: must_contain {m!r} not found in {docs}")
    print(f"{len(seen)} questions; by type: {dict(sorted(types.items()))}")
    return problems


if __name__ == "__main__":
    dev = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "eval" / "dev.jsonl"
    seeds = Path(sys.argv[2]) if len(sys.argv) > 2 else ROOT / "seeds"
    found = check(dev, seeds)
    for p in found:
        print("PROBLEM:", p)
    print("OK" if not found else f"{len(found)} problem(s)")
    sys.exit(1 if found else 0)
