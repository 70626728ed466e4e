"""Hostile input end to end (issue 21): uploads that must be all-or-nothing and never overwrite one another,
files the index must refuse by name, and `python -m rag index` over an expanding .docx.

Real model, real index, real file system; hostile files are made by tests/hostile.py, never committed."""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import threading
import tomllib
from dataclasses import replace

import pytest
from helpers import private_copy, trimmed_seeds
from hostile import expanding_docx, good_docx, rag_with_peak_rss

from rag import library
from rag.config import ROOT, Settings
from rag.indexing.store import Index, build_index
from rag.ingest import extract
from rag.library import add_reports, delete_report

XILIN = "002_fe0a95f5f2085df9.txt"


def report(street: str, figure: str) -> str:
    return (
        f"{street}2023年上半年工作总结\n一、经济发展稳步提升\n"
        f"1-6月，{street}完成固定资产投资{figure}，同比增长6.7%，位列全区第二。新开工产业项目3个，竣工投产项目2个。\n"
        f"二、城市管理持续加强\n开展环境综合整治行动20次，新增绿化面积3000平方米，群众满意度稳步提升。\n"
    )


@pytest.fixture(scope="module")
def base(tmp_path_factory, embeddings) -> Settings:
    root = tmp_path_factory.mktemp("hostile")
    settings = replace(
        Settings.from_env(seeds_dir=trimmed_seeds(root / "seeds"), index_dir=root / "index"), chroma_host=None
    )
    build_index(settings, embeddings=embeddings)
    return settings


@pytest.fixture
def work(base, tmp_path) -> Settings:
    return private_copy(base, tmp_path)


def files_of(settings: Settings) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in settings.seeds_dir.iterdir() if p.is_file()}


# ------------------------------------------------------------------------------------------------ 6: uploads


def test_an_os_error_mid_batch_adds_nothing_and_shows_no_server_path(work, embeddings, monkeypatch):
    """The kernel refuses a 300-byte name (ENAMETOOLONG) for the second file: the first is taken out again."""
    monkeypatch.setattr(library, "MAX_NAME_BYTES", 1000)  # let a name through that the file system refuses
    before, generation = files_of(work), Index.open(work).generation
    long_name = "南山街道" * 25 + ".txt"  # 300 bytes in UTF-8
    batch = [
        ("北塘街道.txt", report("北塘街道", "3.21亿元").encode()),
        (long_name, report("南山街道", "1.23亿元").encode()),
    ]
    with pytest.raises(library.DocumentError) as failed:
        add_reports(work, batch, embeddings=embeddings)
    message = str(failed.value)
    assert "本批文件均未添加" in message and "File name too long" in message
    assert str(work.seeds_dir) not in message and "/" not in message.replace(long_name, "")
    assert files_of(work) == before and Index.open(work).generation == generation
    # Nothing was left behind to be called "already indexed" next time.
    monkeypatch.setattr(library, "MAX_NAME_BYTES", 180)
    outcomes, result = add_reports(work, batch[:1], embeddings=embeddings)
    assert [o.status for o in outcomes] == ["added"] and result.added == ["北塘街道.txt"]


def test_a_long_chinese_name_is_limited_in_bytes_and_the_report_can_be_deleted(work, embeddings):
    name = "常州市钟楼区西林街道二〇二三年上半年工作总结和下半年工作计划" * 4 + ".txt"  # 128 characters, 384 bytes
    outcomes, result = add_reports(work, [(name, report("西林街道", "7.77亿元").encode())], embeddings=embeddings)
    stored = outcomes[0].doc_id
    assert outcomes[0].status == "added" and result.added == [stored]
    assert len(stored.encode()) <= library.MAX_NAME_BYTES and stored.endswith(".txt") and name.startswith(stored[:-4])
    assert "已缩短" in outcomes[0].message
    delete_report(work, stored, embeddings=embeddings)  # the trash prefix still fits
    assert [p.name.endswith(stored) for p in (work.seeds_dir / ".trash").iterdir()] == [True]


def test_concurrent_uploads_of_one_name_never_overwrite_one_another(work, embeddings):
    contents = [
        report(street, f"{i + 1}.11亿元").encode() for i, street in enumerate(("东湖街道", "青松街道", "北塘街道"))
    ]
    start = threading.Barrier(len(contents))
    outcomes: list = []

    def upload(data: bytes) -> None:
        start.wait()
        outcomes.append(add_reports(work, [("上半年工作总结.txt", data)], embeddings=embeddings)[0][0])

    threads = [threading.Thread(target=upload, args=(data,)) for data in contents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(o.status for o in outcomes) == ["added"] * 3
    stored = {o.doc_id for o in outcomes}
    assert stored == {"上半年工作总结.txt", "上半年工作总结-2.txt", "上半年工作总结-3.txt"}
    assert sorted((work.seeds_dir / d).read_bytes() for d in stored) == sorted(contents), "a file was overwritten"
    assert stored <= set(Index.open(work).reports)


def test_an_upload_is_parsed_once(work, embeddings, monkeypatch):
    calls: list[int] = []
    real = extract._docx_text
    monkeypatch.setattr(extract, "_docx_text", lambda data: calls.append(1) or real(data))
    data = good_docx(report("青松街道", "4.56亿元"))
    outcomes, result = add_reports(work, [("青松街道.docx", data)], embeddings=embeddings)
    assert outcomes[0].status == "added" and result.added == ["青松街道.docx"]
    assert len(calls) == 1, "checked and indexed from one extraction"
    assert "4.56亿元" in Index.open(work).report_text("青松街道.docx")


# ------------------------------------------------------------------------------------------------ 3, 4: the index


def test_the_index_refuses_links_and_oversized_reports_by_name(work, embeddings, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text(report("机密街道", "99.99亿元"), encoding="utf-8")
    (work.seeds_dir / "passwd.txt").symlink_to(secret)
    (work.seeds_dir / "long.txt").write_text(report("东湖街道", "5.55亿元") * 30, encoding="utf-8")
    (work.seeds_dir / "short.txt").write_text(report("北塘街道", "6.66亿元"), encoding="utf-8")
    result = build_index(replace(work, max_passages=20), embeddings=embeddings)
    errors = dict(result.errors)
    assert result.added == ["short.txt"]
    assert "符号链接" in errors["passwd.txt"] and re.search(r"超过上限 20 个", errors["long.txt"])
    assert "passwd.txt" in result.summary() and "long.txt" in result.summary()
    index = Index.open(work)
    assert not any("99.99" in c.text for c in index.chunks) and "long.txt" not in index.reports


def test_an_upload_over_the_passage_cap_is_refused_and_writes_nothing(work, embeddings):
    before = files_of(work)
    outcomes, result = add_reports(
        replace(work, max_passages=20),
        [("long.txt", (report("东湖街道", "5.55亿元") * 30).encode())],
        embeddings=embeddings,
    )
    assert result is None and outcomes[0].status == "rejected" and "RAG_MAX_PASSAGES" in outcomes[0].message
    assert files_of(work) == before


# ------------------------------------------------------------------------------------------------ 2: transport limit


def test_streamlit_accepts_no_larger_upload_than_the_app():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] == math.ceil(Settings().max_upload_bytes / 1024 / 1024)
    env = {**os.environ, "RAG_MAX_UPLOAD_MB": "2.5"}
    dry = subprocess.run(["make", "-n", "run"], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    line = next(line for line in dry.stdout.splitlines() if "streamlit run" in line)
    assert "--server.maxUploadSize 3 " in line + " ", line  # follows RAG_MAX_UPLOAD_MB, rounded up to whole MB


# ------------------------------------------------------------------------------------------------ done criterion


def test_rag_index_refuses_an_expanding_docx_quickly_and_indexes_the_good_report(tmp_path):
    """Issue 21's done criterion: under 1.5 GB, the refused file named, the good one indexed. (Its time, under a
    minute, is measured by bench/hostile.py, not asserted here: a timed test fails on a busy machine.)"""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    expanding_docx(200, seeds / "expanding.docx")  # 0.75 MB → 200 MB of XML
    shutil.copy(trimmed_seeds(tmp_path / "trimmed") / XILIN, seeds / XILIN)
    code, output, peak_kib = rag_with_peak_rss(["index", "--seeds", seeds, "--index", tmp_path / "index"], ROOT)
    assert code == 0, output
    assert re.search(r"无法读取 expanding\.docx：.*zip 炸弹", output), output
    assert 0 < peak_kib < 1.5 * 1024 * 1024, f"peak RSS {peak_kib / 1024:.0f} MiB"
    settings = replace(Settings.from_env(seeds_dir=seeds, index_dir=tmp_path / "index"), chroma_host=None)
    assert list(Index.open(settings).reports) == [XILIN]
