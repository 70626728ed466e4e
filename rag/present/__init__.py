"""Pure presentation helpers for the UI: labels, safe HTML for passages and answers, indicator tables.

Nothing here touches Streamlit, the model or the index, so every function is unit-tested on plain values.
Every piece of report or answer text is HTML-escaped before markup is added: a report (or an LLM answer) that
contains "<script>" shows those characters, it never runs them.

The modules, by what they present: `labels`, `markdown` (answers and their citations), `export`, `passages`
(highlighted HTML), `tables` and `charts` (the indicator table), `uploads`. This package re-exports their public
names: the UI calls `present.<name>`.
"""

from rag.present.charts import SERIES_KINDS, Series, chart_rows, chart_series, metric_choices, period_span, series_of
from rag.present.export import ExportSource, answer_export_markdown, export_filename, export_sources
from rag.present.labels import (
    MODE_LABELS,
    STAGE_LABELS,
    figures_label,
    format_timestamp,
    period_label,
    place_label,
    progress_state,
    report_label,
    source_label,
)
from rag.present.markdown import WORD_JOINER, answer_markdown, cited_ranks, code_span, escape_markdown
from rag.present.passages import highlight_html, mark_id_for, merge_spans, passage_html, report_html
from rag.present.tables import (
    KIND_LABELS,
    EnglishSearch,
    IndicatorRow,
    answer_indicator_table,
    english_search,
    filter_rows,
    indicator_rows,
    is_english,
)
from rag.present.uploads import OUTCOME_KINDS, clean_text, outcome_kind, parse_year

__all__ = [
    "KIND_LABELS",
    "MODE_LABELS",
    "OUTCOME_KINDS",
    "SERIES_KINDS",
    "STAGE_LABELS",
    "WORD_JOINER",
    "EnglishSearch",
    "ExportSource",
    "IndicatorRow",
    "Series",
    "answer_export_markdown",
    "answer_indicator_table",
    "answer_markdown",
    "chart_rows",
    "chart_series",
    "cited_ranks",
    "clean_text",
    "code_span",
    "english_search",
    "escape_markdown",
    "export_filename",
    "export_sources",
    "figures_label",
    "filter_rows",
    "format_timestamp",
    "highlight_html",
    "indicator_rows",
    "is_english",
    "mark_id_for",
    "merge_spans",
    "metric_choices",
    "outcome_kind",
    "parse_year",
    "passage_html",
    "period_label",
    "period_span",
    "place_label",
    "progress_state",
    "report_html",
    "report_label",
    "series_of",
    "source_label",
]
