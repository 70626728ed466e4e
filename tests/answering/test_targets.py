"""rag/answering/targets.py: targets beside results, like with like, on excerpts of real reports of two provinces
(嘉兴市, 浙江; 咸宁市, 湖北) and of the State Council with the national statistical bulletin (tests/target_reports.py)."""

from __future__ import annotations

from target_reports import BULLETIN_2021, JIAXING_2019, JIAXING_2020, JIAXING_2021, NATION_2021, XIANNING_2020

from rag.answering.targets import MET, NOT_COMPARABLE, NOT_MET, Report, target_table
from rag.indexing.indicators import extract_indicators
from rag.ingest.detect import detect_meta


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
