"""Synthetic report corpora for the benchmarks: the five seed reports, re-labelled as other streets.

A synthetic report is a seed report with its street name replaced (东湖街道, 南山街道 …), one pair of adjacent
paragraphs swapped and some decimal figures nudged, so every file has its own content hash and is indexed
separately, while length and vocabulary stay those of a real report. Each one gets a manifest row (street, district,
city, year, period, title), so metadata does not depend on detection.

    make_corpus(folder, 100)   # the 5 seeds + 95 synthetic reports, manifest.csv included
    add_synthetic(folder, 100) # one more report (index 100), for "add one report" measurements
"""

from __future__ import annotations

import csv
import random
import re
import shutil
from dataclasses import asdict
from pathlib import Path

from rag.config import ROOT
from rag.ingest.documents import ReportMeta
from rag.ingest.manifest import MANIFEST_COLUMNS, MANIFEST_NAME, read_manifest, row_from_meta, write_manifest_entry

SEEDS = ROOT / "seeds"
_FIRST = "东南北青金银玉松竹梅兰桂枫柳杏桃云星月霞"
_SECOND = "湖山塘桥浦湾溪港园亭岭坡庄坝洲滨阳泉湘江"
_DECIMAL = re.compile(r"(?<![\d.])(\d+\.\d*[1-9])(?![\d.])")


def seed_files() -> list[Path]:
    return sorted(p for p in SEEDS.iterdir() if p.is_file() and p.suffix == ".txt")


def seed_manifest() -> dict[str, ReportMeta]:
    return read_manifest(SEEDS / MANIFEST_NAME)


def street_names(count: int, seed: int = 0) -> list[str]:
    """`count` distinct two-character street names ("东湖街道"), none equal to or inside a seed's name."""
    taken = {m.street for m in seed_manifest().values() if m.street}
    names = [a + b for a in _FIRST for b in _SECOND]
    names = [n for n in names if not any(n in t or t.removesuffix("街道") in n for t in taken)]
    random.Random(seed).shuffle(names)
    if count > len(names):
        raise ValueError(f"at most {len(names)} synthetic streets")
    return [n + "街道" for n in names[:count]]


def _nudge_numbers(text: str, rng: random.Random) -> str:
    """Change the last digit of about a third of the decimal figures ("17.03" -> "17.05")."""

    def change(m: re.Match[str]) -> str:
        value = m.group(1)
        if rng.random() > 0.33:
            return value
        last = int(value[-1])
        return value[:-1] + str((last - 1 + rng.randint(1, 8)) % 9 + 1)  # 1-9, never the old digit

    return _DECIMAL.sub(change, text)


def _swap_paragraphs(text: str, rng: random.Random) -> str:
    """Swap one pair of adjacent body paragraphs (never the first line, which may be the title)."""
    lines = text.split("\n")
    body = [i for i in range(1, len(lines) - 1) if len(lines[i]) > 40 and len(lines[i + 1]) > 40]
    if body:
        i = rng.choice(body)
        lines[i], lines[i + 1] = lines[i + 1], lines[i]
    return "\n".join(lines)


def relabel(text: str, old_street: str, new_street: str) -> str:
    """Replace the full and the short street name ("西林街道", "西林") everywhere."""
    old_short, new_short = old_street.removesuffix("街道"), new_street.removesuffix("街道")
    return text.replace(old_street, new_street).replace(old_short, new_short)


def synthetic_report(index: int, street: str, seed: int = 0) -> tuple[str, str, ReportMeta]:
    """(file name, text, manifest meta) of synthetic report number `index`, based on seed `index % 5`."""
    sources = seed_files()
    source = sources[index % len(sources)]
    meta = seed_manifest()[source.name]
    rng = random.Random(f"{seed}-{index}")
    text = relabel(source.read_text(encoding="utf-8"), meta.street or "", street)
    text = _nudge_numbers(_swap_paragraphs(text, rng), rng)
    title = relabel(meta.title or "", meta.street or "", street) or None
    new_meta = ReportMeta(**{**asdict(meta), "street": street, "title": title})
    return f"{index:03d}_synth_{street.removesuffix('街道')}.txt", text, new_meta


def make_corpus(folder: Path, n: int, seed: int = 0) -> list[Path]:
    """`folder` with the five seeds (n >= 5) plus n - 5 synthetic reports and one manifest.csv for all."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    manifest = seed_manifest()
    rows: list[tuple[str, ReportMeta]] = []
    paths = []
    for source in seed_files()[: min(n, 5)]:
        shutil.copy(source, folder / source.name)
        (folder / source.name).chmod(0o644)  # the seeds are read-only in the repo; copies must be writable
        rows.append((source.name, manifest[source.name]))
        paths.append(folder / source.name)
    streets = street_names(max(0, n - 5) + 20, seed)  # +20: spare names for reports added later
    for i in range(5, n):
        name, text, meta = synthetic_report(i, streets[i - 5], seed)
        (folder / name).write_text(text, encoding="utf-8")
        rows.append((name, meta))
        paths.append(folder / name)
    with open(folder / MANIFEST_NAME, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(MANIFEST_COLUMNS)
        for name, meta in rows:
            row = row_from_meta(name, meta)
            writer.writerow([row[c] for c in MANIFEST_COLUMNS])
    return paths


def add_synthetic(folder: Path, index: int, seed: int = 0) -> Path:
    """Write synthetic report number `index` (and its manifest row) into `folder`; returns its path."""
    streets = street_names(index - 5 + 20, seed)
    name, text, meta = synthetic_report(index, streets[index - 5], seed)
    path = Path(folder) / name
    path.write_text(text, encoding="utf-8")
    write_manifest_entry(Path(folder) / MANIFEST_NAME, name, meta)
    return path


def perturb_report(path: Path, seed: int = 1) -> None:
    """Change a report in place (figures nudged), so the next index run re-embeds it as "updated"."""
    rng = random.Random(seed)
    text = path.read_text(encoding="utf-8")
    changed = _nudge_numbers(text, rng)
    if changed == text:
        changed = text + "\n（数据已更新）"
    path.write_text(changed, encoding="utf-8")
