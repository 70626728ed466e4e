"""The indicators page: every figure the reports state, searchable, charted across places, traced to its passage."""

from __future__ import annotations

import functools

import altair as alt
import pandas as pd
import streamlit as st

from rag import present
from ui import common

PICK_KEY = "ind_pick"
TABLE_KEY = "ind_table"
CHART_KEY = "ind_chart"
METRIC_KEY = "ind_metric"


def _pick_from_table(row_ids: list[int]) -> None:
    rows = st.session_state[TABLE_KEY].selection.rows
    if rows and rows[0] < len(row_ids):
        st.session_state[PICK_KEY] = row_ids[rows[0]]


def _pick_from_chart() -> None:
    points = (st.session_state[CHART_KEY].selection or {}).get("pick") or []
    if points and "row_id" in points[0]:
        st.session_state[PICK_KEY] = int(points[0]["row_id"])


def _keep_valid(key: str, options: list, single: bool = False) -> None:
    if key not in st.session_state:
        return
    value = st.session_state[key]
    if single:
        if value not in options:
            del st.session_state[key]
    else:
        st.session_state[key] = [v for v in value if v in options]


def render() -> None:
    ctx = common.load()
    st.title("📊 指标")
    st.caption("报告中的经济指标，可按指标、地点、时期筛选；点击表格行或柱子查看原文出处。"
               "Indicators stated in the reports — click a row or a bar to see the passage it comes from.")  # fmt: skip
    if ctx.index is None:
        common.show_index_problem(ctx)
        return
    index = ctx.index
    rows = present.indicator_rows(index.indicators, {d: r.meta for d, r in index.reports.items()})
    if not rows:
        st.info("索引中还没有指标（no indicators in the index yet）")
        return

    metrics = present.metric_choices(rows) + sorted(
        {r.metric for r in rows if r.value is None} - set(present.metric_choices(rows))
    )
    places = sorted({r.place for r in rows})
    periods = sorted({r.period for r in rows if r.period})
    for key, options in (("ind_metrics", metrics), ("ind_places", places), ("ind_periods", periods)):
        _keep_valid(key, options)
    c1, c2, c3, c4 = st.columns([2, 2, 2, 1.5])
    query = c1.text_input(
        "搜索 Search", key="ind_query", placeholder="例如 固定资产投资 / 位列全区第一 / Xilin GDP first"
    )
    chosen_metrics = c2.multiselect("指标 Metric", metrics, key="ind_metrics", placeholder="全部 all")
    chosen_places = c3.multiselect("地点 Place", places, key="ind_places", placeholder="全部 all")
    chosen_periods = c4.multiselect("时期 Period", periods, key="ind_periods", placeholder="全部 all")
    shown = present.filter_rows(rows, query=query, metrics=chosen_metrics, places=chosen_places, periods=chosen_periods)

    _chart(shown, chosen_metrics)
    _table(shown, len(rows))
    _passage(ctx, shown)
    common.show_requested_report()


def _chart(shown: list[present.IndicatorRow], chosen_metrics: list[str]) -> None:
    st.markdown("#### 📈 地点对比 Compare places")
    series = {se.key: se for se in present.chart_series(shown)}
    if not series:
        st.caption("筛选结果中没有可比较的数值（no values to compare）")
        return
    _keep_valid(METRIC_KEY, list(series), single=True)
    if METRIC_KEY not in st.session_state:  # the metric chosen above, else the series most places report
        first = next((k for k, se in series.items() if se.metric in chosen_metrics), next(iter(series)))
        st.session_state[METRIC_KEY] = first
    key = st.selectbox(
        "比较序列 Series（同一指标、单位、类型和统计期 one metric, unit, kind and period）",
        list(series),
        key=METRIC_KEY,
        format_func=lambda k: series[k].label,
    )
    chosen = series[key]
    records = present.chart_rows(shown, chosen)
    data = pd.DataFrame(records).sort_values(["地点", "柱"])
    pick = alt.selection_point(name="pick", fields=["row_id"], on="click")
    base = alt.Chart(data).encode(
        # One bar per place (and report year); the axis label carries both, on two lines.
        x=alt.X(
            "柱:N",
            title=None,
            sort=None,
            axis=alt.Axis(labelAngle=0, labelExpr="split(datum.label, ' · ')", labelFontSize=12),
        ),
        y=alt.Y("数值:Q", title=f"{chosen.metric}（{chosen.unit}）" if chosen.unit else chosen.metric),
    )
    bars = (
        base.mark_bar(cornerRadiusTopLeft=3, cornerRadiusTopRight=3, cursor="pointer", size=36)
        .encode(
            color=alt.Color("地点:N", legend=None),
            opacity=alt.condition(pick, alt.value(1.0), alt.value(0.4)),
            tooltip=["地点:N", "时期:N", "原文:N", "文件:N"],
        )
        .add_params(pick)
    )
    labels = base.mark_text(dy=-7, fontSize=11).encode(text="原文:N")
    st.altair_chart(
        (bars + labels).properties(height=340), key=CHART_KEY, on_select=_pick_from_chart, selection_mode="pick"
    )
    note = "柱上数字为原文写法；点击柱子查看出处。Values as written; click a bar for its passage."
    if len({r["年份"] for r in records}) > 1:
        note += " 注意：各柱出自不同年份的报告（reports of different years）。"
    others = len(series) - 1
    if others:
        note += f" 另有 {others} 个序列可选（{others} more series: other metrics, units, periods or forecasts）。"
    st.caption(note)


def _table(shown: list[present.IndicatorRow], total: int) -> None:
    st.markdown(
        f"#### 📋 指标表 Table <span class='rqa-muted'>（{len(shown)} / {total} 条）</span>", unsafe_allow_html=True
    )
    row_ids = [r.row_id for r in shown]
    frame = pd.DataFrame([r.as_dict() for r in shown])
    if frame.empty:
        st.caption("没有符合条件的指标（nothing matches）")
        return
    _select_picked_row(row_ids)
    st.dataframe(
        frame,
        key=TABLE_KEY,
        hide_index=True,
        on_select=functools.partial(_pick_from_table, row_ids),
        selection_mode="single-row",
        column_order=["地点", "年份", "时期", "指标", "数值", "类别", "增幅", "进度", "排名", "原文指标", "文件"],
        column_config={"年份": st.column_config.NumberColumn("数据年份 year", format="%d", help="数字所描述的年份")},
        height=320,
    )


def _select_picked_row(row_ids: list[int]) -> None:
    """A bar click picks an indicator: tick its table row too (before the table is drawn), never the old one."""
    picked = st.session_state.get(PICK_KEY)
    state = st.session_state.get(TABLE_KEY)
    current = list(state["selection"]["rows"]) if state else []
    want = [row_ids.index(picked)] if picked in row_ids else []
    if want and current != want:
        st.session_state[TABLE_KEY] = {"selection": {"rows": want, "columns": [], "cells": []}}


def _passage(ctx: common.Context, shown: list[present.IndicatorRow]) -> None:
    st.markdown("#### 🔗 出处 Source passage")
    if not shown:
        return
    by_id = {r.row_id: r for r in shown}
    _keep_valid(PICK_KEY, list(by_id), single=True)
    row_id = st.selectbox(
        "查看指标出处 Show the passage of", list(by_id), format_func=lambda i: by_id[i].label(), key=PICK_KEY
    )
    row = by_id[row_id]
    chunk = next((c for c in ctx.index.chunks if c.doc_id == row.doc_id and c.start <= row.start < c.end), None)
    label = present.source_label(ctx.index.reports[row.doc_id].meta, chunk.section if chunk else None, row.doc_id)
    st.caption(present.escape_markdown(label))
    if chunk is not None:
        st.markdown(
            present.passage_html(chunk.text, [(row.start, row.end)], offset=chunk.start), unsafe_allow_html=True
        )
    else:
        text = ctx.index.report_text(row.doc_id)
        lo, hi = max(0, row.start - 120), min(len(text), row.end + 120)
        st.markdown(present.passage_html(text[lo:hi], [(row.start, row.end)], offset=lo), unsafe_allow_html=True)
    common.report_button(row.doc_id, [(row.start, row.end)], label, key="ind_open_report")
