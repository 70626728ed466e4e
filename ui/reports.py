"""The reports page: what is indexed, metadata corrections, uploads, deletion and a full rebuild.

Every change goes through rag.library (which validates first and re-indexes incrementally); this page only
collects the input, shows progress and reports the outcome.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from rag import present
from rag.config import Settings
from rag.indexing.store import Progress
from rag.ingest.detect.facts import LOW as LOW_CONFIDENCE
from rag.ingest.documents import ReportMeta
from rag.ingest.extract import SUPPORTED_SUFFIXES
from rag.ingest.manifest import PARENTS_SEP
from rag.ingest.metadata import place_of, with_place
from rag.library import add_reports, delete_report, os_reason, update_metadata
from ui import auth, common

md = present.escape_markdown  # report text (file names, titles, places) in Markdown messages: shown, never live

UPLOAD_TYPES = [s.lstrip(".") for s in SUPPORTED_SUFFIXES]
EDITABLE = {"地点": "place", "年份": "year", "时期": "period"}
PLACE_FIELDS = {
    "place": "地点",
    "level": "级别",
    "parents": "上级",
    "year": "年份",
    "plan_year": "计划年份",
    "kind": "类型",
}
PERIOD_HINTS = ("上半年", "全年", "工作计划", "一季度", "前三季度", "1-5月", "1-10月")
REVIEW_KEY = "_review_uploads"
DELETED_KEY = "_deleted_note"  # (doc_id, message) of the last delete
DELETES_KEY = "_deletes"  # deletes done in this session: names a fresh, closed confirmation popover


# ---------------------------------------------------------------------------------------------- handlers (no UI)


def upload_reports(
    settings: Settings, files: list[tuple[str, bytes]], progress: Progress | None = None, embeddings=None
) -> tuple[list[tuple[str, str]], list[str]]:
    """Add uploaded files via rag.library.add_reports: one (kind, message) per file for st.success/info/error,
    and the doc ids that were added (their detected metadata is shown for review next).

    A file that cannot be read is rejected with its reason and changes nothing; if indexing itself fails, the
    written files are taken out again by add_reports and the error is one more message.
    """
    if not files:
        return [("warning", "请先选择文件（choose at least one file）")], []
    try:
        outcomes, result = add_reports(settings, files, progress=progress, embeddings=embeddings)
    except Exception as exc:  # IndexBusyError, disk full, ...: nothing was added (and no server path is shown)
        return [("error", f"添加失败，索引未改变：{md(os_reason(exc))}（upload failed, index unchanged）")], []
    messages = []
    for outcome in outcomes:
        kind = present.outcome_kind(outcome.status)
        prefix = {"added": "✅", "duplicate": "ℹ️", "rejected": "❌"}.get(outcome.status, "")
        text = outcome.message
        if outcome.status == "rejected":
            text = f"未添加 rejected：{outcome.message}"
        elif outcome.status == "duplicate" and not text.startswith("已存在"):
            text = f"已存在：{text}"
        messages.append((kind, f"{prefix} **{md(outcome.name)}** — {md(text)}"))
        if outcome.quality is not None and outcome.quality.warnings:  # damaged text is seen before it is asked
            messages.append(("warning", f"⚠️ **{md(outcome.name)}** — " + md("；".join(outcome.quality.warnings))))
    if result is not None:
        messages.append(("info", f"索引已更新（index updated）：{result.summary()}"))
    return messages, [o.doc_id for o in outcomes if o.status == "added" and o.doc_id]


def reviewed_meta(meta: ReportMeta, place: str, parents: str, year: str, period: str) -> ReportMeta:
    """The review form's values over the detected ones. The place goes through `with_place`, as in the table
    editor: a place typed there is the report's place (what is shown and filtered on), whatever its level; the units
    above it are typed top-down, "常州市/钟楼区". ValueError on a bad year."""
    corrected = with_place(meta, present.clean_text(place))
    above = tuple(p for p in (present.clean_text(u) for u in parents.split(PARENTS_SEP)) if p)
    if above != corrected.parents:
        corrected = replace(corrected, place=place_of(corrected.name, corrected.level, above))
    return replace(corrected, year=present.parse_year(year), period=present.clean_text(period))


def missing_metadata(meta: ReportMeta) -> list[str]:
    """What a question needs to find a report and the upload did not reveal: its place, its year."""
    missing = []
    if not (meta.place and meta.place.full_name):
        missing.append("地点 place")
    if not meta.year:
        missing.append("年份 year")
    return missing


def reports_frame(index) -> pd.DataFrame:
    """One row per indexed report, with its detected (or corrected) metadata."""
    rows = []
    for doc_id, record in index.reports.items():
        meta = record.meta
        rows.append(
            {
                "文件": doc_id,
                "地点": meta.name or "",
                "级别": meta.level or "",
                "上级": "/".join(meta.parents),
                "年份": str(meta.year) if meta.year else "",
                "计划年份": str(meta.plan_year) if meta.plan_year else "",
                "时期": meta.period or "",
                "类型": meta.kind or "",
                "待核实": unsure_fields(meta),
                "标题": meta.title or "",
                "段落": record.n_chunks,
                "字数": record.n_chars,
                "编码": record.encoding,
                "收录时间": present.format_timestamp(record.indexed_at),
            }
        )
    columns = ["文件", "地点", "级别", "上级", "年份", "计划年份", "时期", "类型", "待核实", "标题"]
    columns += ["段落", "字数", "编码", "收录时间"]
    return pd.DataFrame(rows, columns=columns)


def unsure_fields(meta: ReportMeta) -> str:
    """ "地点未识别、年份不确定": the place facts a person should check (unknown, or detected with low confidence)."""
    flags = []
    for name, label in PLACE_FIELDS.items():
        source, confidence = meta.source_of(name)
        if source == "unknown":
            flags.append(f"{label}未识别")
        elif source == "detected" and confidence < LOW_CONFIDENCE:
            flags.append(f"{label}不确定")
    return "、".join(flags)


def metadata_changes(index, original: pd.DataFrame, edited: pd.DataFrame) -> list[tuple[str, ReportMeta]]:
    """(doc_id, corrected meta) for every row whose place / year / period was edited. ValueError on a bad year."""
    changes = []
    for (_, before), (_, after) in zip(original.iterrows(), edited.iterrows(), strict=True):
        if all(present.clean_text(before[c]) == present.clean_text(after[c]) for c in EDITABLE):
            continue
        doc_id = before["文件"]
        meta = index.reports[doc_id].meta
        corrected = replace(
            with_place(meta, present.clean_text(after["地点"])),
            year=present.parse_year(after["年份"]),
            period=present.clean_text(after["时期"]),
        )
        if corrected != meta:
            changes.append((doc_id, corrected))
    return changes


def save_metadata(
    settings: Settings, changes: list[tuple[str, ReportMeta]], progress: Progress | None = None, embeddings=None
) -> list[tuple[str, str]]:
    messages = []
    for doc_id, meta in changes:
        try:
            update_metadata(settings, doc_id, meta, progress=progress, embeddings=embeddings)
        except Exception as exc:
            messages.append(("error", f"❌ {md(doc_id)} 修改未保存：{md(str(exc))}（correction not saved）"))
            continue
        messages.append(
            (
                "success",
                f"✅ 已保存 {md(doc_id)}：{md(present.report_label(meta))}（saved to seeds/manifest.csv and re-indexed）",
            )
        )
    return messages


def remove_report(
    settings: Settings, doc_id: str, progress: Progress | None = None, embeddings=None
) -> list[tuple[str, str]]:
    if not (settings.seeds_dir / doc_id).is_file():  # a repeated confirm click for a report already deleted
        return [("info", f"🗑️ 已删除 {md(doc_id)}（already deleted; nothing else changed）")]
    try:
        result = delete_report(settings, doc_id, progress=progress, embeddings=embeddings)
    except Exception as exc:
        return [("error", f"删除失败，索引未改变：{md(str(exc))}（delete failed, index unchanged）")]
    return [("success", f"🗑️ 已删除 {md(doc_id)}（文件已移入 seeds/.trash/ — moved to trash）。{result.summary()}")]


# ---------------------------------------------------------------------------------------------- page


def render() -> None:
    ctx = common.load()
    access = auth.current()
    st.title("📂 报告管理")
    st.caption(
        "查看已收录的报告，修正元数据，上传或删除报告。Manage the indexed reports: correct metadata, upload, delete, rebuild."
    )
    with st.container():  # always present, so the tabs below keep their place (and the chosen tab) on reruns
        common.show_flash()
        if deleted := st.session_state.get(DELETED_KEY):  # the delete's one message, kept until the next pick
            st.success(deleted[1])
        if access.locked:
            auth.locked_notice(access)
    if ctx.index is None:
        common.show_index_problem(ctx, access)
        return
    if access.admin:
        _review_new(ctx)
    tab_list, tab_upload, tab_manage = st.tabs(["📋 已收录 Indexed", "⬆️ 上传 Upload", "🛠️ 维护 Maintenance"])
    with tab_list:
        _table(ctx, access.admin)
    with tab_upload:
        if access.admin:
            _upload(ctx)
        else:
            _locked_caption()
    with tab_manage:
        if access.admin:
            _delete(ctx)
            st.divider()
            _rebuild(ctx)
        else:
            _locked_caption()
    common.show_requested_report()


def _locked_caption() -> None:
    st.caption("🔒 需要管理员权限（见上方）。Administrators only — unlock above.")


def _finish(messages: list[tuple[str, str]], report=None) -> None:
    """Flash the messages and rerun: with the request that interrupted the change (common.progress_reporter), if
    any, so that click is not lost; else a plain rerun."""
    for kind, text in messages:
        common.flash(kind, text)
    if report is not None and report.interrupted:
        raise report.interrupted[0]
    st.rerun()


def _table(ctx: common.Context, editable: bool) -> None:
    index = ctx.index
    if not editable:
        st.markdown(f"共 **{len(index.reports)}** 份报告、**{len(index.chunks)}** 个段落。")
        st.dataframe(reports_frame(index), hide_index=True, width="stretch", key="reports_readonly")
        return
    st.markdown(f"共 **{len(index.reports)}** 份报告、**{len(index.chunks)}** 个段落。"
                "双击 **地点 / 年份 / 时期** 单元格即可修正，然后点击保存。"
                "<span class='rqa-muted'>Double-click a place / year / period cell to correct it, then save.</span>",
                unsafe_allow_html=True)  # fmt: skip
    original = reports_frame(index)
    disabled = [c for c in original.columns if c not in EDITABLE]
    edited = st.data_editor(
        original,
        key=f"meta_editor_{index.generation}",
        hide_index=True,
        disabled=disabled,
        width="stretch",
        column_config={
            "文件": st.column_config.TextColumn("文件 file", width="medium"),
            "地点": st.column_config.TextColumn("地点 place ✏️", help="例如 西林街道 / XX镇 / 嘉兴市"),
            "待核实": st.column_config.TextColumn("待核实 check", help="未识别或置信度低的字段 unknown or uncertain"),
            "年份": st.column_config.TextColumn("年份 year ✏️", help="四位数年份，例如 2024", max_chars=5),
            "时期": st.column_config.TextColumn("时期 period ✏️", help="、".join(PERIOD_HINTS)),
            "段落": st.column_config.NumberColumn("段落 chunks", format="%d"),
            "字数": st.column_config.NumberColumn("字数 chars", format="%d"),
        },
    )
    try:
        changes = metadata_changes(index, original, edited)
    except ValueError as exc:
        st.error(md(str(exc)))
        changes = []
    if changes:
        st.info("待保存的修改 pending: " + md("；".join(f"{d} → {present.report_label(m)}" for d, m in changes)))
    if st.button("💾 保存修改 Save corrections", type="primary", disabled=not changes, key="save_meta"):
        report, _ = common.progress_reporter("重新索引 re-indexing")
        _finish(save_metadata(ctx.settings, changes, progress=report, embeddings=ctx.embeddings), report)


def _upload(ctx: common.Context) -> None:
    limit_mb = max(1, round(ctx.settings.max_upload_bytes / 1024 / 1024))
    st.markdown(f"支持 {' / '.join(UPLOAD_TYPES)}，每个文件不超过 {limit_mb} MB；可一次选择多个文件。"
                "<span class='rqa-muted'>Several files at once; unreadable files are rejected and change nothing.</span>",
                unsafe_allow_html=True)  # fmt: skip
    generation = st.session_state.setdefault("_uploader_gen", 0)
    files = st.file_uploader(
        "选择报告文件 Choose report files",
        type=UPLOAD_TYPES,
        accept_multiple_files=True,
        key=f"uploader_{generation}",
        max_upload_size=limit_mb,
    )
    if st.button("➕ 添加到索引 Add to index", type="primary", disabled=not files, key="add_reports"):
        report, _ = common.progress_reporter("嵌入新报告 embedding")
        messages, added = upload_reports(
            ctx.settings, [(f.name, f.getvalue()) for f in files], progress=report, embeddings=ctx.embeddings
        )
        st.session_state["_uploader_gen"] = generation + 1  # a fresh, empty uploader after the rerun
        st.session_state[REVIEW_KEY] = added  # their detected metadata is shown at once, to confirm or complete
        _finish(messages, report)


def _review_new(ctx: common.Context) -> None:
    """Right after an upload: what was detected for each new report, and a form for what is missing (a report
    without a place or year is never found by questions that name one)."""
    pending = [d for d in st.session_state.get(REVIEW_KEY) or [] if d in ctx.index.reports]
    if not pending:
        return
    with st.container(border=True, key="review_new"):
        st.markdown("#### 🔍 新上传报告的元数据 Detected metadata of the new reports")
        for doc_id in pending:
            _review_one(ctx, doc_id)
        st.button("✓ 完成 Done", key="review_done", on_click=st.session_state.pop, args=(REVIEW_KEY, None))


def _review_one(ctx: common.Context, doc_id: str) -> None:
    meta = ctx.index.reports[doc_id].meta
    missing = missing_metadata(meta)
    if missing:
        st.warning(f"**{md(doc_id)}**：未识别出{'、'.join(missing)}（not detected）。请补充后保存，"
                   "否则按地点或年份提问时找不到这份报告。Please fill in what is missing and save.")  # fmt: skip
    else:
        st.success(f"**{md(doc_id)}** → {md(present.report_label(meta))}")
    with st.form(f"review_{doc_id}", border=False):
        c1, c2, c4, c5 = st.columns([2, 2.8, 1, 1.2])
        place = c1.text_input(
            "地点 Place", meta.name or "", key=f"rv_place_{doc_id}", placeholder="例如 东湖街道 / XX镇 / 嘉兴市"
        )
        parents = c2.text_input(
            "上级 Above", PARENTS_SEP.join(meta.parents), key=f"rv_parents_{doc_id}", placeholder="常州市/钟楼区"
        )
        year = c4.text_input("年份 Year", str(meta.year or ""), key=f"rv_year_{doc_id}", placeholder="2024")
        period = c5.text_input(
            "时期 Period", meta.period or "", key=f"rv_period_{doc_id}", help="、".join(PERIOD_HINTS)
        )
        if st.form_submit_button("💾 保存 Save", type="primary" if missing else "secondary"):
            try:
                corrected = reviewed_meta(meta, place, parents, year, period)
            except ValueError as exc:
                st.error(md(str(exc)))
                return
            if corrected == meta:
                st.info("没有改动（nothing changed）")
                return
            report, _ = common.progress_reporter("重新索引 re-indexing")
            _finish(
                save_metadata(ctx.settings, [(doc_id, corrected)], progress=report, embeddings=ctx.embeddings), report
            )


def _delete(ctx: common.Context) -> None:
    index = ctx.index
    st.markdown("#### 🗑️ 删除报告 Delete a report")
    if not index.reports:
        st.caption("没有可删除的报告（nothing to delete）")
        return
    labels = {d: present.report_label(r.meta, d) for d, r in index.reports.items()}
    if st.session_state.get("delete_pick") not in labels:
        st.session_state["delete_pick"] = None  # the deleted report must never fall through to another one
    # No default choice: a delete targets only a report the user picked, never "whatever is first now".
    doc_id = st.selectbox(
        "选择报告 Report",
        list(labels),
        index=None,
        placeholder="请选择要删除的报告（choose a report）",
        format_func=labels.get,
        key="delete_pick",
        on_change=_picked,
        args=(tuple(labels),),
    )
    # A new popover after each delete: the old one would stay open on "choose a report first".
    deletes = st.session_state.get(DELETES_KEY, 0)
    with st.popover("🗑️ 删除所选报告 Delete…", key=f"delete_popover_{deletes}", disabled=doc_id is None):
        if doc_id is None:
            st.caption("请先选择报告（choose a report first）")
            return
        st.warning(
            f"确定删除 **{md(labels[doc_id])}** 吗？文件会移入 `seeds/.trash/`，可手动恢复。（The file is moved to the trash.）"
        )
        # The button belongs to this one report: a stale click can never confirm a different one.
        if st.button("确认删除 Confirm delete", type="primary", key=f"confirm_delete_{doc_id}"):
            report, _ = common.progress_reporter("更新索引 updating index")
            messages = remove_report(ctx.settings, doc_id, progress=report, embeddings=ctx.embeddings)
            if messages[0][0] == "success":  # shown at the top until the next pick (not flashed: it would show twice)
                st.session_state[DELETED_KEY] = (doc_id, messages[0][1])
                st.session_state[DELETES_KEY] = deletes + 1
                messages = messages[1:]
            _finish(messages, report)


def _picked(reports: tuple[str, ...]) -> None:
    """A report was picked for deletion: the last delete's message goes. Only a pick of a report listed when the
    widget was drawn counts: a click sent before the page updated carries the deleted report's label, which Streamlit
    hands back as that string (no longer an option), and that is no pick."""
    deleted = st.session_state.get(DELETED_KEY)
    pick = st.session_state.get("delete_pick")
    if deleted and pick in reports and pick != deleted[0]:
        st.session_state.pop(DELETED_KEY, None)


def _rebuild(ctx: common.Context) -> None:
    st.markdown("#### 🔄 重建索引 Rebuild index")
    st.caption("从报告目录重新嵌入全部报告（几分钟）；平时上传、删除、修正都会自动增量更新，无需重建。"
               "Re-embeds every report from scratch (minutes); uploads and corrections update the index incrementally.")  # fmt: skip
    st.caption(f"报告目录 seeds: `{ctx.settings.seeds_dir}` · 索引目录 index: `{ctx.settings.index_dir}`")
    with st.popover("🔄 重建索引 Rebuild…", key="rebuild_popover"):
        st.warning("重建期间旧索引仍可回答问题（the old index keeps answering while rebuilding）。")
        if st.button("开始重建 Start rebuild", type="primary", key="confirm_rebuild"):
            result = common.build_with_progress(ctx, rebuild=True)
            if result is not None:
                _finish([("success", f"索引已重建（index rebuilt）：{result.summary()}")])
