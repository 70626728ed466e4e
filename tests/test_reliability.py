"""Reliability: bad uploads, odd encodings, bad questions, crashes mid-build, readers during an update.

Real components throughout (model, Chroma, BM25, subprocesses killed with SIGKILL). To stay quick, the index is
built once per module from the five seed reports cut to ~1,200 characters each, and tests that change it work on a
copy of that folder (copying is much cheaper than embedding again).
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from helpers import private_copy, trimmed_seeds

from rag.answering.answer import Assistant
from rag.answering.retrieval import Searcher
from rag.answering.validation import validate_question
from rag.config import ROOT, Settings
from rag.indexing.chunking import chunk_document
from rag.indexing.store import (
    CATALOG,
    Index,
    IndexMismatchError,
    SqliteStore,
    build_index,
    current_generation,
    open_store,
)
from rag.ingest.documents import load_document
from rag.library import add_reports, check_upload

SEEDS = ROOT / "seeds"
XILIN = "002_fe0a95f5f2085df9.txt"
QUESTION = "西林街道上半年一般公共预算收入多少？"


# ------------------------------------------------------------------------------------------------ helpers


def short_report(street: str, figure: str, extra: str = "") -> str:
    """A small but well-formed report whose only investment figure is `figure`."""
    return (
        f"{street}2023年上半年工作总结\n"
        f"今年以来，{street}在区委区政府的坚强领导下，坚持稳中求进工作总基调，各项工作取得积极成效。{extra}\n"
        f"一、经济发展稳步提升\n"
        f"1-6月，{street}完成固定资产投资{figure}，同比增长6.7%，位列全区第二。"
        f"新开工产业项目3个，竣工投产项目2个，帮助企业争取各类扶持资金45万元。\n"
        f"二、城市管理持续加强\n"
        f"开展环境综合整治行动20次，新增绿化面积3000平方米，处置违法建设4处，群众满意度稳步提升。\n"
    )


@dataclass(frozen=True)
class Snapshot:
    generation: str | None
    reports: int
    chunks: int
    seeds: tuple[tuple[str, int], ...]


def snapshot(settings: Settings) -> Snapshot:
    index = Index.open(settings)
    files = tuple(
        sorted(
            (p.relative_to(settings.seeds_dir).as_posix(), p.stat().st_size)
            for p in settings.seeds_dir.rglob("*")
            if p.is_file()
        )
    )
    return Snapshot(index.generation, len(index.reports), len(index.chunks), files)


def all_files(folder: Path) -> set[Path]:
    """Every file, except SQLite's -wal / -shm companions of the catalog: they exist while any connection has it
    open (a reader keeps one for its version check), whatever was written; `snapshot` checks the content."""
    return {p for p in folder.rglob("*") if p.is_file() and not p.name.endswith(("-wal", "-shm"))}


def leftovers(settings: Settings) -> list[str]:
    """Revisions written by an update that never switched to them (unfinished)."""
    store = SqliteStore(settings.index_dir)
    return [u.rid for u in store.unfinished(store.state())]


def _child_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("CHROMA_", "RAG_LLM_", "OPENAI_"))}


@pytest.fixture(scope="module")
def base(tmp_path_factory, embeddings) -> Settings:
    """A small index (5 reports, ~33 passages). Tests that change anything use `work` instead."""
    root = tmp_path_factory.mktemp("reliability")
    settings = replace(
        Settings.from_env(seeds_dir=trimmed_seeds(root / "seeds"), index_dir=root / "index"), chroma_host=None
    )
    result = build_index(settings, embeddings=embeddings)
    assert len(result.added) == 5 and result.chunks_total > 20
    return settings


@pytest.fixture
def work(base, tmp_path) -> Settings:
    """A private, writable copy of the base seeds + index."""
    return private_copy(base, tmp_path)


# ------------------------------------------------------------------------------------------------ bad uploads

TEXT = short_report("南山街道", "12.34亿元").encode("utf-8")
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1024
REJECTED = [
    ("empty.txt", b"", "文件为空"),
    ("blank.txt", b" \r\n\t \n", "文件为空"),
    ("garbage.txt", bytes(range(256)) * 40, "二进制"),
    ("random.txt", random.Random(5).randbytes(4096), "二进制|编码"),
    ("report.exe", TEXT, "不支持的文件类型"),
    ("report", TEXT, "不支持的文件类型"),
    ("report.doc", _OLE, "不支持旧版 Word"),
    ("broken.docx", b"PK\x03\x04" + b"\x14\x00garbage" * 200, "Word 文档已损坏"),
    ("broken.pdf", b"%PDF-1.4\n" + b"1 0 obj << /Type /Catalog garbage \x00\x01" * 50, "PDF 文件已损坏"),
    ("../../x.txt", TEXT, "文件名不能包含路径"),
    ("/etc/passwd.txt", TEXT, "文件名不能包含路径"),
    ("..\\x.txt", TEXT, "文件名不能包含路径"),
    ("C:x.txt", TEXT, "文件名不能包含路径"),
    ("\u202etxt.exe", TEXT, "控制字符"),  # RTL override: shows as "exe.txt"
    ("x\x00.txt", TEXT, "控制字符"),
    ("..", TEXT, "无效的文件名"),
    (".hidden.txt", TEXT, "无效的文件名"),
]


@pytest.mark.parametrize(("name", "data", "expected"), REJECTED, ids=[repr(r[0]) for r in REJECTED])
def test_bad_upload_is_rejected_and_changes_nothing(base, embeddings, name, data, expected):
    before, outside = snapshot(base), all_files(base.seeds_dir.parent.parent)
    outcomes, result = add_reports(base, [(name, data)], embeddings=embeddings)
    assert result is None, "a rejected upload must not trigger indexing"
    assert [o.status for o in outcomes] == ["rejected"]
    assert re.search(expected, outcomes[0].message), outcomes[0].message
    assert "（" in outcomes[0].message, "message: Chinese sentence plus an English hint in brackets"
    assert snapshot(base) == before
    assert all_files(base.seeds_dir.parent.parent) == outside, "nothing may be written anywhere"
    for escaped in (Path("/etc/passwd.txt"), base.seeds_dir.parent.parent / "x.txt", ROOT.parent.parent / "x.txt"):
        assert not escaped.exists()


def test_oversized_upload_is_rejected(base, embeddings, monkeypatch):
    small = replace(base, max_upload_bytes=1024)
    big = short_report("南山街道", "12.34亿元", extra="补充说明。" * 200).encode("utf-8")
    assert len(big) > 1024
    before = snapshot(base)
    outcomes, result = add_reports(small, [("big.txt", big)], embeddings=embeddings)
    assert result is None and outcomes[0].status == "rejected"
    assert "文件过大" in outcomes[0].message and "上限" in outcomes[0].message
    assert snapshot(base) == before
    # Exactly at the limit is fine (check only: nothing written).
    assert check_upload(replace(base, max_upload_bytes=len(TEXT)), "ok.txt", TEXT, {}).status == "added"


def test_upload_limit_comes_from_the_environment(monkeypatch):
    monkeypatch.delenv("RAG_MAX_UPLOAD_MB", raising=False)
    assert Settings.from_env().max_upload_bytes == 20 * 1024 * 1024
    monkeypatch.setenv("RAG_MAX_UPLOAD_MB", "0.5")
    settings = Settings.from_env()
    assert settings.max_upload_bytes == 512 * 1024
    outcome = check_upload(settings, "big.txt", TEXT * (600 * 1024 // len(TEXT) + 1), {})
    assert outcome.status == "rejected" and "文件过大" in outcome.message


def test_uploading_an_existing_report_again_is_a_duplicate(base, embeddings):
    before = snapshot(base)
    data = (base.seeds_dir / XILIN).read_bytes()
    outcomes, result = add_reports(base, [("西林-再次上传.txt", data), (XILIN, data)], embeddings=embeddings)
    assert result is None
    assert [o.status for o in outcomes] == ["duplicate", "duplicate"]
    assert all("已存在" in o.message and XILIN in o.message for o in outcomes)
    assert snapshot(base) == before


# ------------------------------------------------------------------------------------------------ encodings

ENCODED = [
    # (file name, street, figure, codec, expected Document.encoding)
    ("gbk.txt", "南山街道", "12.34亿元", "gbk", "gb18030"),
    ("gb18030.txt", "北塘街道", "23.45亿元", "gb18030", "gb18030"),
    ("utf16.txt", "东湖街道", "34.56亿元", "utf-16", "utf-16"),
    ("utf8-bom.txt", "青松街道", "45.67亿元", "utf-8-sig", "utf-8-sig"),
]


def test_other_encodings_are_accepted_and_answered(work, embeddings):
    texts = {}
    files = []
    for name, street, figure, codec, _ in ENCODED:
        # GB18030 beyond GBK: 𠮷 (U+20BB7) needs a four-byte sequence.
        text = short_report(street, figure, extra="𠮷祥社区新建邻里中心一处。" if codec == "gb18030" else "")
        texts[name] = text
        files.append((name, text.encode(codec)))
    copy_name = "utf8-bom-副本.txt"
    files.append((copy_name, files[-1][1]))  # the same bytes under a second name
    outcomes, result = add_reports(work, files, embeddings=embeddings)
    assert [o.status for o in outcomes] == ["added"] * 4 + ["duplicate"]
    assert "已存在" in outcomes[-1].message and "utf8-bom.txt" in outcomes[-1].message
    assert sorted(result.added) == sorted(n for n, *_ in ENCODED)
    assert not (work.seeds_dir / copy_name).exists()

    index = Index.open(work)
    assistant = Assistant(work, Searcher(work, embeddings))
    for name, street, figure, _, encoding in ENCODED:
        record = index.reports[name]
        assert record.encoding == encoding
        assert index.report_text(name) == texts[name], f"{name} must decode to exactly the original text"
        assert record.meta.name == street
        answer = assistant.ask(f"{street}上半年完成固定资产投资多少？", mode="extractive")
        assert answer.status == "answered" and figure in answer.text, (name, answer.text)
        assert any(s.hit.chunk.doc_id == name for s in answer.sources if s.cited), "the cited passage is this report's"
    assert "𠮷祥社区" in index.report_text("gb18030.txt")

    # Uploading one of them again, under any name, is refused as a duplicate and changes nothing.
    before = snapshot(work)
    outcomes, again = add_reports(work, [("南山-重复.txt", files[0][1])], embeddings=embeddings)
    assert again is None and outcomes[0].status == "duplicate" and "gbk.txt" in outcomes[0].message
    assert snapshot(work) == before


# ------------------------------------------------------------------------------------------------ questions


@pytest.mark.parametrize("question", [None, "", "   ", "\n\t\u3000", "\u200b\ufeff"])
def test_empty_question_is_rejected(question):
    with pytest.raises(ValueError, match="问题不能为空"):
        validate_question(question, Settings())


@pytest.mark.parametrize("question", ["？？？", "……", "!!!???", "。，、；：“”《》", "🙂🙂", "—— ～ ·"])
def test_question_of_only_punctuation_is_rejected(question):
    with pytest.raises(ValueError, match="没有文字内容"):
        validate_question(question, Settings())


def test_overlong_question_is_rejected():
    with pytest.raises(ValueError, match=r"问题过长：共 10000 字，上限 2000 字"):
        validate_question("问" * 10_000, Settings())
    limit = replace(Settings(), max_question_chars=10)
    assert validate_question("  西林街道一般公共预算  ", limit) == "西林街道一般公共预算"  # 10 after trimming
    with pytest.raises(ValueError, match="问题过长：共 11 字，上限 10 字"):
        validate_question("西林街道一般公共预算收", limit)


@pytest.mark.parametrize(
    ("question", "cleaned"),
    [
        (f"  {QUESTION}\n", QUESTION),
        ("西林\x00街道", "西林 街道"),
        ("\u200b西林街道", "西林街道"),
        ("What was Xilin's GDP?", "What was Xilin's GDP?"),
        ("2023", "2023"),
    ],
)
def test_valid_question_is_cleaned(question, cleaned):
    assert validate_question(question, Settings()) == cleaned


@pytest.mark.parametrize("question", ["", "？？！！。。", "问" * 10_000], ids=["empty", "punctuation", "10000-chars"])
def test_assistant_rejects_bad_questions(base, embeddings, question):
    with pytest.raises(ValueError, match="问题"):
        Assistant(base, Searcher(base, embeddings)).ask(question, mode="extractive")


# ------------------------------------------------------------------------------------------------ crash safety

# Runs in a child process; progress goes to stderr, one line per batch of 16 passages (embed_batch_size=4).
_CHILD = """
import json, sys, time
from dataclasses import replace
import rag
from rag.config import Settings
from rag.library import add_reports
from rag.indexing.store import build_index
args = json.loads(sys.argv[1])
settings = replace(Settings.from_env(seeds_dir=args["seeds"], index_dir=args["index"]), chroma_host=None, embed_batch_size=4)
def progress(stage, done, total):
    print(f"PROGRESS {stage} {done}/{total}", file=sys.stderr, flush=True)
    if stage == "switch":
        time.sleep(120)  # every row and vector is written; hold the crash window open for the kill
if args["op"] == "rebuild":
    build_index(settings, rebuild=True, progress=progress)
else:
    with open(args["file"], "rb") as fh:
        add_reports(settings, [(args["name"], fh.read())], progress=progress)
print("PROGRESS finished", file=sys.stderr, flush=True)
"""


def kill_mid_embedding(args: dict, timeout: float = 300, at: str = "embed") -> list[str]:
    """Start the child, watch its progress, SIGKILL it as soon as some but not all passages are embedded
    (`at="switch"`: once every vector is written, just before the new version is switched in)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _CHILD, json.dumps(args)],
        cwd=ROOT,
        env=_child_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    watchdog = threading.Timer(timeout, proc.kill)
    watchdog.start()
    seen: list[str] = []
    try:
        for line in proc.stderr:
            seen.append(line.strip())
            m = re.fullmatch(r"PROGRESS (\w+) (\d+)/(\d+)", line.strip())
            if m and m[1] == at and (at != "embed" or 0 < int(m[2]) < int(m[3])):
                proc.send_signal(signal.SIGKILL)  # like `kill -9`: no cleanup code runs in the child
                break
    finally:
        watchdog.cancel()
        proc.wait(timeout=60)
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL, f"the build was not killed at {at}: {seen[-5:]}"
    assert "PROGRESS finished" not in seen
    return seen


def _ids(hits) -> list[str]:
    return [h.chunk.chunk_id for h in hits]


def test_killed_rebuild_leaves_the_old_index_answering(work, embeddings):
    gen0 = current_generation(work.index_dir)
    old_hits = _ids(Searcher(work, embeddings).search(QUESTION))
    kill_mid_embedding({"op": "rebuild", "seeds": str(work.seeds_dir), "index": str(work.index_dir)})

    assert leftovers(work), "the killed build should have left its unfinished generation behind"
    assert current_generation(work.index_dir) == gen0
    reader = Searcher(work, embeddings)  # a fresh reader, as after an app restart
    hits = reader.search(QUESTION)
    assert reader.index.generation == gen0 and _ids(hits) == old_hits
    assert "1.52亿元" in " ".join(h.chunk.text for h in hits)

    # The next index run (what `python -m rag index` calls; the CLI itself is tests/test_cli.py's) removes the
    # leftover and completes: nothing changed, so nothing is embedded and the generation stays.
    result = build_index(work, embeddings=embeddings)
    assert result.chunks_embedded == 0 and not result.changed and "嵌入 0 个段落" in result.summary()
    assert not leftovers(work)
    assert current_generation(work.index_dir) == gen0 == result.generation


def _missing_vectors(settings: Settings) -> int:
    """Passages of the catalog's revisions that have no record in Chroma."""
    conn = sqlite3.connect(settings.index_dir / CATALOG)
    try:
        revisions = conn.execute("SELECT rid, n_chunks FROM revisions").fetchall()
    finally:
        conn.close()
    store = open_store(settings)
    return sum(len(store.missing_vectors(rid, n)) for rid, n in revisions)


@pytest.mark.parametrize("at", ["embed", "switch"], ids=["mid-embedding", "before-switch"])
def test_killed_incremental_update_is_finished_by_the_next_run(work, embeddings, tmp_path, at):
    gen0 = current_generation(work.index_dir)
    name = "900_东湖.txt"
    text = (SEEDS / XILIN).read_text(encoding="utf-8").replace("西林街道", "东湖街道").replace("西林", "东湖")
    upload = tmp_path / "upload.txt"
    upload.write_text(text, encoding="utf-8")
    kill_mid_embedding(
        {"op": "add", "seeds": str(work.seeds_dir), "index": str(work.index_dir), "name": name, "file": str(upload)},
        at=at,
    )

    assert (work.seeds_dir / name).exists(), "the upload was stored before indexing started"
    # The new report's rows are written but not switched in: the old version answers, as before the update.
    assert len(leftovers(work)) == 1
    assert current_generation(work.index_dir) == gen0 and name not in Index.open(work).reports
    hits = Searcher(work, embeddings).search(QUESTION)
    assert "1.52亿元" in " ".join(h.chunk.text for h in hits)
    missing = _missing_vectors(work)
    assert (missing > 0) if at == "embed" else (missing == 0)

    # The next run completes that update: it reuses the written rows and embeds only the missing vectors. That run
    # may be a full one (`python -m rag index`) or the app's next upload or delete, which names only its own report.
    result = build_index(work, embeddings=embeddings, only=None if at == "embed" else [XILIN])
    expected = chunk_document(load_document(work.seeds_dir / name, work.seeds_dir))
    assert result.added == [name] and len(result.unchanged) == 5 and len(expected) > 16
    assert result.chunks_embedded == missing < len(expected)
    assert not leftovers(work) and _missing_vectors(work) == 0
    assert current_generation(work.index_dir) != gen0
    hits = Searcher(work, embeddings).search("东湖街道固定资产投资多少？")
    assert hits[0].chunk.doc_id == name and "17.03亿元" in " ".join(h.chunk.text for h in hits)


@pytest.mark.parametrize("field", ["schema", "model"])
def test_incompatible_index_asks_for_a_rebuild(work, embeddings, field):
    # tests/indexing/test_store.py covers Index.open / Searcher; this is the path the app and `ask` take.
    conn = sqlite3.connect(work.index_dir / CATALOG)
    with conn:
        info = json.loads(conn.execute("SELECT value FROM state WHERE key = 'info'").fetchone()[0])
        info[field] = "other-model" if field == "model" else info["schema"] + 1
        conn.execute("UPDATE state SET value = ? WHERE key = 'info'", (json.dumps(info),))
    conn.close()
    with pytest.raises(IndexMismatchError, match="--rebuild"):
        Assistant(work, Searcher(work, embeddings)).ask(QUESTION, mode="extractive")


# ------------------------------------------------------------------------------------------------ concurrency


def _keys(settings: Settings) -> set[tuple[str, str, str]]:
    return {(c.chunk_id, c.header, c.text) for c in Index.open(settings).chunks}


def test_readers_see_one_generation_while_a_report_is_added(work, embeddings):
    searcher = Searcher(work, embeddings)
    searcher.search("预热 warm-up")
    old = _keys(work)
    questions = [
        QUESTION,
        "东湖街道上半年完成固定资产投资多少？",
        "新闸街道今年列入产业类重点项目共有多少个？",
        "河海街道2017年地区生产总值是多少？",
    ]
    stop = threading.Event()
    records: list[list[tuple[float, object]]] = [[] for _ in range(3)]

    def reader(i: int) -> None:
        n = i
        while not stop.is_set():
            started = time.monotonic()
            try:
                hits = searcher.search(questions[n % len(questions)])
                records[i].append((started, {(h.chunk.chunk_id, h.chunk.header, h.chunk.text) for h in hits}))
            except Exception as exc:  # the assertion below reports it
                records[i].append((started, exc))
            n += 1

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(len(records))]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 60
    while not all(records) and time.monotonic() < deadline:  # every reader has answered from the old index
        time.sleep(0.05)

    # The update: one new report, and a changed figure in an existing one (same chunk ids, new text).
    (work.seeds_dir / "900_new.txt").write_text(short_report("东湖街道", "98.76亿元"), encoding="utf-8")
    xilin = work.seeds_dir / XILIN
    xilin.write_text(xilin.read_text(encoding="utf-8").replace("1.52亿元", "1.55亿元"), encoding="utf-8")
    writer_box: dict = {}

    def write() -> None:
        try:
            writer_box["result"] = build_index(work, embeddings=embeddings)
        except BaseException as exc:  # re-raised below, in the test's own thread
            writer_box["error"] = exc

    writer = threading.Thread(target=write)
    writer.start()
    writer.join(timeout=300)
    swapped = time.monotonic()
    deadline = swapped + 60
    while not all(sum(t > swapped for t, _ in r) >= len(questions) for r in records) and time.monotonic() < deadline:
        time.sleep(0.05)  # every reader has asked every question of the new index
    stop.set()
    for t in threads:
        t.join(timeout=60)

    if "error" in writer_box:
        raise writer_box["error"]
    result = writer_box["result"]
    assert result.added == ["900_new.txt"] and result.updated == [XILIN]
    new = _keys(work)
    results = [r for rs in records for _, r in rs]
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors[:3]
    mixed = [r for r in results if not (r <= old or r <= new)]
    assert not mixed, f"{len(mixed)} of {len(results)} result sets mix two generations"
    assert any(r <= old and not r <= new for r in results), "no reader saw the old index"
    assert any(r <= new and not r <= old for r in results), "no reader saw the new index"


def test_app_answers_while_rag_index_updates_in_another_process(work, embeddings):
    """The embedded default with two processes: this one answers as the app does while `python -m rag index` adds a
    report in another; both use the index folder's one loopback Chroma server."""
    assistant = Assistant(work, Searcher(work, embeddings))
    assert "1.52亿元" in assistant.ask(QUESTION, mode="extractive").text
    (work.seeds_dir / "900_new.txt").write_text(short_report("东湖街道", "98.76亿元"), encoding="utf-8")
    cmd = [sys.executable, "-m", "rag", "index", "--seeds", str(work.seeds_dir), "--index", str(work.index_dir)]
    proc = subprocess.Popen([*cmd, "--json"], cwd=ROOT, env=_child_env(), stdout=subprocess.PIPE, text=True)
    answered, errors = 0, []
    try:
        while proc.poll() is None:
            try:
                answer = assistant.ask(QUESTION, mode="extractive")
                assert "1.52亿元" in answer.text, answer.text
                answered += 1
            except Exception as exc:  # reported below
                errors.append(exc)
    finally:
        out = proc.communicate(timeout=300)[0]
    assert proc.returncode == 0 and json.loads(out)["added"] == 1
    assert not errors, errors[:3]
    assert answered > 0
    new = assistant.ask("东湖街道上半年完成固定资产投资多少？", mode="extractive")
    assert "98.76亿元" in new.text and new.sources[0].hit.chunk.doc_id == "900_new.txt"
