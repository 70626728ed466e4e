"""rag.indexing.indicators on real sentences copied from the seed reports, plus a whole-seed sanity pass."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rag.indexing.indicators import (
    Indicator,
    extract_indicators,
    find_metric,
    format_value,
    normalize_metric,
)

SEEDS = Path(__file__).resolve().parents[2] / "seeds"

# Real sentences from the seeds (file noted on each).
XILIN_1_6 = (  # 002 西林街道
    "1-6月,完成一般公共预算收入1.52亿元,进度52.4%,位列全区第二;规模工业总产值8.59亿元,增幅5.1%,位列全区第三;"
    "固定资产投资17.03亿元,进度54.1%,位列全区第一;制造业投资1亿元,进度56.3%,位列全区第五;"
    "纳入核算重点服务业营业收入0.9亿元,增幅8.6%,位列全区第五;限额以上批零住餐销售额69.95亿元,增幅8.5%,位列全区第一;"
    "限额以上社会消费品零售总额9.07亿元,增幅18.3%,位列全区第一;实际到账外资138.13万美元,完成进度9.2%,位列全区第一;"
    "居民人均可支配收入增幅6%,位列全区第一。"
)
XINZHA = (  # 000 新闸街道
    "主要经济指标保持稳定增长，1-5月，完成工业投入2.79亿元，同比增长81.6%。1-6月，完成规模工业总产值80.1亿元，"
    "同比增长21.7%；完成全社会固定资产投资7.25亿元，同比下降-58.6%；完成限额以上批零住餐销售额22.05亿元，同比增长15.5%；"
    "预计完成纳入核算重点服务业行业营业收入3.88亿元，同比增长41.8%；预计完成公共财政预算收入2.5亿元，同比增长18.4%。"
)
HEHAI_2017 = (  # 004 河海街道
    "2017年,街道实现地区生产总值112亿元,完成年度目标的100%,同比增长8.2%;公共财政预算收入11.5亿元,完成年度目标的111.87%,"
    "同比增长22.87%;工业总产值和规模以上工业产值分别达到191.5亿元和138.5亿元,完成年度目标的105.8%和104.9%,"
    "同比分别增长7.5%和6.5%;服务业增加值84.5亿元,完成年度目标的100%,同比增长12.5%,作为街道首位经济的服务业占地区生产总值"
    "比重继续提升,达到75.45%。"
)
QINZAO = (  # 003 秦灶街道
    "工业指标:1-10月,预计完成规模工业应税销售39.61亿元,受疫情影响同比降幅9.3%;完成规模工业产值47.64亿元,同比降幅35.5%,"
    "累计降幅收窄3.8%,达到区交办指标要求;完成工业固定资产投入4.79亿元;全年申报高新技术企业多达32家。"
    "服务业指标:1-9月,完成服务业应税销售171.22亿元,预计全年可完成220亿元;营利性服务业营业收入增幅-11.9%,"
    "预计年底可转负为正,增幅约1%;1-10月,实现限上住宿餐饮营业额增幅523.8%,全年可持续达标。"
)


def by_metric(inds: list[Indicator], metric: str) -> Indicator:
    found = [i for i in inds if i.metric == metric]
    assert len(found) == 1, (metric, found)
    return found[0]


def seed_texts() -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))}


# --- values, units, progress, ranks ------------------------------------------------------------------


def test_xilin_first_list_values_progress_ranks() -> None:
    inds = extract_indicators(XILIN_1_6)
    assert len(inds) == 9
    rev = by_metric(inds, "一般公共预算收入")
    assert (rev.value, rev.value_text, rev.unit) == (1.52, "1.52", "亿元")
    assert (rev.progress, rev.rank, rev.rank_scope, rev.rank_text) == (52.4, 2, "全区", "位列全区第二")
    assert rev.growth is None
    fai = by_metric(inds, "固定资产投资")
    assert (fai.value, fai.progress, fai.rank) == (17.03, 54.1, 1)
    ind = by_metric(inds, "规模工业产值")
    assert (ind.raw_metric, ind.value, ind.growth, ind.rank) == ("规模工业总产值", 8.59, 5.1, 3)
    fdi = by_metric(inds, "实际到账外资")
    assert (fdi.value, fdi.unit, fdi.progress, fdi.progress_text) == (138.13, "万美元", 9.2, "完成进度9.2%")
    assert all(i.period == "1-6月" for i in inds)


def test_growth_only_fact_has_no_value() -> None:
    inc = by_metric(extract_indicators(XILIN_1_6), "居民人均可支配收入")
    assert inc.value is None and inc.value_text == "" and inc.unit is None
    assert (inc.growth, inc.growth_text, inc.rank) == (6.0, "增幅6%", 1)
    assert format_value(inc) == ""


def test_rank_forms_with_scope() -> None:
    # 001: rank-only fact; 002: 排名…; synthetic-free forms are covered by the seeds where they occur.
    inds = extract_indicators("建立荷花特色城市长效管理模式,1-5月市、区城市长效综合管理考核总体排名全区第二。")
    assert len(inds) == 1
    assert (inds[0].rank, inds[0].rank_scope, inds[0].period, inds[0].value) == (2, "全区", "1-5月", None)
    assert "城市长效综合管理考核" in inds[0].metric
    inds = extract_indicators("上半年网格化知晓率达76%,排名全区第一,群众满意度达97.4%,排名全区第二。")
    assert [(i.metric, i.value, i.unit, i.rank, i.rank_text) for i in inds] == [
        ("网格化知晓率", 76.0, "%", 1, "排名全区第一"),
        ("群众满意度", 97.4, "%", 2, "排名全区第二"),
    ]
    first = extract_indicators("完成规模工业产值50亿元,居全县首位。")[0]
    assert (first.rank, first.rank_scope, first.rank_text) == (1, "全县", "居全县首位")
    # "排名全区前列" has no number: the fact is kept, the rank is not invented.
    reg = extract_indicators("“政企通”注册率94.55%、自助机点击使用量,均排名全区前列。")
    assert [(i.metric, i.value, i.rank) for i in reg] == [("政企通注册率", 94.55, None)]


def test_ordinals_that_are_not_ranks() -> None:
    # 004 / 001: "市第一批", "社区第一道防线" are names, not standings; a scoped "全区第一批" is no rank either.
    assert extract_indicators("燕兴社区成功入选市第一批基层综合文化服务中心。守好社区第一道防线。") == []
    inds = extract_indicators("入选全区第一批示范点3个。")
    assert [(i.value, i.rank) for i in inds] == [(3.0, None)]


def test_units() -> None:
    inds = extract_indicators(
        "1-5月,规模工业产值0.96亿元,增幅23.36%。帮助企业争取各类扶持资金72.8万元。立案查处违法行为10件,处罚9.035万元;"
    )
    assert [(i.value_text, i.unit) for i in inds] == [
        ("0.96", "亿元"),
        ("72.8", "万元"),
        ("10", "件"),
        ("9.035", "万元"),
    ]
    assert inds[2].metric == "立案查处违法行为"  # "行为" keeps its 为


# --- growth sign ---------------------------------------------------------------------------------------


def test_growth_sign_kept_and_decline_words() -> None:
    inds = extract_indicators(XINZHA)
    assert by_metric(inds, "工业投入").growth == 81.6
    fai = by_metric(inds, "固定资产投资")
    assert (fai.raw_metric, fai.value, fai.growth, fai.growth_text) == (
        "全社会固定资产投资",
        7.25,
        -58.6,
        "同比下降-58.6%",
    )
    q = extract_indicators(QINZAO)
    assert by_metric(q, "规模工业产值").growth == -35.5  # 同比降幅35.5%
    assert by_metric(q, "规模工业应税销售").growth == -9.3  # 受疫情影响同比降幅9.3%
    assert by_metric(q, "营利性服务业营业收入").growth == -11.9  # 增幅-11.9%
    assert by_metric(q, "限上住宿餐饮营业额").growth == 523.8


def test_later_change_phrases_do_not_overwrite_or_become_facts() -> None:
    q = extract_indicators(QINZAO)
    # "累计降幅收窄3.8%" is not a level and must not replace -35.5; "增幅约1%" is a forecast after the fact.
    assert not any(i.value_text == "3.8" or i.growth in (-3.8, 3.8, 1.0) for i in q)
    assert by_metric(q, "营利性服务业营业收入").growth == -11.9
    env = extract_indicators("今年以来,累计处理环保信访举报件59余件,环比降幅50.83%,污染防治攻坚战取得显著成效。")
    assert [(i.value_text, i.unit, i.growth) for i in env] == [("59", "件", None)]  # 环比 is not year-on-year


# --- 分别 and progress ------------------------------------------------------------------------------------


def test_respectively_pattern_pairs_names_values_progress_growth() -> None:
    inds = extract_indicators(HEHAI_2017)
    total = by_metric(inds, "工业总产值")
    scale = by_metric(inds, "规模工业产值")
    assert (total.value, total.progress, total.growth) == (191.5, 105.8, 7.5)
    assert (scale.raw_metric, scale.value, scale.progress, scale.growth) == ("规模以上工业产值", 138.5, 104.9, 6.5)
    assert total.period == scale.period == "2017年"


def test_progress_forms() -> None:
    inds = extract_indicators(HEHAI_2017)
    rev = by_metric(inds, "一般公共预算收入")
    assert (rev.raw_metric, rev.value, rev.progress, rev.progress_text, rev.growth) == (
        "公共财政预算收入",
        11.5,
        111.87,
        "完成年度目标的111.87%",
        22.87,
    )
    assert by_metric(inds, "地区生产总值").progress == 100.0
    proj = extract_indicators("年度4个重点产业项目累计投资1.6亿元,完成年度计划投资78.2%。")[0]
    assert (proj.value, proj.progress) == (1.6, 78.2)
    land = extract_indicators("盘活辖区存量土地共380亩,完成区政府年初下达指标108.6%。")[0]
    assert (land.metric, land.value, land.unit, land.progress) == ("盘活辖区存量土地", 380.0, "亩", 108.6)


def test_share_without_named_metric_is_dropped() -> None:
    # "…比重继续提升,达到75.45%": the metric is not next to the number, so no fact rather than a wrong name.
    inds = extract_indicators(HEHAI_2017)
    assert not any(i.value_text == "75.45" for i in inds)
    assert len(inds) == 5


# --- periods ---------------------------------------------------------------------------------------------


def test_period_heads_sentence_and_is_not_carried_across_sentences() -> None:
    inds = extract_indicators(XINZHA, default_period="上半年")
    assert by_metric(inds, "工业投入").period == "1-5月"
    assert {i.period for i in inds if i.metric != "工业投入"} == {"1-6月"}
    later = extract_indicators(
        "经济引擎持续发力。1-5月,规模工业产值0.96亿元,增幅23.36%。数字经济企业产值达3.1亿元。", "上半年"
    )
    assert [(i.metric, i.period) for i in later] == [("规模工业产值", "1-5月"), ("数字经济企业产值", "上半年")]


def test_local_period_inside_clause_does_not_leak() -> None:
    q = extract_indicators(QINZAO)
    sales = [i for i in q if i.metric == "服务业应税销售"]
    # "预计全年可完成220亿元" restates the same metric for 全年; the next fact is still 1-9月.
    assert [(i.value, i.period) for i in sales] == [(171.22, "1-9月"), (220.0, "全年")]
    assert by_metric(q, "营利性服务业营业收入").period == "1-9月"
    assert by_metric(q, "限上住宿餐饮营业额").period == "1-10月"
    assert by_metric(q, "申报高新技术企业").period == "全年"


def test_year_prefix_absorbed_into_sub_year_period() -> None:
    inds = extract_indicators("2022年上半年,完成规模工业产值1.2亿元。")
    assert inds[0].period == "上半年"


# --- offsets -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [XILIN_1_6, XINZHA, HEHAI_2017, QINZAO])
def test_offsets_cover_value_metric_and_modifiers(text: str) -> None:
    inds = extract_indicators(text)
    assert inds
    for i in inds:
        span = text[i.start : i.end]
        assert i.value_text in span and i.raw_metric in span, i
        for t in (i.growth_text, i.progress_text, i.rank_text):
            assert t is None or t in span, i


def test_offsets_point_into_the_given_text_with_prefix() -> None:
    prefix = "无关的开头。\n"
    inds = extract_indicators(prefix + XILIN_1_6)
    fai = next(i for i in inds if i.metric == "固定资产投资")
    assert (prefix + XILIN_1_6)[fai.start : fai.end] == "固定资产投资17.03亿元,进度54.1%,位列全区第一"


# --- no false facts ------------------------------------------------------------------------------------


def test_dates_years_and_codes_are_not_values() -> None:
    text = (
        "K12少儿之家项目已于11月18日正式开业;养老综合服务平台子项目已投入使用。"
        "2021年是新闸加快全面融入开发区、奋进“十四五”的起步之年。"
        "313、426两轮疫情期间,街道立即完善专班推进机制。"
        "2个省重点项目（格力博、京东）已按照时序进度在6月30日前拿到了施工许可证。"
    )
    assert extract_indicators(text) == []


def test_attributive_numbers_are_not_values() -> None:
    # 001: "100万以上" qualifies the project; only the count 2个 is a fact.
    inds = extract_indicators("完成“双30”项目3个,引进100万以上税源项目2个,储备总部项目1个。")
    assert [(i.raw_metric, i.value, i.unit) for i in inds] == [
        ("“双30”项目", 3.0, "个"),
        ("引进100万以上税源项目", 2.0, "个"),
        ("储备总部项目", 1.0, "个"),
    ]
    # 000: "总投资50亿元的…项目" describes a project inside the parenthesis.
    text = "新招引“2030支撑项目”5个（总投资50亿元的京东智能物流基地和京东智能制造基地项目、总投资3亿元的奥立思特微电机项目）"
    assert [(i.value, i.unit) for i in extract_indicators(text)] == [(5.0, "个")]


def test_targets_are_not_reported_as_achievements() -> None:
    # 003 (written in November): "力争完成" is an aim, not a result.
    text = "财税指标:年底力争完成一般公共预算收入4.2亿元,占全年计划的70%,剔除房地产税收,正常税收收入基本与去年持平。"
    assert [(i.metric, i.value_text, i.kind) for i in extract_indicators(text)] == [
        ("一般公共预算收入", "4.2", "target")
    ]
    text = "年内争创市级以上“智转数改网联”示范企业1家,“智改数转网联”诊断企业4家,星级上云2家。"
    assert {i.kind for i in extract_indicators(text)} <= {"target"}


def test_a_list_of_targets_runs_to_the_end_of_its_paragraph() -> None:
    # The 政府工作报告 form (三明 2023, 吉林 2023, 鞍山 2022): a clause naming targets, a colon, then the list —
    # its ranges and qualifiers are part of each figure. The review paragraph before it states results.
    text = (
        "初步统计，全市地区生产总值3100亿元，增长3.5%；固定资产投资1205亿元，增长8.3%。\n"
        "今年经济社会发展的主要预期目标是：地区生产总值增长6%—7%；固定资产投资增长12%以上。"
        "社会消费品零售总额增长5%左右。\n"
        "过去一年，一般公共预算收入完成224.7亿元。"
    )
    got = [(i.metric, i.value_text or text[i.start : i.end], i.kind) for i in extract_indicators(text)]
    assert got == [
        ("地区生产总值", "3100", "result"),
        ("固定资产投资", "1205", "result"),
        ("地区生产总值", "地区生产总值增长6%—7%", "target"),
        ("固定资产投资", "固定资产投资增长12%以上", "target"),
        ("社会消费品零售总额", "社会消费品零售总额增长5%左右", "target"),
        ("一般公共预算收入", "224.7", "result"),
    ]
    done = "全年目标任务完成情况：地区生产总值增长7%。"  # a colon after 完成情况 reports results
    assert [i.kind for i in extract_indicators(done)] == ["result"]


def test_an_achievement_verb_ends_a_run_of_forecasts() -> None:
    text = "地区生产总值预计增长6%左右；一般公共预算收入完成224.7亿元，增长2.36%。"
    assert [i.kind for i in extract_indicators(text)] == ["forecast", "result"]


# --- normalisation and helpers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "norm"),
    [
        ("规模工业总产值", "规模工业产值"),
        ("规模以上工业产值", "规模工业产值"),
        ("完成规模工业总产值", "规模工业产值"),
        ("公共财政预算收入", "一般公共预算收入"),
        ("预计完成公共财政预算收入", "一般公共预算收入"),
        ("全社会固定资产投资", "固定资产投资"),
        ("纳入核算重点服务业行业营业收入", "纳入核算重点服务业营业收入"),
        ("限上批零住餐销售额", "限额以上批零住餐销售额"),
        ("外资到账", "实际到账外资"),
        ("工业总产值", "工业总产值"),  # all industry: NOT above-scale output
        ("工业投入", "工业投入"),  # not proven equal to 工业固定资产投入
        ("限额以上社会消费品零售总额", "限额以上社会消费品零售总额"),
        ("“政企通”注册率", "政企通注册率"),
        ("18座重点楼宇累计税收", "18座重点楼宇税收"),
    ],
)
def test_normalize_metric(raw: str, norm: str) -> None:
    assert normalize_metric(raw) == norm


@pytest.mark.parametrize(
    ("question", "metric"),
    [
        ("哪个街道的规模工业产值增幅最高？", "规模工业产值"),
        ("规模以上工业总产值是多少", "规模工业产值"),
        ("西林街道的固定资产投资排名第几", "固定资产投资"),
        ("全社会固定资产投资下降了多少？", "固定资产投资"),
        ("工业总产值完成了年度目标的多少", "工业总产值"),
        ("限额以上社会消费品零售总额", "限额以上社会消费品零售总额"),
        ("公共财政预算收入增长多少", "一般公共预算收入"),
        ("GDP是多少", "地区生产总值"),
        ("农村居民人均可支配收入是多少", "农村居民人均可支配收入"),  # its own indicator, never 居民人均可支配收入
        ("城镇常住居民人均可支配收入是多少", "城镇居民人均可支配收入"),
        ("街道党建工作有哪些亮点？", None),
    ],
)
def test_find_metric(question: str, metric: str | None) -> None:
    assert find_metric(question) == metric


def test_find_metric_names_only_metrics_of_the_synonym_table() -> None:
    assert find_metric("网格化知晓率排名全区第几？") is None


def test_format_value_and_exact_texts() -> None:
    fai = by_metric(extract_indicators(XILIN_1_6), "固定资产投资")
    assert format_value(fai) == "17.03亿元"
    # What an answer shows of the fact is built only from these exact texts (rag.answering.compare.fact_text).
    assert (fai.period, fai.metric, fai.progress_text, fai.rank_text) == (
        "1-6月",
        "固定资产投资",
        "进度54.1%",
        "位列全区第一",
    )


# --- whole seeds -----------------------------------------------------------------------------------------


def test_every_seed_indicator_is_grounded_in_its_span() -> None:
    texts = seed_texts()
    assert len(texts) == 5
    for name, text in texts.items():
        inds = extract_indicators(text)
        assert len(inds) >= 20, name
        for i in inds:
            span = text[i.start : i.end]
            assert 0 <= i.start < i.end <= len(text), (name, i)
            assert i.value_text in span and i.raw_metric in span, (name, i)
            for t in (i.growth_text, i.progress_text, i.rank_text):
                assert t is None or t in span, (name, i)
            assert i.value is not None or i.growth is not None or i.rank is not None, (name, i)
            if i.value is not None:
                assert float(i.value_text) == i.value and i.unit, (name, i)
            assert not any(c in i.metric for c in "，,；;。"), (name, i)


def test_known_seed_facts_present() -> None:
    texts = seed_texts()
    xilin = extract_indicators(texts["002_fe0a95f5f2085df9.txt"])
    fai = [i for i in xilin if i.metric == "固定资产投资" and i.value == 17.03]
    assert len(fai) == 1
    assert (fai[0].unit, fai[0].rank, fai[0].rank_scope, fai[0].period) == ("亿元", 1, "全区", "1-6月")

    xinzha = extract_indicators(texts["000_51ed8297329c7c41.txt"])
    assert any(i.metric == "固定资产投资" and i.value == 7.25 and i.growth == -58.6 for i in xinzha)
    assert any(
        i.metric == "规模工业产值" and i.value == 80.1 and i.growth == 21.7 and i.period == "1-6月" for i in xinzha
    )

    hehe = extract_indicators(texts["001_edf690f87470ca0e.txt"])
    assert any(
        i.metric == "规模工业产值" and i.value == 0.96 and i.growth == 23.36 and i.period == "1-5月" for i in hehe
    )

    qinzao = extract_indicators(texts["003_0cdd634d9f14d8d9.txt"])
    assert any(i.metric == "实际到账外资" and i.value == 49.67 and i.unit == "万美元" for i in qinzao)
    assert any(i.metric == "规模工业产值" and i.value == 47.64 and i.growth == -35.5 for i in qinzao)

    hehai = extract_indicators(texts["004_ae18b8c38ee08b05.txt"])
    assert any(i.metric == "一般公共预算收入" and i.value == 11.5 and i.progress == 111.87 for i in hehai)
    assert any(i.metric == "规模工业产值" and i.value == 138.5 and i.growth == 6.5 for i in hehai)


def test_no_values_inside_dates_in_seeds() -> None:
    date_re = re.compile(r"\d+月\d+日|(?:19|20)\d{2}年|\d+、\d+两轮")  # "11月18日", "2021年", "313、426两轮"
    n_dates = 0
    for name, text in seed_texts().items():
        dates = [m.span() for m in date_re.finditer(text)]
        n_dates += len(dates)
        for i in extract_indicators(text):
            if i.value is None:
                continue
            value_re = re.compile(rf"(?<![\d.]){re.escape(i.value_text)}(?:余|多)?{re.escape(i.unit or '')}")
            m = value_re.search(text, i.start, i.end)
            assert m, (name, i)
            at = m.start()
            assert not any(s <= at < e for s, e in dates), (name, i)
    assert n_dates >= 5  # the seeds do contain dates, so the check above is not vacuous


# ---------------------------------------------------------------------------------------------------------
# Table rows (rendered by rag.ingest.tables): the column header says what each cell is.
# ---------------------------------------------------------------------------------------------------------
def _row(line: str):
    text = f"一、主要指标\n{line}\n"
    (ind,) = extract_indicators(text, default_period="上半年")
    assert text[ind.start : ind.end] == line and ind.raw_metric in line
    return ind


def test_row_columns_give_value_growth_and_rank() -> None:
    ind = _row("指标：高新技术企业数；完成值：47家；同比增幅：17.5%；全区排名：第一")
    assert (ind.metric, ind.value, ind.unit, ind.growth, ind.rank, ind.rank_scope) == (
        "高新技术企业数", 47, "家", 17.5, 1, "全区",
    )  # fmt: skip
    assert (ind.growth_text, ind.rank_text, ind.period) == ("同比增幅：17.5%", "全区排名：第一", "上半年")


def test_row_units_and_signs_from_headers() -> None:
    ind = _row("项目：规模以上工业总产值；完成值（亿元）：12.36；增幅（%）：-3.2；全县位次：3；进度：52.4%")
    assert (ind.metric, ind.value, ind.unit, ind.growth, ind.rank, ind.rank_scope, ind.progress) == (
        "规模工业产值", 12.36, "亿元", -3.2, 3, "全县", 52.4,
    )  # fmt: skip
    assert _row("指标：工业用电量；同比下降：4.1%").growth == -4.1  # 下降 in the header: a fall
    assert _row("指标：固定资产投资（亿元）；完成：7.25").unit == "亿元"  # the unit in the name cell


def test_row_with_year_columns_takes_the_latest_year() -> None:
    ind = _row("指标：一般公共预算收入；2022年：1.38亿元；2023年：1.52亿元；增长：10.1%")
    assert (ind.value, ind.growth) == (1.52, 10.1)


def test_prose_next_to_rows_is_still_read() -> None:
    text = "1-6月，完成规模工业总产值8.59亿元，增幅5.1%。\n指标：外贸进出口总额；完成值：8.76亿元；同比增长：12.4%"
    found = extract_indicators(text)
    assert [(i.metric, i.value, i.growth) for i in found] == [
        ("规模工业产值", 8.59, 5.1),
        ("进出口总额", 8.76, 12.4),
    ]
