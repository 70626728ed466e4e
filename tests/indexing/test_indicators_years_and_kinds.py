"""Readings of kind, period and metric that the target–result table (issue 20) relies on, each on a sentence as
written in a real report (../shared/corpus, ../shared/corpus-large)."""

from __future__ import annotations

from rag.indexing.indicators import extract_indicators


def only(text: str, metric: str):
    found = [i for i in extract_indicators(text, "全年") if i.metric == metric]
    assert len(found) == 1, found
    return found[0]


def test_a_year_introduced_by_dao_heads_its_clause() -> None:
    # 嘉兴 2021: a five-year goal is for 2025, not for the year of the report
    ind = only("“十四五”发展的主要目标是：到2025年，全市生产总值超过9000亿、力争破万亿。", "地区生产总值")
    assert (ind.period, ind.kind) == ("2025年", "target")


def test_kongzhi_zai_is_not_part_of_the_metric() -> None:
    ind = only(
        "今年经济社会发展的预期目标是：地区生产总值增长7.8%左右；城镇登记失业率控制在4.5%以内。", "城镇登记失业率"
    )
    assert (ind.value_text, ind.unit, ind.kind) == ("4.5", "%", "target")


def test_a_change_against_an_older_base_is_not_year_on_year() -> None:
    # 咸宁 2021: "比“十二五”期末增长29.6%" compares five years, not one
    text = "全市地区生产总值突破1500亿元，较好完成“十三五”规划目标，按不变价计算，比“十二五”期末增长29.6%。"
    assert only(text, "地区生产总值").growth is None
    assert only("全年国内生产总值1143670亿元，比上年增长8.1%。", "地区生产总值").growth == 8.1


def test_target_lists_and_aims_as_reports_word_them() -> None:
    # 吉林市 2021: "今年主要预期目标安排是：…"; 淮安 2021: "努力实现地区生产总值增长7%左右"
    assert (
        only("今年主要预期目标安排是：地区生产总值增长7%以上，规模工业增加值增长7%。", "地区生产总值").kind == "target"
    )
    text = "促进经济社会平稳健康发展，努力实现地区生产总值增长7%左右，一般公共预算收入增长4%左右。"
    assert only(text, "地区生产总值").kind == "target"


def test_metric_names_without_averages_footnotes_or_changes() -> None:
    assert only("城镇新增就业1269万人，城镇调查失业率平均为5.1%。", "城镇调查失业率").value_text == "5.1"
    assert only("初步核算，全年国内生产总值[2]827122亿元，比上年增长6.9%。", "地区生产总值").growth == 6.9
    found = extract_indicators("中央预算内投资拟安排5000亿元，比去年增加2000亿元。", "全年")
    assert not any(i.raw_metric.startswith("比") for i in found)


def test_a_like_for_like_growth_and_a_year_end_figure() -> None:
    # 巴中 2023: "同口径增长7.8%" is a growth; 国家统计局 2018: "年末全国城镇调查失业率为4.9%" names the metric
    assert (
        only(
            "地方一般公共预算收入同口径增长7.8%，城乡居民人均可支配收入分别增长4.8%、6.2%。", "一般公共预算收入"
        ).growth
        == 7.8
    )
    ind = only("全年城镇新增就业1361万人。年末全国城镇调查失业率为4.9%，比上年末下降0.1个百分点。", "城镇调查失业率")
    assert ind.value_text == "4.9"
