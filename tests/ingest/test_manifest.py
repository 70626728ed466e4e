"""rag/ingest/manifest.py: the manifest read, written atomically, and applied over detection."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from pathlib import Path

import pytest
from helpers import SEED_FILES, SEEDS

from rag.ingest.documents import DocumentError, ReportMeta, load_document, load_folder
from rag.ingest.manifest import read_manifest, write_manifest_entry
from rag.ingest.metadata import merge_meta
from rag.ingest.normalize import normalize_text
from rag.text.places import Place

STATED = ("name", "level", "parents", "year", "period", "title")


def test_seed_manifest_covers_every_seed() -> None:
    """seeds/manifest.csv has the columns of before `place` (街道, 区, 市 in three columns): still read, as a Place."""
    assert (SEEDS / "manifest.csv").read_text(encoding="utf-8").startswith("file,street,district,city,")
    manifest = read_manifest(SEEDS / "manifest.csv")
    assert sorted(manifest) == SEED_FILES
    for meta in manifest.values():
        assert meta.name and meta.year and meta.period and meta.title
        assert re.fullmatch(r"[\u4e00-\u9fff]{2,4}(街道|镇|乡)", meta.name) and meta.level == "街道"
        city, district = meta.parents  # top-down, whatever the order of the columns
        assert district.endswith(("区", "县")) and city.endswith("市")


def test_load_folder_applies_the_manifest() -> None:
    docs, errors = load_folder(SEEDS)
    assert errors == []
    assert [d.doc_id for d in docs] == SEED_FILES
    manifest = read_manifest(SEEDS / "manifest.csv")
    for doc in docs:
        raw = (SEEDS / doc.doc_id).read_bytes()
        truth = manifest[doc.doc_id]
        assert [getattr(doc.meta, f) for f in STATED] == [getattr(truth, f) for f in STATED]
        assert doc.meta.source_of("place") == ("manifest", 1.0)
        # The units an older manifest states above its place are its parents, whatever the text says of them
        # (西林's report names no district or city at all).
        assert doc.meta.source_of("parents") == ("manifest", 1.0)
        assert doc.text == normalize_text(raw.decode("utf-8"))
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
    assert (meta.name, meta.year, meta.period, meta.title) == ("秦灶街道", 2019, "全年", "秦灶街道2021年工作计划")
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
    write_manifest_entry(path, "b.txt", ReportMeta(place=Place("乙镇", "镇"), year=2022, period="全年"))
    write_manifest_entry(path, "c/d.txt", ReportMeta(place=Place("丙乡"), title="标题, 含逗号"))
    manifest = read_manifest(path)
    # a.txt is not rewritten: its old-layout row still reads, the 街道 in `street` as its place
    assert manifest["a.txt"] == ReportMeta(place=Place("甲街道", "街道"), year=2020, period="全年")
    assert manifest["b.txt"] == ReportMeta(place=Place("乙镇", "镇"), year=2022, period="全年")
    assert manifest["c/d.txt"] == ReportMeta(place=Place("丙乡"), title="标题, 含逗号")
    raw = path.read_bytes()
    # No BOM, header first; the place columns lead, an older manifest's columns stay after them.
    assert raw.startswith(b"file,place,level,parents,year,period,title,plan_year,kind,street,district,city,note\n")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8"))))
    assert [r["file"] for r in rows] == ["a.txt", "b.txt", "c/d.txt"]
    assert rows[0]["note"] == "手工备注"  # an extra column survives the rewrite
    assert rows[0]["street"] == "甲街道"  # a row not rewritten keeps its old cells
    # A rewritten row states its place once: the old columns are emptied, so they can never contradict it.
    assert (rows[1]["place"], rows[1]["street"], rows[1]["district"], rows[1]["city"]) == ("乙镇", "", "", "")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.csv"]  # no temp file left behind


def test_read_manifest_edge_cases(tmp_path: Path) -> None:
    assert read_manifest(tmp_path / "missing.csv") == {}
    bom = tmp_path / "bom.csv"
    bom.write_text("file,street,year\nx.txt,甲街道,20xx\n", encoding="utf-8-sig")  # Excel's BOM, a bad year
    assert read_manifest(bom) == {"x.txt": ReportMeta(place=Place("甲街道", "街道"))}
    broken = tmp_path / "broken.csv"
    broken.write_text("name,street\nx.txt,甲街道\n", encoding="utf-8")
    with pytest.raises(DocumentError, match="file 列"):
        read_manifest(broken)


def test_an_old_layout_row_names_its_units_lowest_first(tmp_path: Path) -> None:
    """A row of the layout before `place`: the lowest unit stated is the place, the ones above are its parents (top-
    down); a `place` cell, when present, wins over the old columns."""
    path = tmp_path / "manifest.csv"
    path.write_text(
        "file,street,district,city,place\n"
        "town.txt,梅林镇,平阳县,温州市,\n"
        "county.txt,,平阳县,温州市,\n"
        "city.txt,,,嘉兴市,\n"
        "both.txt,旧街道,,,新街道\n",
        encoding="utf-8",
    )
    manifest = read_manifest(path)
    assert manifest["town.txt"].place == Place("梅林镇", "镇", ("温州市", "平阳县"))
    assert manifest["county.txt"].place == Place("平阳县", "县", ("温州市",))
    assert manifest["city.txt"].place == Place("嘉兴市", "市")
    assert manifest["both.txt"].place == Place("新街道")
