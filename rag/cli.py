"""`python -m rag index|ask|eval|reports|targets` — a stable contract other tools depend on."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from rag.config import Settings
from rag.ingest.detect.facts import LOW as LOW_CONFIDENCE


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.from_env(
        seeds_dir=getattr(args, "seeds", None),
        index_dir=getattr(args, "index", None),
        k=getattr(args, "k", None),
    )


def _progress_printer(stream=sys.stderr):
    """One updating line per stage on a terminal; plain lines every 10% otherwise (CI logs)."""
    last: dict[str, int] = {}
    names = {
        "embed": "嵌入段落 embedding",
        "switch": "切换版本 switching version",
        "done": "完成 done",
    }

    def report(stage: str, done: int, total: int) -> None:
        pct = int(100 * done / total) if total else 100
        if stream.isatty():
            stream.write(f"\r{names.get(stage, stage)}: {done}/{total} ({pct}%)   ")
            if done >= total:
                stream.write("\n")
        elif pct // 10 != last.get(stage, -1) or done >= total:
            last[stage] = pct // 10
            stream.write(f"{names.get(stage, stage)}: {done}/{total} ({pct}%)\n")
        stream.flush()

    return report


def cmd_index(args: argparse.Namespace) -> int:
    from rag.indexing.store import build_index

    settings = _settings(args)
    if not settings.seeds_dir.is_dir():
        print(f"报告目录不存在：{settings.seeds_dir}（seeds folder not found）", file=sys.stderr)
        return 2
    if args.rebuild and args.only:
        print(
            "--rebuild 会重建全部报告，不能与 --only 同用（--rebuild re-indexes everything: drop --only）",
            file=sys.stderr,
        )
        return 2
    progress = None if args.json else _progress_printer()
    result = build_index(settings, rebuild=args.rebuild, progress=progress, only=args.only)
    if args.json:
        # stdout is one JSON object for scripts; the readable summary goes to stderr.
        print(json.dumps(result.to_json(), ensure_ascii=False))
        print(result.summary(), file=sys.stderr)
        return 0
    print(result.summary())
    where = f"Chroma {settings.chroma_host}:{settings.chroma_port}" if settings.server_mode else settings.index_dir
    print(f"索引位置 index: {where}（{result.generation}）")
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    from rag.answering.answer import Assistant
    from rag.answering.validation import validate_question
    from rag.indexing.store import require_index

    settings = _settings(args)
    # Fail in milliseconds, not after loading the model.
    validate_question(args.question, settings)
    require_index(settings)
    assistant = Assistant(settings)
    answer = assistant.ask(args.question, mode=args.mode)
    if args.json:
        print(json.dumps(answer.to_json(), ensure_ascii=False, indent=2))
    else:
        print(answer.render_text())
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from rag.evaluate import evaluate, load_questions
    from rag.indexing.store import require_index

    settings = _settings(args)
    questions = load_questions(Path(args.questions))
    require_index(settings)
    report = evaluate(settings, questions, mode=args.mode, progress=_progress_printer())
    print(report.render())
    if args.json:
        Path(args.json).write_text(json.dumps(report.to_json(), ensure_ascii=False, indent=2), encoding="utf-8")
        print(f"结果已写入 {args.json}")
    return 0


REPORT_FIELDS = ("place", "level", "parents", "year", "plan_year", "kind")


def report_row(doc_id: str, meta) -> dict:
    """One report's place facts, each with where it came from (manifest / detected / unknown) and a confidence."""
    row: dict = {"doc": doc_id}
    for name in REPORT_FIELDS:
        value = meta.fact(name)
        source, confidence = meta.source_of(name)
        row[name] = list(value) if isinstance(value, tuple) else value
        row[f"{name}_source"] = source
        row[f"{name}_confidence"] = confidence
    return row


def _cell_text(row: dict, name: str) -> str:
    value = row[name]
    text = "/".join(value) if isinstance(value, list) else "" if value is None else str(value)
    source = row[f"{name}_source"]
    if source == "unknown":
        return "?（未知 unknown）"
    if source == "detected" and row[f"{name}_confidence"] < LOW_CONFIDENCE:
        return f"{text}（不确定 {row[f'{name}_confidence']:.2f}）"
    return text + ("（清单 manifest）" if source == "manifest" else "")


def cmd_reports(args: argparse.Namespace) -> int:
    from rag.indexing.store import indexed_reports

    rows = [report_row(r.doc_id, r.meta) for r in indexed_reports(_settings(args))]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    header = ("doc", *REPORT_FIELDS)
    print("\t".join(header))
    for row in rows:
        print("\t".join([row["doc"], *(_cell_text(row, name) for name in REPORT_FIELDS)]))
    print(f"共 {len(rows)} 份报告（{len(rows)} reports）；“不确定”= 置信度低于 {LOW_CONFIDENCE}，“?”= 未识别")
    return 0


def cmd_targets(args: argparse.Namespace) -> int:
    from rag.answering.corpus import Corpus
    from rag.answering.targets import corpus_table, pair_json
    from rag.indexing.store import Index

    corpus = Corpus(Index.open(_settings(args)))
    known = corpus.index.place_names()
    # "嘉兴" finds 嘉兴市: a name as the reports write it, or its start
    places = [k for name in args.place or () for k in known if k == name or k.startswith(name)]
    if args.place and not places:
        print(f"索引中没有这些地点：{'、'.join(args.place)}（no report of these places）", file=sys.stderr)
        return 2
    rows = [pair_json(p) for p in corpus_table(corpus, places, args.year or ())]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    print(
        "\t".join(
            ("place", "year", "metric", "measure", "target", "result", "verdict", "note", "target_doc", "result_doc")
        )
    )
    for row in rows:
        result = row["result"]["figure"] or ""
        result += "（预计）" if row["result"]["forecast"] else ""
        cells = (row["place"], str(row["year"]), row["metric"], row["measure_zh"], row["target"]["figure"] or "")
        tail = (row["verdict"], row["note"], row["target"]["doc"] or "", row["result"]["doc"] or "")
        print("\t".join((*cells, result, *tail)))
    print(f"共 {len(rows)} 行（{len(rows)} rows）", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m rag", description="报告问答 Report QA")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("index", help="建立/更新索引 build or update the index")
    p.add_argument("--seeds", help="报告目录 reports folder (default: seeds/)")
    p.add_argument("--index", help="索引目录 index folder (default: index/)")
    p.add_argument("--rebuild", action="store_true", help="从头重建 rebuild from scratch")
    p.add_argument(
        "--json",
        action="store_true",
        help="输出 JSON {added, updated, removed, unchanged, embedded, seconds}（seconds: 更新本身，不含模型加载）",
    )
    p.add_argument(
        "--only",
        nargs="+",
        metavar="FILE",
        help="只处理这些报告文件（相对报告目录的路径），其余视为未变 only look at these report files (paths relative to "
        "the reports folder), as the app does after an upload or delete; the rest is taken as unchanged",
    )
    p.set_defaults(func=cmd_index)

    modes = ("auto", "extractive", "llm")
    p = sub.add_parser("ask", help="提问 ask a question")
    p.add_argument("question")
    p.add_argument("--index")
    p.add_argument("--k", type=int, help="来源段落数 number of sources")
    p.add_argument("--json", action="store_true", help="输出 JSON")
    p.add_argument("--mode", choices=modes, default="auto")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("eval", help="评测 evaluate on a JSONL question set")
    p.add_argument("questions")
    p.add_argument("--index")
    p.add_argument("--k", type=int)
    p.add_argument("--json", help="把结果写入此 JSON 文件 write results here")
    p.add_argument("--mode", choices=modes, default="extractive")
    p.set_defaults(func=cmd_eval)
    p = sub.add_parser("reports", help="列出已索引的报告及其地点、年份 list indexed reports and their metadata")
    p.add_argument("--index")
    p.add_argument("--json", action="store_true", help="输出 JSON")
    p.set_defaults(func=cmd_reports)
    p = sub.add_parser("targets", help="目标完成情况：目标与实际对照 targets against results")
    p.add_argument("--index")
    p.add_argument("--place", nargs="+", help="地点 places (default: all)")
    p.add_argument("--year", nargs="+", type=int, help="年份 years (default: all)")
    p.add_argument("--json", action="store_true", help="输出 JSON")
    p.set_defaults(func=cmd_targets)
    return parser


def main(argv: list[str] | None = None) -> int:
    from rag.indexing.store import IndexUnavailableError
    from rag.ingest.documents import DocumentError

    args = build_parser().parse_args(argv)
    started = time.monotonic()
    try:
        code = args.func(args)
    except (IndexUnavailableError, DocumentError, ValueError) as exc:
        print(f"错误 error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("已中断 interrupted", file=sys.stderr)
        return 130
    if args.command == "index" and not getattr(args, "json", False):
        print(f"总用时 {time.monotonic() - started:.1f} 秒", file=sys.stderr)
    return code
