"""A recorded milestone's figures drawn as a small line chart, worked out here and drawn by the
programme page as server-side SVG (no chart library, no script).

`history_chart` gives the chart's geometry in the SVG's own units (a 600 by 220 box): one point
per figure along a time axis from the first figure to the later of the last figure and the due
date, a dashed line at the target, and the words the page shows beside it, so the chart always
has a text alternative that says what it shows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from registry.programmes.progress import MilestoneView

WIDTH, HEIGHT = 600, 220
LEFT, RIGHT, TOP, BOTTOM = 70, 20, 20, 40


@dataclass(frozen=True, slots=True)
class Point:
    x: float
    y: float
    value: int
    as_of: dt.date


@dataclass(frozen=True, slots=True)
class HistoryChart:
    """Geometry of one milestone's figures: `points` oldest first, `path` the polyline through
    them, `target_y` the height of the target line, `due_x` where the due date falls (None when
    there is none), the axis ends and a one-sentence `summary` of what the chart shows."""

    width: int
    height: int
    points: tuple[Point, ...]
    path: str
    target_y: float
    top_value: int
    first: dt.date
    last: dt.date
    due_x: float | None
    left: int
    right: int
    baseline: float
    summary: str


def _days(a: dt.date, b: dt.date) -> int:
    return (b - a).days


def history_chart(milestone: MilestoneView) -> HistoryChart | None:
    """The chart of a recorded milestone's figures, or None when it has none."""
    figures = milestone.figures
    unit_text = f"{milestone.target_value:,} {milestone.target_unit}".strip()
    if not figures:
        return None
    first = figures[0].as_of
    last = max(f.as_of for f in figures)
    if milestone.due_on and milestone.due_on > last:
        last = milestone.due_on
    span = max(1, _days(first, last))
    top_value = max(milestone.target_value, *(f.value for f in figures), 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x_of(day: dt.date) -> float:
        if first == last:
            return LEFT + plot_w / 2
        return round(LEFT + plot_w * _days(first, day) / span, 1)

    def y_of(value: int) -> float:
        return round(TOP + plot_h * (1 - value / top_value), 1)

    points = tuple(Point(x_of(f.as_of), y_of(f.value), f.value, f.as_of) for f in figures)
    due_x = None
    if milestone.due_on and first <= milestone.due_on <= last:
        due_x = x_of(milestone.due_on)
    said = ", ".join(f"{f.value:,} on {f.as_of.day} {f.as_of:%B %Y}" for f in figures)
    summary = (
        f"{len(figures)} figure{'s' if len(figures) != 1 else ''} recorded for "
        f"{milestone.title}: {said}. The target is {unit_text}"
        + (f", due {milestone.due_on.day} {milestone.due_on:%B %Y}." if milestone.due_on else ".")
    )
    return HistoryChart(
        width=WIDTH,
        height=HEIGHT,
        points=points,
        path=" ".join(f"{p.x},{p.y}" for p in points),
        target_y=y_of(milestone.target_value),
        top_value=top_value,
        first=first,
        last=last,
        due_x=due_x,
        left=LEFT,
        right=WIDTH - RIGHT,
        baseline=float(HEIGHT - BOTTOM),
        summary=summary,
    )
