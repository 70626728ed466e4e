"""Place names at every level (街道 … 国家): levels, short forms, aliases, pinyin, and mentions in a text.

The administrative vocabulary (level suffixes, self-reference words, provinces, ethnic short forms, customary
abbreviations, scope words) is data: rag/text/data/places.toml. Which place a report is about is decided in
rag.ingest.detect; `Place` carries it from there to the answer's labels.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from rag.text.lexicon import is_ordinary_word

DATA = Path(__file__).resolve().parent / "data" / "places.toml"
LEVELS = ("国家", "省", "市", "州", "自治州", "盟", "区", "县", "县级市", "街道", "镇", "乡")
NATION = "全国"
HAN = "\u4e00-\u9fff"
# "青龙街道" in a text: a 街道/镇/乡 the loaded reports may or may not cover (2-4 Han characters, then the suffix).
STREET_MENTION = re.compile(r"([\u4e00-\u9fff]{2,4}?)(街道|镇|乡)")
# "青龙街道", "杭州市" in a question: a place at any level. A bare "XX州" is most often a city's short name
# ("常州精神"), so only 自治州 counts here; 甘孜州 is known by alias.
PLACE_MENTION = re.compile(
    r"([\u4e00-\u9fff]{2,6}?)(街道|自治州|镇(?!村|街)|乡(?!镇|村)|市(?![场民政值容级区县])|县(?![域级城区市])"
    r"|(?<!地)区(?![域间别块县])|盟|旗)"
)


@dataclass(frozen=True)
class Vocabulary:
    suffixes: tuple[tuple[str, str], ...]  # longest first
    rank: dict[str, int]
    self_words: dict[str, str]
    heads: dict[str, str]
    generic: frozenset[str]
    provinces: dict[str, str]  # full -> short
    ethnic: tuple[str, ...]  # longest first
    abbreviations: dict[str, str]  # abbreviation -> short name
    scopes: dict[str, tuple[str, str, str]]  # level -> (scope word, units together, English noun)


@cache
def vocabulary() -> Vocabulary:
    """The administrative vocabulary, read once from places.toml."""
    with DATA.open("rb") as handle:
        data = tomllib.load(handle)
    return Vocabulary(
        suffixes=tuple(sorted(data["suffixes"].items(), key=lambda kv: -len(kv[0]))),
        rank=dict(data["rank"]),
        self_words=dict(data["self_words"]),
        heads=dict(data["heads"]),
        generic=frozenset(data["generic"]["units"]),
        provinces=dict(data["provinces"]),
        ethnic=tuple(sorted(data["short_forms"]["ethnic"], key=len, reverse=True)),
        abbreviations=dict(data["abbreviations"]),
        scopes={level: tuple(words) for level, words in data["scopes"].items()},
    )


def level_of(name: str) -> str | None:
    """The level a unit's own name states: "甘孜藏族自治州" -> 自治州, "钟楼区" -> 区, "义乌市" -> 市."""
    if name == NATION:
        return "国家"
    for suffix, level in vocabulary().suffixes:
        if name.endswith(suffix) and len(name) > len(suffix):
            return level
    return None


def is_unit_name(name: str) -> bool:
    """A plausible administrative name: a level suffix after 1+ Han characters, and not a generic word."""
    if name == NATION:
        return True
    if not re.fullmatch(rf"[{HAN}]{{2,16}}", name) or name in vocabulary().generic:
        return False
    # "…建成区", "…开发区", "…革命老区": a generic unit word of 3+ characters ending a name makes it generic too.
    generic_tail = any(name.endswith(g) for g in vocabulary().generic if len(g) >= 3)
    return level_of(name) is not None and not generic_tail


def short_name(name: str) -> str:
    """ "嘉兴市" -> "嘉兴", "甘孜藏族自治州" -> "甘孜", "西林街道" -> "西林"; names of one character keep the suffix."""
    for suffix, _ in vocabulary().suffixes:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            stem = name[: -len(suffix)]
            for ethnic in vocabulary().ethnic:
                if stem.endswith(ethnic) and len(stem) - len(ethnic) >= 2:
                    return stem[: -len(ethnic)]
            return stem
    return name


# How several units of unknown or mixed levels are named together ("各地：") and their scope in English.
ANY_LEVEL = ("全域", "各地", "area")


@dataclass(frozen=True)
class Place:
    """A report's own unit at any level: "西林街道" (街道, parents 常州市 › 钟楼区), "嘉兴市" (市), "全国" (国家).

    The one model of place from detection to the answer's labels; the scope words follow the level."""

    name: str
    level: str | None = None  # one of LEVELS; None when unknown
    parents: tuple[str, ...] = ()  # the units above, top-down, where stated: ("常州市", "钟楼区")

    @property
    def aliases(self) -> list[str]:
        """How a text or a question may name it ("嘉兴市", "嘉兴"): derived from the name, never stored."""
        return aliases(self.name)

    @property
    def scope(self) -> str:
        """The report's own area as a scope: 全区 for a 区, 全市 for a 市, 全省 for a 省 ("位列全区第一")."""
        return scope_words(self.level)[0]

    @property
    def scope_en(self) -> str:
        """The same in English: "district", "city", "province" ("ranked within the district")."""
        return scope_words(self.level)[2]


def scope_words(level: str | None) -> tuple[str, str, str]:
    """(scope word, units together, English noun) of a level: ("全区", "各区", "district"); any level when unknown."""
    return vocabulary().scopes.get(level or "", ANY_LEVEL)


def together(places: list[Place]) -> str:
    """How a list of places is headed: "各街道" when all are 街道, "各地" for mixed or unknown levels."""
    levels = {p.level for p in places}
    return scope_words(levels.pop())[1] if len(levels) == 1 else ANY_LEVEL[1]


def aliases(name: str) -> list[str]:
    """How text or a question may name a place: full name, short name, 甘孜州, customary abbreviations (博州)."""
    return list(_aliases(name))


# Every question checks every indexed place's aliases and pinyin: computed once per name, not once per question.
@lru_cache(maxsize=8192)
def _aliases(name: str) -> tuple[str, ...]:
    if name == NATION:  # not "全国": in a question it is nearly always a scope ("位列全国第一"), not the place
        return ("国务院", "我国", "中国")
    short = short_name(name)
    # "建设" of 建设街道 is the verb in "高标准农田建设": an ordinary word is no short name
    out = [name] if is_ordinary_word(short) else [name, short]
    level = level_of(name)
    if level in ("自治州", "州") and short != name:
        out.append(short + "州")
    if level == "省" and name.endswith("自治区"):
        out.append(short + "区")
    out += [abbr for abbr, stem in vocabulary().abbreviations.items() if stem == short]
    return tuple(a for a in dict.fromkeys(out) if len(a) >= 2)


@lru_cache(maxsize=8192)
def pinyin(name: str) -> str:
    """ "嘉兴市" -> "jiaxing": how an English question names a place (the short name, no tones, no spaces)."""
    if name == NATION:
        return "china"
    from pypinyin import lazy_pinyin  # imported late: loading its dictionaries costs time most callers never need

    return "".join(lazy_pinyin(short_name(name))).lower()


def pinyin_name(name: str) -> str:
    """ "西林街道" -> "Xilin": how an English answer writes the place."""
    return pinyin(name).capitalize()


# "Hefei's GDP", "Caogou town", "Jiaxing City": a capitalised word where English puts a place (before 's or a
# level word). Whether it IS a place is decided by `english_place_mentions` (it must read as pinyin).
_EN_PLACE = re.compile(
    r"\b([A-Z][a-z]+(?:[ -]?[A-Z][a-z]+)?)"
    r"(?='s\b|’s\b|\s+(?i:city|subdistrict|town|township|county|district|province|prefecture|street)\b)"
)
_GLOSS_AFTER = re.compile(r"^(?:\s+[A-Za-z]+)?\s*[（(][\u4e00-\u9fff]")  # "Xiandai City (现代城)": glossed


@cache
def _syllables() -> frozenset[str]:
    """Every toneless pinyin syllable ("he", "fei", "zhuang"; ü as v), from pypinyin's dictionary."""
    import unicodedata

    from pypinyin.pinyin_dict import pinyin_dict

    out = set()
    for readings in pinyin_dict.values():
        for reading in readings.split(","):
            plain = "".join(c for c in unicodedata.normalize("NFD", reading) if not unicodedata.combining(c))
            out.add(plain.replace("ü", "v"))
    return frozenset(out)


def pinyin_key(written: str) -> str:
    """ "He Fei", "He-fei" -> "hefei": a place written in pinyin, compared as `pinyin` writes names."""
    return re.sub(r"[\s\-']", "", written.lower())


@lru_cache(maxsize=4096)
def is_pinyin(word: str) -> bool:
    """Does a word read as toneless pinyin syllables ("Hefei", "Xinyidai" yes; "What", "Japan" no)?"""
    letters = pinyin_key(word)
    if not letters.isascii() or not letters.isalpha():
        return False
    syllables = _syllables()
    ok = [True] + [False] * len(letters)  # ok[i]: letters[:i] splits into syllables
    for end in range(1, len(letters) + 1):
        ok[end] = any(ok[start] and letters[start:end] in syllables for start in range(max(0, end - 6), end))
    return ok[-1]


def english_place_mentions(question: str) -> list[str]:
    """Places an English question names in pinyin ("What was Hefei's GDP" -> ["Hefei"]), as written. A name
    glossed in Chinese ("Xiandai City (现代城)") is left to the Chinese gloss."""
    found = []
    for m in _EN_PLACE.finditer(question):
        name = m.group(1)
        rest = question[m.end() :]
        if is_pinyin(name) and not _GLOSS_AFTER.match(rest):
            found.append(name)
    return list(dict.fromkeys(found))
