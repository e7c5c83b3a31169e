"""ook_uw_zaak.xlsx: a sheet per released mart, figures stored as numbers (so a
Dutch-locale Excel shows 1.195 and computes with it), dates as dates, unknown
values as empty cells (never 0); and a first sheet, "Lees mij - Read me", with the
release, the licence, the caveats and every column's definition in Dutch and
English."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from ook_uw_zaak.opendata import texts
from ook_uw_zaak.opendata.contents import Mart, Publisher
from ook_uw_zaak.opendata.names import WORKBOOK_FILE

SHEET_NAME_LIMIT = 31  # Excel's
TYPE_WORDS = {
    "string": ("tekst", "text"),
    "integer": ("geheel getal", "whole number"),
    "number": ("getal", "number"),
    "date": ("datum", "date"),
    "boolean": ("waar/onwaar", "true/false"),
}


def sheet_names(marts: list[Mart]) -> dict[str, str]:
    """Mart name -> sheet name: the mart's name, without its fct_/dim_/audit_
    prefix when it is longer than Excel allows, cut to 31 characters, unique."""
    names: dict[str, str] = {}
    for mart in marts:
        name = mart.name
        for prefix in ("fct_", "dim_", "audit_"):
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
    formats = {
        "header": workbook.add_format({"bold": True, "bg_color": "#DDEBF7"}),
        "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
        "title": workbook.add_format({"bold": True, "font_size": 14}),
        "bold": workbook.add_format({"bold": True}),
        "wrap": workbook.add_format({"text_wrap": True, "valign": "top"}),
    }
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


def _write_table(
    sheet: Worksheet, mart: Mart, rows: list[tuple[Any, ...]], formats: dict[str, Any]
) -> None:
    for column_number, column in enumerate(mart.columns):
        sheet.write_string(0, column_number, column.name, formats["header"])
        sheet.set_column(column_number, column_number, max(12, len(column.name) + 2))
    for row_number, row in enumerate(rows, start=1):
        for column_number, value in enumerate(row):
            _write_cell(sheet, row_number, column_number, value, formats)
    sheet.freeze_panes(1, 0)
    if mart.columns:
        sheet.autofilter(0, 0, max(len(rows), 1), len(mart.columns) - 1)


def _write_cell(
    sheet: Worksheet, row: int, column: int, value: Any, formats: dict[str, Any]
) -> None:
    if value is None:
        return  # an unknown figure is an empty cell, never 0
    if isinstance(value, bool):
        sheet.write_boolean(row, column, value)
    elif isinstance(value, int | float):
        sheet.write_number(row, column, value)
    elif isinstance(value, datetime | date):
        moment = (
            value if isinstance(value, datetime) else datetime(*value.timetuple()[:3])
        )
        sheet.write_datetime(row, column, moment, formats["date"])
    else:
        sheet.write_string(row, column, str(value))


def _write_readme(
    sheet: Worksheet,
    marts: list[Mart],
    names: dict[str, str],
    formats: dict[str, Any],
    release_id: str,
) -> None:
    wrap, bold = formats["wrap"], formats["bold"]
    sheet.set_column(0, 0, 34)
    sheet.set_column(1, 1, 34)
    sheet.set_column(2, 2, 14)
    sheet.set_column(3, 4, 70)
    sheet.write_string(0, 0, texts.TITLE["nl"], formats["title"])
    sheet.write_string(1, 0, texts.TITLE["en"], formats["title"])
    licence = texts.LICENCE
    lines = [
        ("Release", release_id),
        (
            "Licentie / Licence",
            f"{licence['title']} ({licence['id']}), {licence['url']}",
        ),
        ("Bron / Source", texts.SOURCE["title"]),
        ("Naamsvermelding / Attribution", licence["attribution"]),
    ]
    row = 3
    for label, text in lines:
        sheet.write_string(row, 0, label, bold)
        sheet.write_string(row, 1, text)
        row += 1
    row += 1
    sheet.write_string(row, 0, "Beschrijving / Description", bold)
    row += 1
    sheet.write_string(row, 3, texts.DESCRIPTION["nl"], wrap)
    sheet.write_string(row, 4, texts.DESCRIPTION["en"], wrap)
    row += 2
    sheet.write_string(row, 0, "Opgelet / Caveats", bold)
    sheet.write_string(row, 3, "Nederlands", bold)
    sheet.write_string(row, 4, "English", bold)
    row += 1
    for dutch, english in texts.CAVEATS:
        sheet.write_string(row, 3, dutch, wrap)
        sheet.write_string(row, 4, english, wrap)
        row += 1
    row += 1
    header = (
        "Blad / Sheet",
        "Kolom / Column",
        "Type",
        "Definitie (Nederlands)",
        "Definition (English)",
    )
    for column, text in enumerate(header):
        sheet.write_string(row, column, text, formats["header"])
    row += 1
    for mart in marts:
        sheet.write_string(row, 0, names[mart.name], bold)
        sheet.write_string(row, 1, f"({mart.name})")
        sheet.write_string(row, 3, mart.description_nl, wrap)
        sheet.write_string(row, 4, mart.description, wrap)
        row += 1
        for column in mart.columns:
            dutch_type, english_type = TYPE_WORDS[column.field_type]
            sheet.write_string(row, 0, names[mart.name])
            sheet.write_string(row, 1, column.name)
            sheet.write_string(row, 2, f"{dutch_type} / {english_type}")
            sheet.write_string(row, 3, column.description_nl or "", wrap)
            sheet.write_string(row, 4, column.description, wrap)
            row += 1
