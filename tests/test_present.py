"""rag.present: the UI's pure helpers (labels, escaping + highlighting, citation badges, indicator tables)."""

from __future__ import annotations

import re

import pytest
from helpers import assert_inert_markdown, render_markdown, visible_text

from rag import present
from rag.answering.verify import citations_in
from rag.indexing.indicators import Indicator
from rag.ingest.documents import ReportMeta
from rag.text.places import Place

XILIN = ReportMeta(place=Place("西林街道", "街道", ("常州市", "钟楼区")), year=2024, period="上半年")


def _indicator(
    metric: str, value: float | None, unit: str = "亿元", period: str | None = "1-6月", start: int = 0
) -> Indicator:
    text = "" if value is None else f"{value:g}"
    return Indicator(
        metric, metric, value, text, unit, None, None, None, None, None, None, None, period, start, start + 10
    )


# ---------------------------------------------------------------------------------------------- labels


def test_labels_leave_out_missing_parts():
    assert present.period_label(XILIN) == "2024年上半年"
    assert present.period_label(ReportMeta(period="全年")) == "全年"
    assert present.period_label(ReportMeta()) == ""
    assert (
        present.source_label(XILIN, "一是致力产业培育", "002.txt")
        == "西林街道 · 数据期 2024年上半年 · 002.txt · 一是致力产业培育"
    )
    assert present.source_label(ReportMeta(), "", "x.txt") == "未识别地点 · x.txt"
    assert present.report_label(XILIN, "002.txt") == "西林街道 · 数据期 2024年上半年 · 002.txt"


def test_source_label_says_which_year_the_figures_describe_and_what_the_report_is():
    """A 2021 plan reviews 2020: "2020年 全年 · 秦灶街道2021年工作计划" read as a contradiction."""
    plan = ReportMeta(place=Place("秦灶街道", "街道"), year=2020, period="全年", title="秦灶街道2021年工作计划")
    label = present.source_label(plan, "一、2020年工作回顾", "003.txt")
    assert label == "秦灶街道 · 数据期 2020年全年 · 《秦灶街道2021年工作计划》 · 一、2020年工作回顾"


def test_format_timestamp():
    assert present.format_timestamp("2026-11-23T11:15:38+00:00") == "2026-11-23 11:15 UTC"
    assert present.format_timestamp("2026-11-23T19:15:38+08:00") == "2026-11-23 11:15 UTC"
    assert present.format_timestamp(None) == "—"
    assert present.format_timestamp("yesterday") == "yesterday"


def test_progress_state_is_bounded_and_labelled():
    assert present.progress_state("embed", 12, 48) == (0.25, "嵌入段落 embedding passages：12/48")
    assert present.progress_state("embed", 0, 0)[0] == 1.0
    assert present.progress_state("copy", 999, 10)[0] == 1.0
    assert present.progress_state("done", 1, 1) == (1.0, "完成 done")
    assert present.progress_state("mystery", 1, 2) == (0.5, "mystery：1/2")


# ---------------------------------------------------------------------------------------------- citations


@pytest.mark.parametrize(
    "text",
    ["西林街道：17.03亿元[1]。", "见[1, 3]与【2】", "［2］和[1-3]", "no markers", "[12][2][12]", "[1，2、4]"],
)
def test_cited_ranks_agree_with_verify(text):
    assert present.cited_ranks(text) == citations_in(text)


def test_answer_markdown_badges_and_escapes():
    md = present.answer_markdown("西林<b>第一</b> $5 ~x~ [1][3]", n_sources=2)
    assert "<b>" not in md and "&lt;b&gt;第一&lt;/b&gt;" in md
    assert "\\$5" in md and "\\~x\\~" in md
    assert '<sup class="cite" title="来源 1 source">[1]</sup>' in md
    assert 'class="cite cite-bad"' in md and "[3]</sup>" in md  # source 3 does not exist
    assert present.answer_markdown("", 3) == ""


def test_answer_markdown_expands_groups():
    md = present.answer_markdown("A[1, 2]", n_sources=2)
    assert md.count("<sup") == 2 and md.startswith("A<sup")


def test_escape_markdown_keeps_plain_text():
    assert present.escape_markdown("固定资产投资17.03亿元") == "固定资产投资17.03亿元"
    assert present.escape_markdown("a<script>") == "a&lt;script&gt;"


# ---------------------------------------------------------------------------------------------- highlighting


def test_merge_spans_clips_merges_and_sorts():
    assert present.merge_spans([(5, 8), (0, 3), (2, 4), (8, 9), (20, 30), (7, 7)], 1, 25) == [(1, 4), (5, 9), (20, 25)]
    assert present.merge_spans([], 0, 10) == []


def test_highlight_uses_report_offsets():
    passage = "一是致力产业培育。固定资产投资17.03亿元,位列全区第一;制造业投资1亿元。"
    offset = 300  # the passage starts at report offset 300
    sentence = "固定资产投资17.03亿元,位列全区第一;"
    start = offset + passage.index(sentence)
    out = present.highlight_html(passage, [(start, start + len(sentence))], offset=offset, mark_id="hl-1")
    assert out == f'一是致力产业培育。<mark id="hl-1">{sentence}</mark>制造业投资1亿元。'


def test_highlight_escapes_everything_and_ignores_outside_spans():
    text = 'a<script>alert("x")</script>&b\n\nc'
    out = present.highlight_html(text, [(1, 9), (500, 600)])
    assert "<script>" not in out
    assert out.startswith("a<mark>&lt;script&gt;</mark>alert(&quot;x&quot;)&lt;/script&gt;&amp;b")
    assert "\n" not in out and out.endswith("<br><br>c")  # no blank line can end the HTML block
    assert out.count("<mark") == 1


def test_passage_html_is_one_block():
    html = present.passage_html("x\n\ny", [(0, 1)])
    assert html == '<div class="passage"><mark>x</mark><br><br>y</div>'


def test_report_html_marks_and_scrolls():
    text = "前言。\n" + "填充文字。" * 200 + "\n固定资产投资17.03亿元。" + "结尾" * 50
    start = text.index("固定资产投资")
    mark = present.mark_id_for("sub/002_fe0a.txt", start)
    assert re.fullmatch(r"hl-[A-Za-z0-9-]+", mark)
    out = present.report_html(text, [(start, start + len("固定资产投资17.03亿元"))], mark_id=mark)
    assert f'<mark id="{mark}">固定资产投资17.03亿元</mark>' in out
    assert f'document.getElementById("{mark}")' in out and "scrollIntoView" in out
    assert "overflow-y:auto" in out
    script = out[out.index("<script>") + len("<script>") : out.index("</script>")]
    assert not re.search(r"<[/\w]", script)  # DOMPurify would drop the script
    # Report text cannot inject markup: the only script is ours.
    evil = present.report_html("<script>alert(1)</script>", [], mark_id="hl")
    assert evil.count("<script>") == 1 and "&lt;script&gt;alert(1)" in evil


def test_report_html_shows_page_breaks_and_table_rows():
    # A PDF's pages are separated by a form-feed line (rag.ingest.normalize.PAGE_BREAK); a table row is one line.
    text = "第一页的文字。\n\f\n指标：高新技术企业数；完成值：47家；同比增幅：17.5%\n第二页的文字。"
    row = text.index("指标")
    out = present.report_html(text, [(row, text.index("\n", row))])
    assert out.count('class="page-break"') == 1 and "\f" not in out
    assert "<mark" in out and "指标：高新技术企业数；完成值：47家；同比增幅：17.5%</mark><br>第二页" in out


# ---------------------------------------------------------------------------------------------- indicators


def _rows():
    metas = {
        "a.txt": XILIN,
        "b.txt": ReportMeta(place=Place("新闸街道", "街道"), year=2021, period="上半年"),
        "c.txt": ReportMeta(place=Place("河海街道", "街道"), year=2017, period="全年"),
    }
    indicators = [
        ("a.txt", _indicator("固定资产投资", 17.03, start=10)),
        ("a.txt", _indicator("固定资产投资", 16.6, start=50)),
        ("b.txt", _indicator("固定资产投资", 7.25)),
        ("b.txt", _indicator("固定资产投资", 3000, unit="万元")),
        ("a.txt", _indicator("居民人均可支配收入", None)),
        ("c.txt", _indicator("地区生产总值", 112, period="2017年")),
    ]
    return present.indicator_rows(indicators, metas)


def test_indicator_rows_join_report_meta():
    rows = _rows()
    assert [r.row_id for r in rows] == list(range(6))
    first = rows[0]
    assert (first.place, first.year, first.period, first.value_text, first.start) == (
        "西林街道",
        2024,
        "1-6月",
        "17.03亿元",
        10,
    )
    assert first.label() == "西林街道 · 2024年 1-6月 · 固定资产投资 17.03亿元"
    assert rows[5].period_label == "2017年"  # not "2017年 2017年"
    assert rows[0].as_dict()["数值"] == "17.03亿元"


def test_filter_rows():
    rows = _rows()
    assert len(present.filter_rows(rows)) == 6
    assert {r.place for r in present.filter_rows(rows, places=["新闸街道"])} == {"新闸街道"}
    assert len(present.filter_rows(rows, metrics=["固定资产投资"], places=["西林街道"])) == 2
    assert [r.row_id for r in present.filter_rows(rows, query="17.03")] == [0]
    assert [r.row_id for r in present.filter_rows(rows, query="地区生产")] == [5]
    assert present.filter_rows(rows, periods=["全年"]) == []


def test_filter_rows_reads_english_with_the_glossary_and_pinyin():
    """ "Xilin", "GDP", "first" found nothing: the search was Chinese only."""
    from dataclasses import replace

    rows = _rows()
    rows[0] = replace(rows[0], rank=1, rank_text="位列全区第一")
    assert {r.place for r in present.filter_rows(rows, query="Xilin")} == {"西林街道"}
    assert [r.row_id for r in present.filter_rows(rows, query="GDP")] == [5]
    assert [r.row_id for r in present.filter_rows(rows, query="first")] == [0]
    assert [r.row_id for r in present.filter_rows(rows, query="Xilin fixed asset investment ranked first")] == [0]
    assert [r.row_id for r in present.filter_rows(rows, query="Xinzha fixed asset investment")] == [2, 3]
    assert present.filter_rows(rows, query="Hehai first") == []
    assert present.filter_rows(rows, query="zzz") == []  # nothing it knows: plain text, which matches nothing


def test_metric_choices_most_places_first():
    assert present.metric_choices(_rows()) == ["固定资产投资", "地区生产总值"]


def test_chart_series_one_metric_unit_kind_and_span():
    """Actual and 预计 values, 亿元 and 万元, half-year and full-year figures never share a chart."""
    from dataclasses import replace

    rows = _rows()
    rows[1] = replace(rows[1], kind="forecast")
    labels = [se.label for se in present.chart_series(rows)]
    assert labels[0] == "固定资产投资（亿元） · 上半年 · 完成 actual"  # 西林 + 新闸: "1-6月" and "上半年" are one span
    assert set(labels) == {
        "固定资产投资（亿元） · 上半年 · 完成 actual",
        "固定资产投资（亿元） · 上半年 · 预计 forecast",
        "固定资产投资（万元） · 上半年 · 完成 actual",
        "地区生产总值（亿元） · 全年 · 完成 actual",  # "2017年" in a 2017 report is that full year
    }
    actual = present.chart_series(rows)[0]
    records = present.chart_rows(rows, actual)
    assert [(r["柱"], r["原文"]) for r in records] == [
        ("西林街道 · 2024年", "17.03亿元"),
        ("新闸街道 · 2021年", "7.25亿元"),
    ]
    assert rows[1].as_dict()["类别"] == "预计" and rows[0].as_dict()["类别"] == ""
    target = replace(rows[0], kind="target")
    assert target.as_dict()["类别"] == "目标" and present.series_of(target).label.endswith("目标 target")
    assert present.chart_series([*rows, target])[-1].label.endswith("目标 target")  # targets come last


def test_chart_series_leave_out_metrics_that_only_share_a_word():
    """ "面积" of demolished buildings (秦灶) and of expropriated land (西林) are not one indicator."""
    metas = {"a.txt": XILIN, "b.txt": ReportMeta(place=Place("秦灶街道", "街道"), year=2020, period="全年")}
    rows = present.indicator_rows(
        [("a.txt", _indicator("面积", 15709, unit="平方米")), ("b.txt", _indicator("面积", 2500, unit="平方米"))],
        metas,
    )
    assert present.chart_series(rows) == []


def test_chart_rows_number_repeated_bars():
    rows = _rows()
    records = present.chart_rows(rows, present.series_of(rows[0]))
    assert [r["柱"] for r in records] == ["西林街道 · 2024年", "西林街道 · 2024年 (2)", "新闸街道 · 2021年"]


def test_answer_indicator_table_tolerates_missing_keys():
    rows = [
        {
            "place": "西林街道",
            "metric": "固定资产投资",
            "value_text": "17.03",
            "unit": "亿元",
            "rank_text": "位列全区第一",
            "sources": [1],
        },
        {},
    ]
    table = present.answer_indicator_table(rows)
    assert table[0] == {
        "地点": "西林街道",
        "时期": "",
        "指标": "固定资产投资",
        "数值": "17.03亿元",
        "增幅": "",
        "进度": "",
        "排名": "位列全区第一",
        "来源": "[1]",
    }
    assert table[1]["指标"] == ""


# ---------------------------------------------------------------------------------------------- editor input


@pytest.mark.parametrize(
    ("value", "year"),
    [(2024, 2024), ("2024", 2024), (" 2024年 ", 2024), (2024.0, 2024), ("", None), (None, None), (float("nan"), None)],
)
def test_parse_year(value, year):
    assert present.parse_year(value) == year


@pytest.mark.parametrize("value", ["24", "二〇二四", "2024.5", 2024.5, "1800", "abcd"])
def test_parse_year_rejects(value):
    with pytest.raises(ValueError, match="年份无效"):
        present.parse_year(value)


def test_clean_text_and_outcome_kind():
    assert present.clean_text("  西林街道 ") == "西林街道"
    assert present.clean_text("  ") is None and present.clean_text(float("nan")) is None
    assert [present.outcome_kind(s) for s in ("added", "duplicate", "rejected", "?")] == [
        "success",
        "info",
        "error",
        "warning",
    ]


# ---------------------------------------------------------------------------------------------- export


def _source(rank, doc_id, meta, text, start, highlights, cited=True):
    from types import SimpleNamespace

    chunk = SimpleNamespace(doc_id=doc_id, text=text, start=start, end=start + len(text), section="一是致力产业培育")
    hit = SimpleNamespace(chunk=chunk, report=SimpleNamespace(meta=meta))
    return SimpleNamespace(rank=rank, hit=hit, highlights=highlights, cited=cited)


def test_export_markdown_has_numbered_sources_with_place_period_file_and_quote():
    meta = replace_meta(XILIN, title="西林街道2024年上半年工作总结")
    text = "经济运行总体平稳。1-6月,完成一般公共预算收入1.52亿元,进度52.4%;规模工业总产值8.59亿元。"
    quote = "1-6月,完成一般公共预算收入1.52亿元,进度52.4%"
    a = 100 + text.index(quote)
    sources = present.export_sources(
        [
            _source(1, "002.txt", meta, text, 100, ((a, a + len(quote)),)),
            _source(2, "009.txt", meta, "无关", 0, (), False),
        ]
    )
    md = present.answer_export_markdown(
        "西林街道上半年一般公共预算收入多少？", "西林街道（1-6月）：…1.52亿元[1]。", sources, "西林街道"
    )
    assert md.startswith("## 问：西林街道上半年一般公共预算收入多少？\n")
    assert "西林街道（1-6月）：…1.52亿元[1]。" in md and "*筛选 filters：西林街道*" in md
    assert (
        "**[1]** 常州市钟楼区西林街道 · 数据期 2024年上半年 · 《西林街道2024年上半年工作总结》 · 一是致力产业培育" in md
    )
    assert "文件 file：`002.txt`" in md
    assert f"> {quote}\n" in md  # exactly the sentence the answer rests on
    assert "[2]" not in md and "009.txt" not in md  # a merely related passage is not a source of the answer


def test_export_without_citations_lists_the_closest_passages():
    sources = present.export_sources([_source(1, "a.txt", XILIN, "第一段\n第二段", 0, (), False)])
    md = present.answer_export_markdown("问？", "报告中未找到…", sources)
    assert "**[1]** 常州市钟楼区西林街道" in md and "> 第一段\n> 第二段" in md


def test_export_filename_is_safe():
    from datetime import UTC, datetime

    name = present.export_filename('a/b\\c:"西林"？ 多少?', datetime(2026, 11, 29, 15, 3, tzinfo=UTC))
    assert name == "答案-abc西林多少-20261129-1503.md"


def replace_meta(meta, **changes):
    from dataclasses import replace

    return replace(meta, **changes)


# ---------------------------------------------------------------------------------------------- hostile report text

HOSTILE = (
    "![](http://host.invalid/x.png)",
    "[详情](//host.invalid/phish)",
    "<img src=x onerror=alert(1)>",
    "[点我](javascript:alert(1))",
    "见 http://host.invalid/plain 与 www.host.invalid 及 a@host.invalid",
    "<https://host.invalid/auto>",
    "[ref]\n\n[ref]: http://host.invalid/ref",
    "\\[1\\](http://host.invalid/undo) `code` $x$ ~del~ :red[red] :material/home:",
)


@pytest.mark.parametrize("text", HOSTILE)
def test_escaped_report_text_is_inert_and_shown_as_written(text):
    escaped = present.escape_markdown(text)
    assert_inert_markdown(escaped)
    seen = visible_text(render_markdown(escaped)).replace(present.WORD_JOINER, "")  # an invisible character
    assert seen.split() == text.split()


def test_code_span_cannot_be_broken_out_of():
    for name in ("002_x.txt", "a`![](http://host.invalid/x.png)`b.txt", "`x``"):
        rendered = render_markdown(f"文件 file：{present.code_span(name)}")
        assert "<img" not in rendered and "<a " not in rendered
        assert visible_text(rendered).removeprefix("文件 file：").strip() == name


def test_answer_markdown_has_no_links_or_images_from_the_text():
    text = "西林街道1.52亿元[1]。![](http://host.invalid/a.png) [详情](http://host.invalid/b) http://host.invalid/c"
    md = present.answer_markdown(text, 1)
    assert_inert_markdown(md.replace('<sup class="cite" title="来源 1 source">[1]</sup>', ""))
    assert md.count("<sup") == 1


def test_export_of_hostile_report_text_is_inert():
    hostile_place = replace_meta(XILIN.place, name="西林街道" + HOSTILE[1])
    meta = replace_meta(XILIN, title=HOSTILE[0], place=hostile_place, period=HOSTILE[2])
    quote = "完成一般公共预算收入1.52亿元。" + "".join(HOSTILE[3:])
    sources = present.export_sources(
        [_source(1, "a`![](http://host.invalid/f.png)`.txt", meta, quote, 0, ((0, len(quote)),))]
    )
    answer = f"一般公共预算收入1.52亿元[1]。{HOSTILE[0]}{HOSTILE[3]} http://host.invalid/llm"
    md = present.answer_export_markdown(HOSTILE[1], answer, sources, filters=HOSTILE[2])
    assert_inert_markdown(md)
    assert "1.52亿元[1]。" in md and "**[1]**" in md  # the markers stay as written
    shown = visible_text(render_markdown(md)).replace(present.WORD_JOINER, "")
    assert "![](http://host.invalid/x.png)" in shown  # shown as text, for the reader to see


def test_export_of_a_follow_up_writes_the_question_as_understood_with_the_original_under_it():
    sources = present.export_sources([_source(1, "a.txt", XILIN, "一般公共预算收入4.3亿元", 0, ((0, 5),))])
    md = present.answer_export_markdown(
        "荷花池街道上半年一般公共预算收入多少？", "4.3亿元[1]", sources, asked="那荷花池街道呢？"
    )
    lines = md.splitlines()
    assert lines[0] == "## 问：荷花池街道上半年一般公共预算收入多少？"
    assert lines[2] == "*原问题 asked：那荷花池街道呢？*"
    plain = present.answer_export_markdown("西林街道多少？", "1[1]", sources, asked="西林街道多少？")
    assert "原问题" not in plain
