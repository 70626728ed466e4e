"""LLM mode end to end: time to first token, total time, answer checks, over a sample of dev questions.

Needs an OpenAI-compatible endpoint in RAG_LLM_BASE_URL / RAG_LLM_MODEL (and RAG_LLM_API_KEY for hosted ones),
e.g. the local one from `make llm` (scripts/llm.sh serve). Not part of `make test`. Each question goes through
`Assistant.ask(mode="llm")`, streaming: the same path as the app. Index: the five seed reports.

    RAG_LLM_BASE_URL=http://127.0.0.1:8081/v1 RAG_LLM_MODEL=qwen2.5-coder-1.5b-instruct RAG_LLM_TIMEOUT=300 \\
        .venv/bin/python -m bench.llm_answers --questions 8
"""

from __future__ import annotations

import argparse
import time

from bench.common import add_common_args, corpus_workdir, dev_questions, machine, md_table, stats_ms, write_json


def sample(rows: list[dict], n: int) -> list[dict]:
    """`n` questions spread over the dev set (every k-th), at least one unanswerable among them."""
    step = max(1, len(rows) // max(1, n))
    picked = rows[::step][:n]
    if not any(r.get("unanswerable") for r in picked):
        picked[-1] = next(r for r in rows if r.get("unanswerable"))
    return picked


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--questions", type=int, default=8)
    add_common_args(parser, "llm_answers")
    args = parser.parse_args(argv)

    from rag.answering.answer import Assistant
    from rag.answering.retrieval import Searcher
    from rag.indexing.store import build_index

    with corpus_workdir(args, "llm", 5) as (_, settings, embeddings):
        if not settings.llm_configured:
            parser.error("set RAG_LLM_BASE_URL and RAG_LLM_MODEL (see the docstring)")
        build_index(settings, embeddings=embeddings)
        assistant = Assistant(settings, Searcher(settings, embeddings))
        assistant.ask("预热 warm-up", mode="extractive")
        records = []
        for i, q in enumerate(sample(dev_questions(), args.questions), start=1):
            pieces: list[float] = []  # arrival time of each streamed piece (about one token each)
            started = time.perf_counter()
            answer = assistant.ask(
                q["question"], mode="llm", on_token=lambda _t, at=pieces: at.append(time.perf_counter())
            )
            total = time.perf_counter() - started
            record = {
                "question": q["question"],
                "type": q.get("type", ""),
                "mode": answer.mode,  # "extractive" here means the LLM failed and the fallback answered
                "status": answer.status,
                "ttft_s": round(pieces[0] - started, 2) if pieces else None,
                "total_s": round(total, 2),
                "pieces": len(pieces),
                "pieces_per_s": round((len(pieces) - 1) / (pieces[-1] - pieces[0]), 1) if len(pieces) > 2 else None,
                "unverified_numbers": answer.unverified_numbers,
                "correct": (answer.status == "not_found" or "未找到" in answer.text)
                if q.get("unanswerable")
                else all(m in answer.text for m in q.get("must_contain", [])),
                "notice": answer.notice,
                "answer": answer.text,
            }
            records.append(record)
            print(
                f"[{i}] {record['mode']} {record['total_s']} s, correct={record['correct']}: {answer.text[:120]!r}",
                flush=True,
            )

    llm = [r for r in records if r["mode"] == "llm"]
    summary = {
        "questions": len(records),
        "answered_by_llm": len(llm),
        "fell_back": len(records) - len(llm),
        "correct": sum(r["correct"] for r in records),
        "answers_with_unverified_numbers": sum(bool(r["unverified_numbers"]) for r in llm),
        "ttft": stats_ms([r["ttft_s"] for r in llm if r["ttft_s"] is not None]),
        "total": stats_ms([r["total_s"] for r in records]),
        "pieces_per_s_median": sorted(r["pieces_per_s"] for r in llm if r["pieces_per_s"])[len(llm) // 2]
        if llm
        else None,
    }
    print(f"\n## LLM answers — {settings.llm_model} at {settings.llm_base_url}\n")
    rows = [
        [r["type"], r["mode"], r["ttft_s"], r["total_s"], r["pieces_per_s"], len(r["unverified_numbers"]), r["correct"]]
        for r in records
    ]
    print(
        md_table(
            ["type", "answered by", "first token s", "total s", "tokens/s", "unverified numbers", "must_contain"], rows
        )
    )
    print(f"\n{summary}")
    write_json(args.out, {"machine": machine(), "model": settings.llm_model, "summary": summary, "records": records})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
