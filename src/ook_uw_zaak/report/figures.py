"""What the report shows, in one language: each chart with its words, its data as a
table and the marts it comes from, the whole-run headline and the audit tables.
The template lays them out; the words here are in the translation catalogue."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ook_uw_zaak.report import queries
from ook_uw_zaak.report.charts import (
    PALETTE,
    TOTAL_COLOUR,
    Chart,
    Event,
    Series,
    bar_chart,
    timeline,
)
from ook_uw_zaak.report.i18n import Formats
from ook_uw_zaak.report.queries import Marts, Row

Translate = Callable[[str], str]

# The facts of the answer that say why a figure is missing.
PENDING_REPORTS_FACT = "info_session_reports_2020_2021_pending"
NOT_LINKED_TO_PLACE_FACT = "escans_not_linked_to_location"


@dataclass(frozen=True)
class Cell:
    """One cell of a table: its text, whether it is a number or a missing value,
    a tooltip, and the language of its text where that is not the page's."""

    text: str
    kind: str = ""  # "number", "missing" or ""
    tooltip: str = ""
    lang: str = ""


@dataclass(frozen=True)
class Table:
    table_id: str
    headers: Sequence[str]
    rows: Sequence[Sequence[Cell]]


@dataclass(frozen=True)
class Figure:
    """A chart, the words around it, its data as a table and the marts (each a CSV
    of the release) it comes from."""

    chart: Chart
    notes: Sequence[str]
    source: str
    table: Table
    marts: Sequence[str]


@dataclass(frozen=True)
class Headline:
    """One whole-run figure of the mart fct_programme_whole_run."""

    label: str
    value: str | None
    unit: str
    span: str
    status: str
    description: str


@dataclass(frozen=True)
class Section:
    section_id: str
    heading: str
    figures: Sequence[Figure] = field(default_factory=tuple)
    tables: Sequence[tuple[str, Table]] = field(default_factory=tuple)
    source: str = ""
    marts: Sequence[str] = field(default_factory=tuple)


class ReportError(ValueError):
    """The marts hold something the report cannot show; the message says what to
    add where."""


class Words:
    """The report's words in one language: `_` translates; the vocabularies of the
    marts' coded columns (status, availability, ...) become words."""

    def __init__(self, translate: Translate, formats: Formats) -> None:
        self._ = translate
        self.formats = formats
        self.language = formats.language
        _ = translate
        self.vocabulary = {
            "available": _("available"),
            "partly_pending": _("partly pending"),
            "pending": _("pending"),
            "not_collected": _("not collected"),
            "not_reported": _("not reported"),
            "reported": _("reported"),
            "done": _("done"),
            "planned": _("planned"),
            "info_sessions": _("info sessions"),
            "info_session_participants": _("info-session participants"),
            "escans": _("e-scans"),
            "website_visitors": _("website visitors"),
            "population": _("population"),
            "municipalities": _("municipalities"),
            "evaluation_results": _("evaluation results"),
            "consultation_follow_up": _("follow-up of the consultation"),
            "whole_run": _("whole run"),
            "per_year": _("per year"),
            "per_province": _("per province"),
            "per_province_and_year": _("per province and year"),
            "online activity": _("online activity"),
            "consultation": _("consultation"),
            "info sessions": _("info sessions"),
            "evaluation": _("evaluation"),
            "campaign": _("campaign"),
            "follow-up": _("follow-up"),
            "all periods": _("all periods"),
        }

    def word(self, value: Any) -> str:
        """A coded value as words of the page's language. A code without words
        stops the report, naming it: a Dutch page never falls back to English."""
        if value is None:
            return ""
        code = str(value)
        if code in self.vocabulary:
            return self.vocabulary[code]
        if code.isdigit():  # a year: the same in every language
            return code
        bound = re.fullmatch(r"(until|from) (\d{4})", code)
        if bound:
            year = bound.group(2)
            if bound.group(1) == "until":
                return self._("until %(year)s") % {"year": year}
            return self._("from %(year)s") % {"year": year}
        raise ReportError(
            f"The marts hold the code {code!r}, which the report has no words for: "
            "add it to Words.vocabulary in src/ook_uw_zaak/report/figures.py, then "
            "run `make translations` and translate it in the Dutch catalogue."
        )

    def in_language(self, column: str) -> str:
        """The column of a text in the page's language: <column>_nl on a Dutch
        page, <column> (English) on an English one."""
        return column if self.language == "en" else f"{column}_{self.language}"

    @property
    def answer(self) -> str:
        return self._(
            "answer to the written question “Digitale transformatie ondernemers – "
            "Evaluatie project ‘Het internet. Ook uw zaak.’” (Flemish Parliament)"
        )

    def fact_text(self, fact: Row) -> tuple[str, str]:
        """A fact in the page's language: the answer's own Dutch words on the Dutch
        page, the English summary on the English one; and the text's language."""
        if self.language == "nl":
            return f"“{fact['quote_nl']}”", "nl"
        return fact["summary_en"], "en"


def _number_cell(
    value: float | None, show: Callable[[float], str], missing: str
) -> Cell:
    if value is None:
        return Cell("–", "missing", missing)
    return Cell(show(value), "number")


def _text_cell(value: Any, words: Words, data_language: str = "") -> Cell:
    if value is None:
        return Cell("–", "missing", words._("no value"))
    lang = data_language if data_language and data_language != words.language else ""
    return Cell(str(value), lang=lang)


def _fact(marts: Marts, fact_id: str) -> Row:
    for row in marts.facts:
        if row["fact_id"] == fact_id:
            return row
    raise LookupError(f"mart {queries.PROGRAMME_FACTS} has no fact {fact_id}")


def _province_name(words: Words, province: Row) -> str:
    name = province[f"province_name_{words.language}"]
    return f"{name} ({province['province_code']})"


def info_session_section(marts: Marts, words: Words) -> Section:
    """Sessions, participants, participants per session and per 100,000 inhabitants,
    per province and year; the pending years drawn as hatched gaps."""
    _, formats = words._, words.formats
    years = [row["calendar_year"] for row in marts.years]
    pending_years = {
        row["calendar_year"] for row in marts.years if row["report_status"] == "pending"
    }
    gaps = {str(year): _("pending:\nnot yet reported") for year in pending_years}
    by_key = {(r["province_code"], r["calendar_year"]): r for r in marts.province_years}
    reason = words.fact_text(_fact(marts, PENDING_REPORTS_FACT))[0]
    gap_note = _(
        "Hatched, “pending”: no figures yet, not zero. The answer: %(reason)s"
    ) % {"reason": reason}
    source = _("%(answer)s, question 2, info-session table") % {"answer": words.answer}

    def rows(column: str, with_flanders: bool) -> list[tuple[str, list[float | None]]]:
        drawn = [
            (
                _province_name(words, province),
                [
                    by_key[(province["province_code"], year)][column]
                    if (province["province_code"], year) in by_key
                    else None
                    for year in years
                ],
            )
            for province in marts.provinces
        ]
        if with_flanders:
            drawn.append(
                (_("Flanders (all five)"), [row[column] for row in marts.years])
            )
        return drawn

    def printed_totals(column: str) -> str:
        totals = "; ".join(
            _("%(value)s in %(year)s")
            % {"value": formats.count(row[column]), "year": row["calendar_year"]}
            for row in marts.years
            if row[column] is not None
        )
        return _("Flanders, as the answer's row “tot” prints it: %(totals)s.") % {
            "totals": totals
        }

    def figure(
        column: str,
        title: str,
        unit: str,
        show: Callable[[float], str],
        notes: list[str],
        with_flanders: bool,
    ) -> Figure:
        drawn = rows(column, with_flanders)
        colours = [PALETTE[number % len(PALETTE)] for number in range(len(drawn))]
        if with_flanders:
            colours[-1] = TOTAL_COLOUR
        chart = bar_chart(
            "chart-" + column.replace("_", "-"),
            title,
            unit,
            [str(year) for year in years],
            [
                Series(name, values, colour)
                for (name, values), colour in zip(drawn, colours, strict=True)
            ],
            show,
            formats.number,
            _("n/a"),
            gaps,
        )
        table_rows = [
            [Cell(name)]
            + [
                Cell(_("pending"), "missing", _("not yet reported, not zero"))
                if year in pending_years
                else _number_cell(value, show, _("not reported"))
                for year, value in zip(years, values, strict=True)
            ]
            for name, values in drawn
        ]
        marts_used = [queries.INFO_SESSIONS_BY_PROVINCE_YEAR]
        if with_flanders:
            marts_used.append(queries.INFO_SESSIONS_BY_YEAR)
        return Figure(
            chart,
            notes,
            source,
            Table(
                f"table-{column.replace('_', '-')}",
                [_("Province"), *[str(year) for year in years]],
                table_rows,
            ),
            marts_used,
        )

    figures = [
        figure(
            "sessions",
            _("Info sessions per province and year"),
            _("info sessions held"),
            formats.count,
            [printed_totals("sessions"), gap_note],
            False,
        ),
        figure(
            "participants",
            _("Info-session participants per province and year"),
            _("participants"),
            formats.count,
            [printed_totals("participants"), gap_note],
            False,
        ),
        figure(
            "participants_per_session",
            _("Participants per info session, per province and year"),
            _("participants per session (participants ÷ sessions)"),
            formats.ratio,
            [gap_note],
            True,
        ),
        figure(
            "participants_per_100000_inhabitants",
            _("Participants per 100,000 inhabitants, per province and year"),
            _("participants per 100,000 inhabitants (population on 1 January)"),
            formats.ratio,
            [
                gap_note,
                _("Population: Statbel, Flemish Region and provinces, 1 January."),
            ],
            True,
        ),
    ]
    return Section(
        "info-sessions", _("Info sessions and participants (question 2)"), figures
    )


def period_name(row: Row, formats: Formats) -> str:
    """A reporting period: its year, or its first and last month."""
    start: date = row["period_start_date"]
    end: date = row["period_end_date"]
    if row["is_calendar_year"]:
        return str(start.year)
    return f"{formats.short_month(start)} – {formats.short_month(end)}"


def online_activity_section(marts: Marts, words: Words) -> Section:
    """E-scans and visitors per month, and e-scans per 1,000 visitors, per period;
    under each bar the period's printed total and its months."""
    _, formats = words._, words.formats
    first = marts.periods[0]
    per_month = _(
        "Each period's figure divided by its months, so that the periods compare: "
        "the first, %(period)s, has %(months)s months. Under each bar: the period's "
        "total as the answer prints it."
    ) % {"period": period_name(first, formats), "months": first["months_in_period"]}
    reason = words.fact_text(_fact(marts, NOT_LINKED_TO_PLACE_FACT))[0]
    not_collected = _(
        "Per province: not collected, so not shown. The answer: %(reason)s"
    ) % {"reason": reason}

    def categories(total_column: str | None) -> list[str]:
        names = []
        for row in marts.periods:
            months = {"months": row["months_in_period"]}
            if total_column is None:
                second = _("%(months)s months") % months
            elif row[total_column] is None:
                second = _("not reported (%(months)s months)") % months
            else:
                second = _("%(total)s in %(months)s months") % {
                    "total": formats.count(row[total_column]),
                    **months,
                }
            names.append(f"{period_name(row, formats)}\n{second}")
        return names

    def figure(
        column: str,
        title: str,
        unit: str,
        show: Callable[[float], str],
        notes: list[str],
        question: str,
        total_columns: list[tuple[str, str]],
        categories_total: str | None,
    ) -> Figure:
        chart = bar_chart(
            "chart-" + column.replace("_", "-"),
            title,
            unit,
            categories(categories_total),
            [Series(unit, [row[column] for row in marts.periods], PALETTE[0])],
            show,
            formats.number,
            _("n/a"),
        )
        missing = _("not reported")
        table = Table(
            f"table-{column.replace('_', '-')}",
            [
                _("Reporting period"),
                _("Months"),
                *[header for _column, header in total_columns],
                unit,
            ],
            [
                [
                    Cell(period_name(row, formats)),
                    Cell(formats.count(row["months_in_period"]), "number"),
                    *[
                        _number_cell(row[name], formats.count, missing)
                        for name, _header in total_columns
                    ],
                    _number_cell(row[column], show, missing),
                ]
                for row in marts.periods
            ],
        )
        return Figure(
            chart,
            notes,
            f"{words.answer}, {question}",
            table,
            [queries.ONLINE_ACTIVITY_BY_PERIOD],
        )

    escans = ("escans", _("e-scans in the period"))
    visitors = ("website_visitors", _("website visitors in the period"))
    figures = [
        figure(
            "escans_per_month",
            _("E-scans per month, per reporting period"),
            _("e-scans per month (the period's e-scans ÷ its months)"),
            formats.ratio,
            [per_month, not_collected],
            _("question 3, e-scan table"),
            [escans],
            "escans",
        ),
        figure(
            "website_visitors_per_month",
            _("Website visitors per month, per reporting period"),
            _("website visitors per month (the period's visitors ÷ its months)"),
            formats.count,
            [per_month],
            _("question 4, website-visitor table"),
            [visitors],
            "website_visitors",
        ),
        figure(
            "escans_per_1000_website_visitors",
            _("E-scans per 1,000 website visitors, per reporting period"),
            _("e-scans per 1,000 website visitors of the same period"),
            formats.ratio,
            [
                _(
                    "The ratio of a period's two totals, so its length cancels out. "
                    "The visitor figure may count website sessions rather than people."
                )
            ],
            _("questions 3 and 4"),
            [escans, visitors],
            None,
        ),
    ]
    return Section(
        "online-activity",
        _("E-scans and website visitors (questions 3 and 4)"),
        figures,
    )


def timeline_section(marts: Marts, words: Words) -> Section:
    """The dated facts on a timeline, their table under it, and the undated facts."""
    _, formats = words._, words.formats
    dated = [row for row in marts.facts if row["fact_date"] is not None]
    undated = [row for row in marts.facts if row["fact_date"] is None]
    title = _("The programme's timeline: the dated facts of the answer")

    def heading(row: Row) -> str:
        return _("%(date)s (question %(number)s)") % {
            "date": formats.dated(row["fact_date"], row["date_precision"]),
            "number": row["question_number"],
        }

    events = [
        Event(
            row["fact_date"],
            heading(row),
            words.fact_text(row)[0],
            row["fact_status"] == "done",
        )
        for row in dated
    ]
    chart = timeline(
        "chart-timeline",
        title,
        events,
        min(row["fact_year"] for row in dated),
        max(row["fact_year"] for row in dated),
        (_("done"), _("planned when the answer was written")),
    )

    def fact_rows(rows: list[Row], with_date: bool) -> list[list[Cell]]:
        table_rows = []
        for row in rows:
            text, lang = words.fact_text(row)
            table_rows.append(
                (
                    [Cell(formats.dated(row["fact_date"], row["date_precision"]))]
                    if with_date
                    else []
                )
                + [
                    Cell(str(row["question_number"]), "number"),
                    Cell(words.word(row["fact_status"])),
                    Cell(words.word(row["topic"])),
                    Cell(text, lang=lang if lang != words.language else ""),
                ]
            )
        return table_rows

    fact_header = _("The answer's words") if words.language == "nl" else _("Fact")
    columns = [_("Question"), _("Status"), _("Topic"), fact_header]
    figure = Figure(
        chart,
        [
            _(
                "Each fact at its date, as precise as the answer gives it (a day, a "
                "month or a year). %(undated)s facts have no date: they are listed "
                "below the chart."
            )
            % {"undated": len(undated)}
        ],
        _("%(answer)s, questions 1, 2, 3 and 5 and the question's introduction")
        % {"answer": words.answer},
        Table("table-timeline", [_("Date"), *columns], fact_rows(dated, True)),
        [queries.PROGRAMME_FACTS],
    )
    return Section(
        "timeline",
        _("Timeline (questions 1, 2, 3 and 5)"),
        [figure],
        tables=[
            (
                _("Facts without a date"),
                Table("undated-facts", columns, fact_rows(undated, False)),
            )
        ],
        marts=[queries.PROGRAMME_FACTS],
    )


def _boolean(value: bool | None, words: Words) -> Cell:
    if value is None:
        return Cell("–", "missing", words._("no value"))
    return Cell(words._("yes") if value else words._("no"))


def completeness_sections(marts: Marts, words: Words) -> list[Section]:
    """The tables of the answer's completeness: the reconciliation (do the parts add
    up to each published total) and the data availability (is each figure given)."""
    _, formats = words._, words.formats
    missing = _("no value")
    reconciliation = Table(
        "reconciliation",
        [
            _("Figure"),
            _("Scope"),
            _("Published in"),
            _("Published total"),
            _("Sum of the parts"),
            _("Difference"),
            _("Parts"),
            _("Reconciled"),
        ],
        [
            [
                Cell(words.word(row["figure"])),
                Cell(words.word(row["scope"])),
                _text_cell(row[words.in_language("published_in")], words),
                _number_cell(row["published_total"], formats.count, missing),
                _number_cell(row["sum_of_parts"], formats.count, missing),
                _number_cell(row["difference"], formats.count, missing),
                _number_cell(row["parts_counted"], formats.count, missing),
                _boolean(row["is_reconciled"], words),
            ]
            for row in marts.reconciliation
        ],
    )
    availability = Table(
        "data-availability",
        [
            _("Question"),
            _("What was asked"),
            _("Figure"),
            _("Breakdown"),
            _("Availability"),
            _("Years given"),
            _("Years pending"),
            _("Why"),
        ],
        [
            [
                Cell(str(row["question_number"]), "number"),
                _text_cell(row["asked_nl"], words, "nl"),
                Cell(words.word(row["metric"])),
                Cell(words.word(row["breakdown"])),
                Cell(words.word(row["availability"])),
                _text_cell(row["years_available"], words),
                _text_cell(row["years_pending"], words),
                _text_cell(row[words.in_language("reason")], words),
            ]
            for row in marts.availability
        ],
    )
    return [
        Section(
            "reconciliation-section",
            _("Reconciliation: every published total against the sum of its parts"),
            tables=[("", reconciliation)],
            marts=[queries.RECONCILIATION],
        ),
        Section(
            "data-availability-section",
            _("Availability: what was asked and what the answer gives"),
            tables=[("", availability)],
            marts=[queries.AVAILABILITY],
        ),
    ]


def headlines(marts: Marts, words: Words) -> list[Headline] | None:
    """The whole-run figures, each with the span it covers and its status; None
    when the warehouse has no whole-run mart."""
    if marts.whole_run is None:
        return None
    _, formats = words._, words.formats
    language = words.language
    shown = []
    for row in marts.whole_run:
        value = row["metric_value"]
        decimals = 1 if "_per_" in row["metric"] else 0
        start: date | None = row["span_start_date"]
        end: date | None = row["span_end_date"]
        if start is None or end is None:
            span = ""
        elif start.month == 1 and end.month == 12:
            span = (
                str(start.year)
                if start.year == end.year
                else f"{start.year}–{end.year}"
            )
        else:
            span = f"{formats.short_month(start)} – {formats.short_month(end)}"
        if row["months_in_span"] is not None and span:
            span += (
                " (" + _("%(months)s months") % {"months": row["months_in_span"]} + ")"
            )
        status = words.word(row["status"])
        if row["years_pending"]:
            status = f"{status}: {row['years_pending']}"
        shown.append(
            Headline(
                label=row[f"label_{language}"],
                value=None if value is None else formats.number(value, decimals),
                unit=row[f"unit_{language}"],
                span=span,
                status=status,
                description=row[f"description_{language}"],
            )
        )
    return shown
