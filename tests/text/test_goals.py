"""rag/text/goals.py: a target read as what it says (about, floor, ceiling, range, stretch)."""

from __future__ import annotations

import pytest

from rag.text.goals import Goal, read_goal


@pytest.mark.parametrize(
    ("text", "shape", "low", "high", "stretch"),
    [
        ("增长6.5%左右", "about", 6.5, None, None),
        ("增长6%以上", "floor", 6.0, None, None),
        ("增长6.5%—7%", "range", 6.5, 7.0, None),
        ("增长7.5%-8%", "range", 7.5, 8.0, None),
        ("控制在4.5%以内", "ceiling", 4.5, None, None),
        ("增长6%以上、力争7%以上", "floor", 6.0, None, 7.0),
        ("力争增长7%", "stretch", 7.0, None, None),
        ("增长9%", "plain", 9.0, None, None),
        ("300亿元以上", "floor", 300.0, None, None),
    ],
)
def test_read_goal(text: str, shape: str, low: float, high: float | None, stretch: float | None) -> None:
    goal = read_goal(text)
    assert goal is not None
    assert (goal.shape, goal.low, goal.high, goal.stretch) == (shape, low, high, stretch)


def test_about_allows_the_documented_tolerance_and_no_more() -> None:
    goal = read_goal("增长7%左右")
    assert goal.met(6.9, percent=True)  # national 2015: 6.9% against "7%左右" counts as met
    assert goal.met(6.5, percent=True)
    assert not goal.met(6.4, percent=True)
    assert not goal.met(3.5, percent=True)


def test_floor_range_and_ceiling_are_read_as_bounds() -> None:
    assert read_goal("增长7%以上").met(7.0, percent=True)
    assert not read_goal("增长7%以上").met(6.9, percent=True)
    assert read_goal("增长6.5%—7%").met(6.7, percent=True)
    assert not read_goal("增长7.5%-8%").met(7.3, percent=True)
    assert read_goal("控制在4.5%以内").met(2.9, percent=True)
    assert not read_goal("控制在4.5%以内").met(4.6, percent=True)


def test_a_decrease_and_a_lower_is_better_indicator() -> None:
    assert read_goal("下降3.2%", negative=True).met(-10.0, percent=True)  # fell by more than asked
    assert not read_goal("下降3.2%", negative=True).met(-1.0, percent=True)
    unemployment = read_goal("5.5%左右", ceiling=True)  # an unemployment rate "5.5%左右" is an upper bound
    assert unemployment.shape == "ceiling" and unemployment.met(5.1, percent=True)
    assert not unemployment.met(6.2, percent=True)


def test_stretch_beside_a_goal() -> None:
    goal = read_goal("增长6%以上、力争7%以上")
    assert goal.met(6.5, percent=True) and not goal.met_stretch(6.5)
    assert goal.met_stretch(7.2)


def test_no_number_no_goal() -> None:
    assert read_goal("与经济增长基本同步") is None
    assert isinstance(read_goal("达到3%"), Goal)
