"""The three kinds of target question in the chat, answered from a real index of excerpts of real reports
(tests/target_reports.py): one target of one place, all targets of a place with one report only, and the country's
target in English. Each answer shows the target, the result and the verdict, each side cited at its own passage."""

from __future__ import annotations

import pytest
from helpers import assistant_over
from target_reports import JIAXING_2020, JIAXING_2021, NATION_2021, NATION_2022, XIANNING_2020


@pytest.fixture(scope="module")
def assistant(tmp_path_factory, embeddings):
    reports = {
        "jiaxing_2020.txt": JIAXING_2020,
        "jiaxing_2021.txt": JIAXING_2021,
        "xianning_2020.txt": XIANNING_2020,
        "guowuyuan_2021.txt": NATION_2021,
        "guowuyuan_2022.txt": NATION_2022,
    }
    return assistant_over(tmp_path_factory.mktemp("targets"), reports, embeddings)


def cited(answer) -> dict[str, str]:
    return {s.hit.chunk.doc_id: s.hit.chunk.text for s in answer.sources if s.cited}


def test_one_target_of_one_place(assistant) -> None:
    answer = assistant.ask("嘉兴市2020年地区生产总值增长目标完成了吗？")
    assert answer.status == "answered", answer.text
    assert "生产总值增长7%左右" in answer.text and "生产总值增长3.5%" in answer.text
    assert "未完成" in answer.text
    sources = cited(answer)
    assert set(sources) == {"jiaxing_2020.txt", "jiaxing_2021.txt"}  # the plan of 2020 and the review of 2020
    assert "增长7%左右" in sources["jiaxing_2020.txt"] and "增长3.5%" in sources["jiaxing_2021.txt"]
    assert answer.unverified_numbers == []
    assert "增长8%左右" not in answer.text  # 2021's target is not 2020's


def test_every_target_of_a_place_with_one_report(assistant) -> None:
    answer = assistant.ask("咸宁市2020年各项主要目标完成得怎么样？")
    assert answer.status == "answered", answer.text
    for figure in ("增长7.8%左右", "增长8.3%以上", "控制在4.5%以内"):
        assert figure in answer.text
    assert "实际数：已载入的报告中未找到" in answer.text  # the one side, and a plain note for the other
    assert "判断：完成" not in answer.text and "判断：未完成" not in answer.text
    assert set(cited(answer)) == {"xianning_2020.txt"}
    assert answer.unverified_numbers == []


def test_the_countrys_target_in_english(assistant) -> None:
    answer = assistant.ask("Did the country meet its 2021 GDP growth target?")
    assert answer.status == "answered", answer.text
    assert "增长6%以上" in answer.text and "增长8.1%" in answer.text
    assert "Verdict: met" in answer.text
    assert set(cited(answer)) == {"guowuyuan_2021.txt", "guowuyuan_2022.txt"}
    assert answer.unverified_numbers == []
