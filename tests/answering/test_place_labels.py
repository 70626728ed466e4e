"""Labels follow the level: a rank a 市 report states within its province is labelled a provincial rank."""

from __future__ import annotations

from dataclasses import replace

from rag.answering.answer import Assistant
from rag.answering.retrieval import Searcher
from rag.config import Settings
from rag.indexing.store import build_index

CITY = (
    "枫昌市2023年政府工作总结\n"
    "2023年，在省委省政府的坚强领导下，全市上下团结一心，经济社会发展取得新成效。\n"
    "一、经济运行稳中向好\n"
    "全市实现地区生产总值1520亿元，同比增长6.1%，增速位居全省第一。规模以上工业增加值同比增长8.2%，增速位居全省第一。"
    "一般公共预算收入98.6亿元，同比增长5.3%。\n"
    "二、民生保障持续加强\n"
    "新增城镇就业3.2万人，城镇调查失业率控制在5%以内。\n"
)


def test_a_city_reports_provincial_rank_is_labelled_as_such(tmp_path, embeddings):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "city.txt").write_text(CITY, encoding="utf-8")
    settings = replace(Settings.from_env(seeds_dir=seeds, index_dir=tmp_path / "index"), chroma_host=None)
    build_index(settings, embeddings=embeddings)
    assistant = Assistant(settings, Searcher(settings, embeddings))

    zh = assistant.ask("枫昌市哪些指标位居全省第一？", mode="extractive").text
    assert zh.startswith("枫昌市报告中标明这一名次的指标（为报告自述的省内排名）") and "区内" not in zh
    assert "地区生产总值1520亿元" in zh and "规模以上工业增加值同比增长8.2%" in zh

    en = assistant.ask("Which indicators of Fengchang ranked first in the province?", mode="extractive").text
    assert "a rank within its own province" in en and "district" not in en
