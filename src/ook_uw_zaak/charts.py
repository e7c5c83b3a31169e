"""Bar charts and a timeline drawn as inline SVG for the HTML report: no library, no
script, nothing fetched. A figure that is not known is drawn as a gap with its
reason (a hatched band, or "n/a"), never as a bar of zero."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

# Okabe-Ito colours, distinguishable with colour-blindness; grey for totals.
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00")
TOTAL_COLOUR = "#4d4d4d"
WIDTH = 760
CHAR_WIDTH = 6.4  # a generous average width of an 11px character, for layout
LINE_HEIGHT = 13


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


def _nice_step(maximum: float, ticks: int = 5) -> float:
    """A round tick step (1, 2, 2.5 or 5 times a power of ten) for an axis from 0 to
    `maximum` with about `ticks` ticks."""
    raw = max(maximum, 1e-9) / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    return next(f * magnitude for f in (1, 2, 2.5, 5, 10) if raw <= f * magnitude)


def _text(
    x: float, y: float, lines: str | Sequence[str], css_class: str, anchor: str
) -> str:
    """Text at baseline y; several lines go one under the other."""
    if isinstance(lines, str):
        lines = [lines]
    spans = "".join(
        f'<tspan x="{x:.1f}" dy="{0 if i == 0 else LINE_HEIGHT}">{escape(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" class="{css_class}" '
        f'text-anchor="{anchor}">{spans}</text>'
    )


def _line(x1: float, y1: float, x2: float, y2: float, css_class: str) -> str:
    return (
        f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
        f'class="{css_class}"/>'
    )


def _svg(chart_id: str, title: str, height: float, parts: Sequence[str]) -> str:
    """The chart's <svg> element, with its title and the hatch pattern for gaps."""
    return "\n".join(
        [
            f'<svg id="{chart_id}" class="chart" viewBox="0 0 {WIDTH} {height:.0f}" '
            f'width="{WIDTH}" height="{height:.0f}" role="img" '
            f'aria-labelledby="{chart_id}-title" xmlns="http://www.w3.org/2000/svg">',
            f'<title id="{chart_id}-title">{escape(title)}</title>',
            f'<defs><pattern id="{chart_id}-hatch" width="8" height="8" '
            'patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
            '<line x1="0" y1="0" x2="0" y2="8" stroke="#b8b8b8" stroke-width="3"/>'
            "</pattern></defs>",
            *parts,
            "</svg>",
        ]
    )


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
    number_format: Callable[[float], str],
    gaps: Mapping[str, str] | None = None,
) -> str:
    """Grouped vertical bars: one group per category, one bar per series.

    `gaps` maps a category whose figures are all missing to the words that say why
    ("pending"); its group is drawn as a hatched band with those words. A single
    missing value elsewhere is marked "n/a" on the baseline. A category name may
    hold a newline, for a second line of label.
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

    parts = [_text(left - 8, 16, unit, "unit", "start")]
    for number in range(steps + 1):
        tick = number * step
        parts.append(_line(left, y_of(tick), right, y_of(tick), "grid"))
        parts.append(
            _text(left - 6, y_of(tick) + 4, f"{tick:,.{decimals}f}", "tick", "end")
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
            parts += [
                f'<rect x="{x0:.1f}" y="{top:.1f}" width="{inner:.1f}" '
                f'height="{plot_height:.1f}" fill="url(#{chart_id}-hatch)" '
                'class="gap"/>',
                f'<rect x="{centre - box_width / 2:.1f}" y="{middle - 16:.1f}" '
                f'width="{box_width:.1f}" height="{8 + LINE_HEIGHT * len(words)}" '
                'class="gap-label-box"/>',
                _text(centre, middle, words, "gap-label", "middle"),
            ]
        else:
            for number, one_series in enumerate(series):
                value = one_series.values[index]
                x = x0 + number * bar_width
                if value is None:
                    parts.append(
                        _text(x + bar_width / 2, baseline - 4, "n/a", "na", "middle")
                    )
                    continue
                label = number_format(value)
                parts += [
                    f'<rect x="{x + 1:.1f}" y="{y_of(value):.1f}" '
                    f'width="{bar_width - 2:.1f}" '
                    f'height="{baseline - y_of(value):.1f}" fill="{one_series.colour}">'
                    f"<title>{escape(one_series.name)}, "
                    f"{escape(category.replace(chr(10), ' '))}: {escape(label)}"
                    "</title></rect>",
                    _text(x + bar_width / 2, y_of(value) - 3, label, "value", "middle"),
                ]
        parts.append(
            _text(centre, baseline + 16, category.split("\n"), "category", "middle")
        )
    parts.append(_line(left, baseline, right, baseline, "axis"))

    y = baseline + 14 + LINE_HEIGHT * label_lines + 12
    for row in legend:
        for x, one_series in row:
            parts += [
                f'<rect x="{x:.1f}" y="{y - 9:.1f}" width="10" height="10" '
                f'fill="{one_series.colour}"/>',
                _text(x + 14, y, one_series.name, "legend", "start"),
            ]
        y += 20
    return _svg(chart_id, title, height, parts)


def _dot(x: float, y: float, is_done: bool) -> str:
    fill = PALETTE[0] if is_done else "#ffffff"
    return (
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{fill}" '
        f'stroke="{PALETTE[0]}" stroke-width="2"/>'
    )


def timeline(
    chart_id: str, title: str, events: Sequence[Event], first_year: int, last_year: int
) -> str:
    """Dated facts on a time axis from 1 January of `first_year` to 31 December of
    `last_year`, one row each in date order, the text on whichever side of its dot
    has more room. Done facts are filled dots, planned ones hollow."""
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

    parts = []
    for year in range(first_year, last_year + 2):
        x = x_of(date(year, 1, 1))
        parts.append(_line(x, axis_y, x, height - 28, "grid"))
        if year <= last_year:
            middle = (x + x_of(date(year + 1, 1, 1))) / 2
            parts.append(_text(middle, axis_y - 10, str(year), "tick", "middle"))
    parts.append(_line(left, axis_y, right, axis_y, "axis"))
    parts += rows
    parts += [
        _dot(left + 5, height - 12, True),
        _text(left + 16, height - 8, "done", "legend", "start"),
        _dot(left + 65, height - 12, False),
        _text(
            left + 76,
            height - 8,
            "planned when the answer was written",
            "legend",
            "start",
        ),
    ]
    return _svg(chart_id, title, height, parts)
