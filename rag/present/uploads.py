"""Uploads and the metadata editor: which message box shows an outcome, and the values typed into the editor."""

from __future__ import annotations

import re

OUTCOME_KINDS = {"added": "success", "duplicate": "info", "rejected": "error"}


def outcome_kind(status: str) -> str:
    """Which Streamlit message box shows an upload outcome: success / info / error."""
    return OUTCOME_KINDS.get(status, "warning")


def parse_year(value: object) -> int | None:
    """A year typed into the metadata editor: 2024, "2024", "2024年", 2024.0; None when empty.

    ValueError (Chinese message) for anything else, so a typo is never saved as a wrong year."""
    if value is None:
        return None
    if isinstance(value, float):
        if value != value:  # NaN: an emptied cell
            return None
        if not value.is_integer():
            raise ValueError(f"年份无效：{value}（invalid year）")
        value = int(value)
    text = str(value).strip().removesuffix("年").strip()
    if not text:
        return None
    if not re.fullmatch(r"\d{4}", text) or not 1949 <= int(text) <= 2100:
        raise ValueError(f"年份无效：{value}（invalid year, e.g. 2024）")
    return int(text)


def clean_text(value: object) -> str | None:
    """A text cell from the editor: stripped, None when empty (or NaN)."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    text = str(value).strip()
    return text or None
