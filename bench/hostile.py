"""How long `python -m rag index` takes, and how much memory, on a folder holding an expanding .docx (0.75 MB packed,
200 MB of XML: a zip bomb) beside one good report, against the good report alone (issue 21's done criterion: under a
minute, under 1.5 GB, the bomb refused by name, the good report indexed).

    .venv/bin/python -m bench.hostile [--xml-mb 200]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from bench.common import OUT, machine, write_json
from rag.config import ROOT
from tests.hostile import expanding_docx, rag_with_peak_rss

GOOD = ROOT / "seeds" / "002_fe0a95f5f2085df9.txt"


def run_index(seeds: Path, index: Path) -> dict:
    """One `rag index` in a child process: wall seconds, its peak RSS, whether the bomb was named."""
    started = time.monotonic()
    code, output, peak_kib = rag_with_peak_rss(["index", "--seeds", seeds, "--index", index], ROOT)
    return {
        "seconds": round(time.monotonic() - started, 1),
        "peak_rss_mib": round(peak_kib / 1024),
        "exit": code,
        "bomb_named": "expanding.docx" in output,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--xml-mb", type=int, default=200)
    parser.add_argument("--out", type=Path, default=OUT / "hostile.json")
    args = parser.parse_args(argv)
    figures = {"machine": machine()}
    with tempfile.TemporaryDirectory(prefix="bench-hostile-") as tmp:
        for name, bomb in (("good_only", False), ("bomb_and_good", True)):
            seeds = Path(tmp) / name / "seeds"
            seeds.mkdir(parents=True)
            shutil.copy(GOOD, seeds / GOOD.name)
            if bomb:
                expanding_docx(args.xml_mb, seeds / "expanding.docx")
            figures[name] = run_index(seeds, Path(tmp) / name / "index")
            print(name, figures[name], flush=True)
    write_json(args.out, figures)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
