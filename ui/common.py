"""What every page shares: settings, the cached assistant, the current index, error boxes, styles, the report viewer.

The UI holds no retrieval or answer logic: it calls rag/. Errors reach the user as st.error sentences, never as
tracebacks (`user_errors`).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass

import streamlit as st
from streamlit.runtime.scriptrunner_utils.exceptions import ScriptControlException  # Streamlit's stop/rerun

import rag  # noqa: F401  (offline environment before anything loads a model)
from rag import present
from rag.config import Settings
from rag.indexing.store import BuildResult, IndexMismatchError, IndexMissingError, IndexUnavailableError, build_index
from rag.ingest.documents import DocumentError
from ui import auth

log = logging.getLogger(__name__)

CSS = """
<style>
mark { background: #ffe066; color: #1f1f1f; padding: 0 2px; border-radius: 3px; }
.passage { line-height: 1.85; font-size: 0.95rem; padding: 0.55rem 0.85rem; margin: 0.1rem 0 0.4rem 0;
           border-left: 3px solid #f0b429; background: rgba(240, 180, 41, 0.07); border-radius: 0 6px 6px 0; }
sup.cite { color: #1565c0; font-weight: 600; margin: 0 1px; cursor: help; }
sup.cite-bad { color: #c62828; text-decoration: line-through; }
.rqa-muted { color: rgba(128, 128, 128, 0.95); font-size: 0.85rem; }
/* Below Streamlit's fixed header (3.75rem tall at every width), not under it: the page title stays whole. */
[data-testid="stMainBlockContainer"] { padding-top: 4rem; }
</style>
"""


@dataclass
class Context:
    """One script run's view of the app: settings, assistant, and the index (or why there is none)."""

    settings: Settings
    assistant: object  # rag.answering.answer.Assistant
    index: object | None  # rag.indexing.store.Index
    problem: Exception | None = None

    @property
    def embeddings(self):
        return self.assistant.searcher.embeddings


def settings() -> Settings:
    return Settings.from_env()


def _cache_key(s: Settings) -> str:
    fields = (s.seeds_dir, s.index_dir, s.model_dir, s.chroma_host, s.chroma_port, s.collection_prefix,
              s.llm_base_url, s.llm_model, s.device, s.k)  # fmt: skip
    return "|".join(str(f) for f in fields)


@st.cache_resource(
    show_spinner="正在加载嵌入模型与索引…（loading the embedding model, first start only）", max_entries=8
)
def _assistant(key: str, _settings: Settings):
    # One Assistant (and so one model and one Searcher) per process and configuration; the Searcher re-opens
    # the index by itself when a newer generation is swapped in.
    from rag.answering.answer import Assistant

    return Assistant(_settings)


def load() -> Context:
    """Settings + cached assistant + current index. Stops the page with a message if the model cannot load."""
    s = settings()
    try:
        assistant = _assistant(_cache_key(s), s)
    except Exception as exc:  # the model folder is missing or broken: nothing works without it
        log.error("model load failed: %s: %s", type(exc).__name__, exc)
        st.error(f"无法加载嵌入模型：{exc}（embedding model failed to load: run `make model`）")
        st.stop()
    try:
        return Context(s, assistant, assistant.searcher.index)
    except (IndexUnavailableError, OSError, ValueError) as exc:
        return Context(s, assistant, None, exc)


@contextlib.contextmanager
def user_errors(action: str) -> Iterator[list[tuple[str, str]]]:
    """Show what went wrong while doing `action` as one message, never a traceback. Yields a list that receives
    (kind, text) of the message shown, so a caller can keep it (the chat history does)."""
    shown: list[tuple[str, str]] = []
    try:
        yield shown
    except (IndexUnavailableError, DocumentError) as exc:  # missing / mismatched / busy index, unreadable file: say so
        shown.append(("error", f"{action}失败：{_inert(exc)}"))
    except ValueError as exc:  # an unusable question or option: the message says what to change
        shown.append(("warning", _inert(exc)))
    except Exception as exc:
        # One line in the server log; the traceback only at DEBUG level (it says nothing a user can act on).
        log.error("%s failed: %s: %s", action, type(exc).__name__, exc)
        log.debug("%s failed", action, exc_info=True)
        shown.append(
            (
                "error",
                f"{action}失败：{type(exc).__name__}: {_inert(exc)}（unexpected error; details in the server log）",
            )
        )
    for kind, text in shown:
        show_message(kind, text)


def _inert(exc: BaseException) -> str:
    """An error's message as Markdown that shows it as written (it may name a file or quote a report)."""
    return present.escape_markdown(str(exc))


def show_message(kind: str, text: str) -> None:
    """st.success / info / warning / error by name."""
    getattr(st, kind if kind in ("success", "info", "warning", "error") else "info")(text)


def inject_css() -> None:
    st.html(CSS)


# ---------------------------------------------------------------------------------------------- flash messages


def flash(kind: str, text: str) -> None:
    """A message to show after the next rerun (st.success / info / warning / error)."""
    st.session_state.setdefault("_flash", []).append((kind, text))


def show_flash() -> None:
    for kind, text in st.session_state.pop("_flash", []):
        show_message(kind, text)


# ---------------------------------------------------------------------------------------------- index building


def progress_reporter(label: str):
    """A rag Progress callback drawing a progress bar; returns (callback, bar).

    A click during a change (a second 确认删除, say) asks Streamlit to stop this run, and Streamlit stops it at the
    next drawing call, which is this bar: the change would halt half-way and roll back while the next run starts
    another. So the bar stops drawing instead and the change finishes; every handler reruns the page afterwards, with
    the interrupting request kept in `report.interrupted` (it carries the click's widget states: swallowed, it would
    be lost and the page left as the change found it)."""
    bar = st.progress(0.0, text=f"{label}：准备中…（preparing）")
    interrupted: list[ScriptControlException] = []

    def report(stage: str, done: int, total: int) -> None:
        if interrupted:
            return
        fraction, text = present.progress_state(stage, done, total)
        try:
            bar.progress(fraction, text=f"{label} · {text}")
        except ScriptControlException as exc:
            interrupted.append(exc)

    report.interrupted = interrupted
    return report, bar


def build_with_progress(ctx: Context, *, rebuild: bool = False) -> BuildResult | None:
    label = "重建索引 rebuilding" if rebuild else "建立索引 indexing"
    report, _ = progress_reporter(label)
    result = None
    with user_errors("建立索引"):
        result = build_index(ctx.settings, rebuild=rebuild, progress=report, embeddings=ctx.embeddings)
    return result


def show_index_problem(ctx: Context, access: auth.Access | None = None) -> None:
    """The index cannot be opened: say why and offer the button that fixes it (to an administrator)."""
    access = access or auth.current()
    problem = ctx.problem
    if isinstance(problem, IndexMissingError):
        st.error(f"尚未建立索引（no index yet）。{problem}")
        st.caption(f"报告目录 seeds: `{ctx.settings.seeds_dir}` · 索引目录 index: `{ctx.settings.index_dir}`")
        rebuild = False
        button = "🛠️ 构建索引 Build index"
    elif isinstance(problem, IndexMismatchError):
        st.error(str(problem))
        rebuild = True
        button = "🔄 重建索引 Rebuild index"
    else:
        st.error(f"无法打开索引：{problem}（index cannot be opened）")
        rebuild = True
        button = "🔄 重建索引 Rebuild index"
    if access.locked:
        st.caption("🔒 建立索引需要管理员权限（an administrator must build the index）")
        return
    if st.button(button, type="primary", key="fix_index"):
        result = build_with_progress(ctx, rebuild=rebuild)
        if result is not None:
            flash("success", f"索引已建立（index built）：{result.summary()}")
            st.rerun()


# ---------------------------------------------------------------------------------------------- report viewer


def request_report(doc_id: str, spans: list[tuple[int, int]], label: str) -> None:
    """Button callback: open the full report on this run (see `show_requested_report`)."""
    st.session_state["_open_report"] = {"doc_id": doc_id, "spans": [tuple(s) for s in spans], "label": label}


def report_button(doc_id: str, spans: list[tuple[int, int]], label: str, key: str) -> None:
    st.button(
        "📄 查看全文 Open full report",
        key=key,
        type="tertiary",
        help="在侧栏打开整篇报告并定位到这段文字（opens the whole report scrolled to this passage）",
        on_click=request_report,
        args=(doc_id, spans, label),
    )


@st.dialog("报告全文 Full report", width="large", position="right")
def _report_dialog(doc_id: str, spans: list[tuple[int, int]], label: str) -> None:
    ctx = load()
    st.markdown(f"**{present.escape_markdown(label)}**")  # report text: inert
    if ctx.index is None:
        st.error("索引不可用（index unavailable）")
        return
    try:
        text = ctx.index.report_text(doc_id)
    except KeyError:
        st.error(f"该报告已不在索引中：{present.escape_markdown(doc_id)}（report is no longer indexed）")
        return
    if spans:
        st.caption("黄色标记为引用的句子，已自动滚动到该处（the cited span is marked and scrolled into view）")
    mark = present.mark_id_for(doc_id, spans[0][0] if spans else 0)
    st.html(present.report_html(text, spans, mark_id=mark), unsafe_allow_javascript=True)


def show_requested_report() -> None:
    """Open the report a button asked for (once: the next rerun closes it)."""
    request = st.session_state.pop("_open_report", None)
    if request:
        _report_dialog(request["doc_id"], request["spans"], request["label"])
