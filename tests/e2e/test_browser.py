"""The running app in a real browser: `streamlit run app.py` as a subprocess + Debian's Chromium via Playwright.

The server is started with the Makefile's own `run` command line and gets a private copy of the seeds and of the
seed index (uploads never touch the repository); management is behind RAG_ADMIN_PASSWORD, which tests enter.
Chromium comes from apt (`make browser`); `playwright install` is never used. Screenshots go to
tests/e2e/artifacts/ (git-ignored): look at them when changing the UI.
"""

from __future__ import annotations

import contextlib
import csv
import io
import math
import os
import re
import shlex
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import SEEDS, free_port, running_server, seed_text
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from rag.config import ROOT, Settings

pytestmark = pytest.mark.e2e

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
LOAD_TIMEOUT_MS = 240_000  # first page load waits for the model; uploads embed on 2 shared cores
STEP_TIMEOUT_MS = 120_000


ADMIN_PASSWORD = "e2e-Lotus-42"  # the test server's RAG_ADMIN_PASSWORD


@dataclass(frozen=True)
class Server:
    url: str
    seeds: Path
    log: Path


def make_run_command(port: int) -> list[str]:
    """The `streamlit run …` line of the Makefile's `run` target, as `make run` starts it (port substituted)."""
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = text[text.index("\nrun:") :].split("\n\n", 1)[0]
    line = next(line.strip() for line in recipe.splitlines() if "streamlit run" in line)
    upload_mb = math.ceil(Settings.from_env().max_upload_bytes / 1024 / 1024)
    words = shlex.split(line.replace("$(PORT)", str(port)).replace("$(UPLOAD_MB)", str(upload_mb)))
    assert words[0] == "$(BIN)/streamlit", line
    return [sys.executable, "-m", "streamlit", *words[1:]]


@contextmanager
def app_server(root: Path, seed_settings, **extra_env: str) -> Iterator[Server]:
    """The app as `make run` starts it, serving a private copy of the seeds + seed index."""
    seeds, index = root / "seeds", root / "index"
    shutil.copytree(seed_settings.seeds_dir, seeds)
    shutil.copytree(seed_settings.index_dir, index)
    for path in seeds.iterdir():  # the repository's seeds are read-only; the copy must be writable
        path.chmod(0o644)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAG_LLM", "OPENAI_", "CHROMA_", "RAG_ADMIN"))}
    env.update(RAG_SEEDS_DIR=str(seeds), RAG_INDEX_DIR=str(index), PYTHONUNBUFFERED="1", **extra_env)
    port = free_port()
    log_path = root / "streamlit.log"
    url = f"http://127.0.0.1:{port}"
    with running_server(
        make_run_command(port),
        f"{url}/_stcore/health",
        log_path,
        timeout=120,
        ready=lambda body: body.strip() == b"ok",
        cwd=ROOT,
        env=env,
    ):
        yield Server(url, seeds, log_path)
    log = log_path.read_text(errors="replace")
    assert "Traceback" not in log, log[-3000:]
    assert ADMIN_PASSWORD not in log  # never logged


@pytest.fixture(scope="module")
def server(tmp_path_factory, seed_settings):
    """One app for the module, with management behind RAG_ADMIN_PASSWORD."""
    with app_server(tmp_path_factory.mktemp("e2e"), seed_settings, RAG_ADMIN_PASSWORD=ADMIN_PASSWORD) as srv:
        yield srv


@pytest.fixture(scope="module")
def app_url(server):
    return server.url


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} not found: run `make browser` (apt-get install chromium chromium-driver)")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


def _new_page(browser, width: int = 1400, **options):
    context = browser.new_context(viewport={"width": width, "height": 1000}, locale="zh-CN", **options)
    page = context.new_page()
    page.set_default_timeout(STEP_TIMEOUT_MS)
    return context, page


@pytest.fixture
def page(browser):
    context, page = _new_page(browser)
    yield page
    context.close()


def _shot(page, name: str, full_page: bool = True) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)


def _idle(page) -> None:
    """Wait until the script run is over (the app root carries Streamlit's script state)."""
    page.wait_for_timeout(400)
    page.wait_for_function(
        "() => document.querySelector('[data-testid=stApp]')?.getAttribute('data-test-script-state') === 'notRunning'",
        timeout=LOAD_TIMEOUT_MS,
    )


def _page_state(page, server) -> str:
    """What the page and the server showed when an awaited state never came: the alerts, the script state, the
    seed folder and the log's tail."""
    alerts = page.locator('[data-testid="stAlert"]').all_inner_texts()
    state = page.locator('[data-testid="stApp"]').first.get_attribute("data-test-script-state")
    files = sorted(p.name for p in server.seeds.iterdir())
    log = server.log.read_text(errors="replace")[-3000:]
    return f"alerts={alerts} script_state={state} seeds={files}\n--- server log ---\n{log}"


def _open(page, url: str) -> None:
    page.goto(url)
    page.locator('[data-testid="stSidebar"]').get_by_text("索引状态").wait_for(timeout=LOAD_TIMEOUT_MS)
    _idle(page)


def _ask(page, question: str):
    box = page.locator('[data-testid="stChatInputTextArea"]')
    box.fill(question)
    box.press("Enter")
    answers = page.locator('[data-testid="stChatMessage"]')
    page.wait_for_function(
        "q => [...document.querySelectorAll('[data-testid=stChatMessage]')].some(m => m.innerText.includes(q))",
        arg=question,
    )
    _idle(page)
    return answers.last


def test_ask_shows_answer_and_highlighted_source(app_url, page):
    _open(page, app_url + "/")
    page.get_by_role("button", name="哪个街道的固定资产投资位列全区第一？").wait_for()
    _shot(page, "01_chat_empty")

    answer = _ask(page, "哪个街道的固定资产投资位列全区第一？")
    assert "西林街道" in answer.inner_text()
    mark = answer.locator(".passage mark").first
    mark.wait_for()
    assert "位列全区第一" in mark.inner_text()
    assert answer.locator("sup.cite").count() >= 1
    _shot(page, "02_chat_answer")

    # The whole report in a side drawer, the cited sentence marked and scrolled into view.
    answer.get_by_role("button", name=re.compile("查看全文")).first.click()
    dialog = page.get_by_role("dialog")
    marked = dialog.locator('.report-full mark[id^="hl-"]')
    marked.wait_for()
    assert "位列全区第一" in marked.inner_text()
    page.wait_for_timeout(800)
    _shot(page, "03_full_report", full_page=False)


def test_full_report_scrolls_to_a_late_passage(app_url, page):
    _open(page, app_url + "/")
    answer = _ask(page, "河海街道家庭医生签约服务覆盖率要达到多少？")
    assert "30%" in answer.inner_text()
    answer.get_by_role("button", name=re.compile("查看全文")).first.click()
    box = page.get_by_role("dialog").locator(".report-full")
    mark = box.locator('mark[id^="hl-"]')
    mark.wait_for()
    page.wait_for_function(
        "() => { const b = document.querySelector('.report-full'); return b && b.scrollTop > 0; }", timeout=15_000
    )
    inside = page.evaluate(
        """() => { const b = document.querySelector('.report-full').getBoundingClientRect();
                   const m = document.querySelector('.report-full mark[id^="hl-"]').getBoundingClientRect();
                   return m.top >= b.top && m.bottom <= b.bottom; }"""
    )
    assert inside, "the marked passage is not scrolled into view"
    _shot(page, "04_full_report_scrolled", full_page=False)


def test_upload_report_then_ask_about_it(app_url, server, page):
    _open(page, app_url + "/reports")
    _unlock(page)
    page.get_by_role("tab", name=re.compile("上传")).click()
    uploader = page.locator('[data-testid="stFileUploaderDropzoneInput"]')

    # A bad file first: a clear message, nothing added.
    uploader.set_input_files([{"name": "garbage.txt", "mimeType": "text/plain", "buffer": bytes(range(256)) * 16}])
    page.get_by_text("garbage.txt").first.wait_for()
    _idle(page)
    page.get_by_role("button", name=re.compile("添加到索引")).click()
    page.get_by_text(re.compile("未添加 rejected")).first.wait_for()
    _idle(page)
    assert "二进制" in page.locator('[data-testid="stAlertContentError"]').first.inner_text()
    _shot(page, "05_upload_rejected")

    # A seed relabelled as another street: embedded with a progress bar, then answerable at once.
    donghu = (SEEDS / "002_fe0a95f5f2085df9.txt").read_text(encoding="utf-8").replace("西林", "东湖")
    name = "东湖街道2024年上半年工作总结.txt"
    page.get_by_role("tab", name=re.compile("上传")).click()
    uploader = page.locator('[data-testid="stFileUploaderDropzoneInput"]')
    uploader.set_input_files([{"name": name, "mimeType": "text/plain", "buffer": donghu.encode("utf-8")}])
    page.get_by_text(name).first.wait_for()
    _idle(page)
    page.get_by_role("button", name=re.compile("添加到索引")).click()
    page.get_by_text(re.compile("已添加")).first.wait_for(timeout=LOAD_TIMEOUT_MS)
    _idle(page)
    assert page.get_by_text(re.compile("东湖街道")).count() >= 1  # in the reports table / messages
    sidebar = page.locator('[data-testid="stSidebar"]')
    assert sidebar.locator('[data-testid="stMetricValue"]').first.inner_text().strip() == str(_report_count(server))
    _shot(page, "06_upload_added")

    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=re.compile("问答 Chat")).click()
    page.locator('[data-testid="stChatInputTextArea"]').wait_for()
    _idle(page)
    answer = _ask(page, "东湖街道上半年一般公共预算收入多少？")
    text = answer.inner_text()
    assert "东湖街道" in text and "1.52亿元" in text, text
    answer.locator(".passage mark").first.wait_for()
    _shot(page, "07_chat_new_report")


def test_indicators_page_traces_a_value(app_url, page):
    """A value picked on the Indicators page is shown marked in its own report's passage, under that report's label."""
    _open(page, app_url + "/indicators")
    page.locator('[data-testid="stVegaLiteChart"]').first.wait_for()
    mark = page.locator(".passage mark").first
    assert "17.03" not in mark.inner_text()  # the first table row is shown first
    page.get_by_role("combobox", name=re.compile("查看指标出处")).click()
    page.keyboard.type("17.03")  # the options narrow as one types
    page.get_by_role("option", name=re.compile(r"西林街道 · .*固定资产投资 17\.03")).click()
    _idle(page)
    page.wait_for_function("() => (document.querySelector('.passage mark')?.innerText || '').includes('17.03')")
    marked = mark.inner_text()
    assert "固定资产投资17.03亿元" in marked
    assert marked in seed_text("002")  # the report's own words (002: 西林街道), not a rendering of the figure
    expect(
        page.locator('[data-testid="stCaptionContainer"]').filter(has_text=re.compile("^西林街道 · "))
    ).to_have_count(1)
    _shot(page, "08_indicators")


# ---------------------------------------------------------------------------------------------- helpers


def _report_count(server: Server) -> int:
    return sum(1 for p in server.seeds.iterdir() if p.is_file() and p.suffix == ".txt")


def _manifest(server: Server) -> str:
    return (server.seeds / "manifest.csv").read_text(encoding="utf-8")


def _unlock(page, password: str = ADMIN_PASSWORD) -> None:
    """Enter the admin password on the Reports page (the unlock lasts for this browser session)."""
    page.locator('input[type="password"]').fill(password)
    page.get_by_role("button", name=re.compile("解锁 Unlock")).click()
    if password == ADMIN_PASSWORD:  # a state, not a pause: on a busy machine the rerun may start late
        page.locator('[data-testid="stSidebar"]').get_by_role("button", name=re.compile("锁定")).wait_for()
    _idle(page)


def _answer_text(answer) -> str:
    """The answer itself: the first markdown block of the message (its sources follow)."""
    return answer.locator('[data-testid="stMarkdownContainer"]').first.inner_text()


def _pick_street_filter(page, street: str) -> None:
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.locator('[data-testid="stMultiSelect"]').first.click()
    page.get_by_role("option", name=street).click()
    page.keyboard.press("Escape")
    _idle(page)


def _wait_for_grids(page) -> None:
    """Data grids and charts draw after the script run: wait for them before a screenshot."""
    for selector in ('[data-testid="stDataFrame"] canvas', '[data-testid="stVegaLiteChart"] svg'):
        if page.locator(selector).count():
            page.locator(selector).first.wait_for()
    page.wait_for_timeout(1500)


# ---------------------------------------------------------------------------------------------- issue 11


def test_management_locked_without_password_and_usable_with_it(server, page):
    _open(page, server.url + "/reports")
    assert page.get_by_text("管理功能已锁定").first.is_visible()
    page.get_by_role("tab", name=re.compile("上传")).click()
    assert page.locator('[data-testid="stFileUploaderDropzoneInput"]').count() == 0
    page.get_by_role("tab", name=re.compile("维护")).click()
    assert page.get_by_role("button", name=re.compile("删除所选报告|重建索引")).count() == 0
    _shot(page, "10_reports_locked")

    _unlock(page, "not-the-password")
    page.get_by_text("密码不正确").first.wait_for()
    assert page.locator('[data-testid="stFileUploaderDropzoneInput"]').count() == 0

    _unlock(page)
    page.get_by_role("tab", name=re.compile("上传")).click()
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').wait_for(state="attached")
    assert ADMIN_PASSWORD not in page.content()  # never echoed, the box is emptied
    # Session-scoped: still unlocked on the next page visit in this browser session.
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=re.compile("指标")).click()
    _idle(page)
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=re.compile("报告管理")).click()
    _idle(page)
    assert page.get_by_text("管理功能已锁定").count() == 0

    # Another browser session is still locked; asking there stays open.
    context, other = _new_page(page.context.browser)
    _open(other, server.url + "/reports")
    assert other.get_by_text("管理功能已锁定").first.is_visible()
    _open(other, server.url + "/")
    assert "1.52亿元" in _ask(other, "西林街道上半年一般公共预算收入多少？").inner_text()
    context.close()

    page.get_by_role("button", name=re.compile("锁定 Lock")).click()
    _idle(page)
    page.get_by_text("管理功能已锁定").first.wait_for()
    page.get_by_role("tab", name=re.compile("上传")).click()
    assert page.locator('[data-testid="stFileUploaderDropzoneInput"]').count() == 0


def test_three_step_follow_up_chain(server, page):
    _open(page, server.url + "/")
    assert "1.52亿元" in _ask(page, "西林街道一般公共预算收入多少？").inner_text()
    _ask(page, "那秦灶街道呢？")
    answer = _ask(page, "那河海街道呢？")
    text = answer.inner_text()
    assert "河海街道一般公共预算收入多少？" in text  # "read as" the whole question
    assert "11.5亿元" in _answer_text(answer) and "未找到" not in _answer_text(answer)
    _shot(page, "11_follow_ups")


def test_street_filter_with_ranking_question(server, page):
    _open(page, server.url + "/")
    _pick_street_filter(page, "新闸街道")
    answer = _ask(page, "哪个街道固定资产投资位列全区第一？")
    text = _answer_text(answer)
    assert text.startswith("报告中未找到新闸街道写明该排名的内容"), text
    assert "7.25亿元" not in text
    _shot(page, "12_filter_ranking")


def test_export_answer_as_markdown(server, page):
    _open(page, server.url + "/")
    answer = _ask(page, "西林街道上半年一般公共预算收入多少？")
    answer.get_by_role("button", name=re.compile("导出 Export")).click()
    with page.expect_download() as info:
        page.get_by_role("button", name=re.compile("下载 Markdown")).click()
    download = info.value
    assert download.suggested_filename.startswith("答案-西林街道上半年一般公共预算收入多少") and (
        download.suggested_filename.endswith(".md")
    )
    markdown = Path(download.path()).read_text(encoding="utf-8")
    assert markdown.startswith("## 问：西林街道上半年一般公共预算收入多少？")
    assert "位列全区第二[1]" in markdown
    assert "**[1]** 常州市钟楼区西林街道 · 数据期 2024年上半年" in markdown
    assert "文件 file：`002_fe0a95f5f2085df9.txt`" in markdown
    assert "> 一般公共预算收入1.52亿元" in markdown
    # The same text, ready to copy, with the code block's copy button.
    code = page.locator('[data-testid="stCode"]').last
    assert "### 来源 Sources" in code.inner_text()
    _shot(page, "13_export", full_page=False)


UNPLACED = (
    "上半年工作总结\n今年以来，我们坚持稳中求进，经济运行总体平稳。1-6月，完成一般公共预算收入1.2亿元，同比增长5%。"
    "固定资产投资3.4亿元，增幅6.1%。下半年将继续推进重点项目建设，加快城市更新，持续改善民生。\n"
)


def test_upload_with_undetected_place_prompts_for_metadata(server, page):
    name = "上半年工作总结.txt"
    _open(page, server.url + "/reports")
    _unlock(page)
    page.get_by_role("tab", name=re.compile("上传")).click()
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        [{"name": name, "mimeType": "text/plain", "buffer": UNPLACED.encode("utf-8")}]
    )
    page.get_by_text(name).first.wait_for()
    _idle(page)
    page.get_by_role("button", name=re.compile("添加到索引")).click()
    page.get_by_text(re.compile("未识别出地点")).first.wait_for(timeout=LOAD_TIMEOUT_MS)
    _idle(page)
    _shot(page, "14_upload_review")
    review = page.locator(".st-key-review_new")
    review.get_by_label("地点 Place").fill("南湖街道")
    review.get_by_label("年份 Year").fill("2024")
    review.get_by_role("button", name=re.compile("保存 Save")).click()
    page.get_by_text(re.compile(f"已保存 {name}")).first.wait_for(timeout=LOAD_TIMEOUT_MS)
    _idle(page)
    row = next(r for r in csv.DictReader(io.StringIO(_manifest(server))) if r["file"] == name)
    assert (row["place"], row["level"], row["year"], row["period"]) == ("南湖街道", "街道", "2024", "上半年")
    assert page.get_by_text(re.compile("未识别出地点")).count() == 0

    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=re.compile("问答 Chat")).click()
    _idle(page)
    answer = _ask(page, "南湖街道上半年一般公共预算收入多少？")
    assert "1.2亿元" in _answer_text(answer)


def test_indicator_bar_click_shows_its_passage(server, page):
    _open(page, server.url + "/indicators")
    page.locator('[data-testid="stVegaLiteChart"] svg').first.wait_for()
    _idle(page)
    bars = page.locator('[data-testid="stVegaLiteChart"] .mark-rect path')
    xilin = next(i for i in range(bars.count()) if "17.03" in (bars.nth(i).get_attribute("aria-label") or ""))
    assert "17.03" not in page.locator(".passage mark").first.inner_text()  # the first table row is shown first
    bars.nth(xilin).click()
    _idle(page)
    page.wait_for_function(
        "() => (document.querySelector('.passage mark')?.innerText || '').includes('固定资产投资17.03亿元')"
    )
    page.get_by_label(re.compile("搜索 Search")).fill("Xilin first")
    page.keyboard.press("Enter")
    _idle(page)
    assert re.search(r"（[3-9] / \d+ 条）", page.get_by_text(re.compile("指标表 Table")).first.inner_text())


def test_delete_exactly_the_chosen_report(server, page):
    """Defect 1: the confirmation stayed open for the next report and a second click deleted it too."""
    _open(page, server.url + "/reports")
    _unlock(page)
    before = {p.name for p in server.seeds.iterdir() if p.is_file()}
    target = "001_edf690f87470ca0e.txt"  # 荷花池街道
    assert target in before and target in _manifest(server)
    page.get_by_role("tab", name=re.compile("维护")).click()
    page.get_by_role("combobox", name=re.compile("选择报告 Report")).click()
    page.get_by_role("option", name=re.compile("荷花池街道")).click()
    _idle(page)
    page.get_by_role("button", name=re.compile("删除所选报告")).click()
    confirm = page.get_by_role("button", name=re.compile("确认删除"))
    confirm.click()
    # Repeated clicks while and after the delete runs, then on the popover itself: none may delete anything else.
    for _ in range(3):
        with contextlib.suppress(PlaywrightError):  # gone with the rerun: that is the point
            confirm.first.click(timeout=1_500, no_wait_after=True)
    deleted = page.get_by_text(re.compile("已删除 001_edf690f87470ca0e.txt"))
    try:
        deleted.first.wait_for(timeout=LOAD_TIMEOUT_MS)
    except PlaywrightError as exc:  # seen once under heavy load: keep what explains it
        raise AssertionError(_page_state(page, server)) from exc
    _idle(page)
    expect(deleted).to_have_count(1)  # reported once
    # The confirmation closed with the delete (it stayed open on "choose a report first"), and with nothing chosen
    # it cannot be opened again: no confirm button is left that could delete another report.
    expect(page.get_by_text(re.compile("请先选择报告"))).to_be_hidden()
    expect(page.get_by_role("button", name=re.compile("删除所选报告"))).to_be_disabled()
    assert page.get_by_role("button", name=re.compile("确认删除")).count() == 0

    after = {p.name for p in server.seeds.iterdir() if p.is_file()}
    assert before - after == {target} and after - before == set()
    assert target not in _manifest(server)  # its manifest row went with it
    assert "000_51ed8297329c7c41.txt" in _manifest(server)
    assert len(list((server.seeds / ".trash").iterdir())) == 1
    _shot(page, "15_deleted")


# ---------------------------------------------------------------------------------------------- log, layout


def test_server_log_stays_quiet(tmp_path, seed_settings, browser):
    """`make run`'s own command line: start, ask a question, open every page; the log stays under 40 lines."""
    with app_server(tmp_path, seed_settings) as srv:
        context, page = _new_page(browser)
        _open(page, srv.url + "/")
        assert "1.52亿元" in _ask(page, "西林街道上半年一般公共预算收入多少？").inner_text()
        for path in ("/reports", "/indicators", "/"):
            _open(page, srv.url + path)
            _wait_for_grids(page)
        context.close()
        lines = srv.log.read_text(errors="replace").splitlines()
    assert len(lines) < 40, "\n".join(lines[-60:])
    assert not any("Inotify" in line or "Traceback" in line for line in lines)


@pytest.mark.parametrize("width", [1400, 820])
def test_pages_readable_at_width(server, browser, width):
    """Screenshots of every page (look at them when changing the UI); at 820 px the page menu shows all four pages
    and the Clear button its whole label; the chat page's title is wholly below Streamlit's header."""
    context, page = _new_page(browser, width)
    _open(page, server.url + "/")
    title = page.locator("h1").filter(has_text="报告问答").first.bounding_box()
    header = page.locator('[data-testid="stHeader"]').bounding_box()
    assert title["y"] >= header["y"] + header["height"], (title, header)
    links = page.locator('[data-testid="stSidebarNav"] a')
    assert links.count() == 4 and all(links.nth(i).is_visible() for i in range(4))
    _ask(page, "西林街道上半年一般公共预算收入多少？")
    clear = page.locator(".st-key-clear_chat button").first
    assert clear.evaluate("b => [b, ...b.querySelectorAll('*')].every(e => e.scrollWidth <= e.clientWidth + 1)"), (
        "the Clear button's label is cut"
    )
    assert "清空对话 Clear" in clear.inner_text()
    _shot(page, f"20_chat_{width}")
    for path, name in (("/reports", "reports"), ("/indicators", "indicators")):
        _open(page, server.url + path)
        _wait_for_grids(page)
        _shot(page, f"21_{name}_{width}")
    context.close()
