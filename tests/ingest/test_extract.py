"""rag/ingest/extract.py: .docx / .pdf / .html extraction and type sniffing."""

from __future__ import annotations

import io
import random
import zipfile

import pytest
from helpers import make_docx, make_pdf

from rag.ingest.documents import DocumentError
from rag.ingest.extract import SUPPORTED_SUFFIXES, extract_text


def test_docx_paragraphs_and_tables() -> None:
    data = make_docx(
        ["梅林镇2024年上半年工作总结", "一、经济运行", "1-6月，完成规模工业产值80.1亿元。"],
        table=[["指标", "数值"], ["固定资产投资", "17.03亿元"]],
    )
    text, encoding = extract_text(data, ".docx")
    assert encoding == "docx"
    assert (
        text
        == "梅林镇2024年上半年工作总结\n一、经济运行\n1-6月，完成规模工业产值80.1亿元。\n指标\t数值\n固定资产投资\t17.03亿元"
    )


def test_pdf_with_chinese_text() -> None:
    lines = ["西林街道2023年上半年工作总结", "1-6月，固定资产投资17.03亿元，位列全区第一。"]
    text, encoding = extract_text(make_pdf(lines), ".pdf")
    assert encoding == "pdf"
    assert text.strip() == "\n".join(lines)


@pytest.mark.parametrize("suffix", [".docx", ".pdf"])
def test_random_bytes_with_document_suffix(suffix: str) -> None:
    garbage = random.Random(suffix).randbytes(3000)
    with pytest.raises(DocumentError, match=rf"扩展名是 \{suffix}") as info:
        extract_text(garbage, suffix)
    assert "Traceback" not in str(info.value)


def test_truncated_docx() -> None:
    data = make_docx(["第一段", "第二段"])
    with pytest.raises(DocumentError, match="Word 文档已损坏"):
        extract_text(data[: len(data) // 2], ".docx")


def test_docx_with_broken_xml() -> None:
    source = zipfile.ZipFile(io.BytesIO(make_docx(["第一段"])))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            body = b"<w:document><unclosed" if item.filename == "word/document.xml" else source.read(item)
            target.writestr(item, body)
    with pytest.raises(DocumentError, match="Word 文档已损坏"):
        extract_text(buffer.getvalue(), ".docx")


def test_truncated_pdf() -> None:
    data = make_pdf(["秦灶街道2021年工作计划"])
    with pytest.raises(DocumentError, match="PDF"):
        extract_text(data[:120], ".pdf")


def test_zip_that_is_not_a_docx() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "你好")
    with pytest.raises(DocumentError, match="ZIP 压缩包"):
        extract_text(buffer.getvalue(), ".docx")


def test_content_wins_over_wrong_extension(passage: str) -> None:
    # A real .docx named .txt, a PDF named .txt, and plain text named .docx / .pdf are all read by content.
    assert extract_text(make_docx(["第一段"]), ".txt") == ("第一段", "docx")
    assert extract_text(make_pdf(["第一段"]), ".txt")[1] == "pdf"
    assert extract_text(passage.encode("gbk"), ".docx") == (passage, "gb18030")
    assert extract_text(passage.encode(), ".pdf") == (passage, "utf-8")


def test_legacy_office_file_is_rejected_clearly() -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500)
    with pytest.raises(DocumentError, match=r"旧版 Word（\.doc）.*另存为 \.docx"):
        extract_text(ole, ".docx")


@pytest.mark.parametrize("suffix", [".xlsx", ".doc", ".csv", ""])
def test_unsupported_suffix_lists_supported_types(suffix: str) -> None:
    with pytest.raises(DocumentError) as info:
        extract_text(b"hello", suffix)
    assert all(s in str(info.value) for s in SUPPORTED_SUFFIXES)


def test_html_visible_text() -> None:
    markup = """<!DOCTYPE html><html><head><title>新闸街道2021年上半年工作总结</title>
    <style>p { color: red }</style><script>var x = "不可见";</script></head>
    <body><!-- 注释 --><div><h1>一、上半年工作总结</h1><p>1. 经济发展稳步<b>提升</b>。1-6月，
    完成规模工业总产值80.1亿元&nbsp;。</p><ul><li>项目甲</li><li>项目乙</li></ul>
    <table><tr><td>指标</td><td>数值</td></tr></table>第一行<br>第二行</div></body></html>"""
    text, encoding = extract_text(markup.encode("utf-8"), ".html")
    assert encoding == "html"
    assert text.split("\n") == [
        "新闸街道2021年上半年工作总结",
        "一、上半年工作总结",
        "1. 经济发展稳步提升。1-6月， 完成规模工业总产值80.1亿元 。",
        "项目甲",
        "项目乙",
        "指标\t数值",
        "第一行",
        "第二行",
    ]
    assert "不可见" not in text and "color" not in text and "注释" not in text


def test_html_in_gbk() -> None:
    markup = '<html><head><meta charset="gbk"></head><body><p>秦灶街道2021年工作计划</p></body></html>'
    assert extract_text(markup.encode("gbk"), ".htm") == ("秦灶街道2021年工作计划", "html")
