"""Fixtures of the ingest tests."""

from __future__ import annotations

import pytest
from helpers import seed_text


@pytest.fixture(scope="module")
def passage() -> str:
    """A real seed passage with CJK, ASCII digits/punctuation, full-width punctuation and a newline."""
    text = seed_text("002")
    first, second = text.split("\n")[:2]
    return first[:160] + "\n" + second[:160]
