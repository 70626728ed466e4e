"""Checking a user's question before it reaches retrieval: empty, too long, or without any words.

Kept apart from the answer engine so the UI, the CLI and `Assistant.ask` share one rule and one message.
"""

from __future__ import annotations

import re
import unicodedata

from rag.config import Settings

# Invisible characters that survive `str.strip()` (zero-width space/joiners, BOM, word joiner).
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
# Letters (incl. Chinese characters) and digits carry content; punctuation, symbols and emoji do not.
_CONTENT_CATEGORIES = ("L", "N")


def _has_content(text: str) -> bool:
    return any(unicodedata.category(ch)[0] in _CONTENT_CATEGORIES for ch in text)


def validate_question(text: str | None, settings: Settings | None = None) -> str:
    """The question, cleaned (NFC, control characters removed, trimmed), or ValueError with a Chinese message.

    - empty or whitespace only -> "问题不能为空"
    - longer than `settings.max_question_chars` (after trimming) -> "问题过长"
    - only punctuation / symbols / emoji -> "问题中没有文字内容"
    """
    settings = settings or Settings.from_env()
    if text is None:
        raise ValueError("问题不能为空，请输入要查询的内容（empty question）")
    if not isinstance(text, str):
        raise ValueError(f"问题必须是文字（question must be text, got {type(text).__name__}）")
    cleaned = unicodedata.normalize("NFC", text)
    cleaned = _INVISIBLE.sub("", cleaned)
    # Control characters (NUL, escape sequences ...) become spaces; newlines and tabs are whitespace already.
    cleaned = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in cleaned).strip()
    if not cleaned:
        raise ValueError("问题不能为空，请输入要查询的内容（empty question）")
    limit = settings.max_question_chars
    if len(cleaned) > limit:
        raise ValueError(
            f"问题过长：共 {len(cleaned)} 字，上限 {limit} 字，请精简后再问（question too long: {len(cleaned)} > {limit} chars）"
        )
    if not _has_content(cleaned):
        raise ValueError(
            "问题中没有文字内容，请输入具体的问题（the question has no words, only punctuation or symbols）"
        )
    return cleaned
