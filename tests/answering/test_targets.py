"""rag/answering/targets.py: targets beside results, like with like, on excerpts of real reports of two provinces
(嘉兴市, 浙江; 咸宁市, 湖北) and of the State Council with the national statistical bulletin. The sentences are
quoted as written in ../shared/corpus and ../shared/corpus-large."""

from __future__ import annotations

from rag.answering.targets import MET, NOT_COMPARABLE, NOT_MET, Report, target_table
from rag.indexing.indicators import extract_indicators
from rag.ingest.metadata import detect_meta

JIAXING_2019 = """嘉兴市政府工作报告
——2019年1月15日在嘉兴市第八届人民代表大会第四次会议上
代市长 毛宏芳
各位代表：
二、今年工作安排
综合考虑各方面因素，建议2019年全市经济社会发展的主要预期目标为：地区生产总值增长7%以上，争取更高质量、更好效益、更佳结果；一般公共预算收入增长9%；城乡居民收入增长与经济增长同步。
"""

JIAXING_2020 = """嘉兴市政府工作报告
——2020年4月28日在嘉兴市第八届人民代表大会第五次会议上
市长 毛宏芳
各位代表：
一、2019年工作回顾
全市实现生产总值5370.3亿元、增长7%，增幅高于全省，规上工业总产值突破1万亿元、列全省第三，一般公共预算收入增长9.1%，城乡居民收入分别增长7.8%和9.1%。
二、2020年工作安排
建议2020年全市经济社会发展的主要预期目标为：生产总值增长7%左右，一般公共预算收入、城乡居民收入增长与经济增长基本同步。
推进净土持久战，加强土壤污染防治，确保污染地块安全利用率92%以上。
"""

JIAXING_2021 = """嘉兴市政府工作报告
——2021年2月5日在嘉兴市第八届人民代表大会第六次会议上
市长 毛宏芳
各位代表：
一、2020年工作回顾和“十三五”发展成就
全市生产总值增长3.5%、增速列全省第三；财政总收入突破1000亿、总量列全省第三，5个县（市）全部超百亿；一般公共预算收入598.8亿元、进入全国所有城市20强。
二、2021年工作安排
建议2021年全市经济社会发展的主要预期目标为：生产总值增长8%左右，一般公共预算收入增长8%，城乡居民收入增长与经济增长同步。
加强土壤污染防治，污染地块安全利用率93%以上。
"""

XIANNING_2020 = """咸宁市政府工作报告
——二0二0年一月五日在咸宁市第五届人民代表大会第四次会议上
市长 王远鹤
各位代表：
今年经济社会发展的预期目标是：地区生产总值增长7.8%左右；规模以上工业增加值增长8.3%以上；固定资产投资增长10.5%；一般公共预算收入增长6%；社会消费品零售总额增长10.5%；进出口总额增长6%；居民消费价格涨幅控制在3.5%以内；城镇登记失业率控制在4.5%以内；城乡常住居民可支配收入增长与经济增长基本同步；生态环境质量持续改善，完成省定节能减排目标。
"""

NATION_2021 = """政府工作报告
——2021年3月5日在第十三届全国人民代表大会第四次会议上
国务院总理　李克强
各位代表：
今年发展主要预期目标是：国内生产总值增长6%以上；城镇新增就业1100万人以上，城镇调查失业率5.5%左右；居民消费价格涨幅3%左右；进出口量稳质升，国际收支基本平衡；居民收入稳步增长；生态环境质量进一步改善，单位国内生产总值能耗降低3%左右，主要污染物排放量继续下降；粮食产量保持在1.3万亿斤以上。
"""

BULLETIN_2021 = """中华人民共和国2021年国民经济和社会发展统计公报[1]

国家统计局

2022年2月28日

一、综合

初步核算，全年国内生产总值1143670亿元，比上年增长8.1%。全年城镇新增就业1269万人，比上年多增83万人。全年全国城镇调查失业率平均值为5.1%。
"""


def reports(texts: dict[str, str]) -> list[Report]:
    out = []
    for name, text in texts.items():
        meta = detect_meta(text, name)
        out.append(Report(name, meta, text, tuple(extract_indicators(text, meta.period))))
    return out


def by_metric(pairs, metric: str, measure: str = "growth"):
    return next(p for p in pairs if p.metric == metric and p.measure == measure)


def test_jiaxing_target_of_2020_beside_the_result_of_2020() -> None:
    pairs = target_table(reports({"jx2020.txt": JIAXING_2020, "jx2021.txt": JIAXING_2021}), years=[2020])
    gdp = by_metric(pairs, "地区生产总值")
    assert (gdp.target.figure, gdp.result.figure, gdp.verdict) == ("增长7%左右", "增长3.5%", NOT_MET)
    assert (gdp.target.doc_id, gdp.result.doc_id) == ("jx2020.txt", "jx2021.txt")
    assert JIAXING_2020[gdp.target.ind.start : gdp.target.ind.end] == gdp.target.quote  # cited at its offsets
    # the 2021 report's plan ("污染地块安全利用率93%以上", no aim word) is not 2020's result
    land = [p for p in pairs if p.metric == "污染地块安全利用率"]
    assert land and all(p.result is None for p in land)


def test_a_target_without_its_review_is_one_sided() -> None:
    pairs = target_table(reports({"xn2020.txt": XIANNING_2020}))
    assert {p.year for p in pairs} == {2020}
    assert all(p.target is not None and p.result is None and p.verdict == NOT_COMPARABLE for p in pairs)
    gdp = by_metric(pairs, "地区生产总值")
    assert gdp.goal.shape == "about" and gdp.note  # says why there is no verdict
    unemployment = by_metric(pairs, "城镇登记失业率", "rate")
    assert unemployment.goal.shape == "ceiling"


def test_national_targets_against_the_statistical_bulletin() -> None:
    pairs = target_table(reports({"gwy2021.txt": NATION_2021, "gb2021.txt": BULLETIN_2021}))
    assert {p.place for p in pairs} == {"全国"}
    gdp = by_metric(pairs, "地区生产总值")
    assert (gdp.year, gdp.target.figure, gdp.result.figure, gdp.verdict) == (2021, "增长6%以上", "增长8.1%", MET)
    jobs = by_metric(pairs, "城镇新增就业", "amount")
    assert (jobs.result.figure, jobs.verdict) == ("1269万人", MET)
    unemployment = by_metric(pairs, "城镇调查失业率", "rate")  # 5.1% under a "5.5%左右" ceiling
    assert unemployment.verdict == MET and unemployment.result.figure.endswith("5.1%")


def test_never_a_growth_beside_an_amount() -> None:
    texts = {"jx2019.txt": JIAXING_2019, "jx2020.txt": JIAXING_2020, "jx2021.txt": JIAXING_2021}
    pairs = target_table(reports(texts), years=[2019])
    gdp = [p for p in pairs if p.metric == "地区生产总值"]
    # "生产总值5370.3亿元、增长7%": the growth answers the growth target, the amount is paired with nothing
    assert [(p.measure, p.target.figure, p.result.figure, p.verdict) for p in gdp] == [
        ("growth", "增长7%以上", "增长7%", MET)
    ]
    revenue = by_metric(pairs, "一般公共预算收入")
    assert (revenue.result.figure, revenue.verdict) == ("增长9.1%", MET)
    for p in target_table(reports(texts)):
        if p.complete:
            assert p.target.measure == p.result.measure and p.target.unit_key == p.result.unit_key
