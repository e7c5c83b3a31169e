"""Bad input in a seed CSV file: the build is refused with a message naming the file,
the line or row and what to fix, and the published release stays byte-identical.
Where the intent is unambiguous (a byte-order mark, Windows line endings) the file
is read correctly instead, with the same figures as the original.

The build compares the answer's figures with the source document before dbt runs,
so a wrong figure is refused there; to show what dbt's tests find (a negative
count, parts that do not add up, an unknown province), those cases change the
document too, as if the answer itself printed the bad figure."""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from conftest import copy_project, run_build
from ook_uw_zaak.seeds.checks import MAX_SEED_BYTES
from support.new_year import (
    NEW_YEAR_ANSWER,
    NEW_YEAR_DOCUMENT,
    NEW_YEAR_ROWS,
    NEW_YEAR_TOTAL,
)
from support.publish_helpers import (
    PUBLISHED_FILE_NAME,
    kept_build,
    mart_contents,
    output_of,
    published_state,
    sha256,
    with_published_file,
)

INFO_SESSIONS = "seeds/answer/answer_info_sessions.csv"
ESCANS = "seeds/answer/answer_escans.csv"
WEBSITE_VISITORS = "seeds/answer/answer_website_visitors.csv"
PROGRAMME_FACTS = "seeds/answer/answer_programme_facts.csv"
ANSWER = "docs/source/parliamentary_answer.txt"


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
    also: tuple[tuple[str, Callable[[str], str]], ...] = ()  # more files changed


def _drop_lines(*starts: str) -> Callable[[str], str]:
    """A change that removes every line starting with one of `starts` (each must
    match at least one line)."""

    def change(text: str) -> str:
        lines = text.splitlines(keepends=True)
        for start in starts:
            assert any(line.startswith(start) for line in lines), start
        return "".join(line for line in lines if not line.startswith(starts))

    return change


INFO_SESSION_TOTALS = "seeds/answer/answer_info_session_totals.csv"
ESCAN_TOTALS = "seeds/answer/answer_escan_totals.csv"
VISITOR_TOTALS = "seeds/answer/answer_website_visitor_totals.csv"

BAD_INPUTS = {
    "year-removed": BadInput(
        INFO_SESSIONS,
        _drop_lines("ANT,2019", "LIM,2019", "OVL,2019", "VBR,2019", "WVL,2019"),
        (
            f"{INFO_SESSIONS}: the info sessions of 2019 are missing (no row for any "
            "province; the answer prints it); expected one line per province (ANT, "
            "LIM, OVL, VBR, WVL) such as `ANT,2019,<sess>,<deeln>,<question>`",
            f"{INFO_SESSION_TOTALS}: the totals row of 2019 is missing",
        ),
        caught_by_dbt=False,
        also=((INFO_SESSION_TOTALS, _drop_lines("tot,2019")),),
    ),
    "totals-row-removed": BadInput(
        INFO_SESSION_TOTALS,
        _drop_lines("tot,2018"),
        (
            f"{INFO_SESSION_TOTALS}: the totals row of 2018 is missing (the answer "
            "prints it); expected a line `tot,2018,<sessions>,<participants>,2`",
        ),
        caught_by_dbt=False,
    ),
    "last-period-removed-with-totals-adjusted": BadInput(
        ESCANS,
        _drop_lines("2020,"),
        (
            f"{ESCANS}: the periods end on 2019-12-31 (line 5), but the answer "
            "reports up to 2020-12-31: the period(s) after 2019-12-31 are missing; "
            "expected after line 5",
            f"{WEBSITE_VISITORS}: the periods end on 2019-12-31 (line 5)",
        ),
        caught_by_dbt=False,
        also=(
            (WEBSITE_VISITORS, _drop_lines("2020,")),
            (ESCAN_TOTALS, _replace("Totaal,3091,", "Totaal,2445,")),
            (VISITOR_TOTALS, _replace("Totaal,176260,", "Totaal,120462,")),
        ),
    ),
    "first-period-removed": BadInput(
        ESCANS,
        _drop_lines("nov 2015"),
        (
            f"{ESCANS}: the periods start on 2017-01-01 (line 2), but the answer's "
            "first period starts on 2015-11-01: the period(s) before 2017-01-01 are "
            "missing",
        ),
        caught_by_dbt=False,
        also=((ESCAN_TOTALS, _replace("Totaal,3091,", "Totaal,1953,")),),
    ),
    "province-code-with-a-trailing-space": BadInput(
        INFO_SESSIONS,
        _replace("\nANT,2018,", "\nANT ,2018,"),
        (
            f"{INFO_SESSIONS}, line 2: column 'province_code' holds 'ANT\u2420', which "
            "has characters around the code; write 'ANT'",
        ),
        caught_by_dbt=False,
    ),
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
        also=((ANSWER, _replace("\nOVL 25 853 ", "\nOVL -25 853 ")),),
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
        also=((ANSWER, _replace("\nOVL 25 853 ", "\nOVL 26 853 ")),),
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
            # the row of dbt's relationships test, under the column's own name
            f"    province_code=BRU\n      at {INFO_SESSIONS}, line 10\n",
            "may only hold one of: ANT, LIM, OVL, VBR, WVL",
            "not listed in seeds/reference/reference_provinces.csv",
        ),
        caught_by_dbt=True,
        also=(
            (
                ANSWER,
                _replace("\nVBR 11 273 3 36\n", "\nVBR 11 273 3 36\nBRU 11 273 3 36\n"),
            ),
        ),
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
    "empty-cell": BadInput(
        PROGRAMME_FACTS,
        _replace(",month,done,online activity,", ",month,done,,"),
        (
            f"{PROGRAMME_FACTS}: an empty cell in a column that must be filled in",
            "empty_column=topic, fact_id=first_reported_period_start",
            f"at {PROGRAMME_FACTS}, line 2",
            "what to fix: fill in the cell of the column named empty_column",
        ),
        caught_by_dbt=True,
    ),
    "totals-row-among-the-parts": BadInput(
        INFO_SESSIONS,
        _replace("\nWVL,2018,28,829,2\n", "\nWVL,2018,28,829,2\ntot,2018,89,2822,2\n"),
        (
            # the row of dbt's relationships test, under the column's own name
            f"    province_code=tot\n      at {INFO_SESSIONS}, line 7\n",
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
    # Texts that would not be inert in the released files.
    "formula-in-a-text": BadInput(
        PROGRAMME_FACTS,
        _replace(
            '"The e-commerce campaign ran until the end of 2020."',
            '"=HYPERLINK(""http://example.org"",""campaign"")"',
        ),
        (
            f"{PROGRAMME_FACTS}, line 3: column 'summary_en' holds "
            '\'=HYPERLINK("http://example.org","campaign")\', which starts with '
            "'=', so a spreadsheet that opens the released CSV file would run it as a "
            "formula; reword the text",
        ),
        caught_by_dbt=False,
    ),
    "nul-in-a-text": BadInput(
        PROGRAMME_FACTS,
        _replace(",month,done,online activity,", ",month,done,online\x00activity,"),
        (
            f"{PROGRAMME_FACTS}, line 2: column 'topic' holds "
            "'online<U+0000>activity', which has a control character, NULL (U+0000) "
            "at position 7",
        ),
        caught_by_dbt=False,
    ),
    # Figures that are not the source document's, though every sum still matches.
    "provinces-swapped": BadInput(
        INFO_SESSIONS,
        lambda text: _replace("\nANT,2019,11,382,", "\nANT,2019,9,249,")(
            _replace("\nLIM,2019,9,249,", "\nLIM,2019,11,382,")(text)
        ),
        (
            f"{INFO_SESSIONS}, line 7: the row 'ANT' of 2019 holds sess 9, deeln 249, "
            "but the answer to question 2 prints sess 11, deeln 382 for 'ANT' of "
            f"2019 ({ANSWER}, line 56)",
            "they are the figures the answer prints for 'LIM', line 8 of the seed: "
            "were two rows swapped?",
        ),
        caught_by_dbt=False,
    ),
    "a-part-changed-with-its-total": BadInput(
        INFO_SESSIONS,
        _replace("\nVBR,2019,3,36,", "\nVBR,2019,3,63,"),
        (
            f"{INFO_SESSIONS}, line 10: the row 'VBR' of 2019 holds deeln 63, but the "
            f"answer to question 2 prints deeln 36 for 'VBR' of 2019 ({ANSWER}, line "
            "59)",
            f"{INFO_SESSION_TOTALS}, line 3: the row 'tot' of 2019 holds deeln 2334, "
            "but the answer to question 2 prints deeln 2307 for 'tot' of 2019 "
            f"({ANSWER}, line 62)",
        ),
        caught_by_dbt=False,
        also=(
            (INFO_SESSION_TOTALS, _replace("tot,2019,73,2307,", "tot,2019,73,2334,")),
        ),
    ),
    # Partly right: each told in a sentence of its own.
    "repeated-header": BadInput(
        ESCANS,
        lambda text: text.splitlines(keepends=True)[0] + text,
        (f"{ESCANS}, line 2 repeats the header; remove the line",),
        caught_by_dbt=False,
    ),
    "full-width-digits": BadInput(
        INFO_SESSIONS,
        _replace("\nANT,2018,13,536,", "\nANT,2018,13,\uff15\uff13\uff16,"),
        (
            f"{INFO_SESSIONS}, line 2: column 'deeln' holds '\uff15\uff13\uff16', "
            "which has FULLWIDTH DIGIT FIVE (U+FF15) at position 1 (and 2 more like "
            "it), not a plain character (the digits 0-9, a sign, a point or a "
            "hyphen); write 536",
        ),
        caught_by_dbt=False,
    ),
    "stray-quote-in-a-quoted-value": BadInput(
        PROGRAMME_FACTS,
        _replace('"The e-commerce campaign ran', '"The e-commerce "campaign" ran'),
        (
            f'{PROGRAMME_FACTS}, line 3: a double quote (") inside a quoted value ends '
            'the value early; write a quote inside a quoted value as two ("")',
        ),
        caught_by_dbt=False,
    ),
    "cyrillic-letter-in-a-code": BadInput(
        INFO_SESSIONS,
        _replace("\nANT,2018,", "\n\u0410NT,2018,"),
        (
            f"{INFO_SESSIONS}, line 2: column 'province_code' holds '\u0410NT', which "
            "has CYRILLIC CAPITAL LETTER A (U+0410) at position 1, a letter that is "
            "not of the Latin alphabet",
        ),
        caught_by_dbt=False,
    ),
    "minus-zero": BadInput(
        ESCANS,
        _replace(",173,3\n", ",-0,3\n"),
        (
            f"{ESCANS}, line 3: column 'e_scans' holds '-0', which is zero with a "
            "minus sign; write 0",
        ),
        caught_by_dbt=False,
    ),
    "a-text-of-10000-characters": BadInput(
        PROGRAMME_FACTS,
        _replace("The e-commerce campaign ran", "x" * 10_000),
        (
            f"{PROGRAMME_FACTS}, line 3: column 'summary_en' holds 'xxxx",
            "a text of 10,023 characters, longer than the 1,000 a text cell may hold",
        ),
        caught_by_dbt=False,
    ),
    "undeclared-seed-file": BadInput(
        "seeds/answer/notes.csv",
        lambda _: "note\nto check with the ministry\n",
        (
            "seeds/answer/notes.csv: this CSV file is not declared in "
            "seeds/_seeds.yml, so nothing checks it, yet dbt would load it as a table "
            "'notes' and publish it; move the file out of the seed folder",
        ),
        caught_by_dbt=False,
    ),
    "seed-file-named-like-a-mart": BadInput(
        "seeds/answer/fct_info_sessions_by_year.csv",
        lambda _: "calendar_year,sessions\n2018,89\n",
        (
            "seeds/answer/fct_info_sessions_by_year.csv: this CSV file is not declared "
            "in seeds/_seeds.yml",
        ),
        caught_by_dbt=False,
    ),
}


# The defects that dbt's tests find, proved a few at a time: one build reports
# every defect it holds at once (what a user fixing a spreadsheet wants), and each
# build below holds defects that leave each other's messages as they are (same
# lines, same figures): each adds messages of its own, none changes another's.
DBT_BUILDS = (
    ("negative-count", "missing-province", "overlapping-periods"),
    (
        "parts-do-not-add-up-to-total",
        "duplicated-province-year",
        "unknown-province-code",
    ),
    ("totals-row-among-the-parts", "period-ends-before-it-starts", "empty-cell"),
)
PRE_FLIGHT = [name for name, case in BAD_INPUTS.items() if not case.caught_by_dbt]


def _apply(case: BadInput, project_dir: Path) -> None:
    seed = project_dir / case.file
    text = seed.read_text(encoding="utf-8") if seed.exists() else ""  # or a new file
    changed = case.change(text)
    seed.write_bytes(changed.encode(case.encoding))
    for other_file, change in case.also:
        other = project_dir / other_file
        other.write_text(change(other.read_text(encoding="utf-8")), encoding="utf-8")


def _refused(names: tuple[str, ...], project_dir: Path, built: Path) -> str:
    """Apply the bad inputs `names` to the project, build once and check that the
    build is refused with every one of their messages, the published file left
    byte-identical; return what the build printed."""
    published = with_published_file(project_dir, built)
    before = published_state(project_dir)
    for name in names:
        _apply(BAD_INPUTS[name], project_dir)

    result = run_build(project_dir)
    output = output_of(result)

    assert result.returncode == 1, output
    for name in names:
        for expected in BAD_INPUTS[name].expected:
            assert expected in output, (
                f"{name}: {expected!r} is missing from:\n{output}"
            )
    assert f"The published file {PUBLISHED_FILE_NAME} is unchanged" in output
    assert published_state(project_dir) == before, published
    return output


@pytest.mark.parametrize("name", PRE_FLIGHT)
def test_bad_input_is_refused_before_dbt_runs(
    name: str, project_copy: Path, built_warehouse: Path
) -> None:
    output = _refused((name,), project_copy, built_warehouse)
    assert "nothing was built" in output
    assert "2/4" not in output  # dbt never ran
    assert kept_build(project_copy, output) is None


@pytest.mark.parametrize("names", DBT_BUILDS, ids=["+".join(b) for b in DBT_BUILDS])
def test_bad_inputs_found_by_dbt_are_all_reported_by_one_build(
    names: tuple[str, ...], project_copy: Path, built_warehouse: Path
) -> None:
    output = _refused(names, project_copy, built_warehouse)
    kept = kept_build(project_copy, output)
    assert kept is not None and (kept / PUBLISHED_FILE_NAME).is_file(), output
    # The kept build holds every failing test's rows, as dbt stored them.
    with duckdb.connect(str(kept / PUBLISHED_FILE_NAME), read_only=True) as database:
        tables = database.execute(
            "select table_name from duckdb_tables() where schema_name = 'test_failures'"
        ).fetchall()
        failing = [
            table
            for (table,) in tables
            if database.execute(
                f'select count(*) from test_failures."{table}"'
            ).fetchone()[0]
        ]
    assert len(failing) >= len(names), failing


def test_every_bad_input_found_by_dbt_is_in_one_build() -> None:
    grouped = [name for names in DBT_BUILDS for name in names]
    caught_by_dbt = [name for name, case in BAD_INPUTS.items() if case.caught_by_dbt]
    assert sorted(grouped) == sorted(caught_by_dbt)


def _usage(path: Path) -> int:
    return shutil.disk_usage(path).used


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A folder on a file system of its own with little space (a tmpfs)."""
    mount_point = tmp_path / "small-disk"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(mount_point)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip("needs root to mount a small file system (tmpfs)")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "--lazy", str(mount_point)], check=False)


def test_full_disk_is_named_with_the_space_a_build_needs(
    small_disk: Path, built_warehouse: Path
) -> None:
    project = copy_project(small_disk / "project")
    published = with_published_file(project, built_warehouse)
    before, used_before = sha256(published), _usage(small_disk)

    result = run_build(project)
    output = output_of(result)

    assert result.returncode == 1, output
    assert "The disk that holds the project folder is full: " in output
    assert "MB free, and a build needs about 64 MB" in output
    assert "Free some space on that disk and build again" in output
    assert f"The published file {PUBLISHED_FILE_NAME} is unchanged" in output
    assert sha256(published) == before
    assert _usage(small_disk) <= used_before


def test_disk_filling_up_during_the_build_leaves_no_scratch_build(
    small_disk: Path, built_warehouse: Path
) -> None:
    """The disk fills up while dbt runs (another program writes a large file): the
    build says the disk is full and removes its scratch build, so that once the
    other file is gone the disk is no fuller than before the build."""
    subprocess.run(["mount", "-o", "remount,size=96m", str(small_disk)], check=True)
    project = copy_project(small_disk / "project")
    published = with_published_file(project, built_warehouse)
    before, used_before = sha256(published), _usage(small_disk)
    env = {k: v for k, v in os.environ.items() if k != "OOK_UW_ZAAK_DUCKDB_PATH"}
    build = subprocess.Popen(
        [sys.executable, "-m", "ook_uw_zaak.cli", "build"],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert build.stdout is not None
    printed = []
    for line in build.stdout:
        printed.append(line)
        if line.startswith("2/4"):
            break
    filler = small_disk / "another-program.bin"
    # Fill the disk to the last block (unbuffered, so closing writes nothing more).
    with filler.open("wb", buffering=0) as handle, contextlib.suppress(OSError):
        while True:
            handle.write(b"\0" * 1024 * 1024)
    output = "".join(printed) + build.stdout.read()
    assert build.wait(timeout=600) == 1, output
    filler.unlink()

    assert "The disk that holds the project folder is full: " in output
    assert "The unfinished build was removed" in output
    assert f"The published file {PUBLISHED_FILE_NAME} is unchanged" in output
    assert sha256(published) == before
    assert not list((project / ".publish").glob("failed-*"))
    assert _usage(small_disk) <= used_before


def test_oversized_seed_is_refused_at_once(
    project_copy: Path, built_warehouse: Path
) -> None:
    """A seed beyond the documented size is refused from its size alone (the file
    here is sparse: its size is what counts, nothing of it is read)."""
    published = with_published_file(project_copy, built_warehouse)
    before = sha256(published)
    seed = project_copy / INFO_SESSIONS
    with seed.open("r+b") as handle:
        handle.truncate(MAX_SEED_BYTES + 1)

    result = run_build(project_copy)
    output = output_of(result)

    assert result.returncode == 1, output
    assert (
        f"{INFO_SESSIONS}: the file is 4.0 MB, larger than the 4 MB a seed may be"
    ) in output
    assert "nothing of it was read" in output
    assert "nothing was built" in output
    assert sha256(published) == before


def test_read_only_project_folder_gets_one_sentence(
    project_copy: Path, built_warehouse: Path, tmp_path: Path
) -> None:
    setpriv = shutil.which("setpriv")
    if os.geteuid() != 0 or setpriv is None:
        pytest.skip("needs root and setpriv to build as an unprivileged user")
    published = with_published_file(project_copy, built_warehouse)
    before = sha256(published)
    # User nobody may read the project (and traverse the folders to it) but not
    # write in it.
    for folder in [tmp_path, *tmp_path.parents]:
        if folder == Path(tempfile.gettempdir()) or folder == Path("/"):
            break
        folder.chmod(stat.S_IMODE(folder.stat().st_mode) | stat.S_IXOTH)
    env = {k: v for k, v in os.environ.items() if k != "OOK_UW_ZAAK_DUCKDB_PATH"}
    result = subprocess.run(
        [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
        + [sys.executable, "-m", "ook_uw_zaak.cli", "build"],
        cwd=project_copy,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    output = output_of(result)

    assert result.returncode == 2, output
    assert output.strip() == (
        f"The build cannot write in the project folder ({project_copy}): make it "
        "writable for this user (the build keeps its scratch files in .publish/ and "
        "publishes ook_uw_zaak.duckdb, release and releases/ in the project "
        "folder), or build in a writable copy of the project; nothing was changed."
    )
    assert "Traceback" not in output
    assert sha256(published) == before


def test_accepted_input_is_read_exactly_and_a_complete_new_year_published(
    project_copy: Path, built_warehouse: Path
) -> None:
    """One build for the inputs that are accepted, each in a file of its own or
    told apart by its rows:
    - a byte-order mark, as Excel's "CSV UTF-8" writes it, on the info sessions,
      and Windows line endings on the e-scans: both files are read exactly as the
      originals (the same raw rows);
    - growth: 2020 info sessions for all five provinces with a totals row, and the
      later answer that prints them, are accepted, and 2020 is then reported (not
      pending) in every mart."""
    sessions = project_copy / INFO_SESSIONS
    sessions.write_bytes(
        b"\xef\xbb\xbf" + sessions.read_bytes() + NEW_YEAR_ROWS.encode("utf-8")
    )
    totals = project_copy / INFO_SESSION_TOTALS
    totals.write_text(
        totals.read_text(encoding="utf-8") + NEW_YEAR_TOTAL, encoding="utf-8"
    )
    (project_copy / NEW_YEAR_DOCUMENT).write_text(NEW_YEAR_ANSWER, encoding="utf-8")
    with_crlf = project_copy / ESCANS
    with_crlf.write_bytes(with_crlf.read_bytes().replace(b"\n", b"\r\n"))
    with duckdb.connect(str(built_warehouse), read_only=True) as before:
        assert _pending_2020(before), "2020 was not pending before: update this test"

    result = run_build(project_copy)

    assert result.returncode == 0, output_of(result)
    # Only the seeds' figures changed: the unit tests, which passed on this SQL in
    # the shared build, are not run again.
    assert "The unit tests passed on this very SQL before" in output_of(result)
    published = project_copy / PUBLISHED_FILE_NAME
    raw_before = {
        table: rows
        for table, rows in mart_contents(built_warehouse).items()
        if table.startswith("raw.")
    }
    raw_after = {
        table: rows
        for table, rows in mart_contents(published).items()
        if table.startswith("raw.")
    }
    assert raw_after.keys() == raw_before.keys()
    added = {
        "raw.answer_info_sessions": NEW_YEAR_ROWS,
        "raw.answer_info_session_totals": NEW_YEAR_TOTAL,
    }
    for table, rows in raw_before.items():
        new = [line.split(",") for line in added.get(table, "").splitlines()]
        if new:  # the first two columns are text, the others counts
            rows = sorted(
                rows + [(a, int(b), int(c), int(d), int(e)) for a, b, c, d, e in new]
            )
        assert raw_after[table] == rows, table
    with duckdb.connect(str(published), read_only=True) as connection:
        assert _pending_2020(connection) == []
        row = connection.execute(
            "select sessions, participants from marts.fct_info_sessions_by_year "
            "where calendar_year = 2020"
        ).fetchone()
        assert row == (24, 480)


def _pending_2020(connection: duckdb.DuckDBPyConnection) -> list[str]:
    """Where a mart still calls 2020 pending: a row of 2020 with a 'pending'
    status, or 2020 among the years pending."""
    found = []
    tables = connection.execute(
        "select table_name from duckdb_tables() where schema_name = 'marts'"
    ).fetchall()
    for (table,) in tables:
        cursor = connection.execute(f"select * from marts.{table}")
        columns = [d[0] for d in cursor.description]
        for row in cursor.fetchall():
            values = dict(zip(columns, row, strict=True))
            is_2020 = 2020 in values.values()
            for name, value in values.items():
                if not isinstance(value, str):
                    continue
                if (is_2020 and value == "pending") or (
                    "years_pending" in name and "2020" in value
                ):
                    found.append(f"{table}.{name}")
    return sorted(set(found))
