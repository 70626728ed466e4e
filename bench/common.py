"""Small helpers shared by the benchmark scripts (settings for a private work folder, percentiles, output)."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np

import rag  # noqa: F401  (sets the offline environment before anything loads a model)
from rag.config import ROOT, Settings

OUT = ROOT / "bench" / "out"
DEV = ROOT / "eval" / "dev.jsonl"
# How busy the machine was when the benchmark started (this module is imported first thing).
_LOAD_AT_START = os.getloadavg() if hasattr(os, "getloadavg") else None


def add_common_args(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument(
        "--out", type=Path, default=OUT / f"{name}.json", help="JSON results file (default: %(default)s)"
    )
    parser.add_argument("--workdir", type=Path, default=None, help="work folder (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder afterwards")


@contextlib.contextmanager
def workdir(args: argparse.Namespace, name: str) -> Iterator[Path]:
    path = args.workdir or Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
    path.mkdir(parents=True, exist_ok=True)
    try:
        yield path
    finally:
        if not args.keep and args.workdir is None:
            shutil.rmtree(path, ignore_errors=True)


def bench_settings(seeds: Path, index: Path, **overrides) -> Settings:
    """Settings for a private seeds/index pair: embedded Chroma, unless BENCH_CHROMA_SERVER=1 (then CHROMA_HOST/PORT)."""
    settings = Settings.from_env(seeds_dir=seeds, index_dir=index, **overrides)
    return settings if os.environ.get("BENCH_CHROMA_SERVER") else replace(settings, chroma_host=None)


@contextlib.contextmanager
def corpus_workdir(args: argparse.Namespace, name: str, reports: int) -> Iterator[tuple[Path, Settings, object]]:
    """A work folder holding `reports` reports in seeds/ (see bench/corpus.py), settings for an index beside them,
    and the process's embedding model: (folder, settings, embeddings)."""
    from bench.corpus import make_corpus
    from rag.indexing.embeddings import get_embeddings

    with workdir(args, name) as work:
        make_corpus(work / "seeds", reports)
        settings = bench_settings(work / "seeds", work / "index")
        yield work, settings, get_embeddings(settings)


def dev_questions(answerable_only: bool = False) -> list[dict]:
    rows = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if r.get("evidence")] if answerable_only else rows


def stats_ms(seconds: list[float]) -> dict:
    """p50/p95/mean/max in milliseconds of a list of durations in seconds."""
    ms = np.asarray(seconds, dtype=float) * 1000
    if ms.size == 0:
        return {"n": 0}
    return {
        "n": int(ms.size),
        "p50_ms": round(float(np.percentile(ms, 50)), 1),
        "p95_ms": round(float(np.percentile(ms, 95)), 1),
        "mean_ms": round(float(ms.mean()), 1),
        "max_ms": round(float(ms.max()), 1),
    }


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


def machine() -> dict:
    """What the numbers were measured on, including how busy the machine was (1/5/15-minute load averages)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    mem_gib = None
    with contextlib.suppress(OSError, ValueError, IndexError):
        line = next(x for x in Path("/proc/meminfo").read_text().splitlines() if x.startswith("MemTotal"))
        mem_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError, StopIteration):
        cpu = next(
            x.split(":", 1)[1].strip()
            for x in Path("/proc/cpuinfo").read_text().splitlines()
            if x.startswith("model name")
        )
    load_end = os.getloadavg() if hasattr(os, "getloadavg") else None
    chroma = "embedded"
    if os.environ.get("BENCH_CHROMA_SERVER"):
        chroma = f"server {os.environ.get('CHROMA_HOST')}:{os.environ.get('CHROMA_PORT', '8000')}"
    return {
        "cores": cores,
        "mem_gib": mem_gib,
        "cpu": cpu,
        "chroma": chroma,
        "loadavg_at_start": [round(x, 2) for x in _LOAD_AT_START] if _LOAD_AT_START else None,
        "loadavg_at_end": [round(x, 2) for x in load_end] if load_end else None,
    }


def device_of(embeddings) -> str:
    return str(getattr(embeddings, "device", "?"))


def write_json(path: Path, data: dict) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"\n(JSON: {path})")


def md_table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join("" if v is None else str(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)
