"""rag/ingest/documents.py: loading files and folders into Documents."""

from __future__ import annotations

import random
from pathlib import Path

from helpers import make_docx

from rag.ingest.documents import ReportMeta, load_folder
from rag.ingest.manifest import write_manifest_entry
from rag.text.places import Place


def test_load_folder_collects_errors_without_raising(tmp_path: Path, passage: str) -> None:
    (tmp_path / "good.txt").write_bytes(passage.encode("gb18030"))
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "report.docx").write_bytes(make_docx(["梅林镇2024年上半年工作总结", "正文。"]))
    (tmp_path / "bad.pdf").write_bytes(random.Random(1).randbytes(2000))
    (tmp_path / "empty.md").write_bytes(b"")
    (tmp_path / ".hidden.txt").write_text("不应读取", encoding="utf-8")
    (tmp_path / ".cache").mkdir()
    (tmp_path / ".cache" / "x.txt").write_text("不应读取", encoding="utf-8")
    write_manifest_entry(tmp_path / "manifest.csv", "sub/report.docx", ReportMeta(place=Place(parents=("某县",))))
    docs, errors = load_folder(tmp_path)
    assert [d.doc_id for d in docs] == ["good.txt", "sub/report.docx"]
    assert docs[0].encoding == "gb18030" and docs[0].text == passage
    assert docs[1].meta.name == "梅林镇" and docs[1].meta.parents == ("某县",)  # the row states what is above
    assert sorted(p.name for p, _ in errors) == ["bad.pdf", "empty.md"]
    messages = dict((p.name, m) for p, m in errors)
    assert messages["empty.md"] == "文件为空：empty.md（empty file）"
    assert "bad.pdf" in messages["bad.pdf"] and "PDF" in messages["bad.pdf"]
