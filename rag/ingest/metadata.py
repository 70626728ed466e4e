"""A report's metadata: its place (a `Place` at any level), years, period, kind and title; where each value came
from; and how a manifest row or a person's correction overrides what detection found (rag.ingest.detect)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

from rag.text.places import Place, level_of


@dataclass(frozen=True)
class ReportMeta:
    place: Place | None = None  # the report's own unit: 西林街道 (街道), 嘉兴市 (市), 全国 (国家); None when unknown
    year: int | None = None  # the year the figures describe: 2020 for a 政府工作报告 delivered in 2021
    period: str | None = None  # normalised: "上半年" | "全年" | "工作计划" | "1-5月" | "1-10月" | "一季度" ...
    title: str | None = None
    plan_year: int | None = None  # the year it plans for: 2021 for a 政府工作报告 delivered in 2021
    kind: str | None = None  # 政府工作报告 | 年度总结 | 半年总结 | 工作计划
    # Where each value came from: (field, "manifest" | "detected", confidence 0-1); a field not listed is unknown.
    # The place's parts are listed as "place" (its name), "level" and "parents".
    origin: tuple[tuple[str, str, float], ...] = field(default=(), compare=False)

    @property
    def name(self) -> str | None:
        """The report's place name whatever its level."""
        return self.place.name if self.place else None

    @property
    def level(self) -> str | None:
        return self.place.level if self.place else None

    @property
    def parents(self) -> tuple[str, ...]:
        return self.place.parents if self.place else ()

    def fact(self, name: str) -> object:
        """One field as `origin` names it: "place" is the place's name, "level" and "parents" its other parts."""
        return self.name if name == "place" else getattr(self, name)

    def source_of(self, name: str) -> tuple[str, float]:
        """("manifest" | "detected" | "unknown", confidence) of one field (named as in `fact`)."""
        for field_name, source, confidence in self.origin:
            if field_name == name:
                return source, confidence
        return ("unknown", 0.0) if self.fact(name) in (None, ()) else ("detected", 0.0)


def place_of(name: str | None, level: str | None, parents: tuple[str, ...]) -> Place | None:
    """A Place from its parts; None when none is known."""
    return Place(name, level, parents) if name or level or parents else None


def with_place(meta: ReportMeta, name: str | None) -> ReportMeta:
    """`meta` with its place corrected by a person: the level follows the name's suffix (else stays), the stated
    parents stay."""
    if name == meta.name:
        return meta
    level = (level_of(name) if name else None) or meta.level
    return replace(meta, place=place_of(name, level, meta.parents))


def _set(value: object) -> bool:
    return value not in (None, ())


def merge_meta(detected: ReportMeta, override: ReportMeta | None) -> ReportMeta:
    """Field by field: a value in `override` (the manifest) wins; None keeps the detected value. The place's name,
    level and parents are each a field here: a row stating only the name keeps the detected level and parents."""
    if override is None:
        return detected
    changes = {
        f.name: getattr(override, f.name)
        for f in fields(ReportMeta)
        if f.name not in ("place", "origin") and _set(getattr(override, f.name))
    }
    stated = {part: getattr(override, part) for part in ("name", "level", "parents") if _set(getattr(override, part))}
    if stated:
        parts = {part: stated.get(part, getattr(detected, part)) for part in ("name", "level", "parents")}
        changes["place"] = place_of(parts["name"], parts["level"], parts["parents"])
    named = [*(k for k in changes if k != "place"), *("place" if p == "name" else p for p in stated)]
    kept = tuple(o for o in detected.origin if o[0] not in named)
    origin = kept + tuple((name, "manifest", 1.0) for name in named)
    return replace(detected, **changes, origin=origin)
