"""The question files under eval/ stay consistent with the reports they cite (eval/check.py), and the development
corpus keeps its shape: enough questions of every kind, the held-out set apart, every collected report sourced, and
none of the places reserved for independent measurement in it."""

from __future__ import annotations

import json
import sys
from collections import Counter

import pytest

from rag.config import ROOT

sys.path.insert(0, str(ROOT / "eval"))  # eval/ is a folder of scripts, not a package
import check

EVAL = ROOT / "eval"
FILES = sorted(p for p in EVAL.glob("*.jsonl") if p.name != "targets.jsonl")  # targets.jsonl: pairs, not questions
CORPUS_TYPES = {"fact", "ranking", "comparison", "trend", "target", "english", "plan", "unanswerable"}
# Places whose reports are held back for an independent measurement: none of them may enter the corpus.
RESERVED = (
    "中都",
    "昌硕",
    "丁兰",
    "湖镇",
    "沙沟",
    "未央湖",
    "无城",
    "义新",
    "星沙",
    "东柳",
    "白杨",
    "陶堰",
    "沈家门",
    "凤鸣",
    "庄桥",
)
# Longer names that merely contain a reserved one (平湖镇 in 古田县 is not 湖镇镇) are allowed, named one by one.
CONTAINING = ("平湖镇",)


def _rows(name: str) -> list[dict]:
    return [json.loads(line) for line in (EVAL / name).read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def outcomes():
    shared, large = check.shared_corpus_dir(), check.large_corpus_dir()
    texts = check.load_texts(shared, large)
    return check.check(FILES, texts, shared_missing=shared is None, large_missing=large is None)


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_question_file_matches_its_reports(outcomes, path):
    out = outcomes[path]
    assert out.questions > 0
    assert not out.problems, "\n".join(out.problems)
    if out.unverified:
        pytest.skip(f"{len(out.unverified)} rows cite ../shared/corpus(-large), which this checkout lacks")


def test_checker_reports_a_bad_citation_a_filled_unanswerable_and_a_repeat(tmp_path):
    seed = check.report_files(ROOT / "seeds")[0].name
    rows = [
        {"question": "q1", "must_contain": ["不存在的数字9.99亿元"], "evidence": "这一句不在任何报告里面出现",
         "unanswerable": False, "doc": seed, "type": "fact", "lang": "zh"},
        {"question": "q2", "must_contain": [], "evidence": "", "unanswerable": True, "doc": seed,
         "type": "unanswerable", "lang": "zh"},
        {"question": "q2", "must_contain": [], "evidence": "", "unanswerable": True, "doc": "",
         "type": "unanswerable", "lang": "zh"},
    ]  # fmt: skip
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\nnot json\n", encoding="utf-8")
    problems = check.check([path], check.load_texts(None))[path].problems
    assert any("evidence not verbatim" in p for p in problems)
    assert any("must_contain '不存在的数字9.99亿元' not found" in p for p in problems)
    assert any("unanswerable rows need" in p for p in problems)
    assert any("duplicate question" in p for p in problems)
    assert any("not JSON" in p for p in problems)


@pytest.mark.parametrize(("name", "least"), [("corpus.jsonl", 120), ("corpus_holdout.jsonl", 40)])
def test_corpus_sets_cover_every_kind_and_the_street_reports(name, least):
    rows = _rows(name)
    types = Counter(r["type"] for r in rows)
    assert len(rows) >= least
    assert set(types) == CORPUS_TYPES, types
    assert any(r["lang"] == "en" and not r["unanswerable"] for r in rows)
    on_reports = [r for r in rows if any(d.startswith(check.REPORTS_PREFIX) for d in [r["doc"], *r.get("docs", [])])]
    assert len(on_reports) / len(rows) >= 0.35  # the 街道/镇 reports, not only the city reports


def test_every_collected_report_is_sourced_and_no_reserved_place_is_in_it():
    reports = check.report_files(EVAL / "reports")
    sources = (EVAL / "reports" / "SOURCES.md").read_text(encoding="utf-8")
    assert len(reports) >= 12
    assert [p.name for p in reports if p.name not in sources] == []
    texts = [p.read_text(encoding="utf-8") for p in reports]
    for longer in CONTAINING:
        texts = [t.replace(longer, "") for t in texts]
    assert [(p.name, place) for p, t in zip(reports, texts, strict=True) for place in RESERVED if place in t] == []


LARGE_SETS = (
    "large_dev.jsonl",
    "large_holdout.jsonl",
    "large_holdout2.jsonl",
    "large_holdout3.jsonl",
    "large_dev2.jsonl",
)
NO_BULLETIN = {"large_holdout3.jsonl", "large_dev2.jsonl"}  # written after every national file was cited elsewhere
NATIONAL = {"政府工作报告-国务院", "国家统计局年度统计"}  # one place, split by year


def _large_place(doc: str) -> str:  # "corpus-large/135_阳江市_2021.txt" (or a bare file name) -> "阳江市"
    return doc.rsplit("/", 1)[-1].split("_", 1)[1].rsplit("_", 1)[0]


def _large_docs(rows: list[dict]) -> set[str]:
    return {d for r in rows for d in [r["doc"], *r.get("docs", [])] if d}


def test_large_sets_are_split_by_report_and_place():
    """The corpus-large parts (development, held-out, the second and third held-out sets written once the one
    before was spent, and the second development set) share no report, and no place but 全国, with one another; each
    part after the first has 100+ questions, and each part covers every kind. The first three cite a 国家统计局
    bulletin and ask its definitions; the third held-out set and the second development set cannot (every national
    file was already in another set), so they have no definition rows."""
    parts = {name: _rows(name) for name in LARGE_SETS}
    docs = {name: _large_docs(rows) for name, rows in parts.items()}
    assert all(d.startswith(check.LARGE_PREFIX) for ds in docs.values() for d in ds)

    for i, first in enumerate(LARGE_SETS):
        for second in LARGE_SETS[i + 1 :]:
            assert not docs[first] & docs[second], (first, second)
            shared = {_large_place(d) for d in docs[first]} & {_large_place(d) for d in docs[second]}
            assert shared <= NATIONAL, (first, second, shared)
    for name in LARGE_SETS[1:]:
        assert len(parts[name]) >= 100
    assert len(docs["large_holdout2.jsonl"]) >= 30
    assert sum(r["type"] == "unanswerable" for r in parts["large_holdout2.jsonl"]) >= 10
    assert len(docs["large_dev.jsonl"] | docs["large_holdout.jsonl"]) >= 60
    for name, rows in parts.items():
        with_bulletin = name not in NO_BULLETIN
        assert set(Counter(r["type"] for r in rows)) == CORPUS_TYPES | ({"definition"} if with_bulletin else set())
        assert any("国家统计局" in r["doc"] for r in rows) == with_bulletin


def test_third_holdout_is_over_places_no_other_set_or_rule_has_touched():
    """large_holdout3.jsonl: 150+ questions from 38+ reports, over places that neither the target–result labels
    (eval/targets.jsonl and the places bench/targets_eval.py reads) nor ../shared/corpus hold; its trends cite two
    reports of one place, its comparisons two places, and English and unanswerable questions are there."""
    from bench.targets_eval import LARGE_PLACES

    rows = _rows("large_holdout3.jsonl")
    places = {_large_place(d) for d in _large_docs(rows)}
    assert len(rows) >= 150 and len(_large_docs(rows)) >= 38
    labelled = {_large_place(r[k]) for r in _rows("targets.jsonl") if r["corpus"] == "corpus-large"
                for k in ("target_doc", "result_doc")}  # fmt: skip
    assert places & (labelled | set(LARGE_PLACES)) == set()
    shared = check.shared_corpus_dir()
    if shared is not None:  # the place column of its SOURCES.md table: "| 01_jiaxing_2019.txt | 嘉兴市 | ..."
        sources = (shared / "SOURCES.md").read_text(encoding="utf-8")
        shared_places = {line.split("|")[2].strip() for line in sources.splitlines() if ".txt |" in line}
        assert places & shared_places == set()
    for r in rows:
        cited = [r["doc"], *r.get("docs", [])]
        if r["type"] == "trend":
            assert len(cited) == 2 and len({_large_place(d) for d in cited}) == 1, r["question"]
        if r["type"] == "comparison":
            assert len({_large_place(d) for d in cited}) == 2, r["question"]
    assert sum(r["lang"] == "en" and not r["unanswerable"] for r in rows) >= 10
    assert sum(r["lang"] == "en" and r["unanswerable"] for r in rows) >= 2
    assert sum(r["unanswerable"] for r in rows) >= 10


def test_second_dev_set_is_weighted_to_the_weak_kinds():
    """large_dev2.jsonl: 150+ questions from 30+ reports, weighted to comparisons, targets, plans, English and
    unanswerable questions; its trends cite two reports of one place, its comparisons two or three places, and some
    English questions are unanswerable."""
    rows = _rows("large_dev2.jsonl")
    kinds = Counter(r["type"] for r in rows)
    assert len(rows) >= 150 and len(_large_docs(rows)) >= 30
    assert min(kinds[k] for k in ("comparison", "target", "plan", "english", "unanswerable")) >= 20
    assert kinds["comparison"] >= kinds["fact"] + kinds["ranking"]
    for r in rows:
        cited = [r["doc"], *r.get("docs", [])]
        if r["type"] == "trend":
            assert len(cited) == 2 and len({_large_place(d) for d in cited}) == 1, r["question"]
        if r["type"] == "comparison":
            assert 2 <= len({_large_place(d) for d in cited}) == len(cited) <= 3, r["question"]
    assert sum(r["lang"] == "en" and r["unanswerable"] for r in rows) >= 2
    assert sum(r["lang"] == "en" and r["type"] == "comparison" for r in rows) >= 2
