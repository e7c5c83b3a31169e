"""The geometry of the report's charts: grouped bars and a timeline, as shapes with
coordinates. The report's template turns the shapes into inline SVG, so the page
needs no library, no script and nothing fetched. A figure that is not known is
drawn as a gap with its reason (a hatched band, or "n/a"), never as a bar of zero.

Words drawn inside a chart arrive here already translated; numbers arrive with the
function that formats them for the page's language.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

# Okabe-Ito colours, distinguishable with colour-blindness; grey for totals.
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00")
TOTAL_COLOUR = "#4d4d4d"
WIDTH = 760
CHAR_WIDTH = 6.4  # a generous average width of an 11px character, for layout
LINE_HEIGHT = 13

NumberFormat = Callable[[float], str]
# A number with a given count of decimals, in the page's language.
TickFormat = Callable[[float, int], str]


@dataclass(frozen=True)
class Series:
    """One set of bars: a name for the legend and a value per category (None where
    the figure is unknown)."""

    name: str
    values: Sequence[float | None]
    colour: str


@dataclass(frozen=True)
class Event:
    """A dated fact on the timeline."""

    when: date
    heading: str
    text: str
    is_done: bool


@dataclass(frozen=True)
class Shape:
    """One mark of a chart. `kind` is text, line, rect or circle; the template
    draws each kind with the fields it needs."""

    kind: str
    x: float = 0.0
    y: float = 0.0
    x2: float = 0.0
    y2: float = 0.0
    width: float = 0.0
    height: float = 0.0
    lines: tuple[str, ...] = ()
    css_class: str = ""
    anchor: str = "start"
    fill: str = ""
    tooltip: str = ""


@dataclass(frozen=True)
class Chart:
    """A chart as its id, accessible title, size and shapes."""

    chart_id: str
    title: str
    height: float
    shapes: Sequence[Shape] = field(default_factory=tuple)
    width: float = WIDTH

    @property
    def hatch_id(self) -> str:
        return f"{self.chart_id}-hatch"


def _text(
    x: float, y: float, lines: str | Sequence[str], css_class: str, anchor: str
) -> Shape:
    """Text at baseline y; several lines go one under the other."""
    lines = (lines,) if isinstance(lines, str) else tuple(lines)
    return Shape("text", x, y, lines=lines, css_class=css_class, anchor=anchor)


def _line(x1: float, y1: float, x2: float, y2: float, css_class: str) -> Shape:
    return Shape("line", x1, y1, x2, y2, css_class=css_class)


def _nice_step(maximum: float, ticks: int = 5) -> float:
    """A round tick step (1, 2, 2.5 or 5 times a power of ten) for an axis from 0 to
    `maximum` with about `ticks` ticks."""
    raw = max(maximum, 1e-9) / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    return next(f * magnitude for f in (1, 2, 2.5, 5, 10) if raw <= f * magnitude)


def _legend_rows(
    series: Sequence[Series], left: float, right: float
) -> list[list[tuple[float, Series]]]:
    """The legend's entries as rows of (x, series) that fit between left and right."""
    rows: list[list[tuple[float, Series]]] = [[]]
    x = left
    for one_series in series:
        width = 24 + CHAR_WIDTH * len(one_series.name)
        if rows[-1] and x + width > right:
            rows.append([])
            x = left
        rows[-1].append((x, one_series))
        x += width
    return rows


def bar_chart(
    chart_id: str,
    title: str,
    unit: str,
    categories: Sequence[str],
    series: Sequence[Series],
    number_format: NumberFormat,
    tick_format: TickFormat,
    not_available: str,
    gaps: Mapping[str, str] | None = None,
) -> Chart:
    """Grouped vertical bars: one group per category, one bar per series.

    `gaps` maps a category whose figures are all missing to the words that say why
    ("pending"); its group is drawn as a hatched band with those words. A single
    missing value elsewhere is marked with `not_available` ("n/a") on the
    baseline. A category name may hold a newline, for a second line of label.
    """
    gaps = gaps or {}
    left, right, top, plot_height = 64.0, WIDTH - 12.0, 30.0, 300.0
    baseline = top + plot_height
    label_lines = max(category.count("\n") + 1 for category in categories)
    legend = _legend_rows(series, left, right) if len(series) > 1 else []
    height = baseline + 14 + LINE_HEIGHT * label_lines + 20 * len(legend) + 8

    known = [value for s in series for value in s.values if value is not None]
    step = _nice_step(max(known, default=0))
    steps = max(1, math.ceil(max(known, default=0) / step))
    axis_max = step * steps
    decimals = 0 if float(step).is_integer() else 1

    def y_of(value: float) -> float:
        return baseline - plot_height * value / axis_max

    shapes = [_text(left - 8, 16, unit, "unit", "start")]
    for number in range(steps + 1):
        tick = number * step
        shapes.append(_line(left, y_of(tick), right, y_of(tick), "grid"))
        shapes.append(
            _text(left - 6, y_of(tick) + 4, tick_format(tick, decimals), "tick", "end")
        )

    group_width = (right - left) / len(categories)
    inner = group_width * 0.84
    bar_width = inner / len(series)
    for index, category in enumerate(categories):
        x0 = left + index * group_width + (group_width - inner) / 2
        centre = x0 + inner / 2
        if category in gaps:
            words = gaps[category].split("\n")
            box_width = 16 + CHAR_WIDTH * max(len(word) for word in words)
            middle = top + plot_height / 2
            shapes += [
                Shape(
                    "rect", x0, top, width=inner, height=plot_height, css_class="gap"
                ),
                Shape(
                    "rect",
                    centre - box_width / 2,
                    middle - 16,
                    width=box_width,
                    height=8 + LINE_HEIGHT * len(words),
                    css_class="gap-label-box",
                ),
                _text(centre, middle, words, "gap-label", "middle"),
            ]
        else:
            for number, one_series in enumerate(series):
                value = one_series.values[index]
                x = x0 + number * bar_width
                if value is None:
                    shapes.append(
                        _text(
                            x + bar_width / 2,
                            baseline - 4,
                            not_available,
                            "na",
                            "middle",
                        )
                    )
                    continue
                label = number_format(value)
                shapes += [
                    Shape(
                        "rect",
                        x + 1,
                        y_of(value),
                        width=bar_width - 2,
                        height=baseline - y_of(value),
                        fill=one_series.colour,
                        tooltip=(
                            f"{one_series.name}, {category.replace(chr(10), ' ')}: "
                            f"{label}"
                        ),
                    ),
                    _text(x + bar_width / 2, y_of(value) - 3, label, "value", "middle"),
                ]
        shapes.append(
            _text(centre, baseline + 16, category.split("\n"), "category", "middle")
        )
    shapes.append(_line(left, baseline, right, baseline, "axis"))

    y = baseline + 14 + LINE_HEIGHT * label_lines + 12
    for row in legend:
        for x, one_series in row:
            shapes += [
                Shape("rect", x, y - 9, width=10, height=10, fill=one_series.colour),
                _text(x + 14, y, one_series.name, "legend", "start"),
            ]
        y += 20
    return Chart(chart_id, title, height, tuple(shapes))


def _dot(x: float, y: float, is_done: bool) -> Shape:
    return Shape("circle", x, y, css_class="done" if is_done else "planned")


def timeline(
    chart_id: str,
    title: str,
    events: Sequence[Event],
    first_year: int,
    last_year: int,
    legend: tuple[str, str],
) -> Chart:
    """Dated facts on a time axis from 1 January of `first_year` to 31 December of
    `last_year`, one row each in date order, the text on whichever side of its dot
    has more room. Done facts are filled dots, planned ones hollow; `legend` names
    the two."""
    left, right, axis_y = 16.0, WIDTH - 16.0, 34.0
    start, end = date(first_year, 1, 1), date(last_year + 1, 1, 1)

    def x_of(day: date) -> float:
        return left + (right - left) * (day - start).days / (end - start).days

    rows = []
    y = axis_y + 26
    for event in sorted(events, key=lambda event: event.when):
        x = x_of(event.when)
        on_right = x < (left + right) / 2
        room = (right - x if on_right else x - left) - 12
        lines = [event.heading, *textwrap.wrap(event.text, int(room / CHAR_WIDTH))]
        rows.append(_dot(x, y - 4, event.is_done))
        rows.append(
            _text(
                x + 12 if on_right else x - 12,
                y,
                lines,
                "event",
                "start" if on_right else "end",
            )
        )
        y += LINE_HEIGHT * len(lines) + 14
    height = y + 20

    shapes = []
    for year in range(first_year, last_year + 2):
        x = x_of(date(year, 1, 1))
        shapes.append(_line(x, axis_y, x, height - 28, "grid"))
        if year <= last_year:
            middle = (x + x_of(date(year + 1, 1, 1))) / 2
            shapes.append(_text(middle, axis_y - 10, str(year), "tick", "middle"))
    shapes.append(_line(left, axis_y, right, axis_y, "axis"))
    shapes += rows
    done, planned = legend
    shapes += [
        _dot(left + 5, height - 12, True),
        _text(left + 16, height - 8, done, "legend", "start"),
        _dot(left + 30 + CHAR_WIDTH * len(done), height - 12, False),
        _text(
            left + 41 + CHAR_WIDTH * len(done), height - 8, planned, "legend", "start"
        ),
    ]
    return Chart(chart_id, title, height, tuple(shapes))
