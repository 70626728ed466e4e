"""Labels: a report, a source, a period, a figure count, a timestamp, index-build stages and answer modes as shown."""

from __future__ import annotations

from datetime import UTC, datetime

from rag.ingest.documents import ReportMeta

STAGE_LABELS = {
    "copy": "复用未变向量 reusing vectors",
    "embed": "嵌入段落 embedding passages",
    "keywords": "关键词索引 keyword index",
    "done": "完成 done",
}
MODE_LABELS = {
    "auto": "自动 auto",
    "extractive": "摘录式 extractive",
    "llm": "大模型 LLM",
}


def period_label(meta: ReportMeta) -> str:
    """ "2024年上半年", "2024年", "上半年" or "" — the time span the report's figures describe."""
    return (f"{meta.year}年" if meta.year else "") + (meta.period or "")


def figures_label(meta: ReportMeta) -> str:
    """ "数据期 2020年全年": which time the figures describe. A plan written in 2021 reviews 2020, so the year of the
    figures is said as such and never read against the report's title ("…2021年工作计划")."""
    when = period_label(meta)
    return f"数据期 {when}" if when else ""


def place_label(meta: ReportMeta) -> str:
    """The report's own place at any level ("西林街道", "嘉兴市", "全国"); "未识别地点" when unknown."""
    return meta.name or "未识别地点"


def report_label(meta: ReportMeta, doc_id: str | None = None) -> str:
    """ "西林街道 · 数据期 2024年上半年 · 002_….txt" (missing parts are left out)."""
    parts = [place_label(meta), figures_label(meta), doc_id or ""]
    return " · ".join(p for p in parts if p)


def source_label(meta: ReportMeta, section: str | None, doc_id: str) -> str:
    """place · period of the figures · 《report title》 (the file when there is no title) · section, as shown above
    a cited passage: "秦灶街道 · 数据期 2020年全年 · 《秦灶街道2021年工作计划》 · 一、…"."""
    report = f"《{meta.title}》" if meta.title else doc_id
    parts = [place_label(meta), figures_label(meta), report, section or ""]
    return " · ".join(p for p in parts if p)


def format_timestamp(iso: str | None) -> str:
    """ISO time of the index build as "2026-11-23 11:15 UTC"; "—" when unknown, the raw text if unparsable."""
    if not iso:
        return "—"
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def progress_state(stage: str, done: int, total: int) -> tuple[float, str]:
    """A build progress callback's (stage, done, total) as a bar fraction in [0, 1] and its caption."""
    fraction = 1.0 if total <= 0 else min(max(done / total, 0.0), 1.0)
    label = STAGE_LABELS.get(stage, stage)
    text = label if stage in ("done", "keywords") else f"{label}：{done}/{total}"
    return fraction, text
