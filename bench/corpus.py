"""Synthetic report corpora for the benchmarks, made from real reports re-labelled and perturbed.

A synthetic street report is a seed report with its street name replaced (东湖街道, 南山街道 …), one pair of adjacent
paragraphs swapped and some decimal figures nudged, so every file has its own content hash and is indexed
separately, while length and vocabulary stay those of a real report. Past the ~390 street names the same streets
come back with their years moved on (a district's streets over several years). With `city_every=K`, every K-th
report is instead one of the 16 real city 政府工作报告 in `../shared/corpus/` (嘉兴 2019 … 吉林 2023) re-labelled
as an invented city (东州市 …), its years shifted and figures nudged the same way. Each report gets a manifest row
(street, district, city, year, period, title), so its metadata does not depend on detection.

    make_corpus(folder, 100)                   # the 5 seeds + 95 synthetic street reports, manifest.csv included
    make_corpus(folder, 1000, city_every=14)   # the scale corpus: 929 street + 71 city reports, ~30,000 passages
    add_synthetic(folder, 100)                 # one more report (index 100), for "add one report" measurements
"""

from __future__ import annotations

import csv
import functools
import os
import random
import re
import shutil
from dataclasses import replace
from pathlib import Path

from rag.config import ROOT
from rag.ingest.documents import ReportMeta
from rag.ingest.manifest import MANIFEST_COLUMNS, MANIFEST_NAME, read_manifest, row_from_meta, write_manifest_entry
from rag.text.places import Place, level_of

SEEDS = ROOT / "seeds"
_FIRST = "东南北青金银玉松竹梅兰桂枫柳杏桃云星月霞"
_SECOND = "湖山塘桥浦湾溪港园亭岭坡庄坝洲滨阳泉湘江"
_CITY_SECOND = "州阳安宁平昌丰源"
_DECIMAL = re.compile(r"(?<![\d.])(\d+\.\d*[1-9])(?![\d.])")
_YEAR = re.compile(r"(?<!\d)(19[89]\d|20[0-4]\d)(?=\s*年)")
# The 18 real 政府工作报告 live beside the checkout (../shared/corpus); RAG_SHARED_CORPUS overrides.
_SHARED_CANDIDATES = (ROOT.parent / "shared" / "corpus", ROOT.parent.parent / "shared" / "corpus")


def seed_files() -> list[Path]:
    return sorted(p for p in SEEDS.iterdir() if p.is_file() and p.suffix == ".txt")


def seed_manifest() -> dict[str, ReportMeta]:
    return read_manifest(SEEDS / MANIFEST_NAME)


def street_names(count: int | None = None, seed: int = 0) -> list[str]:
    """`count` (default: all ~390) distinct two-character street names ("东湖街道"), none equal to or inside a
    seed's name. The order depends only on `seed`, so a shorter list is a prefix of a longer one."""
    taken = {m.name for m in seed_manifest().values() if m.name}
    names = [a + b for a in _FIRST for b in _SECOND]
    names = [n for n in names if not any(n in t or t.removesuffix("街道") in n for t in taken)]
    random.Random(seed).shuffle(names)
    if count is not None and count > len(names):
        raise ValueError(f"at most {len(names)} synthetic streets")
    return [n + "街道" for n in names[:count]]


def shared_corpus() -> Path:
    """The folder of the 18 real 政府工作报告 (SOURCES.md beside them)."""
    env = os.environ.get("RAG_SHARED_CORPUS")
    for folder in ([Path(env)] if env else []) + list(_SHARED_CANDIDATES):
        if (folder / "SOURCES.md").is_file():
            return folder
    raise SystemExit("shared/corpus not found (set RAG_SHARED_CORPUS to the folder of the 18 real reports)")


@functools.cache
def city_reports() -> tuple[tuple[Path, str, int], ...]:
    """(file, city name, year delivered) of the 16 city reports listed in shared/corpus/SOURCES.md."""
    folder = shared_corpus()
    rows = []
    for line in (folder / "SOURCES.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and cells[0].endswith(".txt") and cells[1].endswith("市") and cells[2] == "市":
            rows.append((folder / cells[0], cells[1], int(re.search(r"_(\d{4})\.txt$", cells[0]).group(1))))
    return tuple(rows)


def city_names(seed: int = 0) -> list[str]:
    """Invented city names ("东州市"), in an order fixed by `seed`."""
    real = {name for _, name, _ in city_reports()}
    names = [a + b + "市" for a in _FIRST for b in _CITY_SECOND if a + b + "市" not in real]
    random.Random(f"city-{seed}").shuffle(names)
    return names


def shift_years(text: str, shift: int) -> str:
    """Move every year written as "2019年" by `shift` years."""
    return _YEAR.sub(lambda m: str(int(m.group(1)) + shift), text) if shift else text


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


def synthetic_report(index: int, street: str, seed: int = 0, year_shift: int = 0) -> tuple[str, str, ReportMeta]:
    """(file name, text, manifest meta) of synthetic report number `index`, based on seed `index % 5`."""
    sources = seed_files()
    source = sources[index % len(sources)]
    meta = seed_manifest()[source.name]
    rng = random.Random(f"{seed}-{index}")
    text = relabel(source.read_text(encoding="utf-8"), meta.name or "", street)
    text = shift_years(_nudge_numbers(_swap_paragraphs(text, rng), rng), year_shift)
    title = shift_years(relabel(meta.title or "", meta.name or "", street), year_shift) or None
    year = meta.year + year_shift if meta.year else None
    new_meta = replace(meta, place=replace(meta.place or Place(), name=street), title=title, year=year)
    return f"{index:03d}_synth_{street.removesuffix('街道')}.txt", text, new_meta


def synthetic_city_report(index: int, number: int, seed: int = 0) -> tuple[str, str, ReportMeta]:
    """(file name, text, manifest meta) of the `number`-th city report: a real 政府工作报告 re-labelled as an
    invented city, its years moved on by 1 + number // 16 and about a third of its decimal figures nudged."""
    sources = city_reports()
    source, city, year = sources[number % len(sources)]
    new_city = city_names(seed)[number % len(city_names(seed))]
    shift = 1 + number // len(sources)  # never the real year
    rng = random.Random(f"{seed}-city-{index}")
    text = relabel(source.read_text(encoding="utf-8"), city, new_city)
    text = shift_years(_nudge_numbers(_swap_paragraphs(text, rng), rng), shift)
    meta = ReportMeta(
        place=Place(new_city, level_of(new_city)),
        year=year + shift,
        period="全年",
        title=f"{new_city}{year + shift}年政府工作报告",
    )
    return f"{index:03d}_city_{new_city.removesuffix('市')}.txt", text, meta


def corpus_report(index: int, seed: int = 0, city_every: int | None = None) -> tuple[str, str, ReportMeta]:
    """Report number `index` (>= 5) of a synthetic corpus: a city report every `city_every`-th, else a street."""
    if city_every and index % city_every == 0:
        return synthetic_city_report(index, index // city_every - 1, seed)
    streets = street_names(seed=seed)
    k = index - 5
    return synthetic_report(index, streets[k % len(streets)], seed, year_shift=k // len(streets))


def make_corpus(folder: Path, n: int, seed: int = 0, city_every: int | None = None) -> list[Path]:
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
    for i in range(5, n):
        name, text, meta = corpus_report(i, seed, city_every)
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


def add_synthetic(folder: Path, index: int, seed: int = 0, city_every: int | None = None) -> Path:
    """Write synthetic report number `index` (and its manifest row) into `folder`; returns its path."""
    name, text, meta = corpus_report(index, seed, city_every)
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
