"""The conversation so far, in whatever shape the caller keeps it: earlier turns as `Turn`s."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from langchain_core.messages import BaseMessage


@dataclass(frozen=True)
class Turn:
    """One earlier message of the conversation."""

    role: str  # "user" | "assistant"
    content: str


HistoryItem = Turn | Mapping[str, str] | tuple[str, str] | BaseMessage


def as_turns(history: Sequence[HistoryItem] | None) -> list[Turn]:
    """Accepts Turn, {"role", "content"} dicts (Streamlit's chat history), (role, content) tuples, or messages."""
    turns: list[Turn] = []
    for item in history or ():
        if isinstance(item, Turn):
            turns.append(item)
        elif isinstance(item, BaseMessage):
            role = {"human": "user", "ai": "assistant"}.get(item.type, item.type)
            turns.append(Turn(role, content_text(item.content)))
        elif isinstance(item, Mapping):
            turns.append(Turn(str(item.get("role", "user")), str(item.get("content", ""))))
        else:
            role, content = item
            turns.append(Turn(str(role), str(content)))
    return [t for t in turns if t.role in ("user", "assistant") and t.content.strip()]


def content_text(content: object) -> str:
    if isinstance(content, list):  # content blocks
        return "".join(
            b if isinstance(b, str) else str(b.get("text", "")) for b in content if isinstance(b, str | dict)
        )
    return content if isinstance(content, str) else ""
