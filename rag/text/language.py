"""Which language a question is written in."""

from __future__ import annotations


def is_english(text: str) -> bool:
    """Mostly Latin letters: an English question (Chinese names inside it do not change that)."""
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(c.isascii() for c in letters) > len(letters) / 2
