"""rag/ingest/decode.py: bytes to text in every encoding a report arrives in; bad bytes rejected clearly."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from rag.ingest.decode import decode_bytes, normalize_ws
from rag.ingest.documents import DocumentError, load_document


@pytest.mark.parametrize(
    ("codec", "bom", "expected"),
    [
        ("utf-8", b"", "utf-8"),
        ("utf-8-sig", b"", "utf-8-sig"),
        ("gbk", b"", "gb18030"),
        ("utf-16-le", b"\xff\xfe", "utf-16"),
        ("utf-16-be", b"\xfe\xff", "utf-16"),
        ("utf-16-le", b"", "utf-16"),  # no BOM: found by the NUL pattern
        ("utf-16-be", b"", "utf-16"),
    ],
)
def test_decode_each_encoding(passage: str, codec: str, bom: bytes, expected: str) -> None:
    data = bom + passage.encode(codec)
    text, encoding = decode_bytes(data)
    assert text == passage
    assert encoding == expected


def test_decode_gb18030_beyond_gbk(passage: str) -> None:
    extended = passage + "𠮷"  # CJK Ext-B: in GB18030 (4 bytes), not in GBK
    with pytest.raises(UnicodeEncodeError):
        extended.encode("gbk")
    text, encoding = decode_bytes(extended.encode("gb18030"))
    assert (text, encoding) == (extended, "gb18030")


def test_decode_keeps_text_exact_except_crlf() -> None:
    raw = "  标题\r\n\r\n正文\t第一段。\n第二段 \r\n".encode()
    text, _ = decode_bytes(raw)
    assert text == "  标题\n\n正文\t第一段。\n第二段 \n"


def test_decode_rejects_binary_garbage() -> None:
    garbage = random.Random(7).randbytes(4096)
    with pytest.raises(DocumentError, match=r"二进制|编码"):
        decode_bytes(garbage)
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
    with pytest.raises(DocumentError, match="二进制"):
        decode_bytes(png)


def test_decode_rejects_control_characters() -> None:
    with pytest.raises(DocumentError, match="二进制"):
        decode_bytes(("文字" + "\x01\x02\x03\x04\x05" * 20).encode())


@pytest.mark.parametrize("data", [b"", b" \n\t\r\n ", "  \n\u3000".encode(), " \n ".encode("utf-16")])
def test_decode_rejects_empty_and_blank(data: bytes) -> None:
    with pytest.raises(DocumentError, match=r"文件为空|只有空白"):
        decode_bytes(data)


def test_empty_file_message_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_bytes(b"")
    with pytest.raises(DocumentError) as info:
        load_document(path, tmp_path)
    assert str(info.value) == "文件为空：x.txt（empty file）"


def test_normalize_ws() -> None:
    assert normalize_ws("  一、 总结\n\n\t1-6月\u3000完成\xa0任务 ") == "一、 总结 1-6月 完成 任务"
