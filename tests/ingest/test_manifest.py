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

LEGACY = ("street", "district", "city", "year", "period", "title")


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
        assert [getattr(doc.meta, f) for f in LEGACY] == [getattr(truth, f) for f in LEGACY]
        assert (doc.meta.place, doc.meta.level) == (truth.street, "街道")  # an older manifest's street is the place
        assert doc.meta.source_of("place") == ("manifest", 1.0)
        # The units an older manifest states above the street are its parents, whatever the text says of them
        # (西林's report names no district or city at all).
        assert doc.meta.parents == (truth.city, truth.district)
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
