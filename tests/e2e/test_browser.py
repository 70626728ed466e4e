"""The running app in a real browser: `streamlit run app.py` as a subprocess + Debian's Chromium via Playwright.

The server gets a private copy of the seeds and of the seed index (uploads never touch the repository).
Chromium comes from apt (`make browser`); `playwright install` is never used. Screenshots go to
tests/e2e/artifacts/ (git-ignored): look at them when changing the UI.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

import pytest
from helpers import SEEDS, free_port, running_server

from rag.config import ROOT

pytestmark = pytest.mark.e2e

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
LOAD_TIMEOUT_MS = 240_000  # first page load waits for the model; uploads embed on 2 shared cores
STEP_TIMEOUT_MS = 120_000


@pytest.fixture(scope="module")
def app_url(tmp_path_factory, seed_settings):
    """`streamlit run app.py` on a free port, serving a private copy of the seeds + seed index."""
    root = tmp_path_factory.mktemp("e2e")
    seeds, index = root / "seeds", root / "index"
    shutil.copytree(seed_settings.seeds_dir, seeds)
    shutil.copytree(seed_settings.index_dir, index)
    for path in seeds.iterdir():  # the repository's seeds are read-only; the copy must be writable
        path.chmod(0o644)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAG_LLM", "OPENAI_", "CHROMA_"))}
    env.update(RAG_SEEDS_DIR=str(seeds), RAG_INDEX_DIR=str(index), PYTHONUNBUFFERED="1")
    port = free_port()
    log_path = root / "streamlit.log"
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port", str(port),
           "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"]  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    with running_server(
        cmd, f"{url}/_stcore/health", log_path, timeout=120, ready=lambda body: body.strip() == b"ok", cwd=ROOT, env=env
    ):
        yield url
    assert "Traceback" not in log_path.read_text(errors="replace"), log_path.read_text(errors="replace")[-3000:]


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


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(STEP_TIMEOUT_MS)
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


def test_upload_report_then_ask_about_it(app_url, page):
    _open(page, app_url + "/reports")
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
    assert "6" in sidebar.locator('[data-testid="stMetricValue"]').first.inner_text()
    _shot(page, "06_upload_added")

    page.get_by_role("link", name=re.compile("问答 Chat")).click()
    page.locator('[data-testid="stChatInputTextArea"]').wait_for()
    _idle(page)
    answer = _ask(page, "东湖街道上半年一般公共预算收入多少？")
    text = answer.inner_text()
    assert "东湖街道" in text and "1.52亿元" in text, text
    answer.locator(".passage mark").first.wait_for()
    _shot(page, "07_chat_new_report")


def test_indicators_page_traces_a_value(app_url, page):
    _open(page, app_url + "/indicators")
    page.locator('[data-testid="stVegaLiteChart"]').first.wait_for()
    page.locator(".passage mark").first.wait_for()
    page.wait_for_timeout(1000)
    _shot(page, "08_indicators")
