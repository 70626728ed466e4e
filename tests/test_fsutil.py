"""rag/fsutil.py: the one atomic-write helper."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rag.fsutil import atomic_write


def test_writes_text_and_bytes_and_keeps_permissions(tmp_path: Path) -> None:
    path = tmp_path / "manifest.csv"
    atomic_write(path, "file,street\n")
    assert path.read_text(encoding="utf-8") == "file,street\n"
    assert path.stat().st_mode & 0o777 == 0o644  # not mkstemp's 0600: other users (the app) must read it
    path.chmod(0o640)
    atomic_write(path, "西林街道".encode(), sync_dir=True)
    assert path.read_bytes() == "西林街道".encode() and path.stat().st_mode & 0o777 == 0o640
    assert os.listdir(tmp_path) == ["manifest.csv"]  # no temp file left behind


def test_a_failed_write_leaves_the_old_file_and_no_temp(tmp_path: Path) -> None:
    path = tmp_path / "CURRENT"
    atomic_write(path, "gen-1")
    with pytest.raises(TypeError):
        atomic_write(path, 42)  # type: ignore[arg-type]
    assert path.read_text() == "gen-1" and os.listdir(tmp_path) == ["CURRENT"]


def test_write_new_never_replaces_a_file(tmp_path: Path) -> None:
    from rag.fsutil import write_new

    path = tmp_path / "report.txt"
    write_new(path, "第一份".encode())
    assert path.read_bytes() == "第一份".encode() and path.stat().st_mode & 0o777 == 0o644
    with pytest.raises(FileExistsError):
        write_new(path, "第二份".encode())
    assert path.read_bytes() == "第一份".encode() and os.listdir(tmp_path) == ["report.txt"]
