"""Answers beyond the seed reports' style, on a small real index of two reports written like other provinces' ones
(a 市 政府工作报告 and a 镇 year summary, no manifest): no false refusal when a top passage answers, English
questions answered by meaning, target questions refused without a target sentence, places only mentioned."""

from __future__ import annotations

import pytest
from helpers import assistant_over

import rag.answering.extractive as extractive
from rag.answering.query import understand
from rag.answering.retrieval import QueryAnalysis
from rag.text.places import english_place_mentions, is_pinyin
from rag.text.sentences import item_number

CITY = """澜江市2023年政府工作报告
——2023年1月10日在澜江市第八届人民代表大会第三次会议上
市长 陈明远
各位代表：
现在，我代表市人民政府向大会报告工作，请予审议。
一、2022年工作回顾
过去一年，全市地区生产总值1234.5亿元，增长5.1%。粮食总产量52.3万吨，连续五年稳定在50万吨以上。新能源汽车产量2.1万辆，增长30%。
河口镇完成技改投资3.2亿元，新增规上工业企业12家。与合浦市共建的跨区域产业园完成基础设施建设。
全年接待游客1860万人次，实现旅游总收入156亿元。
二、2023年主要目标和重点工作
今年经济社会发展的主要预期目标是：地区生产总值增长6%左右；一般公共预算收入增长5%；城镇新增就业2.5万人。
力争全年新建5G基站1200个，实现乡镇以上区域全覆盖。
今年，我们将重点抓好以下五个方面的工作：
（一）推动制造业提质升级。实施技改项目200个以上，培育专精特新企业30家。
（二）扩大有效投资。谋划实施重大项目150个，完成投资600亿元。
（三）提升城市品质。改造老旧小区120个。
（四）全面推进乡村振兴。新建高标准农田8万亩。
（五）增进民生福祉。新增学位1.2万个。
"""

TOWN = """云溪镇2022年工作总结
2022年，云溪镇在县委、县政府的坚强领导下，全镇上下团结一心，各项工作取得新成效。
一、主要工作成效
（一）经济发展稳中有进。全年实现财政总收入2.36亿元，同比增长8.2%。
全年新注册企业86家。
协调解决企业注册登记等各类难题41个，走访企业230家次，为企业争取各类政策资金1500万元。
招商引资完成率居全县首位。
（二）平安建设扎实推进。全年累计开展重点人员数据核查超3万人次，占全县40%。
二、2023年工作思路
2023年，全镇将围绕建设现代化强镇目标，重点抓好产业升级和城乡融合两项工作。
"""

# A report that never says whose it is (as some real ones do); its text names the place only in passing.
UNNAMED = """2022年工作总结
2022年，全街干部群众凝心聚力，推动石湾片区更新改造全面提速。
一、经济发展
全年新增注册企业520家，限上企业新增18家。
"""


@pytest.fixture(scope="module")
def assistant(tmp_path_factory, embeddings):
    reports = {"lanjiang_2023.txt": CITY, "yunxi_2022.txt": TOWN, "unnamed_2022.txt": UNNAMED}
    return assistant_over(tmp_path_factory.mktemp("breadth"), reports, embeddings)


def _answered(assistant, question: str, *needles: str) -> str:
    answer = assistant.ask(question)
    assert answer.status == "answered", answer.text
    for needle in needles:
        assert needle in answer.text, answer.text
    assert answer.unverified_numbers == []
    return answer.text


def _refused(assistant, question: str) -> str:
    answer = assistant.ask(question)
    assert answer.status == "not_found", answer.text
    return answer.text


# ------------------------------------------------------------------------------------------------ no false refusal


@pytest.mark.parametrize(
    ("question", "needles"),
    [
        ("云溪镇2022年累计开展重点人员数据核查多少人次？", ("3万人次",)),  # a scale word between figure and unit
        ("云溪镇重点人员数据核查量占全县的比例是多少？", ("40%",)),  # "比例", "量占": not what the answer says
        ("云溪镇招商引资完成率在全县排第几？", ("居全县首位",)),  # a standing in words answers a rank
        ("新注册企业86家的那个镇，2022年财政总收入是多少？", ("2.36亿元",)),  # "那个镇" is no content word
        ("澜江市2022年接待游客多少人次？旅游总收入多少？", ("1860万人次", "156亿元")),  # two asks, one sentence
        ("澜江市2023年重点抓好哪几个方面的工作？第一项是什么？", ("五个方面", "推动制造业提质升级")),  # list + item
    ],
)
def test_a_top_passage_that_answers_is_quoted_not_refused(assistant, question, needles) -> None:
    _answered(assistant, question, *needles)


def test_a_standing_in_words_is_the_answer_not_a_heading(assistant) -> None:
    text = _answered(assistant, "云溪镇招商引资完成率在全县排第几？", "首位")
    assert "平安建设" not in text  # the line after it is another section


def test_a_place_named_only_in_a_passage_is_answered_from_that_passage(assistant) -> None:
    # 河口镇 has no report: the 澜江市 report's sentence about it answers.
    text = _answered(assistant, "河口镇完成技改投资多少？", "3.2亿元")
    assert text.startswith("澜江市")


def test_a_place_beside_a_known_one_is_answered_from_the_unnamed_report_that_names_it(assistant) -> None:
    assert assistant.corpus().meta("unnamed_2022.txt").name is None  # the premise: no place detected
    text = _answered(assistant, "云溪镇和石湾街道全年新注册企业分别多少家？", "86家", "520家")
    assert "石湾街道：" in text


def test_a_place_only_other_places_reports_mention_is_not_answered_with_their_figures(assistant) -> None:
    # 合浦市 is named once in 澜江市's report (a shared industrial park); its GDP is not 澜江市's.
    text = _refused(assistant, "合浦市2022年地区生产总值是多少？")
    assert "合浦市" in text and "1234.5" not in text


# ------------------------------------------------------------------------------------------------ English


def test_english_question_picks_the_sentence_by_meaning(assistant, monkeypatch) -> None:
    question = "How many new enterprises were registered in Yunxi town in 2022?"
    # Both sentences hold the glossary words (企业, 注册); the longer, wrong one wins on words alone ...
    monkeypatch.setattr(extractive, "MEANING_WEIGHT", 0.0)
    assert "86家" not in assistant.ask(question).text
    monkeypatch.undo()
    # ... and meaning picks the one that answers.
    _answered(assistant, question, "86家")


def test_english_question_about_a_place_no_report_names_is_refused(assistant) -> None:
    text = _refused(assistant, "What was Hefei's GDP in 2022?")
    assert "Hefei" in text
    _answered(assistant, "How many tourists did Lanjiang city receive in 2022?", "1860万人次")


def test_english_place_mentions_read_as_pinyin() -> None:
    assert english_place_mentions("What was Hefei's GDP in 2024?") == ["Hefei"]
    assert english_place_mentions("How much did Caogou town collect?") == ["Caogou"]
    assert english_place_mentions("What's the GDP of Japan's capital?") == []  # not pinyin
    assert english_place_mentions("the Xiandai City (现代城) building") == []  # glossed in Chinese
    assert english_place_mentions("for the Xinyidai credit platform") == []  # not where a place stands
    assert is_pinyin("Zhuangzhou") and not is_pinyin("What")


# ------------------------------------------------------------------------------------------------ targets


def test_a_target_question_without_a_target_sentence_is_refused(assistant) -> None:
    # The report states the achieved output only; the target question must not get it.
    text = _refused(assistant, "澜江市2023年新能源汽车产量的目标是多少？")
    assert "2.1万辆" not in text
    _refused(assistant, "澜江市2023年粮食总产量的预期目标是多少？")
    # A target the report does state is answered.
    _answered(assistant, "澜江市2023年计划新建多少个5G基站？", "1200个")


# ------------------------------------------------------------------------------------------------ question parts


@pytest.mark.parametrize(
    ("question", "absent", "present"),
    [
        ("木洞镇政府工作报告是由谁在哪次会议上作的？", ("由谁", "谁"), ("会议",)),
        ("社零实现145.98亿的那个街道，社零总量在全区排第几？", ("那个", "街道"), ("社零",)),
        ("新塘街道完成工业投资多少？在全区处于什么位置？", ("处于", "位置"), ("工业", "投资")),
        ("江苏省“十三五”末一般公共预算收入是多少？", ("十三", "三五", "末一"), ("预算",)),
        ("大冶那个街道2024年要筑牢哪些底线？", ("要筑",), ("筑牢", "底线")),
        ("嘉兴市重点抓好哪几个方面的工作？第一项是什么？", ("第一", "一项"), ("抓好",)),
    ],
)
def test_asking_words_are_not_content(question, absent, present) -> None:
    terms = understand(question, QueryAnalysis(), []).terms
    assert not set(absent) & set(terms), terms
    assert set(present) <= set(terms), terms


def test_question_reads_items_ranks_and_several_asks() -> None:
    q = understand("咸宁市重点抓好几个方面的工作？第二项是什么？", QueryAnalysis(), [])
    assert q.item == 2
    assert understand("新塘街道在全区处于什么位置？", QueryAnalysis(), []).asks_rank
    assert understand("三明市地区生产总值是多少？增长多少？", QueryAnalysis(), []).several
    assert understand("文新街道财政总收入和一般公共预算收入分别是多少？", QueryAnalysis(), []).several
    assert not understand("三明市地区生产总值是多少？", QueryAnalysis(), []).several
    assert [item_number(t) for t in ("（一）打造", "二是加快", "3.推进", "第四，", "一体化")] == [1, 2, 3, 4, None]


def test_a_short_name_that_is_an_everyday_word_does_not_name_the_place() -> None:
    from rag.answering.retrieval import analyze_query

    # "建设" of 建设街道 is the verb in "高标准农田建设"; the full name still names it, and names stay short.
    assert analyze_query("平湖镇高标准农田建设面积在全县排名如何？", ["建设街道", "平湖镇"]).places == ("平湖镇",)
    assert analyze_query("建设街道反诈APP推广完成率排第几？", ["建设街道"]).places == ("建设街道",)
    assert analyze_query("西林上半年GDP是多少？", ["西林街道"]).places == ("西林街道",)
