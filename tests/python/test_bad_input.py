"""Bad input in a seed CSV file: the build is refused with a message naming the file,
the line or row and what to fix, and the published file stays byte-identical. Where
the intent is unambiguous (a byte-order mark, Windows line endings) the file is read
correctly instead, with the same figures as the original."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import run_build
from publish_helpers import (
    PUBLISHED_FILE_NAME,
    kept_build,
    mart_contents,
    output_of,
    sha256,
    with_published_file,
)

INFO_SESSIONS = "seeds/answer/answer_info_sessions.csv"
ESCANS = "seeds/answer/answer_escans.csv"
WEBSITE_VISITORS = "seeds/answer/answer_website_visitors.csv"
PROGRAMME_FACTS = "seeds/answer/answer_programme_facts.csv"


def _replace(old: str, new: str) -> Callable[[str], str]:
    """A change that replaces `old` (which must be in the file) by `new`."""

    def change(text: str) -> str:
        assert old in text, f"the seed no longer holds {old!r}: update this test"
        return text.replace(old, new, 1)

    return change


def _drop_column(name: str) -> Callable[[str], str]:
    def change(text: str) -> str:
        lines = text.splitlines()
        index = lines[0].split(",").index(name)
        kept = [
            line.split(",")[:index] + line.split(",")[index + 1 :] for line in lines
        ]
        return "\n".join(",".join(cells) for cells in kept) + "\n"

    return change


def _belgian_spreadsheet(text: str) -> str:
    """As a spreadsheet with Belgian settings saves it: byte-order mark, semicolons,
    Windows line endings, a thousands separator."""
    text = _replace(",1195,", ",1.195,")(text)
    return "\ufeff" + text.replace(",", ";").replace("\n", "\r\n")


@dataclass(frozen=True)
class BadInput:
    file: str
    change: Callable[[str], str]
    expected: tuple[str, ...]  # what the message must say: file, line or row, fix
    caught_by_dbt: bool  # False: refused by the pre-flight check, before dbt runs
    encoding: str = "utf-8"


BAD_INPUTS = {
    "negative-count": BadInput(
        INFO_SESSIONS,
        _replace("\nOVL,2018,25,853,2\n", "\nOVL,2018,-25,853,2\n"),
        (
            f"{INFO_SESSIONS}: a count below zero in column sess",
            "province_code=OVL, year=2018, sess=-25, deeln=853",
            f"at {INFO_SESSIONS}, line 4",
            "what to fix: a count cannot be negative",
        ),
        caught_by_dbt=True,
    ),
    "parts-do-not-add-up-to-total": BadInput(
        INFO_SESSIONS,
        _replace("\nOVL,2018,25,853,2\n", "\nOVL,2018,26,853,2\n"),
        (
            f"{INFO_SESSIONS}: the parts in column sess do not add up to the "
            "published total in seeds/answer/answer_info_session_totals.csv",
            "year=2018, counted_column=sess, published_total=89, sum_of_parts=90, "
            "difference=1",
            f"at {INFO_SESSIONS}, lines 2-6",
            "at seeds/answer/answer_info_session_totals.csv, line 2",
            "what to fix: check each part against the published answer",
        ),
        caught_by_dbt=True,
    ),
    "duplicated-province-year": BadInput(
        INFO_SESSIONS,
        lambda text: text + "ANT,2019,11,382,2\n",
        (
            f"{INFO_SESSIONS}: the same province_code, year occurs more than once",
            "province_code=ANT, year=2019, occurrences=2",
            f"at {INFO_SESSIONS}, lines 7, 12",
            "what to fix: keep one line per province_code, year: remove the "
            "duplicated line",
        ),
        caught_by_dbt=True,
    ),
    "unknown-province-code": BadInput(
        INFO_SESSIONS,
        _replace("\nVBR,2019,3,36,2\n", "\nBRU,2019,3,36,2\n"),
        (
            f"{INFO_SESSIONS}: a value that is not allowed in column province_code",
            "value_field=BRU",
            f"at {INFO_SESSIONS}, line 10",
            "may only hold one of: ANT, LIM, OVL, VBR, WVL",
            "not listed in seeds/reference/reference_provinces.csv",
        ),
        caught_by_dbt=True,
    ),
    "missing-province": BadInput(
        INFO_SESSIONS,
        _replace("WVL,2019,39,1195,2\n", ""),
        (
            f"{INFO_SESSIONS}: a year that lacks a row for one of the values of "
            "seeds/reference/reference_provinces.csv",
            "year=2019, missing_province_code=WVL",
            f"at {INFO_SESSIONS}, lines 7-10",
            "what to fix: add the missing line for each year",
        ),
        caught_by_dbt=True,
    ),
    "non-numeric-value": BadInput(
        INFO_SESSIONS,
        _replace("\nOVL,2018,25,853,2\n", "\nOVL,2018,abc,853,2\n"),
        (
            f"{INFO_SESSIONS}, line 4: column 'sess' holds 'abc', which is not a "
            "whole number; write it as digits only",
        ),
        caught_by_dbt=False,
    ),
    "decimal-comma-in-a-count": BadInput(
        INFO_SESSIONS,
        _replace("\nOVL,2018,25,853,2\n", '\nOVL,2018,"25,5",853,2\n'),
        (
            f"{INFO_SESSIONS}, line 4: column 'sess' holds '25,5', which is not a "
            "whole number; write it as digits only",
        ),
        caught_by_dbt=False,
    ),
    "empty-file": BadInput(
        ESCANS,
        lambda text: "",
        (
            f"{ESCANS}, line 1: the file is empty; it needs the header line "
            "`periode,first_day,last_day,e_scans,question`",
            "Restore it",
        ),
        caught_by_dbt=False,
    ),
    "missing-column": BadInput(
        INFO_SESSIONS,
        _drop_column("deeln"),
        (
            f"{INFO_SESSIONS}, line 1: the header lacks column 'deeln'; add the "
            "column with its values (the header must be: "
            "province_code,year,sess,deeln,question)",
        ),
        caught_by_dbt=False,
    ),
    "renamed-header": BadInput(
        WEBSITE_VISITORS,
        _replace("bezoekers,question", "sessies,question"),
        (
            f"{WEBSITE_VISITORS}, line 1: the header has 'sessies' where "
            "'bezoekers' is expected; rename the column back to 'bezoekers'",
        ),
        caught_by_dbt=False,
    ),
    "overlapping-periods": BadInput(
        ESCANS,
        _replace("\n2017,2017-01-01,", "\n2017,2016-12-01,"),
        (
            f"{ESCANS}: periods that overlap or leave a gap",
            "periode=2017, first_day=2016-12-01, last_day=2017-12-31",
            f"at {ESCANS}, line 3",
            "what to fix: each period must start the day after the previous one ends",
        ),
        caught_by_dbt=True,
    ),
    "period-ends-before-it-starts": BadInput(
        WEBSITE_VISITORS,
        _replace("\n2018,2018-01-01,2018-12-31,", "\n2018,2018-12-31,2018-01-01,"),
        (
            f"{WEBSITE_VISITORS}: a period that ends before it starts",
            "periode=2018, first_day=2018-12-31, last_day=2018-01-01",
            f"at {WEBSITE_VISITORS}, line 4",
            "(were the two swapped?)",
        ),
        caught_by_dbt=True,
    ),
    "totals-row-among-the-parts": BadInput(
        INFO_SESSIONS,
        _replace("\nWVL,2018,28,829,2\n", "\nWVL,2018,28,829,2\ntot,2018,89,2822,2\n"),
        (
            "value_field=tot",
            f"at {INFO_SESSIONS}, line 7",
            "what to fix: this looks like the totals row pasted among the parts: "
            "remove the line",
            "sum_of_parts=178",
        ),
        caught_by_dbt=True,
    ),
    "belgian-spreadsheet": BadInput(
        INFO_SESSIONS,
        _belgian_spreadsheet,
        (
            f"{INFO_SESSIONS}, line 1: the values are separated by semicolons (;)",
            'save the file as "CSV UTF-8 (comma delimited)"',
            "write numbers without a thousands separator and with a decimal point",
        ),
        caught_by_dbt=False,
    ),
    "day-month-year-date": BadInput(
        ESCANS,
        _replace(",2017-01-01,2017-12-31,", ",2017-01-01,31/12/2017,"),
        (
            f"{ESCANS}, line 3: column 'last_day' holds '31/12/2017', which is not "
            "a date in the form YYYY-MM-DD; write it as 2017-12-31",
        ),
        caught_by_dbt=False,
    ),
    "not-utf-8": BadInput(
        PROGRAMME_FACTS,
        lambda text: text,
        (
            f"{PROGRAMME_FACTS}, line 9: the file is not saved as UTF-8 (byte 0x93",
            'save it again as "CSV UTF-8 (comma delimited)"',
        ),
        caught_by_dbt=False,
        encoding="cp1252",
    ),
}


@pytest.mark.parametrize("case", BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_bad_input_is_refused(
    case: BadInput, project_copy: Path, built_warehouse: Path
) -> None:
    published = with_published_file(project_copy, built_warehouse)
    before = sha256(published)
    seed = project_copy / case.file
    changed = case.change(seed.read_text(encoding="utf-8"))
    seed.write_bytes(changed.encode(case.encoding))

    result = run_build(project_copy)
    output = output_of(result)

    assert result.returncode == 1, output
    for expected in case.expected:
        assert expected in output, f"{expected!r} is missing from:\n{output}"
    assert f"The published file {PUBLISHED_FILE_NAME} is unchanged" in output
    assert sha256(published) == before
    kept = kept_build(project_copy, output)
    if case.caught_by_dbt:
        assert kept is not None and (kept / PUBLISHED_FILE_NAME).is_file(), output
    else:
        assert "nothing was built" in output
        assert "2/4" not in output  # dbt never ran
        assert kept is None


def test_byte_order_mark_and_windows_line_endings_are_read_correctly(
    project_copy: Path, built_warehouse: Path
) -> None:
    # One build for both (each is a separate file): a byte-order mark alone, as
    # Excel's "CSV UTF-8" writes it, and Windows line endings alone.
    with_bom = project_copy / INFO_SESSIONS
    with_bom.write_bytes(b"\xef\xbb\xbf" + with_bom.read_bytes())
    with_crlf = project_copy / ESCANS
    with_crlf.write_bytes(with_crlf.read_bytes().replace(b"\n", b"\r\n"))

    result = run_build(project_copy)

    assert result.returncode == 0, output_of(result)
    published = project_copy / PUBLISHED_FILE_NAME
    assert mart_contents(published) == mart_contents(built_warehouse)
