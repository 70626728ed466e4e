"""A general Chinese dictionary's view of a word: jieba's dictionary (word, frequency, part of speech), read as data.

Used to tell a name from an ordinary word: "建设" (a verb-noun) is never the short name of 建设街道 in a question,
"西林" (a place name) is.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

# Parts of speech of ordinary words (verbs, adjectives, adverbs, prepositions, conjunctions, particles, pronouns,
# numerals, measure words): such a word is not a name, whatever it stands before.
ORDINARY_TAGS = ("v", "a", "d", "p", "c", "u", "r", "m", "q")


@lru_cache(maxsize=1)
def _jieba_dictionary() -> str:
    """jieba's dictionary ("word freq tag" lines) as one string; "" without jieba. Read once (~30 ms)."""
    try:
        import jieba
    except ImportError:  # optional: without it, fewer words are known
        return ""
    try:
        return "\n" + Path(jieba.__file__).with_name("dict.txt").read_text(encoding="utf-8")
    except OSError:
        return ""


@lru_cache(maxsize=4096)
def word_tag(word: str) -> str | None:
    """The part-of-speech tag of `word` in jieba's dictionary ("ns" = place name, "v" = verb), None if unknown."""
    data = _jieba_dictionary()
    start = data.find(f"\n{word} ")  # a plain scan: loading jieba's own tables would take ~1 s
    if start < 0:
        return None
    line = data[start + 1 : data.find("\n", start + 1)].split()
    return line[2] if len(line) == 3 else None


def is_ordinary_word(word: str) -> bool:
    """A verb, adjective, adverb … in the dictionary ("建设", "发展"): not a name."""
    tag = word_tag(word)
    return bool(tag) and tag.startswith(ORDINARY_TAGS)


@lru_cache(maxsize=1024)
def word_parts(word: str) -> tuple[str, ...]:
    """The smallest dictionary words of a compound, as jieba's search mode cuts it ("粮食产量" -> 粮食, 产量): a
    report may write them apart ("粮食生产再夺丰收，总产量20.48亿斤"). The word itself when it has no parts."""
    try:
        import jieba
    except ImportError:
        return (word,)
    found = [w for w in jieba.lcut_for_search(word) if len(w) >= 2]
    atoms = [w for w in found if not any(o != w and o in w for o in found)]
    return tuple(dict.fromkeys(atoms)) or (word,)
