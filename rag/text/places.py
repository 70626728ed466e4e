"""Place names at every level (街道 … 国家): levels, short forms, aliases, pinyin, and mentions in a text.

The administrative vocabulary (level suffixes, self-reference words, provinces, ethnic short forms, customary
abbreviations, scope words) is data: rag/text/data/places.toml. Which place a report is about is decided in
rag.ingest.detect; `Place` carries it from there to the answer's labels.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from rag.text.lexicon import is_ordinary_word

DATA = Path(__file__).resolve().parent / "data" / "places.toml"
LEVELS = ("国家", "省", "市", "州", "自治州", "盟", "区", "县", "县级市", "街道", "镇", "乡")
NATION = "全国"
HAN = "\u4e00-\u9fff"
# "青龙街道" in a text: a 街道/镇/乡 (township level) the loaded reports may or may not cover (2-4 Han characters,
# then the suffix).
TOWNSHIP_MENTION = re.compile(r"([\u4e00-\u9fff]{2,4}?)(街道|镇|乡)")
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
    scopes: dict[str, str]  # level -> scope word: "区" -> "全区"
    english: dict[str, str]  # level -> English noun: "区" -> "district"
    english_also: dict[str, tuple[str, ...]]  # level -> other English words questions use for it
    english_names: dict[str, str]  # English name its pinyin does not give -> short name ("Shigatse" -> 日喀则)


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
        scopes=dict(data["scopes"]),
        english=dict(data["english"]),
        english_also={level: tuple(w) for level, w in data["english_also"].items()},
        english_names=dict(data["english_names"]),
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
    """ "嘉兴市" -> "嘉兴", "甘孜藏族自治州" -> "甘孜", "阿坝藏族羌族自治州" -> "阿坝" (every ethnic name dropped),
    "西林街道" -> "西林"; names of one character keep the suffix."""
    for suffix, _ in vocabulary().suffixes:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            stem = name[: -len(suffix)]
            while ethnic := next(
                (e for e in vocabulary().ethnic if stem.endswith(e) and len(stem) - len(e) >= 2), None
            ):
                stem = stem[: -len(ethnic)]
            return stem
    return name


ANY_SCOPE = "各地"  # units of mixed or unknown levels together


@dataclass(frozen=True)
class Place:
    """A report's own unit at any level: "西林街道" (街道, parents 常州市 › 钟楼区), "嘉兴市" (市), "全国" (国家).

    The one model of place from detection to the answer's labels: the scope words follow the level. The name may be
    unknown while the level is known (a report that speaks as "全街道" without naming itself)."""

    name: str | None = None
    level: str | None = None  # one of LEVELS; None when unknown
    parents: tuple[str, ...] = ()  # the units above, top-down, where stated: ("常州市", "钟楼区")

    @property
    def aliases(self) -> list[str]:
        """How a text or a question may name it ("嘉兴市", "嘉兴"): derived from the name, never stored."""
        return aliases(self.name) if self.name else []

    @property
    def full_name(self) -> str | None:
        """ "常州市钟楼区西林街道": the name after the units above it from the 市 down (a province is left out, as
        reports write it); "江苏省" for a province; None when nothing is known."""
        units = [u for u in (*self.parents, self.name) if u]
        local = [u for u in units if vocabulary().rank.get(level_of(u) or "", 9) >= vocabulary().rank["市"]]
        return "".join(local) or self.name

    @property
    def scope(self) -> str | None:
        """Its own area as a scope: 全区 for a 区, 全市 for a 市, 全省 for a 省 ("位列全区第一"); None when unknown."""
        return vocabulary().scopes.get(self.level or "")

    @property
    def english(self) -> str | None:
        """What English calls its level: "district", "city", "province" ("ranked within the district")."""
        return vocabulary().english.get(self.level or "")


def together(levels: Iterable[str | None]) -> str:
    """How units of these levels are named together: "各街道" when all are 街道, "各地" for mixed or unknown ones."""
    found = set(levels)
    scope = vocabulary().scopes.get(found.pop() or "") if len(found) == 1 else None
    return "各" + scope[1:] if scope and scope != "全国" else ANY_SCOPE


def within(scope: str | None) -> str:
    """ "全区" -> "区内", "全省" -> "省内": the area a stated rank is measured in ("区内排名"); "" when unknown."""
    return f"{scope[1:]}内" if scope and scope.startswith("全") and len(scope) > 1 else ""


def english_words_of(levels: Iterable[str]) -> list[str]:
    """The English words for these levels, as `english_levels` lists them: ("镇",) -> ["town"]."""
    wanted = set(levels)
    return [word for word, level in english_levels().items() if level in wanted]


@cache
def english_levels() -> dict[str, str]:
    """Every English word for a level, as an English question writes it -> the level: "district" -> 区."""
    vocab = vocabulary()
    words: dict[str, str] = {}
    for level, noun in vocab.english.items():  # "city": 市 before 县级市 (the file lists the higher level first)
        words.setdefault(noun, level)
    for level, also in vocab.english_also.items():
        words.update(dict.fromkeys(also, level))
    return words


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
    """ "西林街道" -> "Xilin", "日喀则市" -> "Shigatse": how an English answer writes the place (its English name
    where the pinyin does not give it)."""
    short = short_name(name)
    english = next((en for en, zh in vocabulary().english_names.items() if zh == short and zh != NATION), None)
    return english or pinyin(name).capitalize()


# "Hefei's GDP", "Caogou town", "Jiaxing City": a capitalised word where English puts a place (before 's or a
# level word). Whether it IS a place is decided by `english_place_mentions` (it must read as pinyin).
@cache
def _en_place() -> re.Pattern[str]:
    words = "|".join(sorted(english_levels(), key=len, reverse=True))
    syllable = r"[A-Z][a-z]+(?:['’][aeo][a-z]*)?"  # "Ji'an": the syllable mark before a vowel is part of the name
    return re.compile(rf"\b({syllable}(?:[ -]?{syllable})?)(?='s\b|’s\b|\s+(?i:{words})\b)")


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
    return re.sub(r"[\s\-'’]", "", written.lower())


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
    """Places an English question names in pinyin ("What was Hefei's GDP" -> ["Hefei"], "Ji'an"), or by an English
    name of the data file ("Shigatse", "Inner Mongolia"), as written. A name glossed in Chinese ("Xiandai City
    (现代城)") is left to the Chinese gloss."""
    named = list(_english_names_re().finditer(question))
    found = [m.group(0) for m in named]
    for m in _en_place().finditer(question):
        name = m.group(1)
        rest = question[m.end() :]
        inside = any(n.start() <= m.start(1) < n.end() for n in named)  # "Mongolia" of "Inner Mongolia"
        if is_pinyin(name) and not _GLOSS_AFTER.match(rest) and not inside:
            found.append(name)
    return list(dict.fromkeys(found))


def english_named(question: str) -> list[tuple[str, str]]:
    """(as written, short name) of each English name of the data file in a question: "Shigatse" -> 日喀则,
    "the State Council" -> 全国."""
    names = {k.lower(): v for k, v in vocabulary().english_names.items()}
    return [(m.group(0), names[_spaced(m.group(0))]) for m in _english_names_re().finditer(question)]


def _spaced(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("’", "'")).lower()


@cache
def _english_names_re() -> re.Pattern[str]:
    names = sorted(vocabulary().english_names, key=len, reverse=True)
    words = "|".join(re.escape(n).replace("\\ ", r"\s+").replace("'", "['’]") for n in names)
    return re.compile(rf"\b(?:{words})\b", re.I)
