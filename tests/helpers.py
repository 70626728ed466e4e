"""Shared test helpers (tests/ is on sys.path: pytest puts it there for tests/conftest.py)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from rag.config import ROOT

SEEDS = ROOT / "seeds"
TRIM_CHARS = 1200  # ~6 chunks a report: enough for indexing mechanics, fast to embed


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def trimmed_seeds(target: Path, max_chars: int = TRIM_CHARS) -> Path:
    """The seed reports (and manifest) cut at the last full sentence before `max_chars`."""
    target.mkdir(parents=True, exist_ok=True)
    for path in SEEDS.iterdir():
        if path.suffix == ".txt":
            text = path.read_text(encoding="utf-8")[:max_chars]
            (target / path.name).write_text(text[: text.rfind("。") + 1] + "\n", encoding="utf-8")
        elif path.is_file():
            shutil.copy(path, target / path.name)
            (target / path.name).chmod(0o644)
    return target


@contextmanager
def running_server(
    cmd: list[str],
    health_url: str,
    log_path: Path,
    *,
    timeout: float,
    ready: Callable[[bytes], bool] = lambda body: True,
    **popen_kwargs,
) -> Iterator[subprocess.Popen]:
    """Start `cmd`, wait until `health_url` answers (and `ready(body)`), yield the process, then stop it.
    Fails the test with the server's log tail when it exits or does not come up in `timeout` seconds."""
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, **popen_kwargs)
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(health_url, timeout=2) as resp:
                    if ready(resp.read()):
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"{cmd[0]} did not start: {log_path.read_text(errors='replace')[-3000:]}")
            time.sleep(0.3)
        try:
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
