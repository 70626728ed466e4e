"""`python -m rag index|ask|eval` as a user runs it: real subprocesses, real model, on a private copy of the seeds.

To stay quick, the copy holds the five seed reports cut to their first ~1,200 characters (about 33 passages);
every process still loads the real model, so each call costs the ~10 s torch start-up.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from helpers import trimmed_seeds

from rag.config import ROOT, Settings
from rag.indexing.chunking import chunk_document
from rag.indexing.store import Index, current_generation
from rag.ingest.documents import load_document, read_manifest

SEEDS = ROOT / "seeds"
DEV = ROOT / "eval" / "dev.jsonl"
QUESTION = "西林街道上半年一般公共预算收入多少？"
_WS = re.compile(r"\s+")


def cli(*args: object, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run `python -m rag ARGS` from the repository root, embedded Chroma, no LLM configured."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHROMA_", "RAG_LLM_", "OPENAI_"))}
    return subprocess.run(
        [sys.executable, "-m", "rag", *map(str, args)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _squash(text: str) -> str:
    return _WS.sub("", text)


@pytest.fixture(scope="module")
def cli_index(tmp_path_factory) -> tuple[Settings, subprocess.CompletedProcess]:
    """Five short reports plus two unreadable files, indexed once through the CLI."""
    root = tmp_path_factory.mktemp("cli")
    seeds = trimmed_seeds(root / "seeds")
    (seeds / "empty.txt").write_bytes(b"")
    (seeds / "garbage.txt").write_bytes(bytes(range(256)) * 40)
    settings = replace(Settings.from_env(seeds_dir=seeds, index_dir=root / "index"), chroma_host=None)
    first = cli("index", "--seeds", seeds, "--index", settings.index_dir)
    return settings, first


def test_index_reports_counts_and_skips_unreadable_files(cli_index):
    settings, run = cli_index
    assert run.returncode == 0, run.stderr[-2000:]
    assert "新增 5 份" in run.stdout
    embedded = re.search(r"嵌入 (\d+) 个段落（共 (\d+) 个）", run.stdout)
    assert embedded and embedded[1] == embedded[2]
    index = Index.open(settings)
    assert int(embedded[1]) == len(index.chunks) > 20
    assert sorted(index.reports) == sorted(p.name for p in SEEDS.glob("*.txt"))
    assert "无法读取 empty.txt：文件为空" in run.stdout
    assert re.search(r"无法读取 garbage\.txt：.*二进制", run.stdout)
    assert "嵌入段落 embedding" in run.stderr  # progress goes to stderr, the summary to stdout
    assert "Traceback" not in run.stderr


def test_rerun_with_nothing_changed_embeds_nothing(cli_index):
    settings, _ = cli_index
    before = current_generation(settings.index_dir)
    run = cli("index", "--seeds", settings.seeds_dir, "--index", settings.index_dir)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "新增 0 份" in run.stdout and "未变 5 份" in run.stdout
    assert "嵌入 0 个段落" in run.stdout
    assert current_generation(settings.index_dir) == before, "an unchanged corpus must keep its generation"


def test_index_json_for_scripts(cli_index, tmp_path):
    settings, _ = cli_index
    seeds, index = tmp_path / "seeds", tmp_path / "index"  # a private copy: the module's index stays as it is
    shutil.copytree(settings.seeds_dir, seeds)
    shutil.copytree(settings.index_dir, index, ignore=shutil.ignore_patterns(".lock"))
    xilin = (seeds / "002_fe0a95f5f2085df9.txt").read_text(encoding="utf-8")
    (seeds / "900_东湖.txt").write_text(xilin.replace("西林", "东湖"), encoding="utf-8")
    (seeds / "000_51ed8297329c7c41.txt").unlink()

    run = cli("index", "--seeds", seeds, "--index", index, "--json")
    assert run.returncode == 0, run.stderr[-2000:]
    data = json.loads(run.stdout)  # stdout is exactly one JSON object
    expected = chunk_document(load_document(seeds / "900_东湖.txt", seeds))
    assert {k: data[k] for k in ("added", "updated", "removed", "unchanged")} == {
        "added": 1,
        "updated": 0,
        "removed": 1,
        "unchanged": 4,
    }
    assert data["embedded"] == len(expected) > 0
    assert data["seconds"] > 0 and data["embed_seconds"] <= data["seconds"]
    assert "新增 1 份" in run.stderr  # the readable summary goes to stderr

    again = json.loads(cli("index", "--seeds", seeds, "--index", index, "--json").stdout)
    assert again["embedded"] == 0 and again["unchanged"] == 5 and again["version"] == data["version"]

    # --only: a script that removed one report names it; a file it did not name is left for the next full run.
    (seeds / "900_东湖.txt").unlink()
    (seeds / "901_南山.txt").write_text(xilin.replace("西林", "南山"), encoding="utf-8")
    named = cli("index", "--seeds", seeds, "--index", index, "--json", "--only", "900_东湖.txt")
    assert named.returncode == 0, named.stderr[-2000:]
    named = json.loads(named.stdout)
    assert (named["added"], named["removed"], named["unchanged"], named["embedded"]) == (0, 1, 4, 0)
    refused = cli("index", "--seeds", seeds, "--index", index, "--rebuild", "--only", "901_南山.txt")
    assert refused.returncode == 2 and "--only" in refused.stderr


def test_ask_json_shape_and_exact_sources(cli_index):
    settings, _ = cli_index
    run = cli("ask", QUESTION, "--index", settings.index_dir, "--json")
    assert run.returncode == 0, run.stderr[-2000:]
    answer = json.loads(run.stdout)
    assert {"question", "status", "answer", "mode", "sources", "unverified_numbers", "latency_ms"} <= set(answer)
    assert answer["question"] == QUESTION
    assert answer["status"] == "answered" and answer["mode"] == "extractive"
    assert "1.52亿元" in answer["answer"]
    assert isinstance(answer["unverified_numbers"], list)
    assert isinstance(answer["latency_ms"], int | float) and answer["latency_ms"] > 0
    sources = answer["sources"]
    assert [s["rank"] for s in sources] == list(range(1, len(sources) + 1)) and sources
    for source in sources:
        assert {"rank", "doc", "place", "period", "text", "start", "end", "score"} <= set(source)
        report = load_document(settings.seeds_dir / source["doc"], settings.seeds_dir).text
        assert source["text"] == report[source["start"] : source["end"]], (
            "a cited passage must be the report's exact text"
        )
    assert sources[0]["place"] == "西林街道"


def _questions_in_trimmed_reports(seeds: Path, n: int) -> list[dict]:
    rows = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    texts = {p.name: _squash((seeds / p.name).read_text(encoding="utf-8")) for p in SEEDS.glob("*.txt")}
    found = [r for r in rows if r.get("evidence") and _squash(r["evidence"]) in texts.get(r.get("doc", ""), "")]
    return [*found[:n], next(r for r in rows if r.get("unanswerable"))]


def test_eval_writes_summary_and_results(cli_index, tmp_path):
    settings, _ = cli_index
    questions = _questions_in_trimmed_reports(settings.seeds_dir, 3)
    qfile, out = tmp_path / "q.jsonl", tmp_path / "result.json"
    qfile.write_text("\n".join(json.dumps(q, ensure_ascii=False) for q in questions) + "\n", encoding="utf-8")
    run = cli("eval", qfile, "--index", settings.index_dir, "--json", out)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "hit@1" in run.stdout and "结果已写入" in run.stdout
    data = json.loads(out.read_text(encoding="utf-8"))
    assert set(data) == {"summary", "results"}
    assert data["summary"]["questions"] == len(questions) == len(data["results"]) == 4
    assert data["summary"]["hit@5"] is not None and data["summary"]["refusal_accuracy"] is not None
    assert [r["question"] for r in data["results"]] == [q["question"] for q in questions]


def test_missing_index_exits_2_with_a_clear_message(tmp_path):
    run = cli("ask", QUESTION, "--index", tmp_path / "no-index")
    assert run.returncode == 2
    assert "索引不存在" in run.stderr and "python -m rag index" in run.stderr
    assert "Traceback" not in run.stderr + run.stdout


def test_index_without_seeds_folder_exits_2(tmp_path):
    run = cli("index", "--seeds", tmp_path / "missing", "--index", tmp_path / "index")
    assert run.returncode == 2
    assert "报告目录不存在" in run.stderr and "Traceback" not in run.stderr


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{"question": "西林街道上半年一般公共预算收入多少？"}\nthis is not json\n', "第 2 行格式错误"),
        ('{"must_contain": ["1.52亿元"]}\n', "第 1 行格式错误"),
    ],
    ids=["not-json", "no-question-field"],
)
def test_malformed_question_file_is_a_clear_error(tmp_path, content, expected):
    qfile = tmp_path / "bad.jsonl"
    qfile.write_text(content, encoding="utf-8")
    run = cli("eval", qfile, "--index", tmp_path / "index")  # the file is checked before any model or index loads
    assert run.returncode == 2
    assert expected in run.stderr and "Traceback" not in run.stderr


@pytest.mark.parametrize(
    ("question", "expected"), [("", "问题不能为空"), ("？！。", "没有文字内容"), ("问" * 10_000, "问题过长")]
)
def test_bad_question_is_a_clear_error(cli_index, question, expected):
    settings, _ = cli_index
    run = cli("ask", question, "--index", settings.index_dir)
    assert run.returncode == 2
    assert expected in run.stderr and "Traceback" not in run.stderr


def test_missing_question_file_is_a_clear_error(tmp_path):
    run = cli("eval", tmp_path / "nope.jsonl", "--index", tmp_path / "index")
    assert run.returncode == 2
    assert "nope.jsonl" in run.stderr and "问题文件不存在" in run.stderr and "Traceback" not in run.stderr


# ------------------------------------------------------------------------------------------------ reports

CITY_REPORT = (
    "政府工作报告\n——2021年1月12日在咸宁市第五届人民代表大会第五次会议上\n市长 王远鹤\n各位代表：\n"
    "现在，我代表市人民政府向大会报告工作，请予审议。\n一、2020年工作回顾\n"
    "2020年，在湖北省委、省政府和市委的坚强领导下，全市上下团结奋进，全市地区生产总值1524.67亿元。"
    "通山县、崇阳县、嘉鱼县协同发展，湖北省下达的任务全面完成，全市经济稳步回升。\n"
    "二、2021年工作安排\n2021年全市经济社会发展的主要预期目标是：地区生产总值增长10%以上。\n"
)
UNNAMED_TOWN = (
    "今年以来，全镇上下在县委县政府的坚强领导下团结一心，全镇完成一般公共预算收入3.2亿元。"
    "镇党委带领各村加快发展，全镇粮食生产稳定。\n"
)


def test_reports_lists_place_facts_with_their_sources(cli_index, tmp_path):
    settings, _ = cli_index
    run = cli("reports", "--index", settings.index_dir, "--json")
    assert run.returncode == 0, run.stderr[-2000:]
    rows = {row["doc"]: row for row in json.loads(run.stdout)}
    manifest = read_manifest(SEEDS / "manifest.csv")
    assert sorted(rows) == sorted(manifest)
    for doc, row in rows.items():  # the seeds' manifest names each street: the place, from the manifest
        assert (row["place"], row["place_source"], row["place_confidence"]) == (manifest[doc].name, "manifest", 1.0)
        assert row["level"] == "街道" and row["year"] == manifest[doc].year and row["year_source"] == "manifest"
        assert row["kind_source"] in ("detected", "unknown")

    # Reports without a manifest: a 市 report stated in its congress line, a 镇 report that never names itself.
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "city.txt").write_text(CITY_REPORT, encoding="utf-8")
    (folder / "town.txt").write_text(UNNAMED_TOWN, encoding="utf-8")
    index_dir = tmp_path / "index"
    built = cli("index", "--seeds", folder, "--index", index_dir)
    assert built.returncode == 0, built.stderr[-2000:]
    listed = cli("reports", "--index", index_dir, "--json")
    assert listed.returncode == 0, listed.stderr[-2000:]
    city, town = json.loads(listed.stdout)
    assert (city["doc"], city["place"], city["level"], city["parents"]) == ("city.txt", "咸宁市", "市", ["湖北省"])
    assert (city["year"], city["plan_year"], city["kind"]) == (2020, 2021, "政府工作报告")
    assert city["place_source"] == "detected" and city["place_confidence"] >= 0.9
    assert (town["doc"], town["place"], town["place_source"], town["level"]) == ("town.txt", None, "unknown", "镇")
    text = cli("reports", "--index", index_dir)
    assert text.returncode == 0, text.stderr[-2000:]
    lines = text.stdout.splitlines()
    assert lines[0].split("\t") == ["doc", "place", "level", "parents", "year", "plan_year", "kind"]
    assert lines[1].startswith("city.txt\t咸宁市\t市\t湖北省")
    assert lines[2].startswith("town.txt\t?（未知 unknown）\t镇")
    assert "共 2 份报告" in lines[-1]


def test_reports_without_an_index_is_a_clear_error(tmp_path):
    run = cli("reports", "--index", tmp_path / "none")
    assert run.returncode == 2
    assert "索引不存在" in run.stderr and "Traceback" not in run.stderr
