"""rag/ingest/detect: the place, its parents, year, period and title detected from the text."""

from __future__ import annotations

import re

import pytest
from helpers import SEED_FILES, SEEDS, seed_text

from rag.ingest.detect import detect_meta
from rag.ingest.documents import ReportMeta
from rag.ingest.manifest import read_manifest

# ---------------------------------------------------------------------------------------------------------------
# Metadata detection on the seeds (no manifest)
# ---------------------------------------------------------------------------------------------------------------

# Exact values detection reads from the text alone; fields that the text never states are None
# (or, if detection improves, the true value from seeds/manifest.csv -- never anything else).
DETECTED = {
    "000": {"name": "新闸街道", "parents": ("常州市",), "year": 2021, "period": "上半年"},
    "001": {"year": 2022, "period": "上半年"},
    "002": {"name": "西林街道", "period": "上半年"},
    "003": {
        "name": "秦灶街道",
        "parents": ("南通市", "崇川区"),
        "year": 2020,  # "2021年工作计划" that reviews 2020 ("今年以来…"): its figures describe 2020, as the manifest says
        "period": "工作计划",
        "title": "秦灶街道2021年工作计划",
    },
    "004": {"name": "河海街道", "parents": ("常州市", "新北区"), "year": 2017, "period": "全年"},
}


@pytest.mark.parametrize("prefix", sorted(DETECTED))
def test_detect_meta_on_seeds_without_manifest(prefix: str) -> None:
    (name,) = [n for n in SEED_FILES if n.startswith(prefix)]
    truth = read_manifest(SEEDS / "manifest.csv")[name]
    meta = detect_meta(seed_text(prefix), name)
    assert meta.level == "街道"
    for field_name in ("name", "parents", "year", "period", "title"):
        got = getattr(meta, field_name)
        if field_name in DETECTED[prefix]:
            assert got == DETECTED[prefix][field_name], field_name
        elif field_name == "parents":
            assert set(got) <= set(truth.parents), f"parents: wrong value {got!r}"
        elif field_name != "title":
            assert got in (None, getattr(truth, field_name)), f"{field_name}: wrong value {got!r}"


def test_detection_never_takes_generic_words_for_a_place_name() -> None:
    text = seed_text("001")  # "精品街道", "省级生态文明示范街道", "落实街道", "整合街道" ... but never its own name
    assert detect_meta(text, "001.txt").name in (None, "荷花池街道")


def test_indirect_place_evidence() -> None:
    # With the explicit "新闸街道"/"河海街道" removed, "新闸人"/"贡献新闸力量" and "河海幸福树"/"乐居河海" still tell.
    text_000 = seed_text("000").replace("新闸街道", "街道")
    text_004 = seed_text("004").replace("河海街道", "街道")
    assert "新闸街道" not in text_000 and "河海街道" not in text_004
    assert detect_meta(text_000, "a.txt").name == "新闸街道"
    assert detect_meta(text_004, "b.txt").name == "河海街道"
    # "法治荷花", "“荷花模式”" next to "幸福荷花池": the short name is ambiguous -> no name rather than "荷花街道".
    assert detect_meta(seed_text("001"), "c.txt").name is None


# ---------------------------------------------------------------------------------------------------------------
# Metadata detection on unseen, synthetic reports
# ---------------------------------------------------------------------------------------------------------------

SYNTHETIC = [
    (
        "梅林镇2024年上半年工作总结\n今年以来，梅林镇在县委县政府的坚强领导下，全镇上下团结一心。"
        "1-6月，完成一般公共预算收入3.2亿元。\n一、上半年工作回顾\n推进乡村振兴，城乡融合，打造特色小镇。\n"
        "二、下半年工作计划\n镇党委将继续努力。",
        "r1.txt",
        ("梅林镇", (), 2024, "上半年", "梅林镇2024年上半年工作总结"),
    ),
    (
        "关于桃源乡2022年工作情况的报告\n2022年，桃源乡党委、乡政府带领全乡干部群众推进乡村振兴。各乡镇共同发展。",
        "r2.txt",
        ("桃源乡", (), 2022, "全年", "关于桃源乡2022年工作情况的报告"),
    ),
    (
        "江苏省苏州市吴中区木渎镇2023年工作总结和2024年工作思路\n2023年是全面贯彻党的二十大精神的开局之年。",
        "r3.txt",
        (
            "木渎镇",
            ("江苏省", "苏州市", "吴中区"),
            2023,
            "全年",
            "江苏省苏州市吴中区木渎镇2023年工作总结和2024年工作思路",
        ),
    ),
    (
        "南大街街道2019年1-10月工作情况\n今年以来，常州市钟楼区南大街街道紧扣目标任务，稳中求进。",
        "r4.txt",
        ("南大街街道", ("常州市", "钟楼区"), 2019, "1-10月", "南大街街道2019年1-10月工作情况"),
    ),
    (
        "2023年前三季度工作总结\n1-9月，全街道实现规上工业产值20亿元。街道党工委认真贯彻区委决策。",
        "r5.txt",
        (None, (), 2023, "前三季度", "2023年前三季度工作总结"),
    ),
    (
        "正文没有地名。",
        "西园街道2023年一季度工作总结.docx",
        ("西园街道", (), 2023, "一季度", "西园街道2023年一季度工作总结"),
    ),
]


FIELDS = ("name", "parents", "year", "period", "title")


def fields_of(meta: ReportMeta) -> tuple:
    """The place's name and parents, the year, period and title; the level and kind are tested in test_places.py."""
    return tuple(getattr(meta, name) for name in FIELDS)


@pytest.mark.parametrize(("text", "filename", "expected"), SYNTHETIC)
def test_detect_meta_on_unseen_reports(text: str, filename: str, expected: tuple) -> None:
    assert fields_of(detect_meta(text, filename)) == expected


def test_detect_meta_false_positive_traps() -> None:
    text = (
        "全区各街道要推进精品街道建设，街道上下认真落实。今年以来，全区经济平稳运行，城乡统筹发展，"
        "乡村振兴，特色小镇建设。各乡镇积极响应。按照区委部署，确保市、区各项任务完成。"
    ) * 3
    meta = detect_meta(text, "003_0cdd634d9f14d8d9.txt")
    assert fields_of(meta) == (None, (), None, None, None)


def test_detect_year_prefers_the_reports_own_year() -> None:
    # The 2017 summary mentions 2018 as often as 2017; the opening "2017年是…" and "2017年，街道实现…" decide.
    text = seed_text("004")
    assert len(re.findall(r"2018年", text)) >= len(re.findall(r"2017年", text))
    assert detect_meta(text, "x.txt").year == 2017
