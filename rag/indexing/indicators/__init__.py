"""Numeric facts (指标) pulled out of report text, with every number traceable to its offsets.

The reports state their economic indicators in a small set of recurring shapes, e.g.

    1-6月,完成一般公共预算收入1.52亿元,进度52.4%,位列全区第二;规模工业总产值8.59亿元,增幅5.1%,...
    工业总产值和规模以上工业产值分别达到191.5亿元和138.5亿元,完成年度目标的105.8%和104.9%,...

A sentence is cut into clauses (,;:), a clause into tokens (period / value / growth / progress / rank), and a
value clause opens a fact that the following modifier clauses (进度, 增幅, 位列...) attach to until a semicolon,
the next fact or the end of the sentence.  Nothing is guessed: a number whose metric cannot be read off the
text is dropped rather than given a plausible name.

The reading runs as the modules do: `extract` (sentences walked clause by clause; table rows handed to `rows`) ->
`tokens` (a clause's period / value / growth / progress / rank tokens) -> `metrics` (the metric as written, cleaned
and normalised) -> `model` (the frozen `Indicator`).
"""

from rag.indexing.indicators.extract import extract_indicators
from rag.indexing.indicators.metrics import find_metric, find_metrics, metric_spans, normalize_metric
from rag.indexing.indicators.model import Indicator, format_value
from rag.indexing.indicators.rows import cell_phrase, row_indicator, row_sentence

__all__ = [
    "Indicator",
    "cell_phrase",
    "extract_indicators",
    "find_metric",
    "find_metrics",
    "format_value",
    "metric_spans",
    "normalize_metric",
    "row_indicator",
    "row_sentence",
]
