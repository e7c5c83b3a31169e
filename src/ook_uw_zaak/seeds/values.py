"""Whether one cell of a seed fits the type its column declares, and what to write
instead. Each problem is told as the rest of a sentence that starts "column 'x'
holds 'value', ...".

Figures, dates and booleans are written with plain characters (ASCII): a digit
that only looks like one (the full-width ５ of an East Asian keyboard layout, an
Arabic-Indic ٥) or a no-break space is named, with its position, rather than left
for DuckDB to refuse in a cast error. A minus sign on zero (-0, -0.0) is refused,
not normalised: the answer prints no signed zero, so it is a slip of the keyboard
(of -10? of 0?) that the person who typed it should look at.

Texts reach the released files as they are (CSV, the workbook, the changelog, the
report, the documentation page), so a text cell is refused when it
- starts with = + - or @ (also after spaces) or with a tab: a spreadsheet that
  opens the released CSV file would run it as a formula (CSV injection);
- holds a control character (NULL, ESCAPE, ... and DELETE): no text needs one,
  and some end or garble text where it lands;
- holds a line break: no seed text spans lines, and a line break in a text would
  start a new line (a heading, a list item) where a text is quoted in one line;
- holds an invisible character (a zero-width space, a direction override), or a
  letter that is not of the Latin alphabet (a Cyrillic А that looks like the Latin
  A): the answer and the reference tables are written in Dutch, French and
  English, and such a character makes a value look like another it does not match;
- is longer than MAX_TEXT_CHARACTERS.
A tab inside a text (not at its start) is allowed.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

from ook_uw_zaak.seeds import characters

# The longest text a cell may hold. The longest seed text is about 230 characters
# (a definition in reference_headline_metrics); a text of thousands is a paste gone
# wrong (a whole document in one cell).
MAX_TEXT_CHARACTERS = 1_000

_WHOLE_NUMBER_RANGES: dict[str, tuple[int, int]] = {
    "tinyint": (-(2**7), 2**7 - 1),
    "int1": (-(2**7), 2**7 - 1),
    "smallint": (-(2**15), 2**15 - 1),
    "int2": (-(2**15), 2**15 - 1),
    "integer": (-(2**31), 2**31 - 1),
    "int": (-(2**31), 2**31 - 1),
    "int4": (-(2**31), 2**31 - 1),
    "bigint": (-(2**63), 2**63 - 1),
    "int8": (-(2**63), 2**63 - 1),
    "hugeint": (-(2**127), 2**127 - 1),
    "utinyint": (0, 2**8 - 1),
    "usmallint": (0, 2**16 - 1),
    "uinteger": (0, 2**32 - 1),
    "ubigint": (0, 2**64 - 1),
}
_DECIMAL_TYPES = {"decimal", "numeric", "double", "float", "real", "float4", "float8"}
_TEXT_TYPES = {"varchar", "text", "string", "char", "bpchar", "character"}
_BOOLEAN_VALUES = {"true", "false", "t", "f", "1", "0"}

# ASCII only: Python's \d also matches the full-width and other digits.
_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")
_GROUPED_WHOLE_NUMBER = re.compile(r"[0-9]{1,3}([.,' \u00a0\u202f][0-9]{3})+")
_DECIMAL_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")
_DECIMAL_COMMA_NUMBER = re.compile(r"[+-]?[0-9]+,[0-9]+")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DAY_MONTH_YEAR = re.compile(r"([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})")
# A text of printable ASCII characters and tabs only: most texts, checked at once.
_PLAIN_TEXT = re.compile(r"[\t\x20-\x7e]*")
# What a spreadsheet reads as the start of a formula.
FORMULA_STARTS = ("=", "+", "-", "@")


def is_text_type(declared_type: str) -> bool:
    return declared_type.lower().split("(")[0].strip() in _TEXT_TYPES


def value_problem(declared_type: str, value: str) -> str | None:
    """Why the cell `value` does not fit `declared_type` and what to write, or
    None. Spaces around a figure are fine (dbt reads ' 25 ' as 25); an empty
    cell is NULL, which the no_empty_cells tests judge."""
    if is_text_type(declared_type):
        return text_problem(value)
    if not declared_type.strip():  # an undeclared type: text unless a number
        return None if _DECIMAL_NUMBER.fullmatch(value.strip()) else text_problem(value)
    value = value.strip(" \t")
    if not value:
        return None
    return _plain_characters_problem(declared_type, value) or _typed_problem(
        declared_type, value
    )


def text_problem(value: str) -> str | None:
    """Why a text cell cannot be published as it is, and what to do, or None."""
    if len(value) > MAX_TEXT_CHARACTERS:
        return (
            f"a text of {len(value):,} characters, longer than the "
            f"{MAX_TEXT_CHARACTERS:,} a text cell may hold; check that the right "
            "text was pasted, and shorten it"
        )
    if _PLAIN_TEXT.fullmatch(value):
        return _formula_problem(value)
    line_ends = characters.find(value, characters.LINE_ENDS.__contains__)
    if line_ends:
        return (
            f"which has a line break, {characters.describe(line_ends)}; a text cell "
            "is one line: join the lines (a line break in a text would start a new "
            "line where the text is quoted, in the changelog for one)"
        )
    controls = characters.find(value, lambda c: characters.is_control(c) and c != "\t")
    if controls:
        return (
            f"which has a control character, {characters.describe(controls)}; no "
            "text needs one (some end or garble the text in the released files): "
            "remove it, for example by typing the text again"
        )
    formula = _formula_problem(value)
    if formula:
        return formula
    invisible = characters.find(value, characters.is_invisible)
    if invisible:
        return (
            f"which has an invisible character, {characters.describe(invisible)}; "
            "remove it, for example by typing the text again"
        )
    foreign = characters.find(value, characters.is_foreign_letter)
    if foreign:
        return (
            f"which has {characters.describe(foreign)}, a letter that is not of the "
            "Latin alphabet though it may look like one (the seeds are in Dutch, "
            "French and English, and a look-alike never matches the letter it "
            "imitates); type the letter again with a Latin keyboard layout"
        )
    return None


def _formula_problem(value: str) -> str | None:
    if value.startswith("\t"):
        return (
            "which starts with a tab, which a spreadsheet may read as the start of a "
            "formula when it opens the released CSV file; remove the tab"
        )
    start = value.lstrip()
    if not start.startswith(FORMULA_STARTS):
        return None
    spaces = len(value) - len(start)
    after = f" (after {spaces} space{'s' if spaces > 1 else ''})" if spaces else ""
    return (
        f"which starts with '{start[0]}'{after}, so a spreadsheet that opens the "
        "released CSV file would run it as a formula; reword the text so that it "
        "starts with a letter, a digit or a quotation mark (a text may not start "
        f"with {' '.join(FORMULA_STARTS)}, after spaces either)"
    )


def _plain_characters_problem(declared_type: str, value: str) -> str | None:
    """A figure, date or boolean with a character that is not plain ASCII."""
    if value.isascii():
        return None
    found = characters.find(value, lambda c: not c.isascii())
    if not found:
        return None
    plain = "".join(
        str(unicodedata.digit(c)) if unicodedata.digit(c, None) is not None else c
        for c in unicodedata.normalize("NFKC", value)
    ).strip(" \t")
    fix = (
        f"write {plain}"
        if plain.isascii() and plain and _typed_problem(declared_type, plain) is None
        else "type it again with the plain digits 0-9"
    )
    return (
        f"which has {characters.describe(found)}, not a plain character (the "
        f"digits 0-9, a sign, a point or a hyphen); {fix}"
    )


def _typed_problem(declared_type: str, value: str) -> str | None:
    base_type = declared_type.lower().split("(")[0].strip()
    if base_type in _WHOLE_NUMBER_RANGES:
        return _whole_number_problem(base_type, value)
    if base_type in _DECIMAL_TYPES:
        return _decimal_problem(value)
    if base_type == "date":
        return _date_problem(value)
    if base_type in {"timestamp", "datetime"}:
        try:
            datetime.fromisoformat(value)
        except ValueError:
            return "which is not a date and time; write it as YYYY-MM-DD HH:MM:SS"
        return None
    if base_type in {"boolean", "bool"} and value.lower() not in _BOOLEAN_VALUES:
        return "which is not true or false; write true or false"
    return None


def _signed_zero(value: str) -> str | None:
    if value.startswith("-") and float(value) == 0:
        return (
            "which is zero with a minus sign; write 0 (the answer prints no signed "
            "zero: check whether a digit was lost)"
        )
    return None


def _whole_number_problem(base_type: str, value: str) -> str | None:
    if _WHOLE_NUMBER.fullmatch(value):
        low, high = _WHOLE_NUMBER_RANGES[base_type]
        if low <= int(value) <= high:
            return _signed_zero(value)
        return (
            f"which is out of range for its type, {base_type} ({low} to {high}); "
            "check the figure, or declare a larger type in the seed YAML"
        )
    if _GROUPED_WHOLE_NUMBER.fullmatch(value):
        digits = re.sub(r"[^0-9]", "", value)
        return (
            "which is not a whole number; write it as digits only, without a "
            f"thousands separator: {digits}"
        )
    return (
        "which is not a whole number; write it as digits only (for example 25), "
        "without letters, spaces, decimals or a thousands separator"
    )


def _decimal_problem(value: str) -> str | None:
    if _DECIMAL_NUMBER.fullmatch(value):
        return _signed_zero(value)
    if _DECIMAL_COMMA_NUMBER.fullmatch(value):
        suggestion = value.replace(",", ".")
        return (
            "which is written with a decimal comma; write it with a decimal "
            f"point: {suggestion}"
        )
    return "which is not a number; write it with digits and a decimal point"


def _date_problem(value: str) -> str | None:
    if _ISO_DATE.fullmatch(value):
        try:
            date.fromisoformat(value)
        except ValueError:
            return "which is not a day of the calendar; check the day and month"
        return None
    match = _DAY_MONTH_YEAR.fullmatch(value)
    if match:
        day, month, year = (int(part) for part in match.groups())
        try:
            return (
                "which is not a date in the form YYYY-MM-DD; write it as "
                f"{date(year, month, day).isoformat()}"
            )
        except ValueError:
            pass
    return "which is not a date in the form YYYY-MM-DD (for example 2015-11-01)"
