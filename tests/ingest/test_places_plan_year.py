"""Which year a report plans and whose it is, for the target–result table (issue 20): real opening lines."""

from __future__ import annotations

from rag.ingest.detect.facts import describe


def test_a_december_session_plans_the_next_year() -> None:
    # 常德市 delivered its 2019 report on 2018-12-25: it reviews 2018 and plans 2019
    head = "常德市政府工作报告\n——2018年12月25日在常德市第七届人民代表大会第三次会议上\n\n市长 曹立军\n\n各位代表：\n"
    facts = describe(head, "042_常德市_2019.txt")
    assert (facts.year, facts.plan_year) == (2018, 2019)
    january = describe(head.replace("2018年12月25日", "2019年1月8日"), "x.txt")
    assert (january.year, january.plan_year) == (2018, 2019)


def test_the_national_statistical_bulletin_is_the_countrys() -> None:
    for head in (
        "中华人民共和国2021年国民经济和社会发展统计公报[1]\n\n国家统计局\n\n2022年2月28日\n\n2021年是党和国家历史上具有里程碑意义的一年。",
        "中华人民共和国\n\n2015年国民经济和社会发展统计公报[1]\n\n中华人民共和国国家统计局\n\n2016年2月29日\n\n2015年，面对错综复杂的国际形势",
    ):
        facts = describe(head, "bulletin.txt")
        assert (facts.place, facts.level) == ("全国", "国家")
