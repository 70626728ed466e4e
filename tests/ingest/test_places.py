"""rag/ingest/detect: a report's place at every level, its parents, years and kind, on real and synthetic reports."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rag.config import ROOT
from rag.ingest.detect import detect_meta
from rag.ingest.detect.facts import describe
from rag.ingest.documents import ReportMeta
from rag.ingest.manifest import read_manifest
from rag.ingest.metadata import merge_meta
from rag.text.places import LEVELS, Place, aliases, level_of, pinyin, short_name

SEEDS = ROOT / "seeds"
CORPUS = ROOT.parent / "shared" / "corpus"
if not CORPUS.is_dir():  # a worktree sits beside /work/main; shared/ is next to both
    CORPUS = ROOT.parents[1] / "shared" / "corpus"


def _corpus_truth() -> list[tuple[str, str, str, int, int]]:
    """(file, place, level, year reviewed, year planned) from the corpus's SOURCES.md table."""
    rows = []
    for line in (CORPUS / "SOURCES.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) < 5 or not cells[0].endswith(".txt"):
            continue
        place = "全国" if cells[1].startswith("国务院") else cells[1]
        reviewed = re.search(r"回顾.*?(\d{4})年", cells[4])
        planned = re.search(r"部署(\d{4})年", cells[4])
        rows.append((cells[0], place, cells[2], int(reviewed.group(1)), int(planned.group(1))))
    return rows


CORPUS_TRUTH = _corpus_truth() if (CORPUS / "SOURCES.md").is_file() else []


def test_the_corpus_truth_table_was_read() -> None:
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is not beside this checkout")
    assert len(CORPUS_TRUTH) == 18


@pytest.mark.parametrize(("name", "place", "level", "year", "plan_year"), CORPUS_TRUTH)
def test_government_reports_of_the_corpus(name: str, place: str, level: str, year: int, plan_year: int) -> None:
    meta = detect_meta((CORPUS / name).read_text(encoding="utf-8"), name)
    assert (meta.name, meta.level, meta.year, meta.plan_year, meta.kind) == (
        place,
        level,
        year,
        plan_year,
        "政府工作报告",
    )
    assert meta.source_of("place") == ("detected", 0.95)  # stated in the congress line
    # A 市 report's parents are at most its province: never a made-up district ("大湾区", "建成区").
    assert all(level_of(p) == "省" for p in meta.parents)
    assert meta.period == "全年"


def test_parents_of_city_reports_are_their_provinces() -> None:
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is not beside this checkout")
    expected = {"01": "浙江省", "04": "湖北省", "06": "福建省", "09": "安徽省", "15": "江西省", "16": "吉林省"}
    for prefix, province in expected.items():
        (path,) = CORPUS.glob(f"{prefix}_*.txt")
        assert detect_meta(path.read_text(encoding="utf-8"), path.name).parents == (province,), path.name
    for prefix in ("17", "18"):  # a province and the State Council have no parent
        (path,) = CORPUS.glob(f"{prefix}_*.txt")
        assert detect_meta(path.read_text(encoding="utf-8"), path.name).parents == ()


# The five seeds, without their manifest. Truth: seeds/manifest.csv; kind and plan_year read from each report.
# 001 never names itself (荷花池 only in slogans and as its 社区) and 002 never states a year: those stay empty.
SEED_TRUTH = {
    "000": ("新闸街道", "半年总结", 2021, 2021),
    "001": (None, "半年总结", 2022, 2022),
    "002": ("西林街道", "半年总结", None, None),
    "003": ("秦灶街道", "工作计划", 2020, 2021),
    "004": ("河海街道", "年度总结", 2017, 2018),
}


@pytest.mark.parametrize("prefix", sorted(SEED_TRUTH))
def test_seed_reports_without_manifest(prefix: str) -> None:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    manifest = read_manifest(SEEDS / "manifest.csv")[path.name]
    meta = detect_meta(path.read_text(encoding="utf-8"), path.name)
    place, kind, year, plan_year = SEED_TRUTH[prefix]
    assert (meta.name, meta.level, meta.kind, meta.year, meta.plan_year) == (place, "街道", kind, year, plan_year)
    assert meta.name in (None, manifest.name)
    assert meta.year in (None, manifest.year)
    assert set(meta.parents) <= set(manifest.parents)  # never a made-up parent
    if place is None:
        assert meta.source_of("place") == ("unknown", 0.0)


# ------------------------------------------------------------------------------------------------ each level

DISTRICT = (
    "政府工作报告\n——2023年1月10日在常州市钟楼区第十八届人民代表大会第三次会议上\n区长 张明\n各位代表：\n"
    "现在，我代表区人民政府向大会报告工作，请予审议。\n一、2022年工作回顾\n"
    "2022年，全区上下在市委、市政府和区委的坚强领导下，实现地区生产总值1300亿元。南大街街道、西林街道、"
    "荷花池街道、五星街道协同推进城市更新，西林街道西林街道西林街道产业招引成效明显，全区经济位列全市第一。\n"
    "二、2023年工作安排\n2023年，全区主要预期目标是：地区生产总值增长6%左右。"
)
COUNTY_CITY = (
    "——2021年2月20日在义乌市第十七届人民代表大会第六次会议上\n市长 王健\n各位代表：\n"
    "现在，我代表市人民政府向大会报告工作。\n一、2020年工作回顾\n"
    "2020年，在金华市委、市政府和义乌市委的坚强领导下，全市上下统筹疫情防控和经济社会发展。"
    "佛堂镇、稠城街道、苏溪镇各镇街齐头并进，全市实现地区生产总值1485亿元。全市外贸进出口增长。"
)
PREFECTURE = (
    "政府工作报告\n——2021年1月18日在甘孜藏族自治州第十二届人民代表大会第五次会议上\n州长 肖友才\n各位代表：\n"
    "现在，我代表州人民政府向大会报告工作。\n一、2020年工作回顾\n"
    "一年来，在四川省委、省政府和州委的坚强领导下，全州上下团结奋进，全州地区生产总值增长。"
    "康定市、泸定县、丹巴县、理塘县共同发展，四川省下达的任务全面完成。全省同步小康，四川甘孜建设提速。"
)
LEAGUE = (
    "阿拉善盟2022年工作总结和2023年工作计划\n2022年，全盟上下在自治区党委的坚强领导下，全盟经济稳中向好。"
    "阿拉善左旗、阿拉善右旗、额济纳旗各旗协调发展，全盟实现地区生产总值360亿元。\n2023年工作计划：全盟将继续努力。"
)
TOWN = (
    "今年以来，梅林镇在县委县政府的坚强领导下，全镇上下团结一心，完成一般公共预算收入3.2亿元。"
    "各村加快发展，梅林村、东风村、新桥村成绩突出。\n二、下半年工作计划\n镇党委将继续努力，全镇要再接再厉。"
)
COUNTY = (
    "平阳县2019年工作总结和2020年工作思路\n2019年，在温州市委、市政府和县委的坚强领导下，全县上下奋力拼搏。"
    "鳌江镇鳌江镇鳌江镇、昆阳镇、水头镇、萧江镇各镇协同推进，全县实现地区生产总值520亿元。全县财政总收入增长。"
    "\n2020年工作思路：全县将继续推进高质量发展。"
)


@pytest.mark.parametrize(
    ("text", "place", "level", "parents", "year", "plan_year", "kind"),
    [
        (DISTRICT, "钟楼区", "区", ("常州市",), 2022, 2023, "政府工作报告"),
        (COUNTY_CITY, "义乌市", "县级市", ("金华市",), 2020, 2021, "政府工作报告"),
        (PREFECTURE, "甘孜藏族自治州", "自治州", ("四川省",), 2020, 2021, "政府工作报告"),
        (LEAGUE, "阿拉善盟", "盟", (), 2022, 2023, "年度总结"),
        (TOWN, None, "镇", (), None, None, None),
        (COUNTY, "平阳县", "县", ("温州市",), 2019, 2020, "年度总结"),
    ],
    ids=["district", "county-level city", "autonomous prefecture", "league", "town-unnamed", "county"],
)
def test_each_level(text: str, place, level, parents, year, plan_year, kind) -> None:
    facts = describe(text, "report.txt")
    assert (facts.place, facts.level, facts.parents, facts.year, facts.plan_year, facts.kind) == (
        place,
        level,
        parents,
        year,
        plan_year,
        kind,
    )


def test_sub_units_a_report_mentions_are_not_its_place() -> None:
    # A 区 report naming its 街道 over and over is still the 区's report; a county's 镇 are not the county.
    for text, place in ((DISTRICT, "钟楼区"), (COUNTY, "平阳县")):
        meta = detect_meta(text, "x.txt")
        assert meta.name == place and meta.level == level_of(place)


def test_town_named_by_the_file_name() -> None:
    meta = detect_meta(TOWN, "梅林镇2024年上半年工作总结.txt")
    assert (meta.name, meta.level, meta.year, meta.plan_year, meta.kind) == ("梅林镇", "镇", 2024, 2024, "半年总结")


def test_unsure_fields_stay_empty() -> None:
    facts = describe("本文没有说明它是谁的报告，也没有年份。各地区、各部门要抓好落实。", "a.txt")
    assert (facts.place, facts.level, facts.parents, facts.year, facts.plan_year, facts.kind) == (
        None,
        None,
        (),
        None,
        None,
        None,
    )
    assert facts.confidence == ()


def test_rank_scopes_are_not_self_references() -> None:
    # "位列全区第一" is the parent's scope; a 街道 report full of such ranks is still a 街道 report.
    text = "今年以来，街道上下齐心协力。街道统筹发展，街道党工委带头。" + "增幅5%，位列全区第一；" * 8
    assert describe(text, "x.txt").level == "街道"


def test_manifest_values_win_and_say_so() -> None:
    detected = detect_meta(DISTRICT, "x.txt")
    meta = merge_meta(detected, ReportMeta(place=Place("天宁区", "区"), plan_year=2024))
    assert (meta.name, meta.level, meta.parents, meta.plan_year, meta.year) == ("天宁区", "区", ("常州市",), 2024, 2022)
    assert meta.source_of("place") == ("manifest", 1.0)
    assert meta.source_of("year")[0] == "detected"


def test_names_and_short_forms() -> None:
    assert [level_of(n) for n in ("甘孜藏族自治州", "钟楼区", "义乌市", "西林街道", "江苏省", "广西壮族自治区")] == [
        "自治州",
        "区",
        "市",
        "街道",
        "省",
        "省",
    ]
    assert set(LEVELS) >= {"街道", "镇", "乡", "区", "县", "县级市", "市", "州", "自治州", "盟", "省", "国家"}
    assert short_name("嘉兴市") == "嘉兴" and short_name("甘孜藏族自治州") == "甘孜"
    assert aliases("甘孜藏族自治州") == ["甘孜藏族自治州", "甘孜", "甘孜州"]
    assert "博州" in aliases("博尔塔拉蒙古自治州") and "版纳" in aliases("西双版纳傣族自治州")
    assert "西双版纳" in aliases("西双版纳傣族自治州")
    assert pinyin("嘉兴市") == "jiaxing" and pinyin("咸宁市") == "xianning"


def test_seed_path_exists() -> None:
    assert Path(SEEDS / "manifest.csv").is_file()


def test_a_short_report_naming_itself_once_as_the_subject() -> None:
    text = (
        "一、2023年工作总结\n2023年,东湖街道坚持稳中求进工作总基调,在区委区政府的坚强领导下,"
        "完成一般公共预算收入2.1亿元,同比增长5.2%。\n(一)精准服务企业。"
    )
    meta = detect_meta(text, "x.txt")
    assert (meta.name, meta.level, meta.year, meta.kind) == ("东湖街道", "街道", 2023, "年度总结")
    assert meta.source_of("place") == ("detected", 0.5)  # named once: shown as uncertain


def test_a_guangdong_subdistrict_that_calls_itself_x_jie() -> None:
    # 广州's 街道 write "市桥街…全街干部群众" (eval/reports/113); a shopping street ("步行街") is never a place.
    text = (
        "2021年工作总结\n2021年,东涌街团结带领全街干部群众增强“四个意识”,推动经济社会发展取得新成效。"
        "一年来,全街上下深入开展调研,完成固定资产投资12.3亿元。\n二是改造北门步行街,建成美食街1条。"
    )
    meta = detect_meta(text, "x.txt")
    assert (meta.name, meta.level, meta.year) == ("东涌街道", "街道", 2021)
    once = text.replace("全街上下", "镇上下")  # one self-reference is too little to trust a short name
    assert detect_meta(once, "x.txt").name is None


def test_a_year_reviewed_then_the_next_planned() -> None:
    text = "2023年,在市委的坚强领导下,街道上下团结一心,各项事业高质量发展。2024年,要坚定信心,锚定奋斗目标。"
    facts = describe(text, "x.txt")
    assert (facts.place, facts.level, facts.year, facts.plan_year, facts.kind) == (None, "街道", 2023, 2024, "年度总结")


EVAL_REPORTS = ROOT / "eval" / "reports"


@pytest.mark.skipif(not (EVAL_REPORTS / "SOURCES.md").is_file(), reason="eval/reports not in this checkout")
def test_collected_street_and_town_reports_never_get_a_made_up_place() -> None:
    from bench.places import score

    result = score(EVAL_REPORTS)
    for row in result["reports"]:
        got, truth = row["detected"], row["truth"]
        assert got["place"] in (None, truth["place"]), row["file"]  # empty when unsure, never another name
        assert got["level"] in (None, truth["level"]), row["file"]
        assert got["year"] in (None, truth["year"]), row["file"]


# Openings of real 政府工作报告 of 省-level units (../shared/corpus-large) that never write their own name in a formal
# line: they speak as 自治区/省 ("我代表自治区人民政府") and name themselves only in the body.
_NEIMENGGU_2022 = "各位代表：\n\n现在，我代表自治区人民政府，向大会报告工作，请予审议，并请自治区政协委员提出意见。\n\n一、“十四五”开局起步之年的工作回顾\n\n过去的一年，是党和国家历史上具有里程碑意义的一年，也是内蒙古发展历程中很不平凡的一年。在习近平总书记亲切关怀和党中央坚强领导下，我们深入学习贯彻习近平新时代中国特色社会主义思想特别是习近平总书记对内蒙古重要讲话重要指示批示精神，全面贯彻落实党中央、国务院决策部署和自治区党委要求，紧紧依靠全区各族人民推动各项事业发展，以“十四五”良好开局庆祝党的百年华诞。\n\n一年来，我们直面各种困难和挑战，稳中求进、负重奋进，在自治区党委带领下着重抓了几件要事难事。精心编制规划体系，紧紧围绕贯彻落实习近平总书记和党中央为内蒙古确定的战略定位和行动纲领，按照自治区党委“十四五”规划建议，坚持一张蓝图绘到底，在开局之年基本编制完成各类综合规划和专项规划，绘就了“十四五”发展的施工图。全面挖潜保障煤电供应，坚持保大"
_NEIMENGGU_2026 = "<!-- 自治区人民政府主席包钢作政府工作报告。 本报记者 韩卿立 摄 -->\n\n自治区人民政府主席 包钢\n\n各位代表：\n\n现在，我代表自治区人民政府向大会报告工作，请予审议，并请各位政协委员和列席同志提出意见。\n\n“十四五”时期发展成就和2025年工作回顾\n\n“十四五”时期内蒙古发展历程极不平凡。2023年6月习近平总书记亲临内蒙古考察并发表重要讲话，勉励我们在中国式现代化建设中闯出新路来，为内蒙古发展注入了强大动力。国务院出台《关于推动内蒙古高质量发展奋力书写中国式现代化新篇章的意见》，44个国家部委制定配套支持文件，为内蒙古发展带来了重大机遇。在自治区党委正确领导下，我们坚持以习近平新时代中国特色社会主义思想为指导，深入学习贯彻习近平总书记对内蒙"
_GUANGXI_2023 = "各位代表：\n\n现在，我代表自治区人民政府，向大会报告政府工作，请予审议，并请自治区政协委员和列席会议的同志提出意见。\n\n一、2022年和过去五年工作回顾\n\n刚刚过去的2022年，是党的二十大胜利召开之年。全区各族人民牢记领袖嘱托、勇担历史使命，坚决贯彻落实党中\n\n全面启动中石油广西石化炼化一体化转型升级项目，推进桐昆钦州绿色化工基地一期等“双百双新”项目483个。\n\n推进工业数字化升级，新培育智能工厂、数字化车间各70家，建成“星火·链网”超级节点，创建广西（柳州）国家级车联网先导区。\n\n加强全国采购商广西行产销对接。"
_GANSU_2020 = "各位代表：\n\n我代表省人民政府，向大会报告工作，请予审议，并请省政协委员和其他列席人员提出意见。\n\n一、2019年工作回顾\n\n刚刚过去的一年，是甘肃发展历程中极为特殊、极不平凡的一年。习近平总书记3月份参加全国两会甘肃代表团审议、8月份亲临甘肃视察，连续两次对我省工作作出重要指示，给全省干部群众巨大鼓舞和极大鞭策。在省委的坚强领导下，全省上下坚持以习近平新时代中国特色社会主义思想为引领，认真学习贯彻习近平总书记对甘肃重要讲话和指示精神，全面落实党中央、国务院各项决策部署，坚持稳中求进工作总基调，落实高质量发展要求，笃定实干、克难进取，推动各项事业取得明显进步，呈现出经济平稳运行、改革有序推进、开放不断扩大、民生持续改善、社会和谐稳定的良好局面。\n\n一年来，我们的一切工作都向习近平总书记重要讲话重要指示精神对标对表，按照省委的部署要求，着重在打好具体落实战役上狠下功夫。我们紧紧扭住两大底线任务，敢死拼命抓脱贫，动真碰硬促整治，提升"
_SHANXI_2026 = "各位代表：\n\n现在，我代表省人民政府向大会报告工作，请予审议，并请省政协委员和其他列席人员提出意见。\n\n一、“十四五”时期工作回顾\n\n“十四五”时期是我省发展历程中极不寻常、极不平凡的五年。在省委坚强领导下，全省上下坚持以习近平新时代中国特色社会主义思想为指导，认真贯彻习近平总书记对山西工作的重要讲话重要指示精神，坚决贯彻党中央、国务院决策部署，克服新冠肺炎疫情、能源市场波动和经济下行压力加大等困难挑战，坚定不移推动高质量发展、深化全方位转型，“十四五”规划主要目标任务基本完成，各项事业发展取得新进步新成就，中国式现代化山西实践迈出新的坚实步伐！\n\n——经济运行稳中有进。地区生产总值超过2.5万亿元、年均增长5%。人均GDP从2020年的5.2万元提高到2025年的7.4万元。“两新”政策持续扩围提质，196个“两重”项目全部开工。开展重大项目建设年行动，实施省级重点工程项目超2000个，完成投资超万亿元。\n\n——能源革命纵深推"


@pytest.mark.parametrize(
    ("opening", "place"),
    [
        (_NEIMENGGU_2022, "内蒙古自治区"),
        (_NEIMENGGU_2026, "内蒙古自治区"),  # also a speaker line "自治区人民政府主席 包钢"
        (_GUANGXI_2023, "广西壮族自治区"),
    ],
)
def test_an_autonomous_region_is_the_province_level_place_never_the_word_zizhiqu(opening: str, place: str) -> None:
    meta = detect_meta(opening, "report.txt")
    assert (meta.place.name, meta.place.level) == (place, "省")
    assert not meta.place.parents  # no 市 it merely names becomes its parent


@pytest.mark.parametrize(("opening", "place"), [(_GANSU_2020, "甘肃省"), (_SHANXI_2026, "山西省")])
def test_a_province_report_without_a_title_gets_the_province_its_body_names(opening: str, place: str) -> None:
    meta = detect_meta(opening, "report.txt")
    assert (meta.place.name, meta.place.level) == (place, "省")
    assert meta.source_of("place")[1] < 0.7  # a body signal: shown as uncertain


def test_a_province_level_report_naming_no_province_clearly_gets_no_place() -> None:
    # Two provinces named equally often: which one is the report's own is unknowable -> no made-up name.
    opening = (
        _GANSU_2020.split("一、")[0] + "一、工作回顾\n\n甘肃与陕西深化区域协作，陕西企业落户甘肃，甘肃产品进入陕西。"
    )
    meta = detect_meta(opening, "report.txt")
    assert meta.place.name is None and meta.place.level == "省"


# Openings of real 州 政府工作报告 (贵州 黔南, 甘肃 甘南) that speak as "州" and name themselves only in the body, in a
# document title (《黔南州…纲要》) or a party committee (中共黔南州委).
_QIANNAN_2021 = "（2021年3月29日在州十四届人民代表大会第七次会议上）\n\n代州长钟阳\n\n各位代表：\n\n现在，我代表州人民政府向大会作工作报告，请予审议，并请州政协委员和其他列席同志提出意见和建议。\n\n根据《中共黔南州委关于制定黔南州国民经济和社会发展第十四个五年规划和二〇三五年远景目标的建议》，州政府组织编制了《黔南州国民经济和社会发展第十四个五年规划和二〇三五年远景目标纲要（草案）》，提请大会审议。"
_GANNAN_2023 = "各位代表：\n\n现在，我代表州人民政府，向大会报告工作，请予审议，并请各位政协委员和列席人员提出意见。\n\n新认证“三品一标”产品8个，阿孜畜牧科技示范园认定为国家级牦牛保种场，甘南州入选第三批国家农业绿色发展先行区创建名单。\n\n创新实施文化惠民工程，提升公共文化服务设施数字化水平，改造提升村级综合性文化服务中心，重点扶持2家文化产业骨干企业，编纂完成《甘南州扶贫开发志》。"


@pytest.mark.parametrize(("opening", "place"), [(_QIANNAN_2021, "黔南州"), (_GANNAN_2023, "甘南州")])
def test_a_prefecture_state_report_without_a_title_gets_the_state_it_names_formally(opening: str, place: str) -> None:
    meta = detect_meta(opening, "report.txt")
    assert (meta.place.name, meta.place.level) == (place, "州")
    assert meta.source_of("place")[1] < 0.7  # a body signal: shown as uncertain


def test_a_state_named_formally_only_once_is_not_enough() -> None:
    # One 《…》 mention and no other: too weak to name the report (a missing place beats a wrong one).
    opening = _GANNAN_2023.split("新认证")[0] + "编纂完成《甘南州扶贫开发志》。"
    assert detect_meta(opening, "report.txt").place.name is None


# Real 市 report text (河北 石家庄, 福建 三明) that never names its city formally and writes "力争市区…": a verb before
# 市区 (the city's urban area) is no city's name.
_SHIJIAZHUANG_2016 = "一、“十二五”时期工作回顾\n\n强力推进市区交通拥堵治理，通过实施堵点改造、完善道路配套设施、优化交通组织等综合措施，力争市区道路拥堵问题得到有效缓解。力争到2020年，研发投入占GDP的比重达到2.6%，全市科技型中小企业达到8000家，科技进步贡献率达到58%。到2020年，新建20家院士工作站、5个高技能人才培训基地，力争培养10万名各行各业高技能人才。力争到2020年，规模以上工业增加值年均增长6.5%以上，主营业务收入超100亿元企业达到10家。"
_SANMING_2023 = "深入打好污染防治攻坚战。深化“蓝天工程”，持续抓好钢铁水泥行业超低排放改造、燃煤锅炉整治，强化城市扬尘、餐饮油烟管控，力争市区空气质量优良天数比率达99.2%以上。\n\n一年来，我们坚持以习近平新时代中国特色社会主义思想为指导，认真学习宣传贯彻党的二十大精神，深入贯彻落实习近平总书记来福建、来三明考察重要讲话重要指示精神，在省委省政府和市委领导下，全面落实疫情要防住、经济要稳住、发展要安全重要要求，聚焦“三提三效”、聚力真抓实干，有力克服了宏观经济下行、疫情反复、天气前涝后旱等多重超预期因素冲击，扎实做好“两稳一保一防”各项工作，全市经济社会发展取得了新的成效。初步统计，全市地区生产总值3100亿元，增长3.5%；地方一般公共预算收入111.35亿元，同口径增长6.35%；固定资产投资1205亿元，增长8.3%；社会消费品零售总额886亿元，增长4.0%；外贸出口136.6亿元，增长17.3%；城镇居民、农村居民人均可支配收入分别增长5.5%、7.0%。做好“农业+”文章，加快先正达中国水稻种子供应链创新中心、温氏畜禽产业园等项目建设，大力发展预制菜产业，力争新培育省级以上龙头企业15家；鼓励发展各具特色的农家乐、农事体验等业态，促进农业就地增值、农民就近增收。实施传统优势产业技改赋能工程，加快钢铁与装备制造、新型建材、高端纺织等产业智能化改造、数字化转型，力争全市传统产业技改面90%以上，增强核心竞争力。"


@pytest.mark.parametrize("text", [_SHIJIAZHUANG_2016, _SANMING_2023])
def test_a_verb_before_shiqu_is_never_a_city(text: str) -> None:
    meta = detect_meta(text, "report.txt")
    assert meta.place.name is None and meta.place.level == "市"  # not "力争市": a missing place beats a wrong one


# Real openings that never name their place formally (安徽 合肥 2020 names 巢湖市, a county-level city, in its body;
# 内蒙古 鄂尔多斯 2018 and 云南 文山 2022 speak only as 市/州): the file name, numbered as folders of reports often are,
# names the place.
_HEFEI_2020 = "各位代表：\n\n现在，我代表市人民政府向大会报告工作，请予审议，并请政协委员和其他列席人员提出意见。\n\n一、2019年工作回顾\n\n全市地区生产总值9409.4亿元、增长7.6%。巢湖市获批国家全域旅游示范区，巢湖市农村人居环境整治成效明显，巢湖市成功创建省级文明城市。"
_ORDOS_2018 = "各位代表：\n\n本届政府2013年1月就职，任期即将结束。现在，我代表市人民政府向大会报告工作，请予审议，并请市政协委员和列席人员提出意见。\n\n一、过去五年工作回顾\n\n市三届人大一次会议以来的五年，鄂尔多斯走过了极不平凡的奋斗历程。"
_WENSHAN_2022 = "——2022年2月10日在州第十五届人民代表大会第一次会议上\n\n马忠俊\n\n各位代表：\n\n现在，我代表州第十四届人民政府，向大会报告工作，请予审议，并请州政协委员和列席人员提出意见。\n\n一、2021年和过去五年工作回顾\n\n2021年是党和国家历史上具有里程碑意义的一年，是文山发展进程中极不平凡的一年。"


@pytest.mark.parametrize(
    ("opening", "filename", "place"),
    [
        (_HEFEI_2020, "175_合肥市_2020.txt", "合肥市"),
        (_ORDOS_2018, "02-鄂尔多斯市政府工作报告.docx", "鄂尔多斯市"),
        (_WENSHAN_2022, "3. 文山壮族苗族自治州2022年政府工作报告.pdf", "文山壮族苗族自治州"),
    ],
)
def test_a_numbered_file_name_names_a_report_that_never_names_itself(opening: str, filename: str, place: str) -> None:
    assert detect_meta(opening, filename).place.name == place
    assert detect_meta(opening, "report.txt").place.name != place  # the text alone does not say it
