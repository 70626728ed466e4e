"""Decoding a text file's bytes to text: BOMs, UTF-8, GB18030, UTF-16 without BOM, then a statistical guess.

Deterministic: the same bytes always give the same text and encoding label.
"""

from __future__ import annotations

import codecs
import re
import unicodedata

from rag.ingest.errors import DocumentError
from rag.text.cjk import is_cjk

# Longest BOMs first: the UTF-32-LE BOM starts with the UTF-16-LE one.
_BOMS: tuple[tuple[bytes, str, str], ...] = (
    (b"\xff\xfe\x00\x00", "utf-32-le", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32-be", "utf-32"),
    (b"\xef\xbb\xbf", "utf-8", "utf-8-sig"),
    (b"\xff\xfe", "utf-16-le", "utf-16"),
    (b"\xfe\xff", "utf-16-be", "utf-16"),
)
_ALLOWED_CONTROLS = frozenset("\t\n\r\f\v")
_MAX_BAD_RATIO = 0.01  # real text has (almost) no control or private-use characters


def empty_error() -> DocumentError:
    return DocumentError("文件为空", "empty file")


def _blank_error() -> DocumentError:
    return DocumentError("文件里只有空白，没有文字内容", "only whitespace, no text")


def _binary_error() -> DocumentError:
    return DocumentError("文件不是文本，看起来是二进制数据", "binary data, not text")


def _undecodable_error() -> DocumentError:
    return DocumentError("无法识别文件的文字编码", "unknown text encoding")


def _strict(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _bad_char_ratio(text: str) -> float:
    """Share of control, surrogate, private-use and replacement characters: high for binary decoded as text."""
    bad = sum(
        1
        for ch in text
        if ch == "\ufffd" or (ch not in _ALLOWED_CONTROLS and unicodedata.category(ch) in ("Cc", "Cs", "Co"))
    )
    return bad / max(1, len(text))


def _is_plausible(text: str) -> bool:
    return "\x00" not in text and _bad_char_ratio(text) <= _MAX_BAD_RATIO


def _looks_like_chinese_text(text: str) -> bool:
    """For UTF-16 guesses: mostly CJK, CJK punctuation, ASCII or whitespace (random bytes are not)."""
    good = sum(
        1
        for ch in text
        if is_cjk(ch) or "\u3000" <= ch <= "\u303f" or "\uff00" <= ch <= "\uffef" or ch.isspace() or " " <= ch <= "~"
    )
    return bool(text) and good / len(text) >= 0.9


def _utf16_by_nul_pattern(data: bytes) -> str | None:
    """ASCII in UTF-16 has a NUL in every other byte: odd positions for LE, even for BE."""
    if len(data) < 2 or len(data) % 2:
        return None
    even, odd = data[0::2].count(0), data[1::2].count(0)
    if odd >= 0.75 * (even + odd):
        return "utf-16-le"
    if even >= 0.75 * (even + odd):
        return "utf-16-be"
    return None


def _finish(text: str, encoding: str) -> tuple[str, str]:
    if not _is_plausible(text):
        raise _binary_error()
    text = text.replace("\r\n", "\n")
    if not text.strip():
        raise _blank_error()
    return text, encoding


def _decode_without_bom(data: bytes) -> tuple[str, str] | None:
    if b"\x00" in data:  # NUL bytes: UTF-16 without BOM, or binary
        codec = _utf16_by_nul_pattern(data)
        text = _strict(data, codec) if codec else None
        if text is not None and _looks_like_chinese_text(text):
            return text, "utf-16"
        raise _binary_error()
    text = _strict(data, "utf-8")
    if text is not None:  # valid UTF-8 is never a coincidence; if it is full of control characters it is binary
        return text, "utf-8"
    text = _strict(data, "gb18030")  # a superset of GBK and GB2312
    if text is not None and _is_plausible(text):
        return text, "gb18030"
    for codec in ("utf-16-le", "utf-16-be"):  # UTF-16 without BOM and without any ASCII character
        text = _strict(data, codec)
        if text is not None and _looks_like_chinese_text(text):
            return text, "utf-16"
    return _decode_with_charset_normalizer(data)


def _decode_with_charset_normalizer(data: bytes) -> tuple[str, str] | None:
    """Last resort (Big5, Shift-JIS, cp1252 ...): a statistical guess, only accepted when it reads as text."""
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or not best.encoding:
        return None
    text = str(best)
    name = codecs.lookup(best.encoding).name  # "utf_16_be" -> "utf-16-be"
    return (text, "utf-16" if name.startswith("utf-16") else name) if _is_plausible(text) else None


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode a text file: BOM, strict UTF-8, UTF-16 by NUL pattern, strict GB18030, then a statistical guess."""
    if not data.strip(b" \t\r\n\x0b\x0c"):
        raise empty_error()
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            text = _strict(data[len(bom) :], codec)
            if text is None:
                raise _undecodable_error()
            return _finish(text, label)
    decoded = _decode_without_bom(data)
    if decoded is None:
        raise _undecodable_error()
    return _finish(*decoded)


def normalize_ws(text: str) -> str:
    """Collapse runs of whitespace (incl. full-width and no-break spaces); for embedded/keyword text only."""
    return re.sub(r"\s+", " ", text).strip()
