"""The Streamlit app driven headless with streamlit.testing.v1.AppTest: the real app.py, the real model and index.

The app reads its folders from the environment (Settings.from_env), so each test points RAG_SEEDS_DIR /
RAG_INDEX_DIR at a fixture index before AppTest.from_file("app.py"). Tests that change things use a private copy
(work_settings + a copy of the seed index, so nothing is re-embedded that need not be).
"""

from __future__ import annotations

import shutil
import threading
from dataclasses import replace

import pytest
from streamlit.testing.v1 import AppTest

from rag.config import ROOT, Settings
from rag.indexing.store import Index, current_generation

APP = str(ROOT / "app.py")
TIMEOUT = 240  # the first run loads the embedding model; uploads embed a report on 2 shared cores
SEEDS = ROOT / "seeds"
XILIN_SEED = SEEDS / "002_fe0a95f5f2085df9.txt"


def _point_app_at(monkeypatch, settings: Settings) -> None:
    monkeypatch.setenv("RAG_SEEDS_DIR", str(settings.seeds_dir))
    monkeypatch.setenv("RAG_INDEX_DIR", str(settings.index_dir))
    for name in ("CHROMA_HOST", "RAG_LLM_BASE_URL", "OPENAI_BASE_URL", "RAG_LLM_MODEL", "RAG_K", "RAG_ADMIN_PASSWORD",
                 "RAG_ADMINS"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)


def _app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    _no_exception(at)
    return at


def _no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def _markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def _source_labels(at: AppTest) -> list[str]:
    return [e.label for e in at.expander if e.label.startswith("[")]


def _ask(at: AppTest, question: str) -> AppTest:
    at.chat_input(key="chat_input").set_value(question).run()
    _no_exception(at)
    return at


def _sidebar_metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.sidebar.metric if m.label == label)


@pytest.fixture
def seed_app(seed_settings, monkeypatch) -> AppTest:
    _point_app_at(monkeypatch, seed_settings)
    return _app()


@pytest.fixture
def work_index(work_settings, seed_settings) -> Settings:
    """A private seeds folder with a private copy of the seed index (same reports: nothing to re-embed)."""
    shutil.copytree(seed_settings.index_dir, work_settings.index_dir)
    return work_settings


@pytest.fixture
def work_app(work_index, monkeypatch) -> AppTest:
    _point_app_at(monkeypatch, work_index)
    return _app()


def _index_state(settings: Settings) -> tuple[str | None, int, list[str]]:
    gen = current_generation(settings.index_dir)
    index = Index.open(settings)
    files = sorted(p.name for p in settings.seeds_dir.iterdir() if p.is_file())
    return gen, len(index.reports), files


# ---------------------------------------------------------------------------------------------- chat


def test_chat_answers_with_highlighted_sources(seed_app):
    at = seed_app
    assert [b.label for b in at.button if b.key and b.key.startswith("example_")]  # examples while chat is empty
    assert _sidebar_metric(at, "报告 reports") == "5"
    _ask(at, "哪个街道的固定资产投资位列全区第一？")
    messages = at.chat_message
    assert [m.name for m in messages] == ["user", "assistant"]
    text = _markdown(at)
    assert "西林街道" in text and "17.03亿元" in text
    assert '<sup class="cite"' in text  # the [n] marker became a badge
    assert "<mark>" in text and "位列全区第一" in text  # the answering sentence is highlighted in its passage
    labels = _source_labels(at)
    assert labels and labels[0].startswith("[1] 西林街道 · 数据期 2024年上半年 · 《西林街道2024年上半年工作总结")
    assert not [b for b in at.button if b.key and b.key.startswith("example_")]

    # "Open full report": the whole report, the cited span marked with an id and scrolled into view.
    at.button(key="open_1_1").click().run()
    _no_exception(at)
    report = next(h.value for h in at.html if "report-full" in h.value)
    assert '<mark id="hl-' in report and "scrollIntoView" in report
    assert "西林街道在区委区政府的坚强领导下" in report  # the start of the report, not just the passage


def test_example_button_then_clear(seed_app):
    at = seed_app
    at.button(key="example_1").click().run()  # 西林街道上半年一般公共预算收入多少？
    _no_exception(at)
    assert at.chat_message[0].markdown[0].value == "西林街道上半年一般公共预算收入多少？"
    assert "1.52亿元" in _markdown(at)
    _ask(at, "What was Xilin's fixed asset investment?")
    assert len(at.chat_message) == 4
    at.button(key="clear_chat").click().run()
    _no_exception(at)
    assert len(at.chat_message) == 0
    assert at.button(key="example_0").label == "哪个街道的固定资产投资位列全区第一？"


@pytest.mark.parametrize(
    ("question", "expected"),
    [("？？？！！", "没有文字内容"), ("🙂 🙂", "没有文字内容")],
    ids=["punctuation", "symbols"],
)
def test_bad_question_gets_a_message_that_stays_in_the_history(seed_app, question, expected):
    at = _ask(seed_app, question)
    assert [m.name for m in at.chat_message] == ["user", "assistant"]
    assert at.warning and expected in at.warning[0].value
    _ask(at, "西林街道上半年一般公共预算收入多少？")  # the rerun still shows why the first turn has no answer
    assert len(at.chat_message) == 4 and expected in at.warning[0].value and "1.52亿元" in _markdown(at)


def test_overlong_question_is_stopped_by_the_input_box(seed_app):
    """The box takes at most `Settings.max_question_chars` (2,000) characters (the browser stops typing there), so a 10,000-character
    paste arrives cut to the limit and is answered or refused like any question, never a traceback."""
    box = seed_app.chat_input(key="chat_input")
    assert box.proto.max_chars == 2000
    at = _ask(seed_app, "西林街道上半年一般公共预算收入多少？" + "问" * 10_000)
    assert len(at.chat_message[0].markdown[0].value) <= 2000
    assert [m.name for m in at.chat_message] == ["user", "assistant"]


def test_filters_change_results(seed_app):
    at = seed_app
    question = "固定资产投资完成了多少？"
    at.multiselect(key="filter_places").set_value(["新闸街道"]).run()
    _ask(at, question)
    xinzha = _source_labels(at)
    assert xinzha and all(label.split("] ", 1)[1].startswith("新闸街道 · ") for label in xinzha), xinzha

    at.button(key="clear_chat").click().run()
    at.multiselect(key="filter_places").set_value(["河海街道"]).run()
    at.multiselect(key="filter_years").set_value([2017]).run()
    _ask(at, question)
    hehai = _source_labels(at)
    assert hehai and all("河海街道 · 数据期 2017年" in label for label in hehai), hehai
    assert "筛选 filters：河海街道 · 2017年" in "\n".join(c.value for c in at.caption)

    # A filter that matches nothing gives no sources rather than an error.
    at.button(key="clear_chat").click().run()
    at.multiselect(key="filter_places").set_value(["新闸街道"]).run()  # 新闸 has no 2017 report
    _ask(at, question)
    assert _source_labels(at) == []
    assert not at.error


def test_answer_mode_and_k_controls(seed_app):
    at = seed_app
    assert at.radio(key="answer_mode").options == ["自动 auto", "摘录式 extractive"]  # no LLM configured
    assert any("LLM 未配置" in c.value for c in at.sidebar.caption)
    at.radio(key="answer_mode").set_value("extractive").run()
    at.slider(key="answer_k").set_value(2).run()
    _ask(at, "西林街道上半年一般公共预算收入多少？")
    assert 1 <= len(_source_labels(at)) <= 2
    assert "摘录式 extractive" in "\n".join(c.value for c in at.caption)


def test_llm_mode_streams_history_and_flags_unverified_numbers(seed_settings, monkeypatch):
    """The UI side of LLM mode: on_token pieces, history of earlier turns, unverified numbers as a warning.

    The engine is stood in for (the real LLM path is rag/answering/answer.py + rag/answering/llm.py's business): ask() returns the real
    extractive answer re-labelled as an LLM answer with an invented figure."""
    from rag.answering.answer import Assistant

    _point_app_at(monkeypatch, seed_settings)
    monkeypatch.setenv("RAG_LLM_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("RAG_LLM_MODEL", "fake-model")
    real_ask = Assistant.ask
    calls: list[dict] = []

    def fake_ask(self, question, *, mode="auto", filters=None, k=None, history=None, on_token=None):
        answer = real_ask(self, question, mode="extractive", filters=filters, k=k)
        pieces = ["西林街道固定资产投资", "99.9亿元", "[1]。"]
        for piece in pieces:
            on_token(piece)
        answer.text, answer.mode, answer.unverified_numbers = "".join(pieces), "llm", ["99.9"]
        calls.append({"mode": mode, "history": list(history or [])})
        return answer

    monkeypatch.setattr(Assistant, "ask", fake_ask)
    at = _app()
    assert at.radio(key="answer_mode").options == ["自动 auto", "摘录式 extractive", "大模型 LLM"]
    at.radio(key="answer_mode").set_value("llm").run()
    _ask(at, "西林街道的固定资产投资是多少？")
    assert calls[-1] == {"mode": "llm", "history": []}
    assert "99.9亿元" in _markdown(at) and "大模型 LLM" in "\n".join(c.value for c in at.caption)
    assert any("99.9" in w.value and "核实" in w.value for w in at.warning)
    _ask(at, "那新闸街道呢？")
    assert calls[-1]["history"] == [
        {"role": "user", "content": "西林街道的固定资产投资是多少？"},
        {"role": "assistant", "content": "西林街道固定资产投资99.9亿元[1]。"},
    ]


# ---------------------------------------------------------------------------------------------- errors


def test_missing_index_offers_build_button(tmp_path, monkeypatch):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    shutil.copy2(SEEDS / "001_edf690f87470ca0e.txt", seeds)  # one short report: a quick build
    settings = replace(Settings.from_env(seeds_dir=seeds, index_dir=tmp_path / "index"), chroma_host=None)
    _point_app_at(monkeypatch, settings)
    at = _app()
    assert any("尚未建立索引" in e.value for e in at.error)
    assert not at.chat_input  # nothing to ask yet
    at.button(key="fix_index").click().run()
    _no_exception(at)
    assert any("索引已建立" in s.value for s in at.success)
    assert _sidebar_metric(at, "报告 reports") == "1"
    assert current_generation(settings.index_dir) is not None


# ---------------------------------------------------------------------------------------------- reports page


def test_reports_page_lists_reports(seed_app):
    at = seed_app.switch_page("ui/pages/reports.py").run()
    _no_exception(at)
    table = at.dataframe[0].value
    assert len(table) == 5
    assert set(table["地点"]) == {"新闸街道", "荷花池街道", "西林街道", "秦灶街道", "河海街道"}
    assert set(table["级别"]) == {"街道"}
    assert at.button(key="save_meta").disabled  # nothing edited yet


def test_upload_ask_and_delete(work_app, work_index):
    at = work_app
    gen_before, n_before, _ = _index_state(work_index)
    donghu = XILIN_SEED.read_text(encoding="utf-8").replace("西林", "东湖").encode("utf-8")
    name = "东湖街道2024年上半年工作总结.txt"

    at.switch_page("ui/pages/reports.py").run()
    at.file_uploader[0].set_value([(name, donghu, "text/plain")])
    at.run()
    at.button(key="add_reports").click().run()
    _no_exception(at)
    assert any(name in s.value and "已添加" in s.value for s in at.success), [s.value for s in at.success]
    gen_after, n_after, files = _index_state(work_index)
    assert (n_after, name in files) == (n_before + 1, True) and gen_after != gen_before
    assert _sidebar_metric(at, "报告 reports") == str(n_before + 1)
    assert "东湖街道" in set(at.dataframe[0].value["地点"])

    # The new report answers at once (the cached assistant picks up the new index generation).
    at.switch_page("ui/pages/chat.py").run()
    _ask(at, "东湖街道上半年一般公共预算收入多少？")
    assert "东湖街道" in _markdown(at) and "1.52亿元" in _markdown(at)
    assert _source_labels(at)[0].startswith("[1] 东湖街道")

    # Uploading the same bytes again: "已存在", nothing changes.
    at.switch_page("ui/pages/reports.py").run()
    at.file_uploader[0].set_value([("again.txt", donghu, "text/plain")])
    at.run()
    at.button(key="add_reports").click().run()
    assert any("已存在" in i.value for i in at.info), [i.value for i in at.info]
    assert _index_state(work_index)[0] == gen_after

    # Delete it again (select + confirm in the popover).
    at.selectbox(key="delete_pick").set_value(name).run()
    at.button(key=f"confirm_delete_{name}").click().run()
    _no_exception(at)
    assert [s.value for s in at.success if "已删除" in s.value] == [
        next(s.value for s in at.success if "已删除" in s.value)
    ], "the delete is reported once"
    _, n_final, files = _index_state(work_index)
    assert n_final == n_before and name not in files
    assert (work_index.seeds_dir / ".trash").is_dir()
    assert _sidebar_metric(at, "报告 reports") == str(n_before)
    # Nothing is chosen after a delete, so no confirm button is left that could delete another report.
    assert at.selectbox(key="delete_pick").value is None
    assert not [b for b in at.button if str(b.key).startswith("confirm_delete")]


def test_bad_uploads_are_rejected_and_change_nothing(work_app, work_index):
    at = work_app
    before = _index_state(work_index)
    at.switch_page("ui/pages/reports.py").run()
    garbage = bytes(range(256)) * 16
    at.file_uploader[0].set_value([("garbage.txt", garbage, "text/plain"), ("empty.txt", b"", "text/plain")])
    at.run()
    at.button(key="add_reports").click().run()
    _no_exception(at)
    errors = [e.value for e in at.error]
    assert any("garbage.txt" in e and "二进制" in e for e in errors), errors
    assert any("empty.txt" in e and "文件为空" in e for e in errors), errors
    assert not at.success
    assert _index_state(work_index) == before  # same generation, report count and files


def test_upload_handler_direct(work_index, embeddings):
    """The handler the page calls, with real bytes: a duplicate and a wrong type change nothing."""
    from ui.reports import upload_reports

    before = _index_state(work_index)
    messages, added = upload_reports(
        work_index,
        [("copy.txt", XILIN_SEED.read_bytes()), ("broken.docx", b"PK\x03\x04garbage"), ("../evil.txt", b"x")],
        embeddings=embeddings,
    )
    kinds = [k for k, _ in messages]
    assert kinds == ["info", "error", "error"] and added == [], messages
    assert "已存在" in messages[0][1]
    assert _index_state(work_index) == before
    assert upload_reports(work_index, []) == ([("warning", "请先选择文件（choose at least one file）")], [])


def test_metadata_correction_saves_manifest_and_reindexes(work_index, embeddings):
    """What the editor's save button does: changed street/year/period -> update_metadata -> new index."""
    from ui.reports import metadata_changes, reports_frame, save_metadata

    index = Index.open(work_index)
    original = reports_frame(index)
    edited = original.copy()
    row = edited.index[edited["文件"] == "001_edf690f87470ca0e.txt"][0]
    edited.loc[row, ["地点", "年份", "时期"]] = ["荷花池街道", "2022", "1-5月"]
    changes = metadata_changes(index, original, edited)
    assert [(d, m.name, m.level, m.year, m.period) for d, m in changes] == [
        ("001_edf690f87470ca0e.txt", "荷花池街道", "街道", 2022, "1-5月")
    ]

    bad = original.copy()
    bad.loc[row, "年份"] = "22"
    with pytest.raises(ValueError, match="年份无效"):
        metadata_changes(index, original, bad)

    messages = save_metadata(work_index, changes, embeddings=embeddings)
    assert messages[0][0] == "success", messages
    assert "1-5月" in (work_index.seeds_dir / "manifest.csv").read_text(encoding="utf-8")
    reopened = Index.open(work_index)
    assert reopened.generation != index.generation
    assert reopened.reports["001_edf690f87470ca0e.txt"].meta.period == "1-5月"


# ---------------------------------------------------------------------------------------------- indicators page


def test_indicators_page_filters_and_traces_values(seed_app):
    at = seed_app.switch_page("ui/pages/indicators.py").run()
    _no_exception(at)
    table = at.dataframe[0].value
    assert len(table) > 50 and {"地点", "指标", "数值"} <= set(table.columns)
    at.multiselect(key="ind_metrics").set_value(["固定资产投资"]).run()
    at.multiselect(key="ind_places").set_value(["西林街道"]).run()
    _no_exception(at)
    table = at.dataframe[0].value
    assert set(table["指标"]) == {"固定资产投资"} and set(table["地点"]) == {"西林街道"}
    assert at.selectbox(key="ind_metric").value == "固定资产投资|亿元|result|上半年"  # the chart: the chosen metric
    pick = at.selectbox(key="ind_pick")
    pick.select_index(next(i for i, o in enumerate(pick.options) if "17.03亿元" in o)).run()
    _no_exception(at)
    assert "<mark>固定资产投资17.03亿元" in _markdown(at)

    at.text_input(key="ind_query").input("没有这个指标").run()
    _no_exception(at)
    assert any("没有符合条件" in c.value for c in at.caption)


def test_indicator_bar_pick_ticks_its_table_row(seed_app):
    """A bar click (the chart's callback sets the picked row) moves the table's tick to that row, not the old one."""
    at = seed_app.switch_page("ui/pages/indicators.py").run()
    table = at.dataframe[0].value
    first, other = int(table["row_id"].iloc[0]), int(table["row_id"].iloc[3])
    at.session_state["ind_pick"] = first
    at.run()
    assert at.session_state["ind_table"]["selection"]["rows"] == [0]
    at.session_state["ind_pick"] = other  # what _pick_from_chart does for a click on another bar
    at.run()
    _no_exception(at)
    assert at.session_state["ind_table"]["selection"]["rows"] == [3]
    assert at.selectbox(key="ind_pick").value == other


def test_indicator_chart_series_are_comparable(seed_app):
    at = seed_app.switch_page("ui/pages/indicators.py").run()
    options = at.selectbox(key="ind_metric").options
    assert options[0] == "固定资产投资（亿元） · 上半年 · 完成 actual"
    assert not any(o.startswith("面积") for o in options)  # demolished buildings vs expropriated land
    assert "一般公共预算收入（亿元） · 上半年 · 预计 forecast" in options  # forecasts are their own series
    at.text_input(key="ind_query").input("Xilin first").run()
    table = at.dataframe[0].value
    assert len(table) >= 3 and set(table["地点"]) == {"西林街道"} and all("第一" in r for r in table["排名"])


# ---------------------------------------------------------------------------------------------- follow-ups, ranks


def test_follow_ups_chain_through_three_questions(seed_app):
    at = _ask(seed_app, "西林街道一般公共预算收入多少？")
    assert "1.52亿元" in _markdown(at)
    _ask(at, "那秦灶街道呢？")
    _ask(at, "那河海街道呢？")  # used to lose the topic: "not found"
    read_as = [c.value for c in at.caption if "理解为" in c.value]
    assert read_as[-1].endswith("河海街道一般公共预算收入多少？"), read_as
    last = at.chat_message[-1]
    text = "\n".join(m.value for m in last.markdown)
    assert "河海街道" in text and "11.5亿元" in text and "未找到" not in text


def test_place_filter_with_a_ranking_question_refuses(seed_app):
    at = seed_app
    at.multiselect(key="filter_places").set_value(["新闸街道"]).run()
    _ask(at, "哪个街道固定资产投资位列全区第一？")
    text = at.chat_message[-1].markdown[0].value  # the answer itself (the closest passages follow it)
    assert text.startswith("报告中未找到新闸街道写明该排名的内容") and "7.25亿元" not in text, text


# ---------------------------------------------------------------------------------------------- export


def test_answer_exports_as_markdown_with_numbered_sources(seed_app):
    at = _ask(seed_app, "西林街道上半年一般公共预算收入多少？")
    markdown = at.code[0].value
    assert markdown.startswith("## 问：西林街道上半年一般公共预算收入多少？")
    assert "一般公共预算收入1.52亿元,进度52.4%,位列全区第二[1]。" in markdown
    assert "**[1]** 常州市钟楼区西林街道 · 数据期 2024年上半年" in markdown
    assert "文件 file：`002_fe0a95f5f2085df9.txt`" in markdown
    assert "> " in markdown and "一般公共预算收入1.52亿元" in markdown.split("### 来源 Sources")[1]
    downloads = at.get("download_button")
    assert downloads and downloads[0].proto.label.startswith("⬇️ 下载 Markdown")


def test_a_follow_up_exports_the_question_as_understood_with_the_original_under_it(seed_app):
    _ask(seed_app, "西林街道上半年一般公共预算收入多少？")
    at = _ask(seed_app, "那秦灶街道呢？")
    markdown = at.code[-1].value
    lines = markdown.splitlines()
    assert lines[0].startswith("## 问：秦灶街道") and lines[0].endswith("一般公共预算收入多少？"), lines[0]
    assert lines[2] == "*原问题 asked：那秦灶街道呢？*"


# ---------------------------------------------------------------------------------------------- access control


PASSWORD = "Lotus-42-pond"


def _unlock_button(at: AppTest):
    return next(b for b in at.button if "解锁" in str(b.label))


def _page_text(at: AppTest) -> str:
    parts = [e.value for kind in ("markdown", "caption", "error", "warning", "info", "success") for e in at.get(kind)]
    return "\n".join(str(p) for p in parts) + "\n".join(str(t.value) for t in at.text_input)


def test_management_is_locked_until_the_password_and_locks_again(work_index, monkeypatch):
    _point_app_at(monkeypatch, work_index)
    monkeypatch.setenv("RAG_ADMIN_PASSWORD", PASSWORD)
    at = _app().switch_page("ui/pages/reports.py").run()
    _no_exception(at)
    locked = {"add_reports", "save_meta", "delete_pick", "confirm_rebuild"}
    keys = {str(w.key) for kind in ("button", "selectbox") for w in at.get(kind)}
    assert not (locked & keys) and not at.file_uploader and not at.get("arrow_data_editor")
    assert at.dataframe[0].value.shape[0] == 5  # reading stays open
    assert any("管理已锁定" in c.value for c in at.sidebar.caption)

    at.text_input(key="admin_password").input("wrong-password")
    _unlock_button(at).click().run()
    assert any("密码不正确" in e.value for e in at.error)
    assert not at.file_uploader

    at.text_input(key="admin_password").input(PASSWORD)
    _unlock_button(at).click().run()
    _no_exception(at)
    assert at.file_uploader and at.selectbox(key="delete_pick") and at.button(key="save_meta")
    assert PASSWORD not in _page_text(at)  # never echoed; the box is emptied

    # Asking stays open, and the unlock lasts for the session.
    at.switch_page("ui/pages/chat.py").run()
    _ask(at, "西林街道上半年一般公共预算收入多少？")
    assert "1.52亿元" in _markdown(at)
    at.switch_page("ui/pages/reports.py").run()
    assert at.file_uploader

    at.button(key="admin_lock").click().run()
    assert not at.file_uploader and any("管理功能已锁定" in m.value for m in at.markdown)


@pytest.mark.parametrize(
    ("kwargs", "mode", "admin"),
    [
        ({"password": None, "oidc": False}, "open", True),
        ({"password": "x", "oidc": False}, "password", False),
        ({"password": "x", "oidc": False, "unlocked": True}, "password", True),
        ({"password": None, "oidc": True, "admins": frozenset({"a@x.cn"})}, "oidc", False),  # not logged in
        (
            {"password": None, "oidc": True, "logged_in": True, "email": "A@x.cn", "admins": frozenset({"a@x.cn"})},
            "oidc",
            True,
        ),
        (
            {"password": None, "oidc": True, "logged_in": True, "email": "b@x.cn", "admins": frozenset({"a@x.cn"})},
            "oidc",
            False,
        ),
        (
            {
                "password": None,
                "oidc": True,
                "logged_in": True,
                "email": "a@x.cn",
                "email_verified": False,
                "admins": frozenset({"a@x.cn"}),
            },
            "oidc",
            False,
        ),
        # OIDC configured: the password no longer unlocks anything.
        ({"password": "x", "oidc": True, "unlocked": True, "logged_in": False}, "oidc", False),
        ({"password": None, "oidc": True, "logged_in": True, "email": "a@x.cn"}, "oidc", False),  # no RAG_ADMINS
    ],
)
def test_access_decision(kwargs, mode, admin):
    from ui.auth import decide

    access = decide(**kwargs)
    assert (access.mode, access.admin, access.locked) == (mode, admin, not admin)


def test_admin_emails_and_password_comparison():
    from ui.auth import admin_emails, password_matches

    assert admin_emails(" A@x.cn, b@y.cn;c@z.cn\nnot-an-email ") == {"a@x.cn", "b@y.cn", "c@z.cn"}
    assert admin_emails(None) == frozenset()
    assert password_matches("Lotus-42", "Lotus-42") and not password_matches("Lotus-4", "Lotus-42")
    assert password_matches("密码", "密码") and not password_matches("", "x")


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_password_throttle_backs_off_per_client_and_limits_everyone():
    from ui.auth import PasswordThrottle

    clock = _Clock()
    throttle = PasswordThrottle(base_s=1.0, cap_s=8.0, clock=clock)
    assert throttle.admit("a") == 0.0 and throttle.admit("a") == 0.0  # the first typo is free
    assert throttle.admit("a") == pytest.approx(1.0)  # refused, unchecked: wait a second
    waits = []
    for _ in range(5):  # each wrong password in a row doubles the wait, up to the cap
        clock.now += throttle.admit("a")
        assert throttle.admit("a") == 0.0
        waits.append(throttle.admit("a"))
    assert waits == pytest.approx([2.0, 4.0, 8.0, 8.0, 8.0])
    assert throttle.failures("a") == 7
    # Another address is not slowed by a's failures ... until everyone together reaches the global limit.
    throttle = PasswordThrottle(global_limit=3, window_s=100.0, clock=clock)
    for client in ("b", "c", "d"):
        assert throttle.admit(client) == 0.0
    assert throttle.admit("e") == pytest.approx(100.0)
    clock.now += 100.0
    assert throttle.admit("e") == 0.0
    # The right password: the client starts afresh and its attempt is not held against anyone.
    throttle.succeeded("e")
    assert throttle.failures("e") == 0 and throttle.admit("f") == 0.0


def test_password_throttle_is_shared_by_threads():
    """20 sessions guessing at once from one address get two checked guesses, not twenty."""
    from concurrent.futures import ThreadPoolExecutor

    from ui.auth import PasswordThrottle

    throttle = PasswordThrottle(base_s=60.0)
    start = threading.Barrier(20)

    def guess(_: int) -> float:
        start.wait()
        return throttle.admit("10.0.0.7")

    with ThreadPoolExecutor(20) as pool:
        waits = list(pool.map(guess, range(20)))
    assert waits.count(0.0) == 2 and all(w > 50 for w in waits if w)


@pytest.fixture
def fresh_throttle():
    from ui.auth import THROTTLE

    THROTTLE.reset()
    yield THROTTLE
    THROTTLE.reset()


def test_wrong_passwords_slow_down_every_session_and_are_logged_without_the_password(
    work_index, monkeypatch, caplog, fresh_throttle
):
    _point_app_at(monkeypatch, work_index)
    monkeypatch.setenv("RAG_ADMIN_PASSWORD", PASSWORD)
    first, second = (_app().switch_page("ui/pages/reports.py").run() for _ in range(2))  # two browser sessions
    for guess in ("guess-one-1", "guess-two-2"):
        first.text_input(key="admin_password").input(guess)
        _unlock_button(first).click().run()
    assert any("密码不正确" in e.value for e in first.error)
    # The other session, even with the right password, waits: the wait is the process's, not the session's.
    second.text_input(key="admin_password").input(PASSWORD)
    _unlock_button(second).click().run()
    _no_exception(second)
    assert any("请" in e.value and "秒后再试" in e.value for e in second.error) and not second.file_uploader
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name == "ui.auth")
    assert logged.count("wrong password") == 2 and "refused unchecked" in logged
    assert not any(secret in logged for secret in ("guess-one-1", "guess-two-2", PASSWORD))


# ---------------------------------------------------------------------------------------------- upload review, manifest

UNPLACED = (
    "上半年工作总结\n今年以来，我们坚持稳中求进，经济运行总体平稳。1-6月，完成一般公共预算收入1.2亿元，同比增长5%。"
    "固定资产投资3.4亿元，增幅6.1%。下半年将继续推进重点项目建设，加快城市更新，持续改善民生。\n"
)


def test_upload_without_a_place_asks_for_it_and_saves_it(work_app, work_index):
    at = work_app.switch_page("ui/pages/reports.py").run()
    name = "上半年工作总结.txt"
    at.file_uploader[0].set_value([(name, UNPLACED.encode("utf-8"), "text/plain")])
    at.run()
    at.button(key="add_reports").click().run()
    _no_exception(at)
    assert any(name in w.value and "未识别出地点 place、年份 year" in w.value for w in at.warning), [
        w.value for w in at.warning
    ]
    at.text_input(key=f"rv_place_{name}").input("东湖街道")
    at.text_input(key=f"rv_year_{name}").input("2024")
    next(b for b in at.button if "保存 Save" in str(b.label) and "修改" not in str(b.label)).click().run()
    _no_exception(at)
    assert any("已保存" in s.value for s in at.success)
    assert f"{name},东湖街道,街道,,2024,上半年" in (work_index.seeds_dir / "manifest.csv").read_text(encoding="utf-8")
    assert Index.open(work_index).reports[name].meta.name == "东湖街道"
    assert not any("未识别出" in w.value for w in at.warning)


def test_the_review_form_corrects_a_detected_place_everywhere(work_app, work_index):
    """A place corrected right after the upload is the report's place: shown, and offered by the street filter."""
    at = work_app.switch_page("ui/pages/reports.py").run()
    name = "东湖街道上半年工作总结.txt"
    text = UNPLACED.replace("上半年工作总结\n今年以来，我们", "东湖街道2024年上半年工作总结\n今年以来，东湖街道")
    at.file_uploader[0].set_value([(name, text.encode("utf-8"), "text/plain")])
    at.run()
    at.button(key="add_reports").click().run()
    _no_exception(at)
    assert Index.open(work_index).reports[name].meta.name == "东湖街道"
    assert at.text_input(key=f"rv_place_{name}").value == "东湖街道"
    at.text_input(key=f"rv_place_{name}").input("西湖街道")
    next(b for b in at.button if "保存 Save" in str(b.label) and "修改" not in str(b.label)).click().run()
    _no_exception(at)
    meta = Index.open(work_index).reports[name].meta
    assert (meta.name, meta.level, meta.year) == ("西湖街道", "街道", 2024)
    assert "西湖街道" in Index.open(work_index).place_names() and "东湖街道" not in Index.open(work_index).place_names()
    assert any("西湖街道" in s.value and "已保存" in s.value for s in at.success)


def test_deleting_a_report_removes_its_manifest_row(work_index, embeddings):
    from ui.reports import remove_report

    manifest = work_index.seeds_dir / "manifest.csv"
    assert "000_51ed8297329c7c41.txt" in manifest.read_text(encoding="utf-8")
    messages = remove_report(work_index, "000_51ed8297329c7c41.txt", embeddings=embeddings)
    assert messages[0][0] == "success", messages
    rows = manifest.read_text(encoding="utf-8").splitlines()
    assert not any(r.startswith("000_51ed8297329c7c41.txt") for r in rows)
    assert len(rows) == 5 and rows[0].startswith("file,")  # the header and the other four reports stay
