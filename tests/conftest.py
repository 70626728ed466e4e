"""Shared fixtures: the real embedding model, a real index of the seed reports, a real Chroma server."""

from __future__ import annotations

import shutil
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from helpers import SEEDS, free_port, running_server

import rag  # noqa: F401  (sets the offline environment before anything loads a model)
from rag.config import Settings

SMALL = ("001_edf690f87470ca0e.txt", "002_fe0a95f5f2085df9.txt")  # 西林 + 荷花池: enough for indexing mechanics


def copy_seeds(target: Path, only: tuple[str, ...] | None = None) -> Path:
    """Copy the seed reports (all, or `only` these) with the manifest."""
    target.mkdir(parents=True, exist_ok=True)
    for path in SEEDS.iterdir():
        if path.is_file() and (only is None or path.name in only or path.name == "manifest.csv"):
            shutil.copy2(path, target / path.name)
    return target


@pytest.fixture(scope="session")
def embeddings():
    from rag.indexing.embeddings import get_embeddings

    return get_embeddings(Settings.from_env())


@pytest.fixture(scope="session")
def seed_settings(tmp_path_factory, embeddings) -> Settings:
    """A read-only index of the five seed reports, built once per test session. Do not modify it."""
    from rag.indexing.store import build_index

    root = tmp_path_factory.mktemp("seed-index")
    settings = _embedded(Settings.from_env(seeds_dir=copy_seeds(root / "seeds"), index_dir=root / "index"))
    build_index(settings, embeddings=embeddings)
    return settings


@pytest.fixture(scope="session")
def searcher(seed_settings, embeddings):
    from rag.answering.retrieval import Searcher

    return Searcher(seed_settings, embeddings)


@pytest.fixture
def work_settings(tmp_path) -> Settings:
    """A private, writable seeds folder + index location for tests that change things."""
    return _embedded(Settings.from_env(seeds_dir=copy_seeds(tmp_path / "seeds"), index_dir=tmp_path / "index"))


@pytest.fixture
def small_settings(tmp_path) -> Settings:
    """Like work_settings with two reports only: cheap to (re)build when a test is about indexing itself."""
    return _embedded(Settings.from_env(seeds_dir=copy_seeds(tmp_path / "seeds", SMALL), index_dir=tmp_path / "index"))


def _embedded(settings: Settings) -> Settings:
    # CHROMA_HOST in the environment must not leak into tests meant for the embedded store.
    return replace(settings, chroma_host=None)


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory):
    """`chroma run` on 127.0.0.1 with its own data folder; stopped at the end of the session."""
    chroma = Path(sys.executable).parent / "chroma"
    if not chroma.exists():
        pytest.fail(f"chroma CLI not found next to {sys.executable}")
    data = tmp_path_factory.mktemp("chroma-server")
    port = free_port()
    cmd = [str(chroma), "run", "--path", str(data / "db"), "--host", "127.0.0.1", "--port", str(port)]
    with running_server(cmd, f"http://127.0.0.1:{port}/api/v2/heartbeat", data / "server.log", timeout=60):
        yield ("127.0.0.1", port)


@pytest.fixture(autouse=True)
def _release_local_chroma(request):
    """After a test, this process stops using the loopback Chroma servers of its own tmp_path index folders, so
    their supervisors stop them (session-wide indexes keep theirs until the session ends)."""
    tmp = request.getfixturevalue("tmp_path") if "tmp_path" in request.fixturenames else None
    yield
    if tmp is None:
        return
    from rag.indexing import chroma_local

    for folder in chroma_local.held_dirs():
        if folder.is_relative_to(tmp.resolve()) or folder.is_relative_to(tmp):
            chroma_local.release(folder)
