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


def test_source_key_is_the_asdict_key_of_every_manifest_row():
    """The faster key must equal the one stored by earlier versions, or every file would look changed."""
    import json
    from dataclasses import asdict, replace

    from rag.config import ROOT
    from rag.indexing.chunking import CHUNKER_VERSION
    from rag.indexing.store import SCHEMA_VERSION, source_key
    from rag.ingest.manifest import read_manifest

    rows = list(read_manifest(ROOT / "seeds" / "manifest.csv").values())
    rows.append(replace(rows[0], parents=("江苏省", "常州市"), origin=(("place", "manifest", 1.0),)))
    for row in [*rows, None]:
        payload = [_sha(b"x"), asdict(row) if row else None, CHUNKER_VERSION, SCHEMA_VERSION]
        old = hashlib.sha256(json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()).hexdigest()
        assert source_key(_sha(b"x"), row) == old


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
