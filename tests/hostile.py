"""Hostile files made by the tests (never committed): an expanding .docx, a long PDF, a one-line text."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

_PARAGRAPH = b"<w:p><w:r><w:t>" + "经济运行稳中向好。".encode() * 40 + b"</w:t></w:r></w:p>"


def good_docx(text: str) -> bytes:
    """A real .docx (python-docx), one paragraph per line of `text`."""
    import docx

    document = docx.Document()
    for line in text.splitlines():
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def expanding_docx(xml_mb: int, path: Path | None = None) -> bytes:
    """A well-formed .docx whose word/document.xml unpacks to `xml_mb` MB (about 270x its packed size, as the
    0.75 MB → 200 MB file of issue 21). Written as a stream: the test never holds the XML in memory."""
    template = zipfile.ZipFile(io.BytesIO(good_docx("标题")))
    body_start, body_end = (
        template.read("word/document.xml").split(b"<w:body>", 1)[0] + b"<w:body>",
        b"</w:body></w:document>",
    )
    target = io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for info in template.infolist():
            if info.filename != "word/document.xml":
                out.writestr(info, template.read(info.filename))
        with out.open("word/document.xml", "w", force_zip64=True) as member:
            member.write(body_start)
            block = _PARAGRAPH * (1024 * 1024 // len(_PARAGRAPH))
            for _ in range(xml_mb):
                member.write(block)
            member.write(body_end)
    data = target.getvalue()
    if path is not None:
        path.write_bytes(data)
    return data


def lying_docx(xml_mb: int) -> bytes:
    """An expanding .docx whose zip directory states a tiny unpacked size for document.xml (a forged header)."""
    data = bytearray(expanding_docx(xml_mb))
    name = b"word/document.xml"
    central = data.rfind(b"PK\x01\x02", 0, data.rfind(name))  # the directory entry of document.xml
    # ZIP64: sizes live in the extra field; classic: at offset 24 (uncompressed size, 4 bytes).
    if data[central + 24 : central + 28] == b"\xff\xff\xff\xff":
        extra = data.find(b"\x01\x00", central + 46 + len(name))
        data[extra + 4 : extra + 12] = (1000).to_bytes(8, "little")
    else:
        data[central + 24 : central + 28] = (1000).to_bytes(4, "little")
    return bytes(data)


def blank_pdf(pages: int) -> bytes:
    """A PDF of `pages` empty pages (pypdfium2)."""
    import pypdfium2

    pdf = pypdfium2.PdfDocument.new()
    for _ in range(pages):
        pdf.new_page(595, 842)
    buffer = io.BytesIO()
    pdf.save(buffer)
    pdf.close()
    return buffer.getvalue()


# The child's own peak memory, read from /proc/self/status as it ends. ru_maxrss of a child (os.wait4) is no use here:
# Linux carries the memory of the process that forked it across exec, so a child of a 2 GB pytest reports 2 GB.
_PEAK_RSS = """import runpy, sys
sys.argv = ["rag", *sys.argv[1:]]
try:
    runpy.run_module("rag", run_name="__main__", alter_sys=True)
finally:
    print(next(line for line in open("/proc/self/status") if line.startswith("VmHWM")), flush=True)
"""


def rag_with_peak_rss(args: list, cwd: Path) -> tuple[int, str, int]:
    """`python -m rag ARGS` in a child process, without Chroma-server or LLM settings from the environment:
    (exit code, output, peak resident memory of that process in KiB)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHROMA_", "RAG_LLM_", "OPENAI_"))}
    proc = subprocess.run(
        [sys.executable, "-c", _PEAK_RSS, *map(str, args)], cwd=cwd, env=env, capture_output=True, text=True
    )
    output = proc.stdout + proc.stderr
    peak = re.search(r"VmHWM:\s*(\d+) kB", output)
    return proc.returncode, output, int(peak.group(1)) if peak else -1
