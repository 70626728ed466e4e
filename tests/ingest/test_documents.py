"""rag/ingest/documents.py: decoding, extraction, metadata detection, manifest, folder loading."""

from __future__ import annotations

import csv
import hashlib
import io
import random
import re
import zipfile
from pathlib import Path

import pytest

from rag.config import ROOT
from rag.ingest.documents import (
    SUPPORTED_SUFFIXES,
    DocumentError,
    ReportMeta,
    decode_bytes,
    detect_meta,
    extract_text,
    load_document,
    load_folder,
    merge_meta,
    normalize_period,
    normalize_ws,
    read_manifest,
    write_manifest_entry,
)

SEEDS = ROOT / "seeds"
SEED_FILES = sorted(p.name for p in SEEDS.glob("*.txt"))


def seed_text(prefix: str) -> str:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def passage() -> str:
    """A real seed passage with CJK, ASCII digits/punctuation, full-width punctuation and a newline."""
    text = seed_text("002")
    first, second = text.split("\n")[:2]
    return first[:160] + "\n" + second[:160]


# ---------------------------------------------------------------------------------------------------------------
# Decoding
# ---------------------------------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------------------------------
# .docx / .pdf / .html
# ---------------------------------------------------------------------------------------------------------------


def make_docx(paragraphs: list[str], table: list[list[str]] | None = None) -> bytes:
    import docx

    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


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


# ---------------------------------------------------------------------------------------------------------------
# Metadata detection on the seeds (no manifest)
# ---------------------------------------------------------------------------------------------------------------

# Exact values detection reads from the text alone; fields that the text never states are None
# (or, if detection improves, the true value from seeds/manifest.csv -- never anything else).
DETECTED = {
    "000": {"street": "新闸街道", "city": "常州市", "year": 2021, "period": "上半年"},
    "001": {"year": 2022, "period": "上半年"},
    "002": {"street": "西林街道", "period": "上半年"},
    "003": {
        "street": "秦灶街道",
        "district": "崇川区",
        "city": "南通市",
        "year": 2020,  # "2021年工作计划" that reviews 2020 ("今年以来…"): its figures describe 2020, as the manifest says
        "period": "工作计划",
        "title": "秦灶街道2021年工作计划",
    },
    "004": {"street": "河海街道", "district": "新北区", "city": "常州市", "year": 2017, "period": "全年"},
}


@pytest.mark.parametrize("prefix", sorted(DETECTED))
def test_detect_meta_on_seeds_without_manifest(prefix: str) -> None:
    (name,) = [n for n in SEED_FILES if n.startswith(prefix)]
    truth = read_manifest(SEEDS / "manifest.csv")[name]
    meta = detect_meta(seed_text(prefix), name)
    for field_name in ("street", "district", "city", "year", "period", "title"):
        got = getattr(meta, field_name)
        if field_name in DETECTED[prefix]:
            assert got == DETECTED[prefix][field_name], field_name
        elif field_name != "title":
            assert got in (None, getattr(truth, field_name)), f"{field_name}: wrong value {got!r}"


def test_detection_never_takes_generic_words_for_a_street() -> None:
    text = seed_text("001")  # "精品街道", "省级生态文明示范街道", "落实街道", "整合街道" ... but never its own name
    assert detect_meta(text, "001.txt").street in (None, "荷花池街道")


def test_indirect_street_evidence() -> None:
    # With the explicit "新闸街道"/"河海街道" removed, "新闸人"/"贡献新闸力量" and "河海幸福树"/"乐居河海" still tell.
    text_000 = seed_text("000").replace("新闸街道", "街道")
    text_004 = seed_text("004").replace("河海街道", "街道")
    assert "新闸街道" not in text_000 and "河海街道" not in text_004
    assert detect_meta(text_000, "a.txt").street == "新闸街道"
    assert detect_meta(text_004, "b.txt").street == "河海街道"
    # "法治荷花", "“荷花模式”" next to "幸福荷花池": the short name is ambiguous -> no street rather than "荷花街道".
    assert detect_meta(seed_text("001"), "c.txt").street is None


# ---------------------------------------------------------------------------------------------------------------
# Metadata detection on unseen, synthetic reports
# ---------------------------------------------------------------------------------------------------------------

SYNTHETIC = [
    (
        "梅林镇2024年上半年工作总结\n今年以来，梅林镇在县委县政府的坚强领导下，全镇上下团结一心。"
        "1-6月，完成一般公共预算收入3.2亿元。\n一、上半年工作回顾\n推进乡村振兴，城乡融合，打造特色小镇。\n"
        "二、下半年工作计划\n镇党委将继续努力。",
        "r1.txt",
        ReportMeta("梅林镇", None, None, 2024, "上半年", "梅林镇2024年上半年工作总结"),
    ),
    (
        "关于桃源乡2022年工作情况的报告\n2022年，桃源乡党委、乡政府带领全乡干部群众推进乡村振兴。各乡镇共同发展。",
        "r2.txt",
        ReportMeta("桃源乡", None, None, 2022, "全年", "关于桃源乡2022年工作情况的报告"),
    ),
    (
        "江苏省苏州市吴中区木渎镇2023年工作总结和2024年工作思路\n2023年是全面贯彻党的二十大精神的开局之年。",
        "r3.txt",
        ReportMeta(
            "木渎镇", "吴中区", "苏州市", 2023, "全年", "江苏省苏州市吴中区木渎镇2023年工作总结和2024年工作思路"
        ),
    ),
    (
        "南大街街道2019年1-10月工作情况\n今年以来，常州市钟楼区南大街街道紧扣目标任务，稳中求进。",
        "r4.txt",
        ReportMeta("南大街街道", "钟楼区", "常州市", 2019, "1-10月", "南大街街道2019年1-10月工作情况"),
    ),
    (
        "2023年前三季度工作总结\n1-9月，全街道实现规上工业产值20亿元。街道党工委认真贯彻区委决策。",
        "r5.txt",
        ReportMeta(None, None, None, 2023, "前三季度", "2023年前三季度工作总结"),
    ),
    (
        "正文没有地名。",
        "西园街道2023年一季度工作总结.docx",
        ReportMeta("西园街道", None, None, 2023, "一季度", "西园街道2023年一季度工作总结"),
    ),
]


LEGACY_FIELDS = ("street", "district", "city", "year", "period", "title")


def legacy(meta: ReportMeta) -> tuple:
    """The fields older code reads; the place fields are tested in tests/ingest/test_places.py."""
    return tuple(getattr(meta, name) for name in LEGACY_FIELDS)


@pytest.mark.parametrize(("text", "filename", "expected"), SYNTHETIC)
def test_detect_meta_on_unseen_reports(text: str, filename: str, expected: ReportMeta) -> None:
    meta = detect_meta(text, filename)
    assert legacy(meta) == legacy(expected)
    assert meta.place == (expected.street or None)  # a 街道/镇/乡 report: its place is its street


def test_detect_meta_false_positive_traps() -> None:
    text = (
        "全区各街道要推进精品街道建设，街道上下认真落实。今年以来，全区经济平稳运行，城乡统筹发展，"
        "乡村振兴，特色小镇建设。各乡镇积极响应。按照区委部署，确保市、区各项任务完成。"
    ) * 3
    meta = detect_meta(text, "003_0cdd634d9f14d8d9.txt")
    assert legacy(meta) == legacy(ReportMeta()) and meta.place is None and meta.parents == ()


def test_detect_year_prefers_the_reports_own_year() -> None:
    # The 2017 summary mentions 2018 as often as 2017; the opening "2017年是…" and "2017年，街道实现…" decide.
    text = seed_text("004")
    assert len(re.findall(r"2018年", text)) >= len(re.findall(r"2017年", text))
    assert detect_meta(text, "x.txt").year == 2017


@pytest.mark.parametrize(
    ("phrase", "period"),
    [
        ("2021年上半年工作总结", "上半年"),
        ("1—6月工作情况", "上半年"),
        ("一至六月份", "上半年"),
        ("1-5月", "1-5月"),
        ("1月—5月", "1-5月"),
        ("2021年下半年工作计划", "工作计划"),
        ("1至10月经济运行", "1-10月"),
        ("第一季度工作总结", "一季度"),
        ("前三季度", "前三季度"),
        ("2020年度工作总结", "全年"),
        ("2021年工作总结和2022年工作计划", "全年"),
        ("秦灶街道2021年工作计划", "工作计划"),
        ("2024年工作要点", "工作计划"),
        ("南通市崇川区秦灶街道", None),
    ],
)
def test_normalize_period(phrase: str, period: str | None) -> None:
    assert normalize_period(phrase) == period


# ---------------------------------------------------------------------------------------------------------------
# Manifest
# ---------------------------------------------------------------------------------------------------------------


def test_seed_manifest_covers_every_seed() -> None:
    manifest = read_manifest(SEEDS / "manifest.csv")
    assert sorted(manifest) == SEED_FILES
    for meta in manifest.values():
        assert meta.street and meta.district and meta.city and meta.year and meta.period and meta.title
        assert re.fullmatch(r"[\u4e00-\u9fff]{2,4}(街道|镇|乡)", meta.street)
        assert meta.district.endswith(("区", "县")) and meta.city.endswith("市")


def test_load_folder_applies_the_manifest() -> None:
    docs, errors = load_folder(SEEDS)
    assert errors == []
    assert [d.doc_id for d in docs] == SEED_FILES
    manifest = read_manifest(SEEDS / "manifest.csv")
    for doc in docs:
        raw = (SEEDS / doc.doc_id).read_bytes()
        truth = manifest[doc.doc_id]
        assert legacy(doc.meta) == legacy(truth)
        assert (doc.meta.place, doc.meta.level) == (truth.street, "街道")  # an older manifest's street is the place
        assert doc.meta.source_of("place") == ("manifest", 1.0)
        assert doc.text == raw.decode("utf-8").replace("\r\n", "\n")
        assert doc.sha256 == hashlib.sha256(raw).hexdigest()
        assert doc.encoding == "utf-8"


def test_manifest_overrides_field_by_field(tmp_path: Path) -> None:
    path = tmp_path / "r.txt"
    path.write_text("秦灶街道2021年工作计划\n今年以来，秦灶街道统筹推进疫情防控。", encoding="utf-8")
    detected = load_document(path, tmp_path).meta
    # A plan for 2021 that opens with a review ("今年以来"): figures of 2020, plans for 2021.
    assert (detected.year, detected.plan_year, detected.period, detected.kind) == (2020, 2021, "工作计划", "工作计划")
    manifest = {"r.txt": ReportMeta(year=2019, period="全年")}
    meta = load_document(path, tmp_path, manifest).meta
    assert (meta.street, meta.year, meta.period, meta.title) == ("秦灶街道", 2019, "全年", "秦灶街道2021年工作计划")
    assert meta.source_of("year") == ("manifest", 1.0) and meta.source_of("place")[0] == "detected"
    assert merge_meta(detected, None) == detected


def test_manifest_round_trip_keeps_other_rows(tmp_path: Path) -> None:
    path = tmp_path / "manifest.csv"
    path.write_text(
        "file,street,district,city,year,period,title,note\n"
        "a.txt,甲街道,,,2020,全年,,手工备注\n"
        "b.txt,乙镇,某区,某市,2021,上半年,乙镇总结,\n",
        encoding="utf-8",
    )
    write_manifest_entry(path, "b.txt", ReportMeta(street="乙镇", year=2022, period="全年"))
    write_manifest_entry(path, "c/d.txt", ReportMeta(street="丙乡", title="标题, 含逗号"))
    manifest = read_manifest(path)
    assert manifest["a.txt"] == ReportMeta(street="甲街道", year=2020, period="全年")
    assert manifest["b.txt"] == ReportMeta(street="乙镇", year=2022, period="全年")
    assert manifest["c/d.txt"] == ReportMeta(street="丙乡", title="标题, 含逗号")
    raw = path.read_bytes()
    # No BOM, header first; the place columns join an older manifest, its extra columns stay.
    assert raw.startswith(b"file,street,district,city,year,period,title,place,level,parents,plan_year,kind,note\n")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8"))))
    assert [r["file"] for r in rows] == ["a.txt", "b.txt", "c/d.txt"]
    assert rows[0]["note"] == "手工备注"  # an extra column survives the rewrite
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.csv"]  # no temp file left behind


def test_read_manifest_edge_cases(tmp_path: Path) -> None:
    assert read_manifest(tmp_path / "missing.csv") == {}
    bom = tmp_path / "bom.csv"
    bom.write_text("file,street,year\nx.txt,甲街道,20xx\n", encoding="utf-8-sig")  # Excel's BOM, a bad year
    assert read_manifest(bom) == {"x.txt": ReportMeta(street="甲街道")}
    broken = tmp_path / "broken.csv"
    broken.write_text("name,street\nx.txt,甲街道\n", encoding="utf-8")
    with pytest.raises(DocumentError, match="file 列"):
        read_manifest(broken)


# ---------------------------------------------------------------------------------------------------------------
# Folder loading
# ---------------------------------------------------------------------------------------------------------------


def test_load_folder_collects_errors_without_raising(tmp_path: Path, passage: str) -> None:
    (tmp_path / "good.txt").write_bytes(passage.encode("gb18030"))
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "report.docx").write_bytes(make_docx(["梅林镇2024年上半年工作总结", "正文。"]))
    (tmp_path / "bad.pdf").write_bytes(random.Random(1).randbytes(2000))
    (tmp_path / "empty.md").write_bytes(b"")
    (tmp_path / ".hidden.txt").write_text("不应读取", encoding="utf-8")
    (tmp_path / ".cache").mkdir()
    (tmp_path / ".cache" / "x.txt").write_text("不应读取", encoding="utf-8")
    write_manifest_entry(tmp_path / "manifest.csv", "sub/report.docx", ReportMeta(district="某县"))
    docs, errors = load_folder(tmp_path)
    assert [d.doc_id for d in docs] == ["good.txt", "sub/report.docx"]
    assert docs[0].encoding == "gb18030" and docs[0].text == passage
    assert docs[1].meta.street == "梅林镇" and docs[1].meta.district == "某县"
    assert sorted(p.name for p, _ in errors) == ["bad.pdf", "empty.md"]
    messages = dict((p.name, m) for p, m in errors)
    assert messages["empty.md"] == "文件为空：empty.md（empty file）"
    assert "bad.pdf" in messages["bad.pdf"] and "PDF" in messages["bad.pdf"]
