"""Which characters are Chinese (Han) characters."""

from __future__ import annotations


def is_cjk(ch: str) -> bool:
    """A Han character: the unified block, extension A and the compatibility ideographs."""
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" or "\uf900" <= ch <= "\ufaff"
