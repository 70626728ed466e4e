"""The 目标完成 page in a real browser over a real index of real report excerpts (tests/target_reports.py): a verdict
with both passages cited, and the CSV and Excel downloads with their citations."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest
from target_reports import JIAXING_2020, JIAXING_2021, NATION_2021, NATION_2022, XIANNING_2020
from test_browser import _idle, _new_page, _open, _shot, app_server, browser  # noqa: F401  (browser: a fixture)

from rag.config import Settings

pytestmark = pytest.mark.e2e

REPORTS = {
    "jiaxing_2020.txt": JIAXING_2020,
    "jiaxing_2021.txt": JIAXING_2021,
    "xianning_2020.txt": XIANNING_2020,
    "guowuyuan_2021.txt": NATION_2021,
    "guowuyuan_2022.txt": NATION_2022,
}


@pytest.fixture(scope="module")
def targets_server(tmp_path_factory, embeddings):
    from rag.indexing.store import build_index

    built = tmp_path_factory.mktemp("targets-index")
    (built / "seeds").mkdir()
    for name, text in REPORTS.items():
        (built / "seeds" / name).write_text(text, encoding="utf-8")
    settings = replace(Settings.from_env(seeds_dir=built / "seeds", index_dir=built / "index"), chroma_host=None)
    build_index(settings, embeddings=embeddings)
    with app_server(tmp_path_factory.mktemp("targets-app"), settings) as server:
        yield server


@pytest.fixture
def page(browser):  # noqa: F811
    context, page = _new_page(browser, accept_downloads=True)
    yield page
    context.close()


def test_a_verdict_with_both_passages(targets_server, page) -> None:
    _open(page, targets_server.url + "/targets")
    page.get_by_text("目标与实际 Targets and results").wait_for()
    main = page.locator('[data-testid="stMainBlockContainer"]')
    main.get_by_role("combobox", name=re.compile("目标所属地方")).click()
    page.get_by_role("option", name="嘉兴市").click()
    _idle(page)
    _shot(page, "targets_00_place")
    # the passages shown first are those of the place's first pair with both sides: 2020's GDP growth
    assert (
        "嘉兴市 · 2020年 · 地区生产总值（增速）"
        in main.get_by_role("combobox", name=re.compile("查看出处")).input_value()
    )
    assert "判断 Verdict：未完成" in page.get_by_text(re.compile("判断 Verdict")).first.inner_text()
    marks = page.locator(".passage mark")
    page.wait_for_function("() => document.querySelectorAll('.passage mark').length >= 2")
    texts = [marks.nth(i).inner_text() for i in range(marks.count())]
    assert any("增长7%左右" in t for t in texts) and any("增长3.5%" in t for t in texts), texts
    assert page.get_by_role("button", name=re.compile("查看全文")).count() == 2  # each side opens its report
    page.locator('[data-testid="stVegaLiteChart"]').first.wait_for()
    _shot(page, "targets_01_verdict")

    page.get_by_role("button", name=re.compile("查看全文")).nth(1).click()  # the result's report, marked
    marked = page.get_by_role("dialog").locator('.report-full mark[id^="hl-"]')
    marked.wait_for()
    assert "增长3.5%" in marked.inner_text()


def test_csv_and_excel_downloads_carry_the_citations(targets_server, page) -> None:
    _open(page, targets_server.url + "/targets")
    page.get_by_text("目标与实际 Targets and results").wait_for()
    with page.expect_download() as info:
        page.get_by_role("button", name=re.compile("下载 CSV")).click()
    download = info.value
    assert download.suggested_filename == "目标完成.csv"
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text(encoding="utf-8-sig"))))
    nation = next(r for r in rows if r["地点"] == "全国" and r["指标"] == "地区生产总值" and r["口径"] == "增速")
    assert (nation["目标"], nation["实际"], nation["判断"]) == ("增长6%以上", "增长8.1%", "完成")
    assert nation["目标出处"].startswith("guowuyuan_2021.txt [") and nation["实际出处"].startswith(
        "guowuyuan_2022.txt ["
    )
    assert "增长6%以上" in nation["目标原文"] and "增长8.1%" in nation["实际原文"]
    xianning = [r for r in rows if r["地点"] == "咸宁市"]
    assert xianning and all(r["实际"] == "" and r["判断"] == "无法比较" for r in xianning)

    with page.expect_download() as info:
        page.get_by_role("button", name=re.compile("下载 Excel")).click()
    download = info.value
    assert download.suggested_filename == "目标完成.xlsx"
    sheet = openpyxl.load_workbook(io.BytesIO(Path(download.path()).read_bytes())).active
    header = [c.value for c in sheet[1]]
    cells = [dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(min_row=2)]
    assert len(cells) == len(rows)
    jiaxing = next(r for r in cells if r["地点"] == "嘉兴市" and r["年份"] == 2020 and r["指标"] == "地区生产总值")
    assert (jiaxing["目标"], jiaxing["实际"], jiaxing["判断"]) == ("增长7%左右", "增长3.5%", "未完成")
    assert jiaxing["目标出处"].startswith("jiaxing_2020.txt [") and "增长3.5%" in jiaxing["实际原文"]
