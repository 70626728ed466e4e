"""The 目标完成 page: each place's targets beside its results, with verdicts, a chart per metric, the passages of
both sides, and CSV / Excel downloads. All pairing is rag.answering.targets; this page only shows it."""

from __future__ import annotations

import io

import altair as alt
import pandas as pd
import streamlit as st

from rag import present
from rag.answering.targets import COLUMNS, MEASURES, NOT_COMPARABLE, Pair, chart_points, corpus_table, flat_row
from ui import common

TABLE_KEY = "tgt_table"
ALL = "全部 all"
SHOWN = ["地点", "年份", "指标", "口径", "目标", "实际", "预计数", "判断", "说明", "目标出处", "实际出处"]


@st.cache_data(show_spinner=False, max_entries=4)
def _table(where: str, generation: str, _assistant) -> list[Pair]:
    # One table per index (where) and generation: pairing reads every report's indicators once.
    return corpus_table(_assistant.corpus())


def render() -> None:
    ctx = common.load()
    st.title("🎯 目标完成")
    st.caption("每个地方每年的预期目标（部署该年的报告）与实际完成（回顾该年的报告或统计公报）并列，逐项判断，两边都注明出处。"
               "Targets beside results, each with its source passage.")  # fmt: skip
    if ctx.index is None:
        common.show_index_problem(ctx)
        return
    s = ctx.settings
    pairs = _table(
        f"{s.index_dir}|{s.chroma_host}|{s.chroma_port}|{s.collection_prefix}", ctx.index.generation, ctx.assistant
    )
    if not pairs:
        st.info("已载入的报告中没有预期目标（no targets in the loaded reports）")
        return
    places = sorted({p.place for p in pairs})
    c1, c2, c3 = st.columns([2, 2, 3])
    place = c1.selectbox("目标所属地方 Place", [ALL, *places], key="tgt_place")
    in_place = [p for p in pairs if place == ALL or p.place == place]
    years = c2.multiselect("年份 Years", sorted({p.year for p in in_place}), key="tgt_years", placeholder="全部 all")
    in_years = [p for p in in_place if not years or p.year in years]
    metrics = c3.multiselect(
        "指标 Metric", sorted({p.metric for p in in_years}), key="tgt_metrics", placeholder="全部 all"
    )
    shown = [p for p in in_years if not metrics or p.metric in metrics]
    _summary(shown)
    picked = _table_view(shown)
    _downloads(shown)
    _chart(shown)
    _passages(ctx, shown, picked)
    common.show_requested_report()


def _summary(shown: list[Pair]) -> None:
    counts = pd.Series([p.verdict for p in shown]).value_counts()
    cols = st.columns(4)
    cols[0].metric("目标 targets", sum(p.target is not None for p in shown))
    for col, verdict in zip(cols[1:], ("完成", "未完成", NOT_COMPARABLE), strict=True):
        col.metric(verdict, int(counts.get(verdict, 0)))


def _table_view(shown: list[Pair]) -> Pair | None:
    st.markdown("#### 📋 目标与实际 Targets and results")
    if not shown:
        st.caption("没有符合条件的目标（nothing matches）")
        return None
    frame = pd.DataFrame([flat_row(p) for p in shown])
    state = st.dataframe(
        frame,
        key=TABLE_KEY,
        hide_index=True,
        on_select="rerun",
        selection_mode="single-row",
        column_order=SHOWN,
        column_config={"年份": st.column_config.NumberColumn("年份 year", format="%d")},
        height=360,
    )
    rows = state.selection.rows if state else []
    st.caption("点击一行查看目标与实际各自的原文出处（click a row for both passages）。数字均照录原文。")
    return shown[rows[0]] if rows and rows[0] < len(shown) else None


def _downloads(shown: list[Pair]) -> None:
    if not shown:
        return
    frame = pd.DataFrame([flat_row(p) for p in shown], columns=list(COLUMNS))
    excel = io.BytesIO()
    with pd.ExcelWriter(excel, engine="openpyxl") as writer:
        frame.to_excel(writer, index=False, sheet_name="目标完成")
    c1, c2, _ = st.columns([1, 1, 4])
    c1.download_button(
        "⬇️ 下载 CSV", frame.to_csv(index=False).encode("utf-8-sig"), "目标完成.csv", "text/csv", key="tgt_csv"
    )
    c2.download_button(
        "⬇️ 下载 Excel",
        excel.getvalue(),
        "目标完成.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="tgt_xlsx",
    )


def _chart(shown: list[Pair]) -> None:
    st.markdown("#### 📈 历年目标与实际 Target vs result by year")
    series: dict[tuple[str, str, str], list[Pair]] = {}
    for p in shown:
        series.setdefault((p.place, p.metric, p.measure), []).append(p)
    drawable = {k: v for k, v in series.items() if chart_points(v)}
    if not drawable:
        st.caption("没有可画的数值（nothing to draw）")
        return
    key = st.selectbox(
        "序列 Series（一个地点、一个指标、一种口径）",
        list(drawable),
        format_func=lambda k: f"{k[0]} · {k[1]}（{MEASURES[k[2]]}）",
        key="tgt_series",
    )
    data = pd.DataFrame(chart_points(sorted(drawable[key], key=lambda p: p.year)))
    data["年份"] = data["年份"].astype(str)
    base = alt.Chart(data).encode(
        x=alt.X("年份:N", title=None, axis=alt.Axis(labelAngle=0)),
        xOffset="类别:N",
        y=alt.Y("数值:Q", title=f"{key[1]}（{MEASURES[key[2]]}）"),
        color=alt.Color("类别:N", title=None, scale=alt.Scale(domain=["目标", "实际"], range=["#9e9e9e", "#1565c0"])),
        tooltip=["年份:N", "类别:N", "原文:N"],
    )
    bars = base.mark_bar(size=28)
    labels = base.mark_text(dy=-7, fontSize=11).encode(text="原文:N")
    st.altair_chart((bars + labels).properties(height=320), key="tgt_chart")
    st.caption("柱上文字为原文写法；区间目标画在下限，“左右”“以上”见原文。Labels are the figures as written.")


def _pair_label(pair: Pair) -> str:
    return f"{pair.place} · {pair.year}年 · {pair.metric}（{MEASURES[pair.measure]}）· {pair.verdict}"


def _passages(ctx: common.Context, shown: list[Pair], picked: Pair | None) -> None:
    st.markdown("#### 🔗 出处 Source passages")
    if not shown:
        return
    # The row picked in the table, else the first pair with both sides; the box picks any other.
    default = picked if picked is not None else next((p for p in shown if p.complete), shown[0])
    pair = shown[
        st.selectbox(
            "查看出处 Show the passages of",
            range(len(shown)),
            index=shown.index(default),
            format_func=lambda i: _pair_label(shown[i]),
        )
    ]
    st.markdown(f"**判断 Verdict：{pair.verdict}**" + (f"　<span class='rqa-muted'>{pair.note}</span>" if pair.note else ""),
                unsafe_allow_html=True)  # fmt: skip
    columns = st.columns(2)
    sides = (("目标 Target", pair.target, "tgt_open_target"), ("实际 Result", pair.result, "tgt_open_result"))
    for column, (title, side, key) in zip(columns, sides, strict=True):
        with column:
            st.markdown(f"**{title}**")
            if side is None:
                st.caption("已载入的报告中没有（not in the loaded reports）")
                continue
            meta = ctx.index.reports[side.doc_id].meta
            chunk = next(
                (c for c in ctx.index.chunks if c.doc_id == side.doc_id and c.start <= side.ind.start < c.end), None
            )
            label = present.source_label(meta, chunk.section if chunk else None, side.doc_id)
            st.caption(label)
            span = [(side.ind.start, side.ind.end)]
            if chunk is not None:
                st.markdown(present.passage_html(chunk.text, span, offset=chunk.start), unsafe_allow_html=True)
            common.report_button(side.doc_id, span, label, key=key)
