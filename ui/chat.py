"""The chat page: questions in, cited answers out, each source with its answering sentence highlighted."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from rag import present
from ui import common
from ui.sidebar import ChatOptions, chat_options

MESSAGES_KEY = "messages"
PENDING_KEY = "pending_question"
EXAMPLES = (
    "哪个街道的固定资产投资位列全区第一？",
    "西林街道上半年一般公共预算收入多少？",
    "新闸和西林的固定资产投资哪个多？",
    "What was Xilin's fixed asset investment?",
)


def ask(assistant, question: str, options: ChatOptions, history: list[dict], on_token: Callable[[str], None] | None):
    return assistant.ask(
        question, mode=options.mode, filters=options.filters, k=options.k, history=history, on_token=on_token
    )


def history_for_llm(messages: list[dict]) -> list[dict]:
    """The conversation so far as {"role", "content"} dicts, the form rag.answering.conversation.as_turns documents for Streamlit."""
    turns = []
    for m in messages:
        if m["role"] == "user":
            turns.append({"role": "user", "content": m["content"]})
        elif m.get("answer") is not None:
            turns.append({"role": "assistant", "content": m["answer"].text})
    return turns


def _clear() -> None:
    st.session_state[MESSAGES_KEY] = []
    st.session_state.pop("_open_report", None)


def _pick_example(question: str) -> None:
    st.session_state[PENDING_KEY] = question


def render() -> None:
    ctx = common.load()
    messages: list[dict] = st.session_state.setdefault(MESSAGES_KEY, [])
    question = ""
    if ctx.index is not None:
        # Read first (the box is pinned to the bottom wherever it is called) so the header knows a question is coming.
        typed = st.chat_input(
            "输入问题，例如：西林街道上半年一般公共预算收入多少？（Ask in Chinese or English）",
            max_chars=ctx.settings.max_question_chars,
            key="chat_input",
        )
        question = (typed or st.session_state.pop(PENDING_KEY, None) or "").strip()
    # A flex row: the button keeps its natural width (a column share squeezed it to "清…" at 820 px).
    with st.container(horizontal=True, vertical_alignment="bottom", key="chat_head"):
        st.title("💬 报告问答", width="stretch")
        st.button(
            "🧹 清空对话 Clear",
            on_click=_clear,
            disabled=not (messages or question),
            key="clear_chat",
            help="清空对话 clear conversation",
            width="content",
        )
    st.caption(
        "就地方政府工作报告提问，回答附带可核对的原文出处。Ask about the work reports — every answer cites its sources."
    )
    common.show_flash()
    if ctx.index is None:
        common.show_index_problem(ctx)
        return

    options = chat_options()
    for i, message in enumerate(messages):
        _render_message(i, message)
    if not messages and not question:
        _examples(ctx)
    if question:
        _answer_new(ctx, question, options, messages)
    common.show_requested_report()


def _examples(ctx: common.Context) -> None:
    with st.container(border=True):
        st.markdown("**试试这些问题 Try an example**")
        cols = st.columns(2)
        for i, example in enumerate(EXAMPLES):
            cols[i % 2].button(example, key=f"example_{i}", on_click=_pick_example, args=(example,), width="stretch")
        n = len(ctx.index.reports)
        st.caption(
            f"已收录 {n} 份报告，可在「报告管理」页上传更多。{n} reports indexed — upload more on the Reports page."
        )


def _render_message(i: int, message: dict) -> None:
    if message["role"] == "user":
        with st.chat_message("user"):
            st.markdown(present.escape_markdown(message["content"]))
        return
    with st.chat_message("assistant"):
        if message.get("error"):
            common.show_message(*message["error"])
        else:
            render_answer(i, message["answer"], message.get("filters", ""))


def _answer_new(ctx: common.Context, question: str, options: ChatOptions, messages: list[dict]) -> None:
    with st.chat_message("user"):
        st.markdown(present.escape_markdown(question))
    i = len(messages) + 1
    history = history_for_llm(messages)
    messages.append({"role": "user", "content": question})
    with st.chat_message("assistant"):
        placeholder = st.empty()
        streamed: list[str] = []

        def on_token(piece: str) -> None:
            streamed.append(piece)
            placeholder.markdown(present.answer_markdown("".join(streamed), options.k) + " ▌", unsafe_allow_html=True)

        answer, error = None, None
        with st.spinner("正在检索报告…（searching the reports）"), common.user_errors("回答问题") as shown:
            answer = ask(ctx.assistant, question, options, history, on_token)
        placeholder.empty()
        if answer is None:  # the message was shown; keep it so the history still says why there is no answer
            error = shown[0] if shown else ("error", "未能回答该问题（the question could not be answered）。")
        else:
            render_answer(i, answer, options.label)
    messages.append({"role": "assistant", "answer": answer, "filters": options.label, "error": error})


def render_answer(i: int, answer, filters_label: str = "") -> None:
    """Answer text with [n] badges, warnings, and its sources (each with highlighted sentence + full-report link)."""
    if answer.rewritten:
        st.caption(f"结合上下文理解为 (read as)：{present.escape_markdown(answer.rewritten)}")
    if answer.notice:
        st.info(present.escape_markdown(answer.notice))
    st.markdown(present.answer_markdown(answer.text, len(answer.sources)), unsafe_allow_html=True)
    if answer.unverified_numbers:
        numbers = present.escape_markdown("、".join(answer.unverified_numbers))
        st.warning(f"⚠️ 以下数字未能在所引来源中核实，请以原文为准：{numbers}（unverified numbers: check the sources）")
    meta = [present.MODE_LABELS.get(answer.mode, answer.mode)]
    if answer.latency_ms:
        meta.append(f"{answer.latency_ms / 1000:.1f} 秒")
    if filters_label:
        meta.append(f"筛选 filters：{present.escape_markdown(filters_label)}")
    st.caption(" · ".join(meta))
    _export(i, answer, filters_label)
    if answer.indicators:
        with st.expander("📊 相关指标 Indicators"):
            st.dataframe(present.answer_indicator_table(answer.indicators), hide_index=True)
    if answer.sources:
        _sources(i, answer)


def _sources(i: int, answer) -> None:
    cited = set(present.cited_ranks(answer.text))
    st.markdown(f"**来源 Sources**（{len(answer.sources)}）")
    for source in answer.sources:
        chunk, meta = source.hit.chunk, source.hit.report.meta
        label = present.source_label(meta, chunk.section, chunk.doc_id)
        is_cited = source.rank in cited or bool(source.highlights) or bool(getattr(source, "cited", False))
        # The label is report text (title, place, section): inert, or a title "![](http://…)" would load an image.
        shown = present.escape_markdown(label)
        title = f"[{source.rank}] {shown}" if is_cited else f"[{source.rank}] {shown} · 相关 related"
        with st.expander(title, expanded=is_cited, icon="📌" if is_cited else "📄"):
            st.markdown(present.passage_html(chunk.text, source.highlights, offset=chunk.start), unsafe_allow_html=True)
            st.caption(f"文件 file：{present.code_span(chunk.doc_id)}")
            spans = list(source.highlights) or [(chunk.start, chunk.end)]
            common.report_button(chunk.doc_id, spans, label, key=f"open_{i}_{source.rank}")


def _export(i: int, answer, filters_label: str) -> None:
    """Take the answer away: Markdown with its numbered sources, to download or copy into a briefing."""
    understood = answer.rewritten or answer.question  # a follow-up is exported as the question it was read as
    markdown = present.answer_export_markdown(
        understood, answer.text, present.export_sources(answer.sources), filters_label, asked=answer.question
    )
    with st.popover("📤 导出 Export", key=f"export_{i}"):
        st.download_button(
            "⬇️ 下载 Markdown Download",
            markdown,
            file_name=present.export_filename(understood),
            mime="text/markdown",
            key=f"download_{i}",
            on_click="ignore",
            type="primary",
        )
        st.caption("或点击右上角的复制按钮 · or copy it with the button at the top right")
        st.code(markdown, language="markdown", wrap_lines=True)
