"""File hashes reused by stat stamp: unchanged files are not read again, changed ones always are."""

from __future__ import annotations

import hashlib
import os
import time

import pytest

from rag import fsutil
from rag.indexing.filehash import FILE_HASHES, FileHashes
from rag.indexing.store import build_index, scan_folder


@pytest.fixture
def no_racy_window(monkeypatch):
    """Files written by the test are seconds old at most: trust their stamps at once."""
    monkeypatch.setattr(fsutil, "RACY_NS", 0)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_unchanged_file_is_not_read_again(tmp_path, no_racy_window):
    report = tmp_path / "a.txt"
    report.write_bytes("二〇二三年工作总结".encode())
    record = tmp_path / "index" / FILE_HASHES
    first = FileHashes(record)
    assert first.sha256(report) == _sha(report.read_bytes()) and first.hashed == 1
    first.save()
    second = FileHashes(record)
    assert second.sha256(report) == _sha(report.read_bytes())
    assert second.hashed == 0


def test_new_content_is_seen_even_with_size_and_mtime_forged_back(tmp_path, no_racy_window):
    report = tmp_path / "a.txt"
    report.write_bytes(b"GDP 17.03")
    before = os.stat(report)
    hashes = FileHashes(tmp_path / FILE_HASHES)
    hashes.sha256(report)
    hashes.save()
    time.sleep(0.05)  # the kernel's clock tick: the rewrite gets a later ctime
    report.write_bytes(b"GDP 17.05")  # same size
    os.utime(report, ns=(before.st_atime_ns, before.st_mtime_ns))  # mtime set back; ctime cannot be
    assert os.stat(report).st_size == before.st_size and os.stat(report).st_mtime_ns == before.st_mtime_ns
    again = FileHashes(tmp_path / FILE_HASHES)
    assert again.sha256(report) == _sha(b"GDP 17.05") and again.hashed == 1


def test_touched_file_is_read_again_and_its_new_stamp_kept(tmp_path, no_racy_window):
    report = tmp_path / "a.txt"
    report.write_bytes(b"one")
    hashes = FileHashes(tmp_path / FILE_HASHES)
    hashes.sha256(report)
    hashes.save()
    os.utime(report, ns=(0, 10**18))
    touched = FileHashes(tmp_path / FILE_HASHES)
    assert touched.sha256(report) == _sha(b"one") and touched.hashed == 1
    touched.save()
    assert FileHashes(tmp_path / FILE_HASHES).sha256(report) == _sha(b"one")  # …and then trusted again
    quiet = FileHashes(tmp_path / FILE_HASHES)
    quiet.sha256(report)
    assert quiet.hashed == 0


def test_a_file_written_just_now_is_not_trusted_by_its_stamp(tmp_path):
    report = tmp_path / "a.txt"
    report.write_bytes(b"fresh")  # a second write within the same clock tick would keep the stamp
    hashes = FileHashes(tmp_path / FILE_HASHES)
    hashes.sha256(report)
    hashes.save()
    again = FileHashes(tmp_path / FILE_HASHES)
    again.sha256(report)
    assert again.hashed == 1


@pytest.mark.parametrize("garbage", [b"", b"{not json", b"[1, 2]", b'{"x": "y"}'])
def test_unusable_record_means_hashing_again(tmp_path, garbage):
    report = tmp_path / "a.txt"
    report.write_bytes(b"text")
    (tmp_path / FILE_HASHES).write_bytes(garbage)
    hashes = FileHashes(tmp_path / FILE_HASHES)
    assert hashes.sha256(report) == _sha(b"text") and hashes.hashed == 1


def test_scan_reads_only_changed_files(small_settings, no_racy_window):
    record = small_settings.index_dir / FILE_HASHES
    first, _ = scan_folder(small_settings.seeds_dir, hashes := FileHashes(record))
    assert hashes.hashed == len(first) == 2
    again, _ = scan_folder(small_settings.seeds_dir, hashes := FileHashes(record))
    assert hashes.hashed == 0 and again == first
    changed = first[0].path
    time.sleep(0.05)
    changed.write_text(changed.read_text(encoding="utf-8") + "\n新增一段。", encoding="utf-8")
    third, _ = scan_folder(small_settings.seeds_dir, hashes := FileHashes(record))
    assert hashes.hashed == 1
    assert third[0].sha256 != first[0].sha256 and third[1] == first[1]


def test_update_with_forged_stamp_is_still_indexed(small_settings, embeddings, no_racy_window):
    build_index(small_settings, embeddings=embeddings)
    path = sorted(small_settings.seeds_dir.glob("*.txt"))[0]
    before = os.stat(path)
    text = path.read_text(encoding="utf-8")
    assert "工作" in text
    time.sleep(0.05)
    path.write_text(text.replace("工作", "工程", 1), encoding="utf-8")  # same size in bytes
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    result = build_index(small_settings, embeddings=embeddings)
    assert result.updated == [path.name] and result.chunks_embedded > 0
    assert build_index(small_settings, embeddings=embeddings).changed is False


# Source keys of rows as the index built by main before `Place` (commit 75c37c1) stored them, for the bytes b"x".
_KEYS_BEFORE_PLACE = {
    "000_51ed8297329c7c41.txt": "f800867095d591440e02346eb6cdb65383ba213979d23fb12f833912279c006c",
    "001_edf690f87470ca0e.txt": "9b083c3fe5e2a1889892b84a6b713c78fdf704cd85bd1a11dbebf9736738e998",
    "002_fe0a95f5f2085df9.txt": "a7a845c53aca47d7dc67767664a767942e2413f396ab3e67693fa613ab5d9c0e",
    "003_0cdd634d9f14d8d9.txt": "1095d5f46ce659ea7633d2974c66f9901a974098ce32a6302e5cd8e14d46e53f",
    "004_ae18b8c38ee08b05.txt": "3bdee115923946efb4fbf0d7e8b138238947f43d8774ba9b721006ec82ac0752",
    "a.txt": "797a1976a53a8f39b2749f5fe22b1113cee57cf97d7b950450133584ee37d336",
    "b.txt": "fdab7d6d8f6d94aa7db8b5099441677806bc1ba1a7139de1e552359d1a24e6de",
    None: "a5abb44bdf9cc896248ebcac0deadd1775d1cc4261c1e5d0d9fb188cce9a40cb",
}


def test_a_manifest_row_keeps_the_source_key_stored_before_place(tmp_path):
    """An unchanged file and row must keep the key an index built before `Place` stored, or every update would read
    and describe the file again: the seeds' old-layout rows, rows written by that version, and no row at all."""
    from rag.config import ROOT
    from rag.indexing.store import source_key
    from rag.ingest.manifest import read_row_cells

    written = tmp_path / "manifest.csv"
    written.write_text(
        "file,street,district,city,year,period,title,place,level,parents,plan_year,kind\n"
        "a.txt,西林街道,钟楼区,常州市,2023,上半年,西林街道2023年上半年工作总结,西林街道,街道,常州市/钟楼区,2023,半年总结\n"
        "b.txt,,,嘉兴市,,全年,,嘉兴市,市,浙江省,2021,政府工作报告\n",
        encoding="utf-8",
    )
    rows = {**read_row_cells(ROOT / "seeds" / "manifest.csv"), **read_row_cells(written), None: None}
    assert {file: source_key(_sha(b"x"), row) for file, row in rows.items()} == _KEYS_BEFORE_PLACE


def test_manifest_is_parsed_again_when_it_changes(tmp_path, no_racy_window):
    from rag.ingest.manifest import read_manifest

    manifest = tmp_path / "manifest.csv"
    manifest.write_text("file,street,year\na.txt,西林街道,2023\n", encoding="utf-8")
    assert read_manifest(manifest)["a.txt"].year == 2023
    assert read_manifest(manifest)["a.txt"].year == 2023  # from the parsed copy
    time.sleep(0.05)
    manifest.write_text("file,street,year\na.txt,西林街道,2024\n", encoding="utf-8")  # same size
    assert read_manifest(manifest)["a.txt"].year == 2024


def test_partial_scan_keeps_the_other_stamps_and_read_only_writes_nothing(tmp_path, no_racy_window):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_bytes(b"GDP 17.03")
    b.write_bytes(b"GDP 9.5")
    record = tmp_path / "index" / FILE_HASHES
    full = FileHashes(record)
    full.sha256(a), full.sha256(b)
    full.save()
    c = tmp_path / "c.txt"
    c.write_bytes(b"GDP 1.2")
    partial = FileHashes(record)
    partial.sha256(c)
    partial.save(partial=True)  # only c looked at: a and b keep their stamps
    again = FileHashes(record)
    assert [again.sha256(p) for p in (a, b, c)] == [_sha(p.read_bytes()) for p in (a, b, c)] and again.hashed == 0

    record.unlink()
    check = FileHashes(record, read_only=True)
    assert check.sha256(a) == _sha(a.read_bytes()) and check.hashed == 1
    check.save()
    assert not record.exists()
