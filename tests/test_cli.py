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
from rag.ingest.documents import load_document

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
        assert {"rank", "doc", "street", "period", "text", "start", "end", "score"} <= set(source)
        report = load_document(settings.seeds_dir / source["doc"], settings.seeds_dir).text
        assert source["text"] == report[source["start"] : source["end"]], (
            "a cited passage must be the report's exact text"
        )
    assert sources[0]["street"] == "西林街道"


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
