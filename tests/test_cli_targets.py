"""`python -m rag targets [--place …] [--year …] [--json]`: the target–result table for scripts, as a real
subprocess over a real index of real report excerpts (tests/target_reports.py)."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from target_reports import JIAXING_2020, JIAXING_2021, NATION_2021, NATION_2022
from test_cli import cli

from rag.config import Settings
from rag.indexing.store import Index


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory, embeddings):
    from rag.indexing.store import build_index

    root = tmp_path_factory.mktemp("cli-targets")
    (root / "seeds").mkdir()
    reports = {
        "jx2020.txt": JIAXING_2020,
        "jx2021.txt": JIAXING_2021,
        "gwy2021.txt": NATION_2021,
        "gwy2022.txt": NATION_2022,
    }
    for name, text in reports.items():
        (root / "seeds" / name).write_text(text, encoding="utf-8")
    settings = replace(Settings.from_env(seeds_dir=root / "seeds", index_dir=root / "index"), chroma_host=None)
    build_index(settings, embeddings=embeddings)
    return settings.index_dir


def test_targets_json_for_one_place(index_dir) -> None:
    done = cli("targets", "--index", index_dir, "--place", "嘉兴", "--year", "2020", "--json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert rows and {r["place"] for r in rows} == {"嘉兴市"} and {r["year"] for r in rows} == {2020}
    gdp = next(r for r in rows if r["metric"] == "地区生产总值" and r["measure"] == "growth")
    assert (gdp["target"]["figure"], gdp["result"]["figure"], gdp["verdict"]) == ("增长7%左右", "增长3.5%", "未完成")
    assert (gdp["target"]["doc"], gdp["result"]["doc"]) == ("jx2020.txt", "jx2021.txt")
    text = Index.open(replace(Settings.from_env(index_dir=index_dir), chroma_host=None)).report_text("jx2021.txt")
    assert text[gdp["result"]["start"] : gdp["result"]["end"]] == gdp["result"]["quote"]  # cited at its offsets
    assert "增长3.5%" in gdp["result"]["quote"]


def test_targets_text_table(index_dir) -> None:
    done = cli("targets", "--index", index_dir)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split("\t")[:4] == ["place", "year", "metric", "measure"]
    assert any(line.startswith("全国\t2021\t地区生产总值\t增速\t增长6%以上\t") and "\t完成\t" in line for line in lines)


def test_an_unknown_place_is_a_clear_error(index_dir) -> None:
    done = cli("targets", "--index", index_dir, "--place", "苏州市")
    assert done.returncode == 2 and "苏州市" in done.stderr and done.stdout == ""


def test_targets_without_an_index_is_a_clear_error(tmp_path) -> None:
    done = cli("targets", "--index", tmp_path / "none")
    assert done.returncode == 2 and "错误" in done.stderr
