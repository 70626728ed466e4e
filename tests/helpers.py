"""Shared test helpers (tests/ is on sys.path: pytest puts it there for tests/conftest.py)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from rag.config import ROOT

SEEDS = ROOT / "seeds"
SEED_FILES = sorted(p.name for p in SEEDS.glob("*.txt"))
TRIM_CHARS = 1200  # ~6 chunks a report: enough for indexing mechanics, fast to embed


def seed_text(prefix: str) -> str:
    """The text of the seed report whose file name starts with `prefix` ("000" ... "004")."""
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def trimmed_seeds(target: Path, max_chars: int = TRIM_CHARS) -> Path:
    """The seed reports (and manifest) cut at the last full sentence before `max_chars`."""
    target.mkdir(parents=True, exist_ok=True)
    for path in SEEDS.iterdir():
        if path.suffix == ".txt":
            text = path.read_text(encoding="utf-8")[:max_chars]
            (target / path.name).write_text(text[: text.rfind("。") + 1] + "\n", encoding="utf-8")
        elif path.is_file():
            shutil.copy(path, target / path.name)
            (target / path.name).chmod(0o644)
    return target


@contextmanager
def running_server(
    cmd: list[str],
    health_url: str,
    log_path: Path,
    *,
    timeout: float,
    ready: Callable[[bytes], bool] = lambda body: True,
    **popen_kwargs,
) -> Iterator[subprocess.Popen]:
    """Start `cmd`, wait until `health_url` answers (and `ready(body)`), yield the process, then stop it.
    Fails the test with the server's log tail when it exits or does not come up in `timeout` seconds."""
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, **popen_kwargs)
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(health_url, timeout=2) as resp:
                    if ready(resp.read()):
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"{cmd[0]} did not start: {log_path.read_text(errors='replace')[-3000:]}")
            time.sleep(0.3)
        try:
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


def make_docx(paragraphs: list[str], table: list[list[str]] | None = None) -> bytes:
    """A .docx of these paragraphs, then the table (the bench's report builder, untitled)."""
    from bench.report_formats import report_docx

    return report_docx(None, paragraphs, table, table_after=len(paragraphs))


def make_pdf(lines: list[str]) -> bytes:
    """A minimal valid PDF whose text is `lines`: a Type0 font with a ToUnicode CMap (no font file needed)."""
    chars = sorted({ch for line in lines for ch in line})
    code = {ch: i + 1 for i, ch in enumerate(chars)}
    bfchar = "\n".join(f"<{code[ch]:04X}> <{ch.encode('utf-16-be').hex().upper()}>" for ch in chars)
    cmap = (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
        f"{len(chars)} beginbfchar\n{bfchar}\nendbfchar\n"
        "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
    ).encode()
    ops = ["BT", "/F1 12 Tf", "72 760 Td", "14 TL"]
    ops += ["<" + "".join(f"{code[ch]:04X}" for ch in line) + "> Tj T*" for line in lines]
    content = "\n".join([*ops, "ET"]).encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /Identity-H "
        b"/DescendantFonts [6 0 R] /ToUnicode 7 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 1000 >>",
        b"<< /Length %d >>\nstream\n" % len(cmap) + cmap + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def assistant_over(root: Path, reports: dict[str, str], embeddings):
    """A real index of the given report texts (file name -> text) under `root`, and an Assistant over it."""
    from dataclasses import replace

    from rag.answering.answer import Assistant
    from rag.answering.retrieval import Searcher
    from rag.config import Settings
    from rag.indexing.store import build_index

    (root / "seeds").mkdir()
    for name, text in reports.items():
        (root / "seeds" / name).write_text(text, encoding="utf-8")
    settings = replace(Settings.from_env(seeds_dir=root / "seeds", index_dir=root / "index"), chroma_host=None)
    build_index(settings, embeddings=embeddings)
    return Assistant(settings, searcher=Searcher(settings, embeddings))


# ---------------------------------------------------------------------------------------------- inert Markdown


def render_markdown(markdown: str) -> str:
    """Markdown as a CommonMark renderer turns it, raw HTML allowed as in st.markdown(unsafe_allow_html=True)
    (markdown-it-py: installed with chromadb's rich)."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": True}).render(markdown)


def visible_text(rendered: str) -> str:
    import html
    import re

    return html.unescape(re.sub(r"<[^>]+>", "", rendered))


def assert_inert_markdown(markdown: str) -> None:
    """No link, image, script or frame comes out of the Markdown, and nothing GFM would autolink (it looks at the
    text after parsing) or Streamlit would read as a directive (":red[…]", ":material/…:") outside a code span."""
    import re

    rendered = render_markdown(markdown)
    assert not re.search(r"<(a|img|script|iframe)\b", rendered), rendered
    # GFM finds autolinks in the text after parsing (escapes resolved), outside code: look where it looks.
    text = visible_text(re.sub(r"<code>.*?</code>", "", rendered, flags=re.S))
    assert not re.search(r"(?i)https?://|\bwww\.|[\w.+-]@[\w-]+\.", text), text
    outside_code = re.sub(r"(`+)(?!`).*?(?<!`)\1(?!`)", "", markdown)
    assert not re.search(r"(?<!\\):red\[|(?<!\\):material/", outside_code), markdown


def private_copy(settings, target: Path):
    """A writable copy of a settings' seeds + index under `target` (copying is much cheaper than embedding)."""
    from dataclasses import replace

    shutil.copytree(settings.seeds_dir, target / "seeds")
    shutil.copytree(settings.index_dir, target / "index", ignore=shutil.ignore_patterns(".lock"))
    return replace(settings, seeds_dir=target / "seeds", index_dir=target / "index")


def answers(assistant, question: str, *figures: str, never: tuple[str, ...] = ()) -> str:
    """Asked without an LLM, the question is answered with every figure and none of `never`; returns the text."""
    answer = assistant.ask(question, mode="extractive")
    assert answer.status == "answered", answer.text
    assert all(f in answer.text for f in figures) and not any(f in answer.text for f in never), answer.text
    return answer.text
