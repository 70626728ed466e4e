"""Hostile files refused by ingestion before they cost memory or time (issue 21, items 1, 3, 4, 5).

Every hostile file is made here (tests/hostile.py), never committed."""

from __future__ import annotations

import csv
import io
import resource
import zipfile

import pytest
from hostile import blank_pdf, expanding_docx, good_docx, lying_docx

from rag.config import Settings
from rag.indexing.chunking import check_passages, chunk_document
from rag.indexing.filehash import FileHashes
from rag.indexing.store import scan_folder
from rag.ingest import extract
from rag.ingest.archive import MAX_MEMBERS, check_unpacked
from rag.ingest.documents import Document, DocumentError, ReportMeta, load_document, load_folder, report_entries
from rag.ingest.limits import Limits
from rag.ingest.manifest import read_manifest, write_manifest_entry
from rag.text.places import Place

GOOD = "西林街道2023年上半年工作总结\n1-6月，西林街道完成固定资产投资12.5亿元，同比增长6.7%。\n"
LIMITS = Limits(pdf_pages=500, passages=2000)


@pytest.fixture
def docx_parses(monkeypatch) -> list[int]:
    """Counts the times python-docx is asked to parse a document (a spy around the real function)."""
    calls: list[int] = []
    real = extract._docx_text

    def counting(data: bytes) -> str:
        calls.append(len(data))
        return real(data)

    monkeypatch.setattr(extract, "_docx_text", counting)
    return calls


# ------------------------------------------------------------------------------------------------ 1: expanding docx


def test_expanding_docx_is_refused_before_any_parser_opens_it(docx_parses):
    bomb = expanding_docx(200)  # 0.75 MB that unpacks to 200 MB of XML
    assert len(bomb) < 1024 * 1024
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(DocumentError, match="zip 炸弹") as refused:
        extract.extract_text(bomb, ".docx", LIMITS)
    assert "（" in str(refused.value) and "MB" in str(refused.value)
    assert docx_parses == [], "python-docx must never see the archive"
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
    assert grown_mb < 100, f"peak memory grew by {grown_mb:.0f} MB"


def test_a_forged_size_in_the_zip_directory_does_not_unpack_more(docx_parses):
    """The stated sizes are a real bound: zipfile stops at the stated size and the CRC check fails."""
    forged = lying_docx(30)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(DocumentError, match="损坏"):
        extract.extract_text(forged, ".docx", LIMITS)
    assert (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024 < 100


@pytest.mark.parametrize(
    ("parts", "packed", "expected"),
    [
        ({"word/media/image1.png": 300 * 1024 * 1024}, 200 * 1024 * 1024, "解压后共 300 MB"),  # images, ratio 1.5
        ({"word/document.xml": 30 * 1024 * 1024}, 10 * 1024 * 1024, "XML"),
        ({"word/document.xml": 5 * 1024 * 1024}, 20 * 1024, "256 倍"),
        ({f"word/part{i}.xml": 1 for i in range(MAX_MEMBERS + 1)}, 10 * 1024 * 1024, "部件"),
    ],
)
def test_archive_limits(parts, packed, expected):
    infos = []
    for name, size in parts.items():
        info = zipfile.ZipInfo(name)
        info.file_size = size
        infos.append(info)
    with pytest.raises(DocumentError, match=expected):
        check_unpacked(infos, packed)


def test_an_ordinary_docx_still_reads_and_is_parsed_once(docx_parses):
    data = good_docx(GOOD * 50)
    text, encoding = extract.extract_text(data, ".docx", LIMITS)
    assert encoding == "docx" and "12.5亿元" in text and len(docx_parses) == 1
    check_unpacked(zipfile.ZipFile(io.BytesIO(data)).infolist(), len(data))  # well within every limit


# ------------------------------------------------------------------------------------------------ 3: caps


def test_a_pdf_over_the_page_cap_is_refused_before_its_pages_are_read():
    data = blank_pdf(12)
    with pytest.raises(DocumentError, match=r"PDF 共 12 页，超过上限 10 页"):
        extract.extract_text(data, ".pdf", Limits(pdf_pages=10, passages=2000))
    # Under the cap the same file is read, and refused for what it is (no text layer): the cap decided above.
    with pytest.raises(DocumentError, match="没有文字层"):
        extract.extract_text(data, ".pdf", Limits(pdf_pages=20, passages=2000))


def test_a_report_over_the_passage_cap_is_refused_with_its_count():
    text = "一、工作情况\n" + "今年完成固定资产投资12亿元，同比增长6.7%，各项工作稳步推进。" * 400
    doc = Document("long.txt", None, text, "x", "utf-8", ReportMeta())
    n = len(chunk_document(doc))
    assert n > 40
    check_passages(doc, n)  # exactly at the cap is fine
    with pytest.raises(DocumentError, match=rf"切分后有 {n} 个段落，超过上限 {n - 1} 个") as refused:
        check_passages(doc, n - 1)
    assert "long.txt" in str(refused.value)


def test_caps_come_from_the_environment(monkeypatch):
    monkeypatch.delenv("RAG_MAX_PDF_PAGES", raising=False)
    monkeypatch.delenv("RAG_MAX_PASSAGES", raising=False)
    assert Limits.of(Settings.from_env()) == Limits(pdf_pages=500, passages=2000)
    monkeypatch.setenv("RAG_MAX_PDF_PAGES", "7")
    monkeypatch.setenv("RAG_MAX_PASSAGES", "99")
    assert Limits.of(Settings.from_env()) == Limits(pdf_pages=7, passages=99) == Limits.from_env()
    with pytest.raises(DocumentError, match="超过上限 7 页"):
        extract.extract_text(blank_pdf(8), ".pdf")  # no limits given: the environment's


# ------------------------------------------------------------------------------------------------ 4: symlinks


def test_symlinks_in_the_report_folder_are_refused_never_read(tmp_path):
    secret = tmp_path / "outside" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text("机密：西林街道完成固定资产投资99.9亿元。这段文字绝不能被收录。\n", encoding="utf-8")
    seeds = tmp_path / "seeds"
    (seeds / "sub").mkdir(parents=True)
    (seeds / "good.txt").write_text(GOOD, encoding="utf-8")
    (seeds / "passwd.txt").symlink_to(secret)
    (seeds / "linked-folder").symlink_to(secret.parent, target_is_directory=True)
    (seeds / "sub" / "deep.txt").symlink_to(secret)

    assert {d for d, _ in report_entries(seeds)} == {"good.txt", "passwd.txt", "linked-folder", "sub/deep.txt"}
    docs, errors = load_folder(seeds)
    assert [d.doc_id for d in docs] == ["good.txt"]
    refused = {path.name: message for path, message in errors}
    assert set(refused) == {"passwd.txt", "linked-folder", "deep.txt"}
    assert all("符号链接" in m for m in refused.values())
    assert not any("99.9" in d.text for d in docs)

    hashes = FileHashes(None)
    sources, scan_errors = scan_folder(seeds, hashes)
    assert [s.doc_id for s in sources] == ["good.txt"] and hashes.hashed == 1, "a link is never read, not even hashed"
    assert {name for name, _ in scan_errors} == {"passwd.txt", "linked-folder", "deep.txt"}
    with pytest.raises(DocumentError, match=r"符号链接.*passwd\.txt"):
        load_document(seeds / "passwd.txt", seeds)


# ------------------------------------------------------------------------------------------------ 5: formulas


@pytest.mark.parametrize(
    "value",
    ['=HYPERLINK("http://evil.example/x","点击")', "+1+2", "-3+cmd|' /C calc'!A0", "@SUM(A1:A9)", "'=quoted", "''"],
)
def test_manifest_cells_are_never_formulas_and_read_back_as_written(tmp_path, value):
    path = tmp_path / "manifest.csv"
    meta = ReportMeta(place=Place("西林街道", "街道"), year=2023, period="上半年", title=value)
    write_manifest_entry(path, "a.txt", meta)
    write_manifest_entry(path, "b.txt", ReportMeta(place=Place(value), year=2024))  # rewrites row a: no double escape
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    cells = [cell for row in rows[1:] for cell in row]
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells), rows
    manifest = read_manifest(path)
    assert manifest["a.txt"].title == value.strip()
    assert manifest["b.txt"].name == value.strip()
    assert manifest["a.txt"].name == "西林街道" and manifest["a.txt"].year == 2023


def test_a_manifest_written_before_keeps_its_plain_values(tmp_path):
    path = tmp_path / "manifest.csv"
    path.write_text("file,street,year,period\nx.txt,新闸街道,2021,上半年\n", encoding="utf-8")
    write_manifest_entry(path, "y.txt", ReportMeta(place=Place("荷花池街道", "街道"), year=2022))
    assert read_manifest(path)["x.txt"].name == "新闸街道"
    assert "x.txt,,,,2021,上半年,,,,新闸街道\n" in path.read_text(encoding="utf-8")  # plain, in its old column
