"""The report vocabulary, read from the data files in rag/text/data/ (TOML): every consumer reads it from here.

- metrics.toml: metric names and their variants (one statistical indicator each), and the words that block them;
- abbreviations.toml: short forms (规上, 社零, 固投, GDP) and the long forms they stand for;
- glossary.toml: English report vocabulary -> the Chinese words the reports use;
- markers.toml: report words (forecast, aim, target, plan, plan titles and parts, sections, rise/decrease) and question
  words (plan, target, growth, share, percent, intent, follow-up attributes);
- scopes.toml: rank scopes (全区, 全县 …) and their English names, standing words and rank verbs;
- units.toml: units of stated values, units of one kind, money scales;
- columns.toml: what a table column holds, read from its header (rank, progress, growth, period, metric, value).
Files are read once per process; the values returned are shared, so callers must not change them.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from pathlib import Path

DATA = Path(__file__).with_name("data")


def words(spaced: str) -> frozenset[str]:
    """A word set written as one space-separated string (short to read, easy to diff)."""
    return frozenset(spaced.split(" "))


@cache
def _load(name: str) -> dict:
    with open(DATA / f"{name}.toml", "rb") as handle:
        return tomllib.load(handle)


def alternation(items: list[str] | tuple[str, ...] | frozenset[str]) -> str:
    """A regex alternation of literal words, longest first (so "万平方米" wins over "平方米")."""
    return "|".join(re.escape(w) for w in sorted(items, key=len, reverse=True))


# ------------------------------------------------------------------------------------------------ metrics
@cache
def metric_synonyms() -> dict[str, list[str]]:
    """Normalised metric name -> every way the reports write it."""
    return _load("metrics")["metrics"]


@cache
def blocking_prefixes() -> tuple[str, ...]:
    """Words before a metric that make it another population ("农村" 居民人均可支配收入)."""
    return tuple(_load("metrics")["blocking_prefixes"]["words"])


@cache
def metric_surfaces() -> dict[str, str]:
    """Every written form of a catalogued metric -> its normalised name ("GDP" -> "地区生产总值")."""
    return {surface: norm for norm, forms in metric_synonyms().items() for surface in (norm, *forms)}


@cache
def lower_is_better() -> frozenset[str]:
    """Metrics where less is better (失业率, 居民消费价格): their targets are ceilings."""
    return frozenset(_load("metrics")["lower_is_better"]["metrics"])


# ------------------------------------------------------------------------------------------------ abbreviations
@cache
def abbreviations() -> dict[str, tuple[str, ...]]:
    """Short form ("规上") -> the long forms it stands for ("规模以上", …)."""
    return {short: tuple(forms) for short, forms in _load("abbreviations")["abbreviations"].items()}


def term_forms(term: str) -> tuple[str, ...]:
    """The ways a report may write a question's word: itself, and for a short form its long forms ("规上" ->
    "规模以上")."""
    return (term, *abbreviations().get(term, ()))


def expand_abbreviations(text: str) -> str:
    """The text with each short form written out ("规上工业产值" -> "规模以上工业产值"), longest short form first."""
    table = abbreviations()
    if not any(short in text for short in table):
        return text
    return re.sub(alternation(tuple(table)), lambda m: table[m.group(0)][0], text)


# ------------------------------------------------------------------------------------------------ English
@cache
def en_glossary() -> dict[str, tuple[str, ...]]:
    """English phrase (lower case) -> the Chinese words it stands for."""
    return {phrase: tuple(zh) for phrase, zh in _load("glossary")["glossary"].items()}


@cache
def english_names() -> dict[str, str]:
    """Chinese word -> its English name, read backwards from the glossary: the first phrase standing for it
    ("一般公共预算收入" -> "general public budget revenue"); a bare acronym ("gdp") is not a name to show."""
    names: dict[str, str] = {}
    for phrase, zh in en_glossary().items():
        for word in zh:
            if " " in phrase or "-" in phrase:
                names.setdefault(word, phrase)
    return names


def english_name(word: str, surfaces: tuple[str, ...] = ()) -> str | None:
    """The English name of a metric (or of any of its written forms)."""
    return next((names[w] for w in (word, *surfaces) if w in (names := english_names())), None)


# ------------------------------------------------------------------------------------------------ markers
@cache
def markers(kind: str) -> tuple[str, ...]:
    """One list of markers.toml: "forecast", "aim", "aim_lead", "target", "plan", "future", "plan_en", "forecast_en"."""
    return tuple(_load("markers")[kind])


# ------------------------------------------------------------------------------------------------ scopes
@cache
def rank_scopes() -> dict[str, str]:
    """Rank scope as written ("全区") -> its English name ("district")."""
    return _load("scopes")["scopes"]


@cache
def rank_verbs(short: bool = False) -> tuple[str, ...]:
    """Verbs stating a rank ("位列", "排名"); with `short`, also the one-character ones ("居", "列", "排"), which
    are rank verbs only right before a scope or an ordinal."""
    rank = _load("scopes")["rank"]
    return tuple(rank["verbs"] + (rank["short_verbs"] if short else []))


@cache
def standing_words() -> tuple[str, ...]:
    """Words stating a rank without a number ("首位", "前列", "领跑")."""
    return tuple(_load("scopes")["standing"]["words"])


# ------------------------------------------------------------------------------------------------ units
@cache
def value_units() -> tuple[str, ...]:
    """Units after a number that make it a stated value, in the order patterns should try them."""
    return tuple(_load("units")["value"])


@cache
def asked_units() -> tuple[str, ...]:
    """Units a question may ask for ("多少亩", "几天"): the value units and a few more, longest first."""
    units = (*value_units(), *_load("units")["asked_only"])
    return tuple(sorted(dict.fromkeys(units), key=len, reverse=True))


@cache
def unit_families() -> tuple[tuple[str, ...], ...]:
    """Units of one kind: a figure in any of them answers a question asking for another."""
    return tuple(tuple(family) for family in _load("units")["families"])


@cache
def money_scale() -> dict[str, tuple[str, float]]:
    """Money unit -> (currency, factor), for ordering figures only."""
    return {unit: (currency, float(factor)) for unit, (currency, factor) in _load("units")["money"].items()}


@cache
def unit_scales() -> dict[str, int]:
    """Scale words that open a unit ("亿" of "亿元") -> their factor."""
    return {word: int(factor) for word, factor in _load("units")["scales"].items()}


@cache
def same_units() -> dict[str, str]:
    """A way of writing a unit -> the unit's name ("㎡" -> "平方米", "percent" -> "%")."""
    return {alias: name for name, aliases in _load("units")["same"].items() for alias in (name, *aliases)}


# ------------------------------------------------------------------------------------------------ table columns
COLUMN_ROLES = ("rank", "progress", "growth", "period", "metric")  # the order in which a header is tried


@cache
def column_patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """(role, header pattern) for each column role, in the order they are tried."""
    roles = _load("columns")["roles"]
    out = []
    for role in COLUMN_ROLES:
        spec = roles[role]
        if "contains" in spec:
            out.append((role, re.compile(alternation(spec["contains"]))))
        else:
            lead = f"(?:{re.escape(spec['exact_lead'])})?" if "exact_lead" in spec else ""
            out.append((role, re.compile(rf"^{lead}(?:{alternation(spec['exact'])})$")))
    return tuple(out)


@cache
def value_column() -> re.Pattern[str]:
    """A header naming the reported figure among several value columns ("完成值", "金额")."""
    return re.compile(alternation(_load("columns")["value"]["contains"]))
