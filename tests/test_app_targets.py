"""The 目标完成 page through Streamlit's AppTest over a real index of real report excerpts: the filters (place,
years, metric), the verdicts, the chart series and the passages of both sides."""

from __future__ import annotations

from dataclasses import replace

import pytest
from target_reports import JIAXING_2020, JIAXING_2021, NATION_2021, NATION_2022, XIANNING_2020
from test_app import _app, _markdown, _no_exception, _point_app_at

from rag.config import Settings


@pytest.fixture(scope="module")
def targets_settings(tmp_path_factory, embeddings) -> Settings:
    from rag.indexing.store import build_index

    root = tmp_path_factory.mktemp("app-targets")
    (root / "seeds").mkdir()
    reports = {"jx2020.txt": JIAXING_2020, "jx2021.txt": JIAXING_2021, "xn2020.txt": XIANNING_2020}
    reports |= {"gwy2021.txt": NATION_2021, "gwy2022.txt": NATION_2022}
    for name, text in reports.items():
        (root / "seeds" / name).write_text(text, encoding="utf-8")
    settings = replace(Settings.from_env(seeds_dir=root / "seeds", index_dir=root / "index"), chroma_host=None)
    build_index(settings, embeddings=embeddings)
    return settings


def test_targets_page_filters_by_place_year_and_metric(targets_settings, monkeypatch) -> None:
    _point_app_at(monkeypatch, targets_settings)
    at = _app().switch_page("ui/pages/targets.py").run()
    _no_exception(at)
    table = at.dataframe[0].value
    assert {"全国", "嘉兴市", "咸宁市"} <= set(table["地点"])
    at.selectbox(key="tgt_place").set_value("嘉兴市").run()
    at.multiselect(key="tgt_years").set_value([2020]).run()
    at.multiselect(key="tgt_metrics").set_value(["地区生产总值"]).run()
    _no_exception(at)
    table = at.dataframe[0].value
    assert list(table["指标"]) == ["地区生产总值"] and list(table["判断"]) == ["未完成"]
    assert (table["目标"][0], table["实际"][0]) == ("增长7%左右", "增长3.5%")
    assert at.selectbox(key="tgt_series").value == ("嘉兴市", "地区生产总值", "growth")
    markdown = _markdown(at)
    assert "<mark>生产总值增长7%左右" in markdown and "<mark>生产总值增长3.5%" in markdown  # both sides, marked
