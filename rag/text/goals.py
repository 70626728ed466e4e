"""A target as the reports write it, read as what it says.

增长6.5%左右        about 6.5          (met within a tolerance, see ABOUT_TOLERANCE)
增长6%以上          a floor of 6       (met at 6 or more)
增长6%—7%           a range 6 to 7     (met at the lower bound or more)
控制在3.5%以内      a ceiling of 3.5   (met at 3.5 or less)
增长6%以上、力争7%  a floor of 6 with a stretch goal of 7 (the verdict is on 6; 7 is reported beside it)
力争增长7%          a stretch goal of 7 alone (the verdict is on 7, labelled a stretch goal)
增长9%              a plain figure: 9 or more (or, for a decrease "下降20%", -20 or less)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.text.vocab import alternation, markers

# "左右" allows the result to fall short by this much: half a percentage point for a rate or growth rate (the
# convention of the yearly reviews, which count "7%左右" met at 6.9%), and the same share of an amount (5% of it).
ABOUT_TOLERANCE_POINTS = 0.5
ABOUT_TOLERANCE_SHARE = 0.05

_NUM = r"[-+−－]?\d+(?:\.\d+)?"
_RANGE_RE = re.compile(rf"(?P<a>{_NUM})[%％]?\s*[—–~～至到-]+\s*(?P<b>{_NUM})")
_NUM_RE = re.compile(_NUM)


@dataclass(frozen=True)
class Goal:
    shape: str  # "about" | "floor" | "ceiling" | "range" | "plain" | "stretch"
    low: float  # the figure; a range's lower bound
    high: float | None = None  # a range's upper bound
    stretch: float | None = None  # "力争7%" stated beside the goal
    negative: bool = False  # a decrease ("下降20%"): the figure is -20, and lower is better
    about: bool = False  # "控制在3%左右": a ceiling read with the "左右" tolerance

    def met(self, result: float, percent: bool) -> bool:
        """Is `result` (same measure, same unit scale) what this goal asked for?"""
        tolerance = ABOUT_TOLERANCE_POINTS if percent else abs(self.low) * ABOUT_TOLERANCE_SHARE
        if self.shape == "ceiling":
            return result <= self.low + (tolerance if self.about else 0.0)
        if self.shape == "about":
            return result <= self.low + tolerance if self.negative else result >= self.low - tolerance
        if self.negative:
            return result <= self.low
        return result >= self.low

    def met_stretch(self, result: float) -> bool:
        """Did `result` also reach the stretch goal stated beside the goal ("…，力争7%")?"""
        if self.stretch is None:
            return False
        return result <= self.stretch if self.negative else result >= self.stretch

    @property
    def label(self) -> str:
        return {
            "about": "约数（左右）",
            "floor": "下限（以上）",
            "ceiling": "上限（以内）",
            "range": "区间",
            "plain": "目标值",
            "stretch": "力争目标",
        }[self.shape]


def _number(text: str) -> float:
    return float(text.replace("−", "-").replace("－", "-"))


def read_goal(text: str, negative: bool = False, ceiling: bool = False) -> Goal | None:
    """The goal a target figure states ("增长6%以上、力争7%以上" -> floor 6, stretch 7), or None without a number.

    `negative`: the figure is a decrease ("下降20%"): its number counts as -20. `ceiling`: less is better for this
    indicator (an unemployment rate): the figure is an upper bound however it is written."""
    sign = -1.0 if negative else 1.0
    aim = re.search(alternation(markers("aim")), text)
    base, stretch_text = (text[: aim.start()], text[aim.end() :]) if aim else (text, "")
    stretch_nums = _NUM_RE.findall(stretch_text)
    stretch = sign * abs(_number(stretch_nums[0])) if stretch_nums else None
    if not _NUM_RE.search(base):  # "力争增长7%": the aim is the goal
        if stretch is None:
            return None
        return Goal("stretch", stretch, negative=negative)
    if m := _RANGE_RE.search(base):
        a, b = sorted(sign * abs(_number(m.group(x))) for x in "ab")
        return Goal("range", a, b, stretch, negative)
    low = sign * abs(_number(_NUM_RE.search(base).group()))
    # qualifiers may stand before ("控制在3%") or after ("3%以内") the number
    about = bool(re.search(alternation(markers("goal_about")), base))
    if ceiling or re.search(alternation(markers("goal_ceiling")), base):
        shape = "ceiling"
    elif about:
        shape = "about"
    elif re.search(alternation(markers("goal_floor")), base):
        shape = "floor"
    else:
        shape = "plain"
    return Goal(shape, low, None, stretch, negative, about and shape == "ceiling")
