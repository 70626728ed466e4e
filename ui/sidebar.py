"""The sidebar: index status, filters (place, year), answer mode and number of sources.

Widget values live in st.session_state under the keys below; the chat page reads them with `chat_options()`.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from rag import present
from rag.answering.retrieval import Filters
from ui import auth
from ui.common import Context

PLACES_KEY = "filter_places"
YEARS_KEY = "filter_years"
MODE_KEY = "answer_mode"
K_KEY = "answer_k"
MODES = ("auto", "extractive", "llm")


@dataclass(frozen=True)
class ChatOptions:
    filters: Filters
    mode: str
    k: int

    @property
    def label(self) -> str:
        """ "西林街道 · 2024年" for the active filters, "" when none."""
        parts = [*self.filters.places, *(f"{y}年" for y in self.filters.years)]
        return " · ".join(parts)


def _keep_valid(key: str, options: list) -> None:
    # A place or year may disappear (report deleted): drop it from the selection before the widget is drawn.
    if key in st.session_state:
        st.session_state[key] = [v for v in st.session_state[key] if v in options]


def render(ctx: Context) -> None:
    with st.sidebar:
        st.markdown(
            "## 📑 报告问答\n<span class='rqa-muted'>Report QA · 地方政府工作报告问答</span>", unsafe_allow_html=True
        )
        _status(ctx)
        auth.sidebar_status(auth.current())
        st.divider()
        _filters(ctx)
        st.divider()
        _answer_settings(ctx)


def _status(ctx: Context) -> None:
    st.markdown("#### 📚 索引状态 Index")
    if ctx.index is None:
        st.error("索引不可用（index unavailable）")
        return
    index = ctx.index
    left, right = st.columns(2)
    left.metric("报告 reports", len(index.reports))
    right.metric("段落 chunks", len(index.chunks))
    model = index.info.get("model", "—")
    built = present.format_timestamp(index.info.get("created"))
    st.caption(f"嵌入模型 model：`{model}`  \n最近构建 last built：{built}")


def _filters(ctx: Context) -> None:
    st.markdown("#### 🔎 筛选 Filters")
    reports = ctx.index.reports.values() if ctx.index is not None else []
    names = sorted({r.meta.name for r in reports if r.meta.name})  # places at any level: 西林街道, 嘉兴市
    years = sorted({r.meta.year for r in reports if r.meta.year}, reverse=True)
    _keep_valid(PLACES_KEY, names)
    _keep_valid(YEARS_KEY, years)
    st.multiselect("地点 Place", names, key=PLACES_KEY, placeholder="全部地点 all places")
    st.multiselect("年份 Year", years, key=YEARS_KEY, placeholder="全部年份 all years", format_func=lambda y: f"{y}年")


def _answer_settings(ctx: Context) -> None:
    st.markdown("#### ⚙️ 回答 Answer")
    configured = ctx.settings.llm_configured
    modes = list(MODES) if configured else ["auto", "extractive"]
    if st.session_state.get(MODE_KEY) not in modes:
        st.session_state[MODE_KEY] = "auto"
    st.radio("回答方式 Mode", modes, key=MODE_KEY, format_func=present.MODE_LABELS.get, horizontal=True)
    if not configured:
        st.caption(
            "🔒 大模型 LLM 未配置：设置 `RAG_LLM_BASE_URL` 和 `RAG_LLM_MODEL` 后可用。"
            "（LLM mode is disabled until an OpenAI-compatible server is configured.）"
        )
    st.slider("来源数量 Sources (k)", min_value=1, max_value=10, value=ctx.settings.k, key=K_KEY)


def chat_options() -> ChatOptions:
    filters = Filters(
        places=tuple(st.session_state.get(PLACES_KEY) or ()),
        years=tuple(st.session_state.get(YEARS_KEY) or ()),
    )
    return ChatOptions(filters, st.session_state.get(MODE_KEY) or "auto", int(st.session_state.get(K_KEY) or 5))
