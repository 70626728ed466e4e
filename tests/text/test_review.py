"""rag/text/review.py: where a report turns from the year reviewed to the year planned, and five-year sentences."""

from __future__ import annotations

from rag.text.review import plan_part_start, speaks_of_several_years


def test_the_plan_part_starts_at_its_heading_or_target_list() -> None:
    text = "一、2020年和“十三五”时期重点工作回顾\n全市生产总值增长3.5%。\n二、2021年工作安排\n确保增长8%。"
    assert text[plan_part_start(text) :].startswith("二、2021年工作安排")  # a "…回顾" heading is not the plan
    text = "去年地区生产总值增长7%。\n今年经济社会发展主要预期目标建议是：地区生产总值增长7%左右。"
    assert text[plan_part_start(text) :].startswith("预期目标建议是")
    assert plan_part_start("初步核算，全年国内生产总值1143670亿元，比上年增长8.1%。") is None


def test_five_year_sentences() -> None:
    text = "——这是综合实力迈上新台阶的五年。全市地区生产总值突破1500亿元。\n全市生产总值增长3.5%。"
    first, second = text.index("地区生产总值"), text.index("全市生产总值增长")
    assert speaks_of_several_years(text, first, first + 10)  # the paragraph opens with "…的五年"
    assert not speaks_of_several_years(text, second, second + 9)
