"""Who wrote a report and when: its place (at any level, with its parents), years, period, kind and title.

One entry point, `detect_meta`. The lines where a report names itself (`lines`), the units its text names at the
lower levels (`names`), and the formal signals weighed against them (`facts`) are its parts; each value carries the
confidence of the evidence it came from (`ReportMeta.origin`).
"""

from __future__ import annotations

from rag.ingest.detect import facts, names
from rag.ingest.detect.lines import strong_lines, title_lines
from rag.ingest.metadata import ReportMeta, place_of

# A report says who it is near its start; scanning more costs seconds on book-length files for nothing.
_DETECT_CHARS = 60_000


def detect_meta(text: str, filename: str) -> ReportMeta:
    """Place, level, parents, years, period, kind and title from the text and the file name, by general rules.

    A field is None when the evidence is weak: a missing value is better than a wrong one.
    """
    text = text[:_DETECT_CHARS]
    titles = title_lines(text, filename)
    year = names.detect_year(text, titles)
    period = names.detect_period(text, titles, year)
    hints = names.lower_units(text, strong_lines(text, filename), titles, year, period)
    found = facts.describe(text, filename, hints)
    return ReportMeta(
        place=place_of(found.place, found.level, found.parents),
        year=found.year,
        period="全年" if found.kind == "政府工作报告" else period,  # it reviews a whole year
        title=titles[0] if titles else None,
        plan_year=found.plan_year,
        kind=found.kind,
        origin=tuple((name, "detected", confidence) for name, confidence in found.confidence),
    )
