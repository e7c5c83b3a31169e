"""`ook-uw-zaak report`: render the figures of the published warehouse as one HTML
page with its charts inline, reports/programme_report.html.

It reads the marts of ook_uw_zaak.duckdb, opened read-only, and nothing else. The
page needs no network: the charts are SVG drawn by charts.py, the styles inline.
A figure the answer does not give is drawn as a gap that says why, never as zero.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from html import escape
from pathlib import Path
from typing import Any

import duckdb

from ook_uw_zaak.charts import (
    PALETTE,
    TOTAL_COLOUR,
    Event,
    Series,
    bar_chart,
    timeline,
)
from ook_uw_zaak.constants import PUBLISHED_FILE_NAME

REPORT_FILE_NAME = "programme_report.html"
ANSWER = (
    "answer to the written question “Digitale transformatie ondernemers – Evaluatie "
    "project ‘Het internet. Ook uw zaak.’” (Flemish Parliament)"
)

Row = dict[str, Any]


@dataclass(frozen=True)
class Marts:
    """The rows the report reads, one list per mart."""

    provinces: list[Row]
    years: list[Row]
    province_years: list[Row]
    periods: list[Row]
    facts: list[Row]
    reconciliation: list[Row]
    availability: list[Row]


@dataclass(frozen=True)
class Chart:
    """What one bar chart shows: a column of a mart, its words and its source."""

    column: str
    title: str
    unit: str
    number_format: Callable[[float], str]
    notes: Sequence[str]
    source: str


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database",
        type=Path,
        default=Path(PUBLISHED_FILE_NAME),
        help=f"the published warehouse to read (default: {PUBLISHED_FILE_NAME})",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=Path("reports"),
        help="the folder to write the report into (default: reports/)",
    )


def run(args: argparse.Namespace) -> int:
    database: Path = args.database
    if not database.is_file():
        print(
            f"The warehouse {database} does not exist: run `make build` first (it "
            f"publishes {PUBLISHED_FILE_NAME}), or point --database at a built file.",
            file=sys.stderr,
        )
        return 1
    try:
        marts = read_marts(database)
    except duckdb.Error as error:
        print(
            f"Could not read the marts of {database}: {error}\n"
            "Run `make build` to publish a complete warehouse, then try again.",
            file=sys.stderr,
        )
        return 1
    built = datetime.fromtimestamp(database.stat().st_mtime)
    page = render(marts, database.name, built)
    args.output.mkdir(parents=True, exist_ok=True)
    target = args.output / REPORT_FILE_NAME
    scratch = target.with_name(f".{target.name}.tmp")
    scratch.write_text(page, encoding="utf-8")
    os.replace(scratch, target)
    print(f"Wrote {target}: open it in a browser (it needs no network).")
    return 0


def _rows(connection: duckdb.DuckDBPyConnection, sql: str) -> list[Row]:
    cursor = connection.execute(sql)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]


def read_marts(database: Path) -> Marts:
    """Read what the report shows from the marts of `database`, opened read-only."""
    with duckdb.connect(str(database), read_only=True) as connection:
        return Marts(
            provinces=_rows(
                connection, "select * from marts.dim_province order by province_code"
            ),
            years=_rows(
                connection,
                "select * from marts.fct_info_sessions_by_year order by calendar_year",
            ),
            province_years=_rows(
                connection, "select * from marts.fct_info_sessions_by_province_year"
            ),
            periods=_rows(
                connection,
                "select activity.*, period.is_calendar_year"
                " from marts.fct_online_activity_by_period as activity"
                " inner join marts.dim_reporting_period as period"
                " using (period_label)"
                " order by activity.period_start_date",
            ),
            facts=_rows(
                connection,
                "select * from marts.fct_programme_facts "
                "order by fact_date nulls last, question_number, fact_id",
            ),
            reconciliation=_rows(
                connection, "select * from marts.audit_published_total_reconciliation"
            ),
            availability=_rows(
                connection,
                "select * from marts.audit_data_availability order by question_number, "
                "metric, list_position(['whole_run', 'per_year', 'per_province', "
                "'per_province_and_year'], breakdown)",
            ),
        )


def _count(value: float) -> str:
    return f"{value:,.0f}"


def _ratio(value: float) -> str:
    return f"{value:,.1f}"


def _availability(marts: Marts, metric: str, breakdown: str) -> Row:
    for row in marts.availability:
        if row["metric"] == metric and row["breakdown"] == breakdown:
            return row
    raise LookupError(
        f"mart audit_data_availability has no row for {metric}, {breakdown}"
    )


def _figure(svg: str, chart_title: str, notes: Sequence[str], source: str) -> str:
    """A chart with its title above it and its notes and source below it."""
    paragraphs = "".join(f"<p class='note'>{escape(note)}</p>" for note in notes)
    return (
        f"<figure><h3>{escape(chart_title)}</h3>{svg}"
        f"<figcaption>{paragraphs}<p class='source'>Source: {escape(source)}</p>"
        "</figcaption></figure>"
    )


def _bar_figure(
    chart: Chart,
    categories: Sequence[str],
    series: Sequence[Series],
    gaps: dict[str, str] | None = None,
) -> str:
    svg = bar_chart(
        "chart-" + chart.column.replace("_", "-"),
        chart.title,
        chart.unit,
        categories,
        series,
        chart.number_format,
        gaps,
    )
    return _figure(svg, chart.title, chart.notes, chart.source)


def _info_session_figures(marts: Marts) -> list[str]:
    """Sessions, participants, participants per session and per 100,000 inhabitants,
    per province and year; the pending years drawn as hatched gaps."""
    years = [row["calendar_year"] for row in marts.years]
    gaps = {
        str(row["calendar_year"]): "pending:\nnot yet reported"
        for row in marts.years
        if row["report_status"] == "pending"
    }
    by_key = {(r["province_code"], r["calendar_year"]): r for r in marts.province_years}
    pending = _availability(marts, "info_sessions", "per_province_and_year")
    gap_note = f"Hatched, “pending”: no figures yet, not zero. {pending['reason']}"

    def series(column: str, with_flanders: bool) -> list[Series]:
        drawn = [
            Series(
                f"{province['province_name_en']} ({province['province_code']})",
                [
                    by_key[(province["province_code"], year)][column]
                    if (province["province_code"], year) in by_key
                    else None
                    for year in years
                ],
                PALETTE[number % len(PALETTE)],
            )
            for number, province in enumerate(marts.provinces)
        ]
        if with_flanders:
            flanders = [row[column] for row in marts.years]
            drawn.append(Series("Flanders (all five)", flanders, TOTAL_COLOUR))
        return drawn

    def printed_totals(column: str) -> str:
        return "Flanders, as the answer's row “tot” prints it: " + "; ".join(
            f"{_count(row[column])} in {row['calendar_year']}"
            for row in marts.years
            if row[column] is not None
        )

    source = f"{ANSWER}, question 2, info-session table"
    one_mart = "mart fct_info_sessions_by_province_year"
    two_marts = "marts fct_info_sessions_by_province_year and fct_info_sessions_by_year"
    charts = [
        (
            Chart(
                "sessions",
                "Info sessions per province and year",
                "info sessions held",
                _count,
                [printed_totals("sessions") + ".", gap_note],
                f"{source}; {one_mart}.",
            ),
            False,
        ),
        (
            Chart(
                "participants",
                "Info-session participants per province and year",
                "participants",
                _count,
                [printed_totals("participants") + ".", gap_note],
                f"{source}; {one_mart}.",
            ),
            False,
        ),
        (
            Chart(
                "participants_per_session",
                "Participants per info session, per province and year",
                "participants per session (participants ÷ sessions)",
                _ratio,
                [gap_note],
                f"{source}; {two_marts}.",
            ),
            True,
        ),
        (
            Chart(
                "participants_per_100000_inhabitants",
                "Participants per 100,000 inhabitants, per province and year",
                "participants per 100,000 inhabitants (population on 1 January)",
                _ratio,
                [gap_note],
                f"{source}; population: Statbel, 1 January; {two_marts}.",
            ),
            True,
        ),
    ]
    return [
        _bar_figure(
            chart,
            [str(year) for year in years],
            series(chart.column, with_flanders),
            gaps,
        )
        for chart, with_flanders in charts
    ]


def _period_name(row: Row) -> str:
    start: date = row["period_start_date"]
    end: date = row["period_end_date"]
    if row["is_calendar_year"]:
        return str(start.year)
    return f"{start:%b %Y}–{end:%b %Y}"


def _online_activity_figures(marts: Marts) -> list[str]:
    """E-scans and visitors per month, and e-scans per 1,000 visitors, per period;
    under each bar the period's printed total and its months."""
    first = marts.periods[0]
    per_month = (
        "Each period's figure divided by its months, so that the periods compare: "
        f"the first, {_period_name(first)}, has {first['months_in_period']} months. "
        "Under each bar: the period's total as the answer prints it."
    )
    not_collected = _availability(marts, "escans", "per_province")

    def source(where: str) -> str:
        return f"{ANSWER}, {where}; mart fct_online_activity_by_period."

    def categories(total_column: str | None) -> list[str]:
        names = []
        for row in marts.periods:
            months = f"{row['months_in_period']} months"
            if total_column is None:
                second = months
            elif row[total_column] is None:
                second = f"not reported ({months})"
            else:
                second = f"{_count(row[total_column])} in {months}"
            names.append(f"{_period_name(row)}\n{second}")
        return names

    charts = [
        (
            Chart(
                "escans_per_month",
                "E-scans per month, per reporting period",
                "e-scans per month (the period's e-scans ÷ its months)",
                _count,
                [
                    per_month,
                    "Per province: not collected, so not shown. "
                    + not_collected["reason"],
                ],
                source("question 3, e-scan table"),
            ),
            "escans",
        ),
        (
            Chart(
                "website_visitors_per_month",
                "Website visitors per month, per reporting period",
                "website visitors per month (the period's visitors ÷ its months)",
                _count,
                [per_month],
                source("question 4, website-visitor table"),
            ),
            "website_visitors",
        ),
        (
            Chart(
                "escans_per_1000_website_visitors",
                "E-scans per 1,000 website visitors, per reporting period",
                "e-scans per 1,000 website visitors of the same period",
                _ratio,
                [
                    "The ratio of a period's two totals, so its length cancels out. "
                    "The visitor figure may count website sessions rather than people."
                ],
                source("questions 3 and 4"),
            ),
            None,
        ),
    ]
    return [
        _bar_figure(
            chart,
            categories(total_column),
            [
                Series(
                    chart.unit, [row[chart.column] for row in marts.periods], PALETTE[0]
                )
            ],
        )
        for chart, total_column in charts
    ]


def _date_text(row: Row) -> str:
    """The fact's date as precisely as the answer gives it."""
    day: date = row["fact_date"]
    if row["date_precision"] == "day":
        return f"{day.day} {day:%B %Y}"
    if row["date_precision"] == "month":
        return f"{day:%B %Y}"
    return str(day.year)


def _timeline_section(marts: Marts) -> str:
    dated = [row for row in marts.facts if row["fact_date"] is not None]
    undated = [row for row in marts.facts if row["fact_date"] is None]
    title = "The programme's timeline: the dated facts of the answer"
    events = [
        Event(
            row["fact_date"],
            f"{_date_text(row)} (question {row['question_number']})",
            row["summary_en"],
            row["fact_status"] == "done",
        )
        for row in dated
    ]
    figure = _figure(
        timeline(
            "chart-timeline",
            title,
            events,
            min(row["fact_year"] for row in dated),
            max(row["fact_year"] for row in dated),
        ),
        title,
        [
            "Each fact at its date, as precise as the answer gives it (a day, a "
            f"month or a year). {len(undated)} facts have no date: they are listed "
            "below the chart."
        ],
        f"{ANSWER}, questions 1, 2, 3 and 5 and the question's introduction; "
        "mart fct_programme_facts.",
    )
    table = _table(
        undated,
        [
            ("question_number", "Question"),
            ("fact_status", "Status"),
            ("topic", "Topic"),
            ("summary_en", "Fact"),
            ("quote_nl", "The answer's words"),
        ],
        "undated-facts",
    )
    return f"{figure}<h3>Facts without a date</h3>{table}"


def _cell(value: Any) -> str:
    if value is None:
        return "<td class='null' title='no value'>–</td>"
    if isinstance(value, bool):
        return f"<td>{'yes' if value else '<strong>no</strong>'}</td>"
    if isinstance(value, int | float):
        return f"<td class='number'>{value:,}</td>"
    # A long name_with_underscores may break after an underscore.
    return f"<td>{escape(str(value)).replace('_', '_<wbr>')}</td>"


def _words(value: Any) -> Any:
    """A value of a vocabulary (partly_pending) as words (partly pending)."""
    return value.replace("_", " ") if isinstance(value, str) else value


def _table(
    rows: Sequence[Row],
    columns: Sequence[tuple[str, str]],
    table_id: str,
    vocabularies: Sequence[str] = (),
) -> str:
    """An HTML table of `rows`: `columns` are (column name, header) pairs; the
    values of the `vocabularies` columns are shown as words."""
    head = "".join(f"<th>{escape(header)}</th>" for _, header in columns)
    body = "".join(
        "<tr>"
        + "".join(
            _cell(_words(row[name]) if name in vocabularies else row[name])
            for name, _ in columns
        )
        + "</tr>"
        for row in rows
    )
    return (
        f"<table id='{table_id}'><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table>"
    )


def _reconciliation_section(marts: Marts) -> str:
    table = _table(
        marts.reconciliation,
        [
            ("figure", "Figure"),
            ("scope", "Scope"),
            ("published_in", "Published in"),
            ("published_total", "Published total"),
            ("sum_of_parts", "Sum of the parts"),
            ("difference", "Difference"),
            ("parts_counted", "Parts"),
            ("is_reconciled", "Reconciled"),
        ],
        "reconciliation",
        vocabularies=["figure"],
    )
    return (
        f"{table}<p class='source'>"
        "Source: mart audit_published_total_reconciliation.</p>"
    )


def _availability_section(marts: Marts) -> str:
    table = _table(
        marts.availability,
        [
            ("question_number", "Question"),
            ("metric", "Figure"),
            ("breakdown", "Breakdown"),
            ("availability", "Availability"),
            ("years_available", "Years given"),
            ("years_pending", "Years pending"),
            ("reason", "Why"),
            ("where_to_query", "Mart"),
        ],
        "data-availability",
        vocabularies=["metric", "breakdown", "availability"],
    )
    return f"{table}<p class='source'>Source: mart audit_data_availability.</p>"


STYLE = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222;
  margin: 0 auto; padding: 1.5rem; max-width: 62rem; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; }
h2 { margin-top: 2.5rem; border-bottom: 2px solid #0072b2; }
figure { margin: 1.5rem 0 2.5rem; }
figure h3 { margin: 0; }
svg.chart { display: block; max-width: 100%; height: auto; margin: .4rem 0; }
svg text { font: 11px system-ui, -apple-system, "Segoe UI", sans-serif; fill: #222; }
svg .unit, svg .gap-label { font-weight: 600; }
svg .unit { font-size: 12px; }
svg .value, svg .na { font-size: 10px; }
svg .na { fill: #666; font-style: italic; }
svg .grid { stroke: #e3e3e3; }
svg .axis { stroke: #444; }
svg .gap { stroke: #999; stroke-dasharray: 4 3; }
svg .gap-label-box { fill: #fff; stroke: #999; }
svg .event tspan:first-child { font-weight: 600; }
.note, .source { margin: .2rem 0; font-size: .9rem; }
.source { color: #555; font-style: italic; }
table { border-collapse: collapse; font-size: .85rem; margin: .8rem 0 .4rem;
  width: 100%; }
th, td { border: 1px solid #ccc; padding: .25rem .45rem; vertical-align: top;
  text-align: left; }
th { background: #f0f4f8; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
td.null { color: #999; text-align: center; }
"""


def render(marts: Marts, database_name: str, built: datetime) -> str:
    """The whole report as one HTML page."""
    sections = [
        (
            "info-sessions",
            "Info sessions and participants (question 2)",
            "".join(_info_session_figures(marts)),
        ),
        (
            "online-activity",
            "E-scans and website visitors (questions 3 and 4)",
            "".join(_online_activity_figures(marts)),
        ),
        ("timeline", "Timeline (questions 1, 2, 3 and 5)", _timeline_section(marts)),
        (
            "reconciliation-section",
            "Reconciliation: every published total against the sum of its parts",
            _reconciliation_section(marts),
        ),
        (
            "data-availability-section",
            "Data availability: what the questions ask and what the answer gives",
            _availability_section(marts),
        ),
    ]
    contents = "".join(
        f"<li><a href='#{section_id}'>{escape(heading)}</a></li>"
        for section_id, heading, _ in sections
    )
    body = "".join(
        f"<section id='{section_id}'><h2>{escape(heading)}</h2>{html}</section>"
        for section_id, heading, html in sections
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Het internet. Ook uw zaak. – the figures</title>
<style>{STYLE}</style>
</head>
<body>
<header>
<h1>Het internet. Ook uw zaak. – the figures of the parliamentary answer</h1>
<p>Info sessions, e-scans, website visitors and the dated facts of the VLAIO
programme, from the {escape(ANSWER)}. A figure the answer does not give is shown
as a gap that says why (hatched and labelled “pending”, or “n/a”), never as zero.</p>
<p class="source">Read from the marts of {escape(database_name)}, built
{built:%d %B %Y %H:%M}.</p>
<nav><ol>{contents}</ol></nav>
</header>
<main>{body}</main>
</body>
</html>
"""
