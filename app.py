"""报告问答 (Report QA) — the Streamlit app: `streamlit run app.py` (or `make run`).

Pages live in ui/pages/ (thin scripts) and ui/*.py (their code); all retrieval and answering is in rag/.
Where the data lives comes from the environment (RAG_SEEDS_DIR, RAG_INDEX_DIR, ... see rag/config.py).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:  # `streamlit run` adds it; other launchers (AppTest) may not
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from ui import common, sidebar  # noqa: E402

st.set_page_config(page_title="报告问答 Report QA", page_icon="📑", layout="wide", initial_sidebar_state="expanded")
common.inject_css()

pages = [
    st.Page("ui/pages/chat.py", title="问答 Chat", icon="💬", default=True),
    st.Page("ui/pages/reports.py", title="报告管理 Reports", icon="📂", url_path="reports"),
    st.Page("ui/pages/indicators.py", title="指标 Indicators", icon="📊", url_path="indicators"),
    st.Page("ui/pages/targets.py", title="目标完成 Targets vs results", icon="🎯", url_path="targets"),
]
# In the sidebar: a top menu collapsed to "2 more" at 820 px, hiding two of the three pages.
page = st.navigation(pages, position="sidebar")

ctx = common.load()
sidebar.render(ctx)
with common.user_errors("显示页面"):  # an unexpected error is one message, never a traceback
    page.run()
