"""eval/targets.jsonl (issue 20) stays true to its reports: every labelled figure is written in the report it names,
the target in a report planning the year and the result in one reviewing it, with a verdict the product knows."""

from __future__ import annotations

import json
import re

import pytest

from rag.config import ROOT
from rag.ingest.documents import load_document

LABELS = [json.loads(line) for line in (ROOT / "eval" / "targets.jsonl").read_text(encoding="utf-8").splitlines()]
SHARED = ROOT.parent / "shared"


def _text(corpus: str, doc: str) -> str:
    path = SHARED / corpus / doc
    if not path.exists():
        pytest.skip(f"{path} not available")
    return load_document(path, path.parent).text


def test_enough_pairs_with_unique_ids() -> None:
    assert len([lab for lab in LABELS if not lab.get("absent")]) >= 60
    assert len({lab["id"] for lab in LABELS}) == len(LABELS)
    assert {lab["verdict"] for lab in LABELS} <= {"完成", "未完成", "无法比较"}
    assert {lab["measure"] for lab in LABELS} <= {"growth", "rate", "amount"}


@pytest.mark.parametrize("lab", LABELS, ids=[lab["id"] for lab in LABELS])
def test_each_figure_is_in_its_report(lab: dict) -> None:
    for side in ("target", "result"):
        text = re.sub(
            r"\s", "", _text(lab["corpus"] if side == "target" else _folder(lab["result_doc"]), lab[f"{side}_doc"])
        )
        assert re.sub(r"\s", "", lab[side]) in text, (side, lab[side])


def _folder(doc: str) -> str:
    return "corpus" if re.match(r"\d{2}_", doc) else "corpus-large"
