"""rag/quality.py: the quality signal shown after an upload."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from helpers import SEEDS

from rag.ingest.documents import Document, load_folder
from rag.quality import assess


@pytest.fixture(scope="module")
def seeds() -> list[Document]:
    docs, errors = load_folder(SEEDS)
    assert errors == []
    return docs


def test_real_reports_pass_without_warnings(seeds: list[Document]) -> None:
    for doc in seeds:
        report = assess(doc)
        assert report.ok, (doc.doc_id, report.warnings)
        assert report.chars > 3000 and report.cjk_share > 0.7
        assert report.figures >= 20 and report.sections >= 1
        assert report.place and report.place.endswith(doc.meta.name)
        assert report.pages is None and report.tables == 0


def test_counts_tables_and_rows(seeds: list[Document]) -> None:
    doc = seeds[0]
    rows = (
        "指标：高新技术企业数；完成值：47家；同比增幅：17.5%\n指标：外贸进出口总额；完成值：8.76亿元；同比增幅：12.4%"
    )
    report = assess(replace(doc, text=f"{doc.text}\n{rows}\n后记。\n{rows}"))
    assert (report.tables, report.table_rows) == (2, 4)
    assert "2 张表格（4 行）" in report.summary()


@pytest.mark.parametrize(
    ("damage", "warning"),
    [
        (lambda t: t.replace("工", "\u2f2f").replace("长", "\u2ed3"), "部首字符"),  # radicals not folded
        (lambda t: t.encode("utf-8").decode("latin-1"), "中文字符只占"),  # mojibake
        (lambda t: t.replace("。", " ").replace("！", " ").replace("？", " "), "句末标点"),
        (lambda t: t[:80], "文字很少"),
        (lambda t: t.replace("的", "\ufffd"), "无法识别的字符"),
    ],
)
def test_damaged_text_warns(seeds: list[Document], damage, warning: str) -> None:
    doc = seeds[2]
    report = assess(replace(doc, text=damage(doc.text)))
    assert not report.ok
    assert any(warning in w for w in report.warnings), report.warnings


def test_pdf_pages_counted(tmp_path: Path, seeds: list[Document]) -> None:
    doc = replace(seeds[1], encoding="pdf", text=seeds[1].text.replace("\n", "\n\f\n", 2))
    assert assess(doc).pages == 3


def test_upload_check_carries_the_quality_report(seeds: list[Document]) -> None:
    from rag.config import Settings
    from rag.library import check_upload

    good = check_upload(Settings.from_env(), "西林.txt", seeds[2].text.encode("utf-8"), {})
    assert good.status == "added" and good.quality is not None and good.quality.ok
    assert good.quality.place and good.quality.place.endswith("西林街道")
    damaged = "".join(seeds[2].text.split("。")).encode("utf-8")  # no sentence ends: text came out damaged
    outcome = check_upload(Settings.from_env(), "坏.txt", damaged, {})
    assert outcome.status == "added" and outcome.quality is not None
    assert any("句末标点" in w for w in outcome.quality.warnings)
