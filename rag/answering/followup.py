"""Follow-up questions rewritten into standalone ones ("那秦灶街道呢？" -> "秦灶街道上半年一般公共预算收入多少？").

Runs without any LLM: a deterministic rewrite from the previous user question. With an LLM configured the model
rewrites first (rag.answering.llm.llm_rewrite, imported only then: openai + langchain-openai take seconds to import)
and the heuristic stays the fallback.

API (for the caller):
    rewrite_followup(question, history, settings=None, known_streets=()) -> str
    looks_like_followup(question, known_streets=()) -> bool
    heuristic_rewrite(question, previous, known_streets=()) -> str
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rag.answering.conversation import HistoryItem, as_turns
from rag.config import Settings
from rag.text.language import is_english
from rag.text.periods import MONTH_RANGE, NAMED_PERIOD
from rag.text.places import STREET_MENTION, pinyin_name, short_name

# "那" opens a follow-up ("那秦灶街道呢？"), but not in "那个/那些" (that/those).
_LEAD_ZH = re.compile(r"^\s*(?:那么|那(?![个些里样])|还有|另外|然后|再问一下)[\s,，、:：]*")
_LEAD_EN = re.compile(r"^\s*(?:and\s+what\s+about|what\s+about|how\s+about|and)\b[\s,:]*", re.I)
_END_PUNCT = re.compile(r"[\s？?。！!.]+$")
# The asking words at the end of a Chinese question, longest first.
_ASK_TAIL = re.compile(r"(?:是多少|有多少|多少|怎么样|如何|情况如何|情况|是什么|有哪些)?(?:呢|吗)?[\s？?。！!]*$")
_ASK_WORD = re.compile(r"(?:呢|吗)?[\s？?。！!]*$")
_INTERROGATIVE = re.compile(r"多少|几|什么|哪|如何|怎么|吗|是否|有无")
_NAME_PREFIX = re.compile(r"^(?:请问|那么|那|和|与|及|在|的|还有|另外)+")
# A period as written (kept verbatim when a follow-up is rewritten): the report periods, a month, 今年/明年, 工作计划.
_PERIOD = re.compile(rf"(?:(?:19|20)\d{{2}}\s*年)?(?:{MONTH_RANGE}|{NAMED_PERIOD}|\d{{1,2}}月|今年|明年|工作计划)")
# Follow-ups that ask about another side of the same figure: they keep the previous topic ("增幅呢？").
_ATTRIBUTES = ("增幅", "增速", "增长", "同比", "进度", "完成进度", "排名", "位次", "第几", "占比", "目标", "降幅")
# Questions across reports: they do not inherit the previous street.
_GLOBAL = ("哪个", "哪些", "各街道", "各镇", "所有", "全部", "对比", "比较")
_SHORT_CORE = 6  # a question adding at most this many characters leans on the previous one
_SHORT_CORE_NE = 10  # ... or this many when it ends in 呢 ("制造业投资进度呢？")


@dataclass(frozen=True)
class _Place:
    written: str  # as it appears in the text: "秦灶街道", "秦灶", "Qinzao"
    name: str  # full name: "秦灶街道"


def _places(text: str, known_streets: Sequence[str]) -> list[_Place]:
    """Streets named in a text, in order: known ones by full, short or pinyin name; other "XX街道/镇/乡" too."""
    found: list[tuple[int, _Place]] = []
    taken: list[tuple[int, int]] = []

    def add(start: int, written: str, name: str) -> None:
        if not any(a <= start < b for a, b in taken):
            found.append((start, _Place(written, name)))
            taken.append((start, start + len(written)))

    for street in known_streets:
        for alias in (street, short_name(street)):
            if (pos := text.find(alias)) >= 0:
                add(pos, alias, street)
                break
        else:
            if m := re.search(rf"\b{re.escape(pinyin_name(street))}\b", text, re.I):
                add(m.start(), m.group(), street)
    for m in STREET_MENTION.finditer(text):
        name = _NAME_PREFIX.sub("", m.group(1))
        if len(name) >= 2 and not name.startswith((*_GLOBAL, "各", "本", "该", "全")):
            add(m.end(1) - len(name), name + m.group(2), name + m.group(2))
    return [place for _, place in sorted(found, key=lambda x: x[0])]


def _strip_lead(question: str) -> str:
    return _LEAD_EN.sub("", _LEAD_ZH.sub("", question)).strip()


def _core(question: str, known_streets: Sequence[str]) -> str:
    """The question without lead word, places, periods and asking words: what it is about."""
    text = _strip_lead(question)
    for place in _places(text, known_streets):
        text = text.replace(place.written, "")
    text = _PERIOD.sub("", text)
    return _ASK_TAIL.sub("", text).strip(" 的,，")


def _periods(text: str) -> str:
    return "".join(dict.fromkeys(m.group() for m in _PERIOD.finditer(text)))


def looks_like_followup(question: str, known_streets: Sequence[str] = ()) -> bool:
    """Does the question lean on the previous one ("那秦灶街道呢？", "增幅呢？", "What about Qinzao?")?"""
    q = question.strip()
    if not _strip_lead(q):
        return False
    if _LEAD_ZH.match(q) or _LEAD_EN.match(q):
        return True
    if is_english(q):
        return len(_END_PUNCT.sub("", q).split()) <= 2  # "Growth?", "And Qinzao?"
    if any(word in q for word in _GLOBAL):
        return False  # "哪个街道……" compares across reports: it stands alone
    core = _core(q, known_streets)
    if _places(q, known_streets):
        return not core  # "秦灶呢？" leans on the previous question; "秦灶街道固定资产投资多少？" stands alone
    limit = _SHORT_CORE_NE if _END_PUNCT.sub("", q).endswith("呢") else _SHORT_CORE
    return len(core) <= limit


def _last_user_question(history: Sequence[HistoryItem] | None, known_streets: Sequence[str] = ()) -> str | None:
    """The last user question in standalone form. Each earlier follow-up is resolved against the one before it,
    so a chain (西林…多少？ → 那秦灶街道呢？ → 那河海街道呢？) keeps its topic however long it runs."""
    previous = None
    for turn in as_turns(history):
        if turn.role != "user":
            continue
        question = turn.content.strip()
        if previous and looks_like_followup(question, known_streets):
            question = heuristic_rewrite(question, previous, known_streets)
        previous = question
    return previous


def _heuristic_english(question: str, previous: str, known_streets: Sequence[str]) -> str:
    new, old = _places(question, known_streets), _places(previous, known_streets)
    if new and old:
        replacement = pinyin_name(new[0].name) if old[0].written.isascii() else new[0].name
        return previous.replace(old[0].written, replacement, 1)
    return f"{_END_PUNCT.sub('', previous)}: {_END_PUNCT.sub('', _strip_lead(question))}?"


def _same_question_elsewhere(previous: str, old: list[_Place], new: _Place, period: str) -> str:
    """ "那秦灶街道呢？": the previous question about another street (and another period, if one is named)."""
    text = previous.replace(old[0].written, new.name, 1) if old else new.name + previous
    if period:
        current = _PERIOD.search(text)
        text = text.replace(current.group(), period, 1) if current else text.replace(new.name, new.name + period, 1)
    return text


def _asking_words(body: str, subject: str, previous: str) -> str:
    """How the standalone question ends: its own asking words, else the previous question's ("多少")."""
    if _INTERROGATIVE.search(subject):
        return ""  # "排名第几" already asks
    own = _ASK_WORD.sub("", (m.group() if (m := _ASK_TAIL.search(body)) else ""))
    if own:
        return own
    prev = _ASK_WORD.sub("", (m.group() if (m := _ASK_TAIL.search(previous)) else ""))
    return prev


def heuristic_rewrite(question: str, previous: str, known_streets: Sequence[str] = ()) -> str:
    """Deterministic rewrite of a follow-up into a standalone question, using the previous user question."""
    if is_english(question):
        return _heuristic_english(question, previous, known_streets)
    body = _strip_lead(question)
    new, old = _places(body, known_streets), _places(previous, known_streets)
    aspect = _core(body, known_streets)
    period = _periods(body)
    if new and not aspect:
        return _same_question_elsewhere(previous, old, new[0], period)
    topic = _core(previous, known_streets)
    across = any(word in aspect for word in _GLOBAL)  # "那哪个街道最高？": the topic, over all streets
    attribute = aspect.startswith(_ATTRIBUTES) and len(aspect) <= _SHORT_CORE
    subject = topic + aspect if (attribute or across) else aspect
    street = "" if across else "、".join(p.name for p in (new or old))
    return f"{street}{period or _periods(previous)}{subject}{_asking_words(body, subject, previous)}？"


def rewrite_followup(
    question: str,
    history: Sequence[HistoryItem] | None,
    settings: Settings | None = None,
    known_streets: Sequence[str] = (),
) -> str:
    """A standalone form of a follow-up question ("那秦灶街道呢？" -> "秦灶街道上半年一般公共预算收入多少？").

    `history` is the conversation before this question; its last user turn is what the follow-up leans on. Pass
    the streets of the loaded reports as known_streets so "秦灶呢？" and "What about Qinzao?" are recognised.
    Questions that already stand alone come back unchanged (and cost no LLM call). With an LLM configured it
    rewrites; on any failure, or an unusable rewrite, the deterministic heuristic does. Store the standalone form
    in the history, so the next follow-up builds on a complete question.
    """
    previous = _last_user_question(history, known_streets)
    if not previous or not looks_like_followup(question, known_streets):
        return question
    if settings is not None and settings.llm_configured:
        from rag.answering.llm import llm_rewrite  # imported late: openai + langchain-openai take seconds to import

        rewritten = llm_rewrite(question, history, settings)
        if rewritten:
            return rewritten
    return heuristic_rewrite(question, previous, known_streets)
