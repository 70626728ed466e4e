"""docs/ARCHITECTURE.md: imports only run down the pipeline. rag/text imports nothing else of rag; rag/ingest only
rag/text; rag/indexing those two; rag/answering those three. Lazy imports inside functions count too."""

from __future__ import annotations

import ast
from pathlib import Path

from rag.config import ROOT

LAYERS = ("text", "ingest", "indexing", "answering")


def _layer(module: str) -> int | None:
    parts = module.split(".")
    return LAYERS.index(parts[1]) if len(parts) > 1 and parts[0] == "rag" and parts[1] in LAYERS else None


def _imports(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
        elif isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
    return names


def test_no_import_runs_up_the_pipeline() -> None:
    upward = []
    for path in sorted((ROOT / "rag").rglob("*.py")):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        own = _layer(module)
        if own is None:
            continue
        for name in _imports(path):
            other = _layer(name)
            if other is not None and other > own:
                upward.append(f"{module} imports {name}")
    assert upward == []
