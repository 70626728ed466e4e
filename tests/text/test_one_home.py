"""Report language has one home, rag/text: no module outside it writes its own copy of a word list or pattern.

Read from the source of rag/ (outside rag/text): every string literal (f-string parts included; adjacent literals
are one literal) and every tuple/list/set of strings. A copy is
- a regex alternation, or a collection of strings, holding 3 or more words of one list of rag/text/data/*.toml
  (e.g. "计划|要点|思路" of markers.plan_title, ("下降", "降幅", "减少") of markers.decrease);
- a hand-written year pattern "(?:19|20)\\d{2}" (rag.text.periods.YEAR);
- a hand-written run of Chinese digits "一二三四五…" (rag.text.numerals);
- a hand-written numbered-heading pattern "[…]+[、.．]" (rag.text.headings).
"""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import pytest

from rag.text import headings, numerals, periods
from rag.text.vocab import DATA

RAG = Path(__file__).resolve().parents[2] / "rag"
HOME = RAG / "text"
MIN_SHARED = 3  # this many words of one list, written together, are a copy of it


def _lists(node: object, name: str) -> dict[str, frozenset[str]]:
    """Every list of words of a data file, by "file.key.path", words of 2+ characters (one character is too common
    to tell a copy: "居" is in many words)."""
    out: dict[str, frozenset[str]] = {}
    if isinstance(node, dict):
        for key, value in node.items():
            out |= _lists(value, f"{name}.{key}")
        if all(isinstance(v, str) for v in node.values()) and len(node) >= MIN_SHARED:
            out[f"{name}.keys"] = frozenset(k for k in node if len(k) >= 2)
    elif isinstance(node, list) and all(isinstance(v, str) for v in node):
        out[name] = frozenset(v for v in node if len(v) >= 2)
    return {k: v for k, v in out.items() if len(v) >= MIN_SHARED}


def known_lists() -> dict[str, frozenset[str]]:
    out: dict[str, frozenset[str]] = {}
    for path in sorted(DATA.glob("*.toml")):
        with path.open("rb") as handle:
            out |= _lists(tomllib.load(handle), path.stem)
    return out


def _literals(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, text) of each string literal; an f-string gives its literal parts joined (placeholders as "{}")."""
    out = []
    inside_f_strings = {id(v) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for v in node.values}
    for node in ast.walk(tree):
        if id(node) in inside_f_strings:
            continue
        if isinstance(node, ast.JoinedStr):
            parts = [v.value if isinstance(v, ast.Constant) else "{}" for v in node.values]
            out.append((node.lineno, "".join(str(p) for p in parts)))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            out.append((node.lineno, node.value))
    return out


def _collections(tree: ast.AST) -> list[tuple[int, list[str]]]:
    """(line, strings) of each tuple/list/set display of string constants."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            strings = [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
            if len(strings) >= MIN_SHARED:
                out.append((node.lineno, strings))
    return out


_ALTERNATIVE = re.compile(r"[^|()\[\]?:*+{}^$\\]+")


def alternatives(literal: str) -> list[set[str]]:
    """The alternatives of each regex alternation in a literal ("(?:计划|要点)|思路" -> one group per run of '|')."""
    groups, current = [], set()
    for piece in re.split(r"(\||[()])", literal):
        if piece == "|":
            continue
        if piece in ("(", ")"):
            if len(current) > 1:
                groups.append(current)
            current = set()
            continue
        for word in _ALTERNATIVE.findall(piece):
            current.add(word)
    if len(current) > 1:
        groups.append(current)
    return groups


def copies_in(source: str, lists: dict[str, frozenset[str]]) -> list[str]:
    """Every copy of report language in one module's source (see the module docstring)."""
    tree = ast.parse(source)
    found = []
    for line, literal in _literals(tree):
        if "|" in literal:
            for group in alternatives(literal):
                for name, words in lists.items():
                    if len(shared := group & words) >= MIN_SHARED:
                        found.append(f"{line}: alternation of {name}: {'|'.join(sorted(shared))}")
        if "(?:19|20)" in literal or "(19|20)" in literal:
            found.append(f"{line}: year pattern (rag.text.periods.YEAR)")
        if re.search(f"[{numerals.CN_DIGITS}]{{5,}}", literal):
            found.append(f"{line}: Chinese digits (rag.text.numerals)")
        if "]+[、.．]" in literal:
            found.append(f"{line}: numbered heading (rag.text.headings)")
    for line, strings in _collections(tree):
        for name, words in lists.items():
            if len(shared := set(strings) & words) >= MIN_SHARED:
                found.append(f"{line}: collection of {name}: {', '.join(sorted(shared))}")
    return found


def _modules() -> list[Path]:
    return sorted(p for p in RAG.rglob("*.py") if HOME not in p.parents)


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(RAG.parent)))
def test_no_module_outside_rag_text_copies_report_language(path: Path):
    found = copies_in(path.read_text(encoding="utf-8"), known_lists())
    assert not found, f"{path}: report language outside rag/text:\n" + "\n".join(found)


def test_the_checker_finds_each_kind_of_copy():
    """The rule above can fail: a module with one copy of each kind is caught on each."""
    source = """
import re
PLAN = re.compile(r"(?:计划|要点|思路)")
DOWN = ("下降", "降幅", "减少")
YEAR = re.compile(r"((?:19|20)\\d{2})年")
HEAD = re.compile(rf"^[一二三四五六七八九十]+[、.．]")
RANK = re.compile(f"{x}位列|排名|名列")
"""
    found = copies_in(source, known_lists())
    assert any("markers.plan_title" in c for c in found)
    assert any("collection of markers.decrease" in c for c in found)
    assert any("year pattern" in c for c in found)
    assert any("Chinese digits" in c for c in found)
    assert any("numbered heading" in c for c in found)
    assert any("scopes.rank.verbs" in c for c in found)


def test_a_list_using_the_home_is_no_copy():
    source = """
import re
from rag.text.vocab import alternation, markers
PLAN = re.compile(alternation(markers("plan_title")))
TWO = re.compile(r"计划|方案")
"""
    assert copies_in(source, known_lists()) == []


def test_the_homes_hold_what_the_checker_looks_for():
    """The named definitions exist and say what they match."""
    assert re.fullmatch(periods.YEAR, "2021") and not re.fullmatch(periods.YEAR, "2121")
    assert periods.YEAR_RE.search("2021 年").group(1) == "2021"
    assert headings.NUMBERED_LINE.match("三、2022年工作安排") and headings.NUMBERED_LINE.match("（二）")
    assert not headings.NUMBERED_LINE.match("三是")
    assert numerals.year_number("二〇二一") == 2021 and numerals.year_number("二○二Ｏ") == 2020
    assert periods.PLAN_TITLE.search("2022年工作要点")
