"""ook_uw_zaak.xlsx: a sheet per released mart and a first sheet, "Lees mij - Read
me", ready to use as it opens.

- Figures are numbers (a Dutch-locale Excel shows 1.195 and computes with it),
  formatted by their unit (labels.py): thousands separators for counts, two
  decimals for ratios, percentages for shares, a sign for changes, years without
  a separator; dates are dates; an unknown figure is an empty cell, never 0.
- Each sheet's first row is the columns' Dutch label; its second the column's
  name, for whoever joins or scripts. Rows come in the mart's order (time,
  province, metric).
- Printing gives landscape pages one page wide, with the two header rows on
  every page.
- The Read me sheet uses columns A and B, its rows as tall as their text.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from ook_uw_zaak.opendata import texts
from ook_uw_zaak.opendata.contents import Mart, Publisher
from ook_uw_zaak.opendata.labels import label
from ook_uw_zaak.opendata.names import WORKBOOK_FILE

SHEET_NAME_LIMIT = 31  # Excel's
TYPE_WORDS = {
    "string": ("tekst", "text"),
    "integer": ("geheel getal", "whole number"),
    "number": ("getal", "number"),
    "date": ("datum", "date"),
    "boolean": ("waar/onwaar", "true/false"),
}
# Excel number formats by unit (Excel shows the separators of the reader's locale).
NUMBER_FORMATS = {
    "count": "#,##0",
    "ratio": "#,##0.00",
    "share": "0.0%",
    "relative_change": "+0.0%;-0.0%;0.0%",
    "change": "+#,##0;-#,##0;0",
    "year": "0",
    "order": "0",
    "code": "0",
    "date": "yyyy-mm-dd",
}
# Read me: the widths of columns A and B, in characters, and a line's height.
README_WIDTHS = (30, 100)
LINE_POINTS = 15


def sheet_names(marts: list[Mart]) -> dict[str, str]:
    """Mart name -> sheet name: the mart's name, without its fct_/dim_ prefix when
    it is longer than Excel allows, cut to 31 characters, unique."""
    names: dict[str, str] = {}
    for mart in marts:
        name = mart.name
        for prefix in ("fct_", "dim_"):
            if len(name) > SHEET_NAME_LIMIT and name.startswith(prefix):
                name = name.removeprefix(prefix)
        name = name[:SHEET_NAME_LIMIT]
        number = 2
        while name in names.values() or name == texts.README_SHEET:
            suffix = f"_{number}"
            name = name[: SHEET_NAME_LIMIT - len(suffix)] + suffix
            number += 1
        names[mart.name] = name
    return names


class _Formats:
    """The workbook's cell formats, made once."""

    def __init__(self, workbook: Workbook) -> None:
        add = workbook.add_format
        self.header = add(
            {"bold": True, "bg_color": "#DDEBF7", "text_wrap": True, "valign": "top"}
        )
        self.name = add({"italic": True, "font_color": "#595959", "font_size": 9})
        self.title = add({"bold": True, "font_size": 14})
        self.bold = add({"bold": True, "valign": "top", "text_wrap": True})
        self.wrap = add({"text_wrap": True, "valign": "top"})
        self.by_unit = {
            unit: add({"num_format": f}) for unit, f in NUMBER_FORMATS.items()
        }

    def number(self, unit: str, value: float) -> Format | None:
        if unit == "mixed":  # by value: a whole number as a count, else a ratio
            unit = "count" if float(value).is_integer() else "ratio"
        return self.by_unit.get(unit)


def write_workbook(
    connection: duckdb.DuckDBPyConnection,
    marts: list[Mart],
    release_dir: Path,
    release_id: str,
    created: datetime,
    publisher: Publisher,
) -> Path:
    path = release_dir / WORKBOOK_FILE
    workbook = xlsxwriter.Workbook(
        str(path), {"strings_to_numbers": False, "strings_to_urls": False}
    )
    workbook.set_properties(
        {
            "title": f"{texts.TITLE['nl']} / {texts.TITLE['en']}",
            "author": publisher.name,
            "comments": f"Release {release_id}",
            "created": created.replace(tzinfo=None),
        }
    )
    formats = _Formats(workbook)
    names = sheet_names(marts)
    _write_readme(
        workbook.add_worksheet(texts.README_SHEET), marts, names, formats, release_id
    )
    for mart in marts:
        sheet = workbook.add_worksheet(names[mart.name])
        rows = connection.execute(mart.select_sql()).fetchall()
        _write_table(sheet, mart, rows, formats)
    workbook.close()
    return path


def _width(column: str, values: list[Any]) -> int:
    """A column wide enough for its figures, for the longest word of its label
    (never broken inside a word) and for the label in at most 3 lines."""
    words = label(column).nl.split()
    longest = max((len(_shown(value)) for value in values), default=0)
    header = max(math.ceil(len(label(column).nl) / 3) + 1, *(len(w) + 2 for w in words))
    return max(10, min(48, max(longest + 2, header)))


def _shown(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}"
    return "" if value is None else str(value)


def _write_table(
    sheet: Worksheet, mart: Mart, rows: list[tuple[Any, ...]], formats: _Formats
) -> None:
    header_lines = 1
    for number, column in enumerate(mart.columns):
        sheet.write_string(0, number, label(column.name).nl, formats.header)
        sheet.write_string(1, number, column.name, formats.name)
        width = _width(column.name, [row[number] for row in rows])
        sheet.set_column(number, number, width)
        header_lines = max(header_lines, _lines(label(column.name).nl, width))
    sheet.set_row(0, LINE_POINTS * header_lines)
    units = [label(column.name).unit for column in mart.columns]
    for row_number, row in enumerate(rows, start=2):
        for column_number, value in enumerate(row):
            _write_cell(
                sheet, row_number, column_number, value, units[column_number], formats
            )
    sheet.freeze_panes(2, 0)
    if mart.columns:
        sheet.autofilter(1, 0, max(len(rows) + 1, 2), len(mart.columns) - 1)
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)  # one page wide, as many long as it takes
    sheet.repeat_rows(0, 1)
    sheet.set_header(f"&L{mart.name}&R&P / &N")


def _write_cell(
    sheet: Worksheet,
    row: int,
    column: int,
    value: Any,
    unit: str,
    formats: _Formats,
) -> None:
    if value is None:
        return  # an unknown figure is an empty cell, never 0
    if isinstance(value, bool):
        sheet.write_boolean(row, column, value)
    elif isinstance(value, int | float):
        sheet.write_number(row, column, value, formats.number(unit, value))
    elif isinstance(value, datetime | date):
        moment = (
            value if isinstance(value, datetime) else datetime(*value.timetuple()[:3])
        )
        sheet.write_datetime(row, column, moment, formats.by_unit["date"])
    else:
        sheet.write_string(row, column, str(value), formats.wrap)


def _lines(text: str, width: int) -> int:
    """How many lines `text` takes in a cell `width` characters wide, wrapped at
    spaces (a little wider than a character count: bold and capitals)."""
    count = 0
    for part in text.split("\n"):
        lines, used = 1, 0
        for word in part.split():
            if used and used + 1 + len(word) > width - 2:
                lines, used = lines + 1, len(word)
            else:
                used += len(word) + (1 if used else 0)
        count += lines
    return count


class _Readme:
    """The Read me sheet, written down columns A and B, each row as tall as its
    text."""

    def __init__(self, sheet: Worksheet, formats: _Formats) -> None:
        self.sheet, self.formats, self.row = sheet, formats, 0
        sheet.set_column(0, 0, README_WIDTHS[0])
        sheet.set_column(1, 1, README_WIDTHS[1])
        sheet.set_paper(9)
        sheet.fit_to_pages(1, 0)

    def line(self, label_text: str, text: str, bold_text: bool = False) -> None:
        self.sheet.write_string(self.row, 0, label_text, self.formats.bold)
        self.sheet.write_string(
            self.row, 1, text, self.formats.bold if bold_text else self.formats.wrap
        )
        height = max(
            _lines(label_text, README_WIDTHS[0]), _lines(text, README_WIDTHS[1])
        )
        self.sheet.set_row(self.row, LINE_POINTS * height)
        self.row += 1

    def title(self, text: str) -> None:
        self.sheet.write_string(self.row, 0, text, self.formats.title)
        self.sheet.set_row(self.row, LINE_POINTS * 1.5)
        self.row += 1

    def gap(self) -> None:
        self.row += 1


def _write_readme(
    sheet: Worksheet,
    marts: list[Mart],
    names: dict[str, str],
    formats: _Formats,
    release_id: str,
) -> None:
    readme = _Readme(sheet, formats)
    readme.title(texts.TITLE["nl"])
    readme.title(texts.TITLE["en"])
    readme.gap()
    licence = texts.LICENCE
    readme.line("Release", release_id)
    readme.line(
        "Licentie / Licence", f"{licence['title']} ({licence['id']}), {licence['url']}"
    )
    readme.line("Bron / Source", texts.SOURCE["title"])
    readme.line("Naamsvermelding / Attribution", licence["attribution"])
    readme.line("Beschrijving", texts.DESCRIPTION["nl"])
    readme.line("Description", texts.DESCRIPTION["en"])
    readme.line(
        "Zo leest u de bladen / How to read the sheets",
        "Rij 1: wat een kolom betekent; rij 2: de naam van de kolom, zoals in de "
        "CSV-bestanden en de databank. Een leeg vak is een onbekend cijfer, geen nul."
        "\nRow 1: what a column means; row 2: the column's name, as in the CSV "
        "files and the database. An empty cell is an unknown figure, not a zero.",
    )
    readme.gap()
    for number, (dutch, english) in enumerate(texts.CAVEATS, start=1):
        readme.line(f"Opgelet {number} / Caveat {number}", f"{dutch}\n{english}")
    readme.gap()
    readme.line("Blad en kolom / Sheet and column", "Definitie / Definition", True)
    for mart in marts:
        readme.gap()
        readme.line(
            f"{names[mart.name]}", f"{mart.description_nl}\n{mart.description}", True
        )
        for column in mart.columns:
            dutch_type, english_type = TYPE_WORDS[column.field_type]
            words = label(column.name)
            readme.line(
                f"{words.nl}\n({column.name}; {dutch_type} / {english_type})",
                f"{column.description_nl}\n{column.description}",
            )
