"""Reading one fact as every 政府工作报告 writes it, on excerpts of real reports (../shared/corpus-large and
eval/reports, none of them written for these rules): 黑龙江 七台河市 2022 (001), 江西 吉安市 2022 (019), 云南 大理州 2025
(028), 甘肃 天水市 2018 (029), 广东 佛山市 2021 (160), 广西 桂林市 2020 (067), 吉林 四平市 2025 (026), 云南省 2022
(241), 四川 阿坝州 2023 (137), 山西 阳泉市 2021 (136), 西藏自治区 2016 (280), 江苏 无锡市 2018 (199), 浙江 杭州市
2020 (202), 福建省 2023 (277), 福建 三明市 2023 and 河北 承德市 2022 (../shared/corpus), 广东 市桥街道 2021, 浙江 上城区 2022 and 湖北 大冶 2024 (eval/reports).

- the exact figure after a round one ("突破1000亿元、达到1035亿元") is the figure;
- a figure stated of a stretch of years ("五年来，…", a dashed list under "“十三五”时期是…的五年") is no year's;
- a metric sharing its head with the next ("城镇居民和农村居民人均可支配收入") is two metrics;
- a report may name a metric in its own way ("粮食生产…，总产量…"): the table of metrics is no gate;
- the turn to the plan may be the figure's own sentence ("主要预期目标建议为：…");
- a rank asked survives cutting a long sentence ("…3532家,全区排名第二") and is never answered by a table row
  without it;
- what a question says about the report ("提出", "哪条") is not what it asks about;
- an actual result asked is never answered by the plan part's target.
"""

from __future__ import annotations

import pytest
from helpers import answers, assistant_over

from rag.answering.query import content_terms
from rag.indexing.indicators import extract_indicators, find_metrics
from rag.text.places import aliases
from rag.text.review import speaks_of_several_years

QITAIHE_2022 = """——2022年1月12日在七台河市第十二届人民代表大会第一次会议上

一、过去五年和2021年工作回顾

五年来，我们坚持统筹协调发展，产业结构调整迈出坚实步伐。建成高标准农田77.2万亩，粮食产量保持在20亿斤以上。引进天兆猪业、元盛和牛等一批龙头企业。

（三）乡村振兴迈出坚实步伐。粮食生产再夺丰收，总产量20.48亿斤，增产100万斤，超额完成省定目标。
"""

JIAN_2022 = """——2022年1月23日在吉安市第五届人民代表大会第二次会议上

一、2021年工作回顾

——“吉安速度”更加稳健。社会消费品零售总额突破1000亿元、达到1035亿元，增长18.3%。
"""

TIANSHUI_2018 = """——2018年1月5日在天水市第七届人民代表大会第三次会议上

一般公共预算收入44.7亿元，同口径增长10.95%。城镇居民人均可支配收入24725元，增长9%；农村居民人均可支配收入7149元，增长10%。
"""

FOSHAN_2021 = """政府工作报告

——2021年2月4日在佛山市第十五届人民代表大会第六次会议上

一、“十三五”时期发展成就和2020年主要工作

“十三五”时期是佛山发展史上具有重大意义的五年。

——社会事业全面发展，民生福祉不断增进。城镇新增就业42.5万人，城镇登记失业率保持在3%以下。

2020年是“十三五”规划收官之年，也是极不平凡的一年。

二是千方百计稳企业保就业，推动全年经济实现正增长。城镇新增就业8.6万人，本市应届高校毕业生就业率达98.7%。
"""

GUILIN_2020 = """——2020年1月19日在桂林市第五届人民代表大会第五次会议上

二、2020年工作总体要求和目标任务

加强高标准农田建设，创建一批绿色高产高质高效示范区（片），确保粮食播种面积稳定在485万亩、总产量稳定在167万吨。
"""

SIPING_2025 = """2025年1月8日在四平市第九届人民代表大会第五次会议上

一、2024年工作回顾

粮食平均亩产1109.9斤、全省第一，总产量98.02亿斤，实现“二十一连丰”。
"""

YUNNAN_2022 = """——2022年1月20日在云南省第十三届人民代表大会第五次会议上

一年来，我们主要做了以下工作：

完成地区生产总值2.71万亿元、增长7.3%，两年平均增速高于全国，规模以上工业增加值增长8.8%，地方一般公共预算收入增长7.6%，居民人均可支配收入增长10.2%。

三、以强大自信奋进新征程，不断开创高质量跨越式发展新局面

今年经济社会发展的主要预期目标建议为：地区生产总值增长7%左右，规模以上工业增加值增长8%以上，固定资产投资增长7%以上，社会消费品零售总额增长8%以上，进出口总额增长15%以上，城镇调查失业率控制在5.5%以内，居民消费价格涨幅控制在3%左右，地方一般公共预算收入增长3%，居民人均可支配收入增长与经济增长基本同步。
"""

ABA_2023 = """2022年12月27日在阿坝藏族羌族自治州第十三届人民代表大会第二次会议上

经济社会发展的主要预期目标是：地区生产总值增速高于全省1个百分点，按增长7%以上安排。
"""

YANGQUAN_2021 = """——2021年2月23日在阳泉市第十五届人民代表大会第六次会议上

受污染耕地和污染地块安全利用率达到100%，20座矸山生态恢复治理示范工程全部完成。建成区公交、出租车全部更新为纯电动新能源汽车，运输结构调整三年工作任务圆满完成，全省排名第一。
"""

SHIQIAO_2021 = """2021年工作总结

  2021年,市桥街团结带领全街干部群众增强“四个意识”、坚定“四个自信”、做到“两个维护”,奋力推动习近平新时代中国特色社会主义思想在市桥落地生根、结出丰硕成果。

同时,积极落实央行支农支小支民优惠利率专项资金政策,解决企业融资难融资贵问题,2021年累计完成“信易贷”企业注册数3532家,全区排名第二,授信金额382万元,发放贷款352.6万元。
"""

SHANGCHENG_2022 = """2022年,面对复杂多变的外部环境和交织叠加的风险挑战,我们坚持以习近平新时代中国特色社会主义思想为指导,在区委、区政府和街道党工委的坚强领导下,全力以赴推动稳进提质。

招强引优成效显著。制定街道招商引资政策,拓展招商渠道,与9家中介机构建立合作,强力招引大宗贸易和数字贸易企业。全年引进企业394家,其中亿元项目13个,超额完成亿元项目招引的年度目标任务。
"""

WENXIN_2022 = """一、2022年工作总结 2022年,文新街道坚持以习近平新时代中国特色社会主义思想为指导,在区委区政府的正确领导下,全力以赴稳经济促发展。

全年财政总收入13.23亿元,一般公共预算收入6.66亿元,同比分别增长10.06%和13.05%;实现社会消费品零售总额50.8亿元,同比增长1.2%;固定资产投资0.85亿元,实际利用外资500万美元,主要经济指标复位回暖。

二是招强引优更具活力。坚持“精准招商、以企聚企”相结合,形成招引产业链,引进亿元以上企业5个,培育准上市企业1家,准独角兽企业2家。

搭建校企互动平台,邀请浙大、浙工大教授对话辖区重点企业家,成功引进高校经济项目2个、产学研合作项目2个。
"""

DAYE_2024 = """2023年,在市委、市政府和高新区党工委、管委会的坚强领导下,街道上下团结一心、拼抢实干,街道实体化深入推进、共同缔造全省交流经验、政务服务改革亮点纷呈、民生事业长足发展、平安建设有力有效、城市创建勇当标兵、党的建设全面加强,各项事业高质量发展。2024年,要坚定信心决心,锚定奋斗目标,打造党建引领城市基层治理、营商环境改革、共同缔造、平安建设四个示范区,筑牢民生保障、社会稳定、安全生产、生态环保、廉洁从政五个底线,实现党的建设全面加强、城市经济提能提质、民生保障更加有力、污染防治常态长效、平安建设不断加强、城市治理提质增效六个目标,力争各项工作在全市走前列,在全市街道始终保争第一。
"""

JIANGMEN_2023 = """——2023年2月16日在江门市第十六届人民代表大会第三次会议上

二、2023年工作安排

提升硬联通能力。强化交通基础设施互联互通，全方位提升珠西综合交通枢纽地位。加快珠肇高铁建设，力促广佛江珠城际、南新高速动工，谋划江肇第二高速，推动30分钟对接广州都市圈。
"""

SANMING_2023 = """——2023年1月4日在三明市第十四届人民代表大会第二次会议上

一、2022年工作回顾

初步统计，全市地区生产总值3100亿元，增长3.5%；地方一般公共预算收入111.35亿元，同口径增长6.35%；固定资产投资1205亿元，增长8.3%；社会消费品零售总额886亿元，增长4.0%；外贸出口136.6亿元，增长17.3%；城镇居民、农村居民人均可支配收入分别增长5.5%、7.0%。

二、2023年主要工作

今年经济社会发展的主要预期目标是：地区生产总值增长5.5%；地方一般公共预算收入增长5%；固定资产投资增长6.5%；外贸出口增长6%；实际利用外商直接投资增长3%；社会消费品零售总额增长5%；居民消费价格涨幅控制在3%左右；城镇居民人均可支配收入增长5%，农村居民人均可支配收入增长7.5%；完成节能减排降碳目标。
"""

CHENGDE_2022 = """2022年1月23日在承德市第十五届人民代表大会第二次会议上

二、2022年工作总体要求

今年全市经济社会发展主要预期目标是：地区生产总值增长6.5％，固定资产投资增长6.5％，规上工业增加值增长4％，一般公共预算收入增长5％，社会消费品零售总额增长8％左右，进出口总值增长5％，实际利用外资增长5％，居民人均可支配收入增长8％。
"""


XIZANG_2016 = """——2016年1月27日在西藏自治区第十届人民代表大会第四次会议上

——五年来，民生事业取得全面改善新成果。坚持把70%以上的财力投向民生领域，着力办好民生“十件实事”，连续五年提标扩面。率先实现15年免费教育，率先实现五保集中供养和孤儿集中收养，率先实现城乡居民基本养老保险均等化。城镇新增就业16.9万人。

“十三五”时期的指导思想、奋斗目标和主要任务

“十三五”时期国民经济和社会发展主要目标是：地区生产总值年均保持两位数增长，全社会固定资产投资年均增长20%左右，公共财政预算收入年均增长12.5%，社会消费品零售总额年均增长12%以上；农村居民人均可支配收入年均增长13%以上，城镇居民人均可支配收入年均增长10%以上；城镇登记失业率控制在3%以内；国家现行标准下59万农牧区贫困人口如期全部脱贫。

五、坚持共享发展，全面改善民生

努力扩大社会就业。实行更加积极的就业政策，以市场为导向，实施高校毕业生就业促进计划和大学生创业引领计划，鼓励到企业、到内地就业和自主创业，确保五年城镇新增就业18万人。
"""


HANGZHOU_2020 = """政府工作报告

（2020年4月26日在杭州市第十三届人民代表大会第五次会议上）

一、2019年工作回顾

全市地区生产总值完成15373亿元、增长6.8%，总量排名全国城市第9、较上年前进1位，一般公共预算收入增长7.7%，城乡居民人均可支配收入分别增长8%和9.2%。
"""

FUJIAN_2023 = """——2023年1月11日在福建省第十四届人民代表大会第一次会议上

一、2022年和过去五年工作回顾

全省地区生产总值连跨两个万亿元台阶，年均增长6.4%、居东部地区第一位；人均地区生产总值连跨四个万元台阶，突破12万元，跃升至全国第四位，是唯一所有设区市人均地区生产总值都超过全国平均水平的省份；固定资产投资、社会消费品零售总额均跨上2万亿元台阶，出口总额突破1万亿元。
"""


@pytest.fixture(scope="module")
def assistant(tmp_path_factory, embeddings):
    reports = {
        "001_七台河市_2022.txt": QITAIHE_2022,
        "019_吉安市_2022.txt": JIAN_2022,
        "029_天水市_2018.txt": TIANSHUI_2018,
        "160_佛山市_2021.txt": FOSHAN_2021,
        "067_桂林市_2020.txt": GUILIN_2020,
        "026_四平市_2025.txt": SIPING_2025,
        "241_云南省_2022.txt": YUNNAN_2022,
        "137_阿坝藏族羌族自治州_2023.txt": ABA_2023,
        "136_阳泉市_2021.txt": YANGQUAN_2021,
        "113_guangdong_shiqiao_2021.txt": SHIQIAO_2021,
        "104_zhejiang_shangcheng_2022.txt": SHANGCHENG_2022,
        "106_zhejiang_wenxin_2022.txt": WENXIN_2022,
        "115_hubei_daye_2024.txt": DAYE_2024,
        "10_jiangmen_2023.txt": JIANGMEN_2023,
        "06_sanming_2023.txt": SANMING_2023,
        "12_chengde_2022.txt": CHENGDE_2022,
        "280_西藏自治区_2016.txt": XIZANG_2016,
        "202_杭州市_2020.txt": HANGZHOU_2020,
        "277_福建省_2023.txt": FUJIAN_2023,
    }
    return assistant_over(tmp_path_factory.mktemp("facts"), reports, embeddings)


def ask(assistant, question: str):
    return assistant.ask(question, mode="extractive")


# ------------------------------------------------------------------------------------------------ no index


def test_the_exact_figure_after_a_round_one_is_read():
    for text, exact in [
        ("社会消费品零售总额突破1000亿元、达到1035亿元，增长18.3%。", "1035"),  # 江西 吉安
        ("经济总量首次突破2000亿元、达2010.9亿元，“十四五”以来年均增长7.8%。", "2010.9"),  # 云南 大理
    ]:
        rows = extract_indicators(text)
        assert any(r.value_text == exact and r.start == rows[0].start for r in rows), rows
    # another metric after the round figure is its own fact, not a restatement (四川 德阳)
    rows = extract_indicators("全市工业总产值突破4800亿元、实现利润总额超310亿元。")
    assert [r.metric for r in rows if r.value_text == "310"] != ["工业总产值"], rows


def test_a_figure_of_a_stretch_is_no_years_amount():
    text = QITAIHE_2022
    stretch, year = text.index("20亿斤以上"), text.index("20.48亿斤")
    assert speaks_of_several_years(text, stretch, stretch + 6, averages=False)
    assert not speaks_of_several_years(text, year, year + 8, averages=False)
    # the items of a dashed list are of the period the paragraph introducing it names
    text = FOSHAN_2021
    five, one = text.index("42.5万人"), text.index("8.6万人")
    assert speaks_of_several_years(text, five, five + 6, averages=False)
    assert not speaks_of_several_years(text, one, one + 5, averages=False)
    # a stretch named after the figure does not lead it (江苏 无锡 2018, corpus-large/199)
    wuxi = "预计全市实现地区生产总值10500亿元，同比增长7.4%，增速五年来首次超过全省平均水平。"
    assert not speaks_of_several_years(wuxi, 6, 20, averages=False)
    # an amount beside an average rate over years is still the year's own (湖北 咸宁)
    avg = "城镇和农村居民人均可支配收入分别达到23534元、11980元，年均增长11.4%、13.3%。"
    assert not speaks_of_several_years(avg, 20, 26, averages=False) and speaks_of_several_years(avg, 20, 26)


def test_metrics_sharing_a_head_are_each_named():
    both = ["城镇居民人均可支配收入", "农村居民人均可支配收入"]
    assert find_metrics("天水2017年城镇居民和农村居民人均可支配收入分别是多少？") == both
    assert find_metrics("马鞍山2018年城镇和农村居民人均可支配收入在全省排第几？") == both
    assert find_metrics("城镇、农村居民人均可支配收入各增长多少") == both
    assert find_metrics("地区生产总值和一般公共预算收入") == ["地区生产总值", "一般公共预算收入"]


def test_what_a_question_says_of_the_report_is_not_its_content():
    assert "提出" not in content_terms("大冶那个街道2024年提出要实现几个目标？")
    assert "条高" not in content_terms("江门市2023年在交通方面要加快建设哪条高铁？")
    assert "座" not in "".join(content_terms("嘉兴市计划新建哪座大桥？"))


def test_a_prefecture_of_several_peoples_has_its_short_names():
    assert {"阿坝", "阿坝州"} <= set(aliases("阿坝藏族羌族自治州"))  # 四川
    assert {"黔东南", "黔东南州"} <= set(aliases("黔东南苗族侗族自治州"))  # 贵州
    assert {"甘孜", "甘孜州"} <= set(aliases("甘孜藏族自治州"))


# ------------------------------------------------------------------------------------------------ answers


def test_the_years_own_figure_not_a_round_one_nor_a_stretchs(assistant):
    answers(assistant, "七台河2021年粮食总产量是多少？", "20.48亿斤", never=("20亿斤以上",))
    answers(assistant, "吉安市2021年社会消费品零售总额是多少？", "1035亿元")
    answers(assistant, "佛山2020年城镇新增就业多少人？", "8.6万人", never=("42.5万人",))


def test_two_metrics_of_one_head_are_both_answered(assistant):
    answers(assistant, "天水2017年城镇居民和农村居民人均可支配收入分别是多少？", "24725元", "7149元")


def test_a_metric_written_in_the_reports_own_way_is_answered(assistant):
    answers(assistant, "四平市2024年粮食总产量是多少？", "98.02亿斤")
    answers(assistant, "桂林市2020年粮食总产量要稳定在多少？", "167万吨")


def test_a_target_list_led_in_its_own_sentence_is_the_plan_years(assistant):
    answers(assistant, "云南省2022年地区生产总值预期增长多少？", "7%左右", never=("7.3%",))
    answers(assistant, "阿坝州2023年地区生产总值按增长多少安排？", "7%以上")


def test_a_rank_asked_is_kept_in_the_quote(assistant):
    answers(assistant, "市桥街道2021年“信易贷”企业注册数在全区排第几？", "全区排名第二")
    answers(assistant, "阳泉市运输结构调整三年工作任务在全省排第几？", "全省排名第一")


def test_a_referents_figure_is_found_with_its_unit_in_one_passage(assistant):
    answers(assistant, "引进亿元项目13个的那个街道，2022年全年引进企业多少家？", "394家")


def test_words_about_the_report_do_not_block_the_answer(assistant):
    answers(assistant, "大冶那个街道2024年提出要实现几个目标？", "六个目标")
    answers(assistant, "江门市2023年在交通方面要加快建设哪条高铁？", "珠肇高铁")


def test_an_actual_result_is_never_answered_by_a_target(assistant):
    for question in ("三明市2023年地区生产总值实际增长了多少？", "承德市2022年地区生产总值实际增长了多少？"):
        answer = ask(assistant, question)
        assert answer.status == "not_found", answer.text
    answers(assistant, "三明市2022年地区生产总值实际增长了多少？", "3.5%")


def test_an_aim_of_the_plan_part_does_not_say_what_a_year_reviewed_did(assistant):
    """西藏 2016: the review gives five years' new urban jobs, the plan part aims at the next five years'; neither is
    2015's, so the question is refused rather than answered with either."""
    answer = ask(assistant, "西藏2015年城镇新增就业多少人？")
    assert answer.status == "not_found", answer.text
    assert "18万人" not in answer.text.split("以下")[0] and "16.9万人" not in answer.text.split("以下")[0]


def test_a_rank_asked_is_not_answered_by_a_row_without_it(assistant):
    """The table reads the amount but not every rank ("总量排名全国城市第9", "跃升至全国第四位"): the sentence is quoted."""
    answers(assistant, "杭州市2019年地区生产总值是多少？全国城市排第几？", "15373亿元", "全国城市第9")
    answers(assistant, "福建人均地区生产总值在全国排第几？", "全国第四位")
