"""The places a question names: how the reports may write them, which reports name them, which are unknown to
the loaded reports, and which an answer is not about."""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache

from rag.answering.corpus import Cite, Corpus, Draft
from rag.answering.query import Query, place_mentions
from rag.text import places


def unknown_places(query: Query, corpus: Corpus) -> list[str]:
    """Places the question names that no loaded report covers: not in any report's metadata (place, parents,
    title, file name) nor anywhere in their text, by full or short name ("沈家门街道" is covered by a report that
    says "沈家门"). A 街道 the reports themselves write ("建成街道非诉服务中心") is a phrase, and "有几个街道"
    is a question, not a place."""
    return [clean_place(u) for u in place_mentions(query) if not docs_naming(u, corpus)]


def docs_naming(mention: str, corpus: Corpus) -> list[str]:
    """The reports whose text or metadata name a place the question mentions ("请问沈家门街道" -> 沈家门)."""
    forms = mention_forms(mention, corpus)
    in_text = {d for f in forms for d in corpus.reports_with(f)}
    return [d for d in corpus.doc_ids if d in in_text or any(f in _labels(d, corpus) for f in forms)]


def unnamed_places(query: Query, corpus: Corpus) -> list[str]:
    """Places named beside known ones that only reports of undetected place name in their text ("市桥街道")."""
    if not query.places:
        return []
    return [m for m in place_mentions(query) if any(corpus.place(d) is None for d in docs_naming(m, corpus))]


def without_places(query: Query, names: list[str], corpus: Corpus) -> Query:
    """The question's terms less those of the places named (they pick reports; what is asked is the rest)."""
    forms = [f for n in names for f in mention_forms(n, corpus)]
    return replace(query, terms=tuple(t for t in query.terms if not any(t in f for f in forms)))


def _labels(doc_id: str, corpus: Corpus) -> str:
    meta = corpus.meta(doc_id)
    return " ".join(filter(None, (doc_id, meta.title, meta.name, *meta.parents)))


def mention_forms(mention: str, corpus: Corpus) -> list[str]:
    """How the reports may write a place the question names: its Chinese forms, or for a place named in pinyin
    ("Hefei") the forms of every place the reports name that reads so (合肥市 -> 合肥市, 合肥)."""
    english = dict(places.english_named(mention))
    if mention in english:  # "Shigatse": the place its English name stands for, in the reports' metadata
        return [f for name in _pinyin_names(corpus).get(places.pinyin(english[mention]), ()) for f in _name_forms(name)]
    if mention.isascii():
        return [f for name in _pinyin_names(corpus).get(places.pinyin_key(mention), ()) for f in _name_forms(name)]
    return _name_forms(mention)


@lru_cache(maxsize=2)
def _pinyin_names(corpus: Corpus) -> dict[str, tuple[str, ...]]:
    """pinyin -> the place names the loaded reports hold: their metadata, and for a report of no detected place
    every two or three characters of its text before a level word (市桥街; the short form, as the text writes it).
    A place another report only mentions (合肥市 in 安徽省's report) is not one an English question can be
    answered for. Built once per index generation, when an English question names a place no report is about."""
    names: set[str] = set()
    for doc_id in corpus.doc_ids:
        meta = corpus.meta(doc_id)
        names.update(places.short_name(n) for n in (meta.name, *meta.parents) if n)
        for pattern in _STEMS if corpus.place(doc_id) is None else ():
            names.update(m.group(1) for m in pattern.finditer(corpus.texts[doc_id]))
    out: dict[str, set[str]] = {}
    for name in names:
        out.setdefault(places.pinyin(name), set()).add(name)
    return {k: tuple(sorted(v)) for k, v in out.items()}


_LEVEL_CHARS = "".join(sorted({s[-1] for s, _ in places.vocabulary().suffixes} | {"街"}))
_STEMS = tuple(re.compile(rf"(?=([\u4e00-\u9fff]{{{n}}})[{_LEVEL_CHARS}])") for n in (2, 3))


def strangers(draft: Draft, query: Query, corpus: Corpus) -> list[str]:
    """Places the question names that the answer is not about: no cited report is theirs (its place unknown, or
    its metadata naming them) and no quoted sentence names them. "合肥市…地区生产总值" must not be answered with
    芜湖's figure because 芜湖's report mentions 合肥都市圈."""
    cites = [p for p in draft.parts if isinstance(p, Cite)] + [r.cite for r in draft.rows]
    out = []
    for mention in place_mentions(query):
        if query.referent and mention in query.referent:
            continue  # "建成街道非诉服务中心的那个街道": words of the report that the referent picked, not a place asked
        forms = mention_forms(mention, corpus)
        own = any(corpus.place(c.doc_id) is None or any(f in _labels(c.doc_id, corpus) for f in forms) for c in cites)
        quoted = any(f in corpus.quote(c.doc_id, c.start, c.end) for c in cites for f in forms)
        if cites and not own and not quoted:
            out.append(clean_place(mention))
    return out


def _name_forms(mention: str) -> list[str]:
    """ "请问沈家门街道" -> 请问沈家门街道, 问沈家门街道, 沈家门街道, 沈家门, 家门街道 …: the mention's trailing parts
    (the question's words may run into the name) with their short forms, never shorter than two characters."""
    level = places.level_of(mention)
    suffix = next((s for s, _ in places.vocabulary().suffixes if mention.endswith(s)), "") if level else ""
    stem = mention[: len(mention) - len(suffix)]
    forms: list[str] = []
    for i in range(len(stem) - 1):
        name = stem[i:] + suffix
        forms.append(name)
        if i == 0 or len(stem) - i >= 3:  # a bare two-character tail ("家门" of 沈家门) says nothing
            forms += places.aliases(name) if places.is_unit_name(name) else []
    return [f for f in dict.fromkeys(forms) if len(f) >= 2]


def clean_place(name: str) -> str:
    """ "宁区青龙街道" (a district glued to the front) -> "青龙街道"."""
    m = re.search(r"[区县市]([\u4e00-\u9fff]{2,}(?:街道|镇|乡))$", name)
    name = m.group(1) if m else name
    return re.sub(r"^[和与及跟同、的在]", "", name)
