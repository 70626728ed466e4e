"""`python -m rag eval`: retrieval and answer quality on a JSONL question set, with latency."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rag.config import Settings

_WS = re.compile(r"\s+")


@dataclass(frozen=True)
class Question:
    question: str
    must_contain: tuple[str, ...] = ()
    evidence: str = ""
    unanswerable: bool = False


def load_questions(path: Path) -> list[Question]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ValueError(f"问题文件不存在：{path}（question file not found）") from exc
    except IsADirectoryError as exc:
        raise ValueError(f"{path} 是目录，不是问题文件（is a folder, not a JSONL file）") from exc
    except UnicodeDecodeError as exc:
        raise ValueError(f"问题文件必须是 UTF-8 编码的 JSON Lines：{path}（not UTF-8 text）") from exc
    except OSError as exc:
        raise ValueError(f"无法读取问题文件 {path}：{exc.strerror}（cannot read the question file）") from exc
    questions = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            questions.append(
                Question(
                    question=row["question"],
                    must_contain=tuple(row.get("must_contain") or ()),
                    evidence=row.get("evidence") or "",
                    unanswerable=bool(row.get("unanswerable", False)),
                )
            )
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise ValueError(f"{path} 第 {n} 行格式错误（line {n} is not a valid question）：{exc}") from exc
    return questions


def _squash(text: str) -> str:
    return _WS.sub("", text)


def holds_all(text: str, expected: tuple[str, ...]) -> bool:
    """Does the answer state every expected phrase? Whitespace-insensitive, like evidence: a report copied from a
    PDF writes "31.88 亿元", which normalisation joins to "31.88亿元"."""
    squashed = _squash(text)
    return all(_squash(m) in squashed for m in expected)


def evidence_rank(evidence: str, passages: list[str]) -> int | None:
    """1-based rank of the first passage holding the evidence (whitespace-insensitive), or None."""
    needle = _squash(evidence)
    for rank, text in enumerate(passages, start=1):
        if needle in _squash(text):
            return rank
    return None


@dataclass
class EvalReport:
    summary: dict
    results: list[dict] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"summary": self.summary, "results": self.results}

    def render(self) -> str:
        s = self.summary
        rows = [
            ("questions", s["questions"]),
            ("hit@1", s["hit@1"]),
            ("hit@3", s["hit@3"]),
            ("hit@5", s["hit@5"]),
            ("MRR@10", s["mrr@10"]),
            ("answer accuracy", s["answer_accuracy"]),
            ("refusal accuracy", s["refusal_accuracy"]),
            ("false refusals", s["false_refusals"]),
            ("latency p50 ms", s["latency_p50_ms"]),
            ("latency p95 ms", s["latency_p95_ms"]),
        ]
        return "\n".join(f"{name:<18} {value}" for name, value in rows)


def _ratio(values: list[bool]) -> float | None:
    return round(sum(values) / len(values), 3) if values else None


def evaluate(settings: Settings, questions: list[Question], mode: str = "extractive", progress=None) -> EvalReport:
    from rag.answering.answer import Assistant

    assistant = Assistant(settings)
    assistant.ask("预热 warm-up", mode="extractive")  # the first query pays one-off costs; don't time it
    results, ranks, correct, refusals, false_refusals, latencies = [], [], [], [], [], []
    for i, q in enumerate(questions):
        answer = assistant.ask(q.question, mode=mode)
        latencies.append(answer.latency_ms)
        if q.unanswerable:
            refusals.append(answer.status == "not_found")
        else:
            false_refusals.append(answer.status == "not_found")
            correct.append(answer.status == "answered" and holds_all(answer.text, q.must_contain))
        if q.evidence:
            ranks.append(evidence_rank(q.evidence, [h.chunk.text for h in answer.retrieved]))
        row = answer.to_json()
        row["latency_ms"] = round(answer.latency_ms, 1)
        results.append(row)
        if progress:
            progress("eval", i + 1, len(questions))
    summary = {
        "questions": len(questions),
        **{f"hit@{k}": _ratio([r is not None and r <= k for r in ranks]) for k in (1, 3, 5)},
        "mrr@10": round(float(np.mean([1 / r if r and r <= 10 else 0.0 for r in ranks])), 3) if ranks else None,
        "answer_accuracy": _ratio(correct),
        "refusal_accuracy": _ratio(refusals),
        "false_refusals": _ratio(false_refusals),
        "latency_p50_ms": round(float(np.percentile(latencies, 50)), 1) if latencies else None,
        "latency_p95_ms": round(float(np.percentile(latencies, 95)), 1) if latencies else None,
        "mode": mode,
    }
    return EvalReport(summary, results)
