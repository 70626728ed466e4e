"""The embedded mode's Chroma: one loopback `chroma run --path index/chroma`, shared by every process of one host.

Chroma's `PersistentClient` is not process-safe: a collection written by one process and read by another fails
("Error finding id", stale reads; tests/indexing/test_chroma_local.py shows it). So no process opens the folder
itself. The first process that needs it (the app, `python -m rag index`, a test) starts a small supervisor, which
runs `chroma run` on 127.0.0.1 and a free port; every process, the starter included, is an `HttpClient` of it.

- Found again: `index/chroma.json` ({"pid", "chroma_pid", "port"}), written once the server answers its heartbeat,
  under `index/chroma.lock` (a filelock), so two processes starting at once start one server.
- Stopped cleanly: each client process holds a shared `flock` on `index/chroma.users` while it uses the server (the
  kernel drops it when the process ends, however it ends). The supervisor polls for an exclusive lock; once it gets
  one no process is using the server, and it stops `chroma run` (SIGTERM), removes chroma.json and exits. A client
  arriving meanwhile blocks on its shared lock until the supervisor is gone, then starts a fresh server.
- Stale: a chroma.json whose supervisor is dead, or whose server does not answer, is replaced by a new server; a
  `chroma run` left by a killed supervisor is stopped first (it also gets SIGTERM when its supervisor dies).
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from filelock import FileLock

DATA = "chroma"  # index/chroma: Chroma's own files
STATE = "chroma.json"
START_LOCK = "chroma.lock"
USERS = "chroma.users"
LOG = "chroma.log"
START_TIMEOUT_S = 90.0
POLL_S = 0.5

_lock = threading.Lock()
_held: dict[Path, tuple[int, int]] = {}  # index dir -> (users fd, port), for this process


def ensure(index_dir: Path) -> int:
    """The port of this index folder's running Chroma server, started if none is; this process becomes a user."""
    index_dir = Path(os.path.abspath(index_dir))
    with _lock:
        held = _held.get(index_dir)
        if held is not None and _healthy(held[1]):
            return held[1]
        if held is not None:  # the server went away under us (stopped, killed): find or start another
            _held.pop(index_dir)
            os.close(held[0])
        index_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(index_dir / USERS, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_SH)  # waits while a supervisor is shutting its server down
            with FileLock(index_dir / START_LOCK, timeout=START_TIMEOUT_S * 2):
                port = _running(index_dir) or _start(index_dir)
        except BaseException:
            os.close(fd)
            raise
        _held[index_dir] = (fd, port)
        return port


def release(index_dir: Path) -> None:
    """This process no longer uses the folder's server (when no process does, its supervisor stops it)."""
    index_dir = Path(os.path.abspath(index_dir))
    with _lock:
        held = _held.pop(index_dir, None)
    if held is not None:
        os.close(held[0])


def held_dirs() -> list[Path]:
    with _lock:
        return list(_held)


def running_port(index_dir: Path) -> int | None:
    """The port of the folder's server if one is running and healthy (starts nothing)."""
    return _running(Path(os.path.abspath(index_dir)))


def _running(index_dir: Path) -> int | None:
    try:
        state = json.loads((index_dir / STATE).read_text())
    except (OSError, ValueError):
        return None
    pid = state.get("pid")
    if _ours(pid, "rag.indexing.chroma_local", str(index_dir)):  # alive, and not another process given its pid
        deadline = time.monotonic() + 30  # a server busy with a large write may answer slowly: never start a second
        while _alive(pid) and time.monotonic() < deadline:
            if _healthy(state["port"]):
                return int(state["port"])
            time.sleep(0.5)
        with contextlib.suppress(ProcessLookupError):  # alive but not answering: stop it before starting another
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
    _stop_orphan(state.get("chroma_pid"), index_dir)  # stale: a killed supervisor may have left its server
    with contextlib.suppress(FileNotFoundError):
        (index_dir / STATE).unlink()
    return None


def _start(index_dir: Path) -> int:
    log = open(index_dir / LOG, "ab")  # noqa: SIM115  (handed to the child)
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "rag.indexing.chroma_local", "--index", str(index_dir)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # not stopped by the starter's Ctrl+C: other processes may be using it
            env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
        )
    finally:
        log.close()
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        port = _running(index_dir)
        if port:
            return port
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        proc.terminate()
    tail = (index_dir / LOG).read_text(errors="replace")[-1500:]
    raise RuntimeError(f"无法启动本地 Chroma 服务（could not start the local Chroma server）: {tail}")


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with contextlib.suppress(OSError):  # a zombie child of this process is not alive
        if Path(f"/proc/{pid}/stat").read_text().split(") ")[-1].startswith("Z"):
            return False
    return True


def _stop_orphan(pid: int | None, index_dir: Path) -> None:
    """Stop a `chroma run` on this folder's data whose supervisor died."""
    if _ours(pid, "run", str(index_dir / DATA)):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)


def _ours(pid: int | None, *marks: str) -> bool:
    """`pid` is alive and its command line holds these marks (a recorded pid may since belong to another program)."""
    if not _alive(pid):
        return False
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return False
    return all(m in cmdline for m in marks)


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent() -> None:
    """In the `chroma run` child: SIGTERM when the supervisor dies, however it dies (Linux prctl)."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def supervise(index_dir: Path) -> int:
    """Run `chroma run` for this folder until no process uses it (or it dies); then stop it and clean up."""
    chroma = Path(sys.executable).parent / "chroma"
    port = _free_port()
    cmd = [str(chroma), "run", "--path", str(index_dir / DATA), "--host", "127.0.0.1", "--port", str(port)]
    env = {**os.environ, "RUST_LOG": os.environ.get("RUST_LOG", "warn")}  # INFO logs every request: ~1.5 KB each
    child = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, env=env, preexec_fn=_die_with_parent)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    deadline = time.monotonic() + START_TIMEOUT_S
    while not _healthy(port):
        if child.poll() is not None or time.monotonic() > deadline or stop.is_set():
            child.kill()
            return 1
        time.sleep(0.1)
    state = {"pid": os.getpid(), "chroma_pid": child.pid, "port": port}
    tmp = index_dir / f"{STATE}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(state))
    os.replace(tmp, index_dir / STATE)
    fd = os.open(index_dir / USERS, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        while not stop.wait(POLL_S):
            if child.poll() is not None:
                break
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # some process still uses the server
            break  # no user: stop while holding the lock, so no client finds a server that is going away
        _stop(child)
        with contextlib.suppress(FileNotFoundError):
            if json.loads((index_dir / STATE).read_text()).get("pid") == os.getpid():
                (index_dir / STATE).unlink()
    finally:
        os.close(fd)  # releases the exclusive lock: a waiting client then starts a fresh server
    return 0


def _stop(child: subprocess.Popen) -> None:
    if child.poll() is None:
        child.terminate()
        try:
            child.wait(timeout=15)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait(timeout=15)


def main() -> int:
    parser = argparse.ArgumentParser(description="supervise the index folder's loopback Chroma server")
    parser.add_argument("--index", required=True, type=Path)
    return supervise(Path(os.path.abspath(parser.parse_args().index)))


if __name__ == "__main__":
    sys.exit(main())
