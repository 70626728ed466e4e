"""The report vocabulary: word sets written once and read by every consumer."""

from __future__ import annotations


def words(spaced: str) -> frozenset[str]:
    """A word set written as one space-separated string (short to read, easy to diff)."""
    return frozenset(spaced.split(" "))
