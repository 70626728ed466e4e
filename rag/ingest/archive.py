"""Sizing up a .docx (a zip archive) before any parser opens it.

A 0.75 MB .docx can hold 200 MB of XML: python-docx builds an lxml tree of all of it, and the app grew to 8 GB
before accepting the file. The archive's directory states every member's unpacked size, so those sizes are
checked first; Python's zipfile never unpacks more than the size a member states (a member that lies fails its
CRC check and the file is refused as damaged), so the stated sizes are a real bound.
"""

from __future__ import annotations

import zipfile

from rag.ingest.errors import DocumentError

MB = 1024 * 1024
MAX_MEMBERS = 5_000  # parts of a Word document: a long report with many images has a few hundred
MAX_UNPACKED = 200 * MB  # all members together (images included: python-docx holds every part in memory)
# XML is what the parser builds a tree from, at ~10–40x its size in memory; a 300-page report has ~10 MB of it.
MAX_XML = 24 * MB
# Word's XML packs ~5–15x (very repetitive tables ~30x); a zip bomb packs hundreds or thousands of times.
MAX_RATIO = 100


def check_unpacked(infos: list[zipfile.ZipInfo], packed_bytes: int) -> None:
    """DocumentError when the archive would unpack to more than a report can be."""
    if len(infos) > MAX_MEMBERS:
        raise _too_big(f"包含 {len(infos)} 个部件，上限 {MAX_MEMBERS} 个", f"{len(infos)} archive members")
    unpacked = sum(max(info.file_size, 0) for info in infos)
    xml = sum(max(info.file_size, 0) for info in infos if info.filename.lower().endswith((".xml", ".rels")))
    ratio = unpacked / max(packed_bytes, 1)
    if ratio > MAX_RATIO and unpacked > MB:
        raise _too_big(
            f"解压后 {unpacked / MB:.0f} MB，是文件大小的 {ratio:.0f} 倍（上限 {MAX_RATIO} 倍）",
            f"compression ratio {ratio:.0f}",
        )
    if xml > MAX_XML:
        raise _too_big(f"解压后文字部分（XML）共 {xml / MB:.0f} MB，上限 {MAX_XML // MB} MB", "XML too large")
    if unpacked > MAX_UNPACKED:
        raise _too_big(f"解压后共 {unpacked / MB:.0f} MB，上限 {MAX_UNPACKED // MB} MB", "unpacks too large")


def _too_big(what: str, hint: str) -> DocumentError:
    return DocumentError(
        f"Word 文档{what}，像是恶意构造的压缩包（zip 炸弹）或异常文件，已拒绝；请另存为 PDF 或文本文件后再上传",
        f"{hint}: refused before parsing (zip bomb?)",
    )
