"""Sanity-check question sets (eval/*.jsonl) against the reports they cite.

Usage: python eval/check.py [FILE ...]      (default: every eval/*.jsonl)

Where a `doc` lives (one convention for every question file; it is also the doc id of the combined index that
`python -m bench.corpus_eval` builds, where the three sources sit side by side):
  - a bare file name            -> seeds/<file>                 (the 5 seed 街道 reports)
  - "corpus/<file>"             -> ../shared/corpus/<file>      (18 政府工作报告, outside the repository)
  - "reports/<file>"            -> eval/reports/<file>          (real 街道/镇 reports, see eval/reports/SOURCES.md)
  - "corpus-large/<file>"       -> ../shared/corpus-large/<file> (347 政府工作报告 and 统计公报, outside the repository)
The shared corpus is looked up in $REPORTQA_SHARED_CORPUS, then ../shared/corpus and ../../shared/corpus from the
repository root (a main checkout and a worktree under wt/ both reach /work/shared/corpus); the large one likewise in
$REPORTQA_SHARED_CORPUS_LARGE, then ../shared/corpus-large and ../../shared/corpus-large.

Checks: every line is a JSON object with the expected fields and a known type; no question repeats (within a file or
across the files checked together: a held-out question must not also be a development one); answerable rows have
1-4 must_contain strings, each verbatim in one of the cited docs (`doc` plus `docs`), and a 10-40 character
`evidence` that occurs verbatim in `doc`; unanswerable rows have empty must_contain, evidence, doc and docs.
Rows citing a shared corpus when it is not present are counted as unverified, not as problems. Exits 1 on any
problem.
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT / "eval"
TYPES = {
    "fact",
    "ranking",
    "comparison",
    "trend",
    "target",
    "english",
    "plan",
    "followup-free",
    "definition",
    "unanswerable",
}
LANGS = {"zh", "en"}
SHARED_PREFIX = "corpus/"
REPORTS_PREFIX = "reports/"
LARGE_PREFIX = "corpus-large/"


def _shared_dir(env_name: str, folder: str) -> Path | None:
    env = os.environ.get(env_name)
    candidates = [Path(env)] if env else []
    candidates += [ROOT.parent / "shared" / folder, ROOT.parent.parent / "shared" / folder]
    return next((p for p in candidates if p.is_dir()), None)


def shared_corpus_dir() -> Path | None:
    """The folder of the 18 shared 政府工作报告, or None when this checkout has none (e.g. a fresh CI clone)."""
    return _shared_dir("REPORTQA_SHARED_CORPUS", "corpus")


def large_corpus_dir() -> Path | None:
    """The folder of the 347 shared reports (corpus-large), or None when this checkout has none."""
    return _shared_dir("REPORTQA_SHARED_CORPUS_LARGE", "corpus-large")


def report_files(folder: Path) -> list[Path]:
    """The report texts of a folder (SOURCES.md and manifests are documentation, not reports)."""
    return sorted(p for p in folder.glob("*.txt") if p.is_file())


def load_texts(shared: Path | None = None, large: Path | None = None) -> dict[str, str]:
    """Every citable document keyed by its doc name (see the module docstring)."""
    texts = {p.name: p.read_text(encoding="utf-8") for p in report_files(ROOT / "seeds")}
    texts |= {REPORTS_PREFIX + p.name: p.read_text(encoding="utf-8") for p in report_files(EVAL / "reports")}
    for prefix, folder in ((SHARED_PREFIX, shared), (LARGE_PREFIX, large)):
        if folder is not None:
            texts |= {prefix + p.name: p.read_text(encoding="utf-8") for p in report_files(folder)}
    return texts


@dataclass
class Outcome:
    problems: list[str] = field(default_factory=list)
    unverified: list[str] = field(default_factory=list)
    types: Counter = field(default_factory=Counter)
    questions: int = 0


def _row_problems(row: dict, texts: dict[str, str], missing: tuple[str, ...]) -> tuple[list[str], bool]:
    """Problems of one parsed row, and whether it could not be verified (it cites a shared corpus that is absent:
    `missing` holds the doc prefixes of the absent ones)."""
    must, evidence, unans = row.get("must_contain"), row.get("evidence"), row.get("unanswerable")
    doc, docs = row.get("doc", ""), row.get("docs", [])
    if not isinstance(must, list) or not all(isinstance(m, str) and m for m in must):
        return ["must_contain must be a list of non-empty strings"], False
    if not isinstance(evidence, str) or not isinstance(unans, bool):
        return ["evidence must be a string and unanswerable a bool"], False
    if not isinstance(docs, list) or not isinstance(doc, str):
        return ["doc must be a string and docs a list"], False
    problems = []
    if row.get("type") not in TYPES:
        problems.append(f"unknown type {row.get('type')!r}")
    if row.get("lang") not in LANGS:
        problems.append(f"unknown lang {row.get('lang')!r}")
    if unans:
        if must or evidence or doc or docs:
            problems.append("unanswerable rows need must_contain [], evidence '', doc '' and no docs")
        return problems, False
    if not 1 <= len(must) <= 4:
        problems.append("must_contain should have 1-4 items")
    cited = [doc, *docs]
    if any(d.startswith(prefix) for d in cited for prefix in missing):
        return problems, True
    unknown = [d for d in cited if d not in texts]
    if unknown:
        return [*problems, f"unknown docs {unknown}"], False
    if not 10 <= len(evidence) <= 40:
        problems.append(f"evidence length {len(evidence)} not in 10-40")
    if evidence not in texts[doc]:
        problems.append(f"evidence not verbatim in {doc}: {evidence!r}")
    problems += [f"must_contain {m!r} not found in {cited}" for m in must if not any(m in texts[d] for d in cited)]
    return problems, False


def check(
    files: list[Path], texts: dict[str, str], shared_missing: bool = False, large_missing: bool = False
) -> dict[Path, Outcome]:
    """Check each question file; question texts must be unique across all of them."""
    missing = (SHARED_PREFIX,) * shared_missing + (LARGE_PREFIX,) * large_missing
    seen: dict[str, str] = {}
    outcomes: dict[Path, Outcome] = {}
    for path in files:
        out = outcomes[path] = Outcome()
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                out.problems.append(f"{path.name} line {n}: not JSON ({exc})")
                continue
            q = row.get("question") if isinstance(row, dict) else None
            if not isinstance(q, str) or not q.strip():
                out.problems.append(f"{path.name} line {n}: missing question")
                continue
            where = f"{path.name} line {n} ({q[:30]})"
            if q in seen:
                out.problems.append(f"{where}: duplicate question (also in {seen[q]})")
            seen.setdefault(q, path.name)
            out.questions += 1
            out.types[row.get("type")] += 1
            problems, unverified = _row_problems(row, texts, missing)
            out.problems += [f"{where}: {p}" for p in problems]
            if unverified:
                out.unverified.append(where)
    return outcomes


def main(argv: list[str]) -> int:
    files = [Path(a) for a in argv] or sorted(EVAL.glob("*.jsonl"))
    shared, large = shared_corpus_dir(), large_corpus_dir()
    outcomes = check(files, load_texts(shared, large), shared_missing=shared is None, large_missing=large is None)
    total = 0
    for path, out in outcomes.items():
        print(f"{path.name}: {out.questions} questions; by type: {dict(sorted(out.types.items()))}")
        for p in out.problems:
            print("PROBLEM:", p)
        if out.unverified:
            print(
                f"  {len(out.unverified)} row(s) unverified: shared corpus not found (set REPORTQA_SHARED_CORPUS[_LARGE])"
            )
        total += len(out.problems)
    print("OK" if not total else f"{total} problem(s)")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
