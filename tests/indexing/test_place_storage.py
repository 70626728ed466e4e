"""An index built before `Place` (main at 75c37c1: a 街道/区/市 column each beside place/level/parents) opens, answers
and is not re-embedded; reports added to it are written into its layout."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3

from rag.answering.retrieval import Searcher
from rag.indexing.chunking import CHUNKER_VERSION
from rag.indexing.store import CATALOG, Index, build_index
from rag.text.places import level_of

# The revisions table exactly as main created it before `Place` (rag/indexing/catalog.py at 75c37c1).
_OLD_REVISIONS = """
CREATE TABLE revisions (
    rid TEXT PRIMARY KEY, doc_id TEXT NOT NULL, sha256 TEXT NOT NULL, fingerprint TEXT NOT NULL,
    encoding TEXT NOT NULL, "street", "district", "city", "year", "period", "title", "place", "level", "parents",
    "plan_year", "kind", "origin",
    text TEXT NOT NULL, n_chunks INTEGER NOT NULL, indexed_at TEXT NOT NULL, written REAL NOT NULL,
    source_key TEXT NOT NULL, retired_at INTEGER
)"""
_OLD_FIELDS = ("street", "district", "city", "year", "period", "title", "place", "level", "parents", "plan_year")
_OLD_FIELDS += ("kind", "origin")


def _old_row(row: sqlite3.Row) -> dict:
    """One revision's metadata as main stored it: the units by level beside the place, the tuples as JSON."""
    values = {f: row[f] for f in ("year", "period", "title", "place", "level", "parents", "plan_year", "kind")}
    parents = json.loads(row["parents"])
    values["street"] = row["place"] if row["level"] in ("街道", "镇", "乡") else None
    values["district"] = next((p for p in parents if level_of(p) in ("区", "县")), None)
    values["city"] = next((p for p in parents if level_of(p) == "市"), None)
    values["origin"] = row["origin"]
    return values


def _as_before_place(settings) -> None:
    """Rewrite the catalog into main's layout, with the fingerprints main computed (asdict of its ReportMeta)."""
    conn = sqlite3.connect(settings.index_dir / CATALOG)
    conn.row_factory = sqlite3.Row
    with conn:
        rows = conn.execute("SELECT * FROM revisions").fetchall()
        conn.execute("DROP INDEX revisions_state")
        conn.execute("ALTER TABLE revisions RENAME TO revisions_new")
        conn.execute(_OLD_REVISIONS)
        for row in rows:
            meta = _old_row(row)
            asdict = {f: meta[f] for f in _OLD_FIELDS}
            asdict["parents"], asdict["origin"] = json.loads(meta["parents"]), json.loads(meta["origin"])
            payload = json.dumps([row["sha256"], asdict, CHUNKER_VERSION], ensure_ascii=False, sort_keys=True)
            head = (row["rid"], row["doc_id"], row["sha256"], hashlib.sha256(payload.encode()).hexdigest())
            tail = (row["text"], row["n_chunks"], row["indexed_at"], row["written"], row["source_key"])
            cells = (*head, row["encoding"], *(meta[f] for f in _OLD_FIELDS), *tail, row["retired_at"])
            conn.execute(f"INSERT INTO revisions VALUES ({','.join('?' * len(cells))})", cells)
        conn.execute("DROP TABLE revisions_new")
        conn.execute(
            "CREATE INDEX revisions_state ON revisions(retired_at, rid, doc_id, fingerprint, source_key, n_chunks, "
            "written)"
        )
    conn.close()


def _columns(settings) -> list[str]:
    conn = sqlite3.connect(settings.index_dir / CATALOG)
    names = [r[1] for r in conn.execute("PRAGMA table_info(revisions)")]
    conn.close()
    return names


def test_an_index_built_before_place_opens_answers_and_is_not_embedded_again(small_settings, embeddings):
    build_index(small_settings, embeddings=embeddings)
    before = {d: r.meta for d, r in Index.open(small_settings).reports.items()}
    _as_before_place(small_settings)
    assert _columns(small_settings)[5:8] == ["street", "district", "city"]

    index = Index.open(small_settings)
    assert {d: r.meta for d, r in index.reports.items()} == before  # the same places, read from the old layout
    assert index.reports["002_fe0a95f5f2085df9.txt"].meta.place.parents == ("常州市", "钟楼区")
    hits = Searcher(small_settings, embeddings).search("西林街道固定资产投资", k=3)
    assert hits and hits[0].report.meta.name == "西林街道"

    again = build_index(small_settings, embeddings=embeddings)
    assert not again.changed and again.chunks_embedded == 0 and len(again.unchanged) == 2

    # A report added later is written into the old layout (its unit columns left empty) and read as a Place.
    src = small_settings.seeds_dir / "002_fe0a95f5f2085df9.txt"
    shutil.copy(src, small_settings.seeds_dir / "900_new.txt")
    (small_settings.seeds_dir / "900_new.txt").write_text(
        src.read_text(encoding="utf-8").replace("西林", "东湖"), encoding="utf-8"
    )
    added = build_index(small_settings, embeddings=embeddings)
    assert added.added == ["900_new.txt"] and len(added.unchanged) == 2
    assert _columns(small_settings)[5:8] == ["street", "district", "city"]
    assert Index.open(small_settings).reports["900_new.txt"].meta.name == "东湖街道"
