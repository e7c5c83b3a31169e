"""The pre-flight checks of the seed CSV files, on a small project of their own (no
dbt run: these are fast). The real seeds' bad-input cases are in test_bad_input.py."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ook_uw_zaak.dbt.outcome import cell_matches, line_ranges
from ook_uw_zaak.seeds import characters
from ook_uw_zaak.seeds.checks import MAX_PROBLEMS_PER_FILE, MAX_SEED_BYTES, check_seeds
from ook_uw_zaak.seeds.reader import visible

SEEDS_YAML = """
version: 2
seeds:
  - name: counts
    config:
      column_types:
        region: varchar
        day: date
        visits: integer
        share: double
        is_final: boolean
  - name: declared_only
    config:
      column_types:
        a: integer
"""
HEADER = "region,day,visits,share,is_final"
GOOD_LINE = "ANT,2019-01-31,25,0.5,true"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "dbt_project.yml").write_text("name: p\nseed-paths: ['data']\n")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "_seeds.yml").write_text(SEEDS_YAML)
    (tmp_path / "data" / "declared_only.csv").write_text("a\n1\n")
    return tmp_path


def _problems(project: Path, content: str | bytes) -> list[str]:
    csv_file = project / "data" / "counts.csv"
    if isinstance(content, str):
        content = content.encode("utf-8")
    csv_file.write_bytes(content)
    return check_seeds(project)


@pytest.mark.parametrize(
    "content",
    [
        f"{HEADER}\n{GOOD_LINE}\n",
        f"\ufeff{HEADER}\r\n{GOOD_LINE}\r\n",  # byte-order mark, Windows line endings
        f"{HEADER}\n\n{GOOD_LINE}\n\n",  # blank lines, which dbt skips
        f"{HEADER}\nANT, 2019-01-31 , 25 ,-0.5,false\n",  # spaces around values
        f"{HEADER}\nANT,,,,\n",  # empty cells are NULL: the no_empty_cells tests judge
        "visits,region,day,share,is_final\n25,ANT,2019-01-31,0.5,true\n",  # reordered
        # Texts as the seeds hold them: accents, typographic quotes, a tab inside,
        # a sign inside; a negative count is the non_negative test's to judge.
        f'{HEADER}\n"Geëvalueerd “zo” × 2\tA=B -1",2019-01-31,-5,+0.5,true\n',
    ],
    ids=[
        "plain",
        "bom-crlf",
        "blank-lines",
        "spaces",
        "empty-cells",
        "reordered",
        "texts",
    ],
)
def test_well_formed_file_passes(project: Path, content: str) -> None:
    assert _problems(project, content) == []


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            f"{HEADER}\n",
            "data/counts.csv, line 2: the file has a header but no rows",
        ),
        (
            f"{HEADER}\nANT,2019-01-31,25,0.5\n",
            "data/counts.csv, line 2: the line has 4 values but the header has 5 "
            "columns",
        ),
        (
            f"{HEADER},note\n{GOOD_LINE},x\n",
            "data/counts.csv, line 1: column 'note' is not declared for seed "
            "'counts' in data/_seeds.yml",
        ),
        (
            "region,day,visits,share,is_final,visits\n",
            "data/counts.csv, line 1: column 'visits' appears more than once",
        ),
        (
            HEADER.replace(",", "\t") + "\n",
            "data/counts.csv, line 1: the values are separated by tabs",
        ),
        (
            f"{HEADER}\nANT,2019-01-31,3000000000,0.5,true\n",
            "data/counts.csv, line 2: column 'visits' holds '3000000000', which is "
            "out of range for its type, integer",
        ),
        (
            f'{HEADER}\nANT,2019-01-31,"1,195",0.5,true\n',
            "column 'visits' holds '1,195', which is not a whole number; write it as "
            "digits only, without a thousands separator: 1195",
        ),
        (
            f'{HEADER}\nANT,2019-01-31,25,"0,5",true\n',
            "column 'share' holds '0,5', which is written with a decimal comma; "
            "write it with a decimal point: 0.5",
        ),
        (
            f"{HEADER}\nANT,2019-01-31,25,0.5,ja\n",
            "column 'is_final' holds 'ja', which is not true or false",
        ),
        (
            f"{HEADER}\nANT,2019-02-30,25,0.5,true\n",
            "column 'day' holds '2019-02-30', which is not a day of the calendar",
        ),
        (
            f"{HEADER}\nANT,31.01.2019,25,0.5,true\n",
            "which is not a date in the form YYYY-MM-DD; write it as 2019-01-31",
        ),
        (
            "region;day;visits\n",
            "data/counts.csv, line 1: the values are separated by semicolons (;)",
        ),
        (
            f"{HEADER}\n{HEADER}\n{GOOD_LINE}\n",
            "data/counts.csv, line 2 repeats the header; remove the line",
        ),
        (
            f'{HEADER}\n"AN"T",2019-01-31,25,0.5,true\n',
            'data/counts.csv, line 2: a double quote (") inside a quoted value ends '
            'the value early; write a quote inside a quoted value as two ("")',
        ),
        (
            f'{HEADER}\n{GOOD_LINE}\n"ANT,2019-01-31,25,0.5,true\n{GOOD_LINE}\n',
            'data/counts.csv, line 3: a value opens with a double quote (") that is '
            "never closed",
        ),
        (
            f"{HEADER}\nANT,2019-01-31,５３６,0.5,true\n",
            "data/counts.csv, line 2: column 'visits' holds '５３６', which has "
            "FULLWIDTH DIGIT FIVE (U+FF15) at position 1 (and 2 more like it), not a "
            "plain character (the digits 0-9, a sign, a point or a hyphen); write 536",
        ),
        (
            f"{HEADER}\nANT,2019-01-31,25\u00a0,0.5,true\n",
            "column 'visits' holds '25<no-break space>', which has NO-BREAK SPACE "
            "(U+00A0) at position 3",
        ),
        (
            f"{HEADER}\nANT,2019-01-31,-0,0.5,true\n",
            "column 'visits' holds '-0', which is zero with a minus sign; write 0",
        ),
        (
            f"{HEADER}\nANT,2019-01-31,25,-0.00,true\n",
            "column 'share' holds '-0.00', which is zero with a minus sign; write 0",
        ),
    ],
    ids=[
        "header-only",
        "too-few-values",
        "undeclared-column",
        "duplicated-column",
        "tabs",
        "too-large",
        "thousands-separator",
        "decimal-comma",
        "not-a-boolean",
        "no-such-day",
        "day-month-year",
        "semicolons",
        "repeated-header",
        "stray-quote",
        "unclosed-quote",
        "full-width-digits",
        "no-break-space-in-a-number",
        "minus-zero",
        "minus-zero-decimal",
    ],
)
def test_problem_is_told_with_line_and_fix(
    project: Path, content: str, expected: str
) -> None:
    problems = _problems(project, content)
    assert any(expected in problem for problem in problems), problems


def test_many_bad_lines_are_summed_up(project: Path) -> None:
    bad_lines = "".join(f"ANT,2019-01-31,x{n},0.5,true\n" for n in range(15))
    problems = _problems(project, f"{HEADER}\n{bad_lines}")
    assert len(problems) == MAX_PROBLEMS_PER_FILE + 1
    assert problems[-1] == "data/counts.csv: 5 more problems like these"


def test_declared_seed_without_file_is_named(project: Path) -> None:
    (project / "data" / "declared_only.csv").unlink()
    problems = _problems(project, f"{HEADER}\n{GOOD_LINE}\n")
    assert problems == [
        "data/_seeds.yml declares the seed 'declared_only', but no file "
        "declared_only.csv was found under data; restore the file (for example with "
        "`git checkout -- <the file>`) or remove the declaration"
    ]


def test_line_numbers_are_told_as_ranges() -> None:
    assert line_ranges([4]) == "line 4"
    assert line_ranges([2, 3, 4, 5, 6]) == "lines 2-6"
    assert line_ranges([7, 12]) == "lines 7, 12"
    assert line_ranges([2, 3, 9, 10, 11]) == "lines 2, 3, 9-11"


@pytest.mark.parametrize(
    ("cell", "value", "same"),
    [
        (" 25 ", 25, True),
        ("25", 26, False),
        ("2019-01-31", date(2019, 1, 31), True),
        ("", None, True),
        ("ANT", "ANT", True),
        ("abc", 25, False),
    ],
)
def test_csv_cells_are_matched_to_query_values(
    cell: str, value: object, same: bool
) -> None:
    assert cell_matches(cell, value) is same


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("ANT", "ANT"),
        ("Antwerp (new)", "Antwerp (new)"),
        ("ANT ", "'ANT\u2420'"),
        (" ANT", "'\u2420ANT'"),
        ("A\tB", "'A\u2409B'"),
        ("ANT\u00a0", "'ANT<no-break space>'"),
        ("A\u200bNT", "'A<zero-width space>NT'"),
        ("\x07", "'<U+0007>'"),
    ],
)
def test_invisible_characters_are_shown(value: str, shown: str) -> None:
    assert visible(value) == shown


def test_value_with_a_trailing_space_is_shown_visibly(project: Path) -> None:
    problems = _problems(project, f"{HEADER}\nANT,2019-01-31,25 ,0.5,true\n")
    assert problems == []  # spaces around a number are fine for dbt
    problems = _problems(project, f"{HEADER}\nANT,2019-01-31,2 5\u00a0,0.5,true\n")
    assert "column 'visits' holds '2 5<no-break space>'" in problems[0]


def test_file_beyond_the_size_limit_is_refused_unread(project: Path) -> None:
    csv_file = project / "data" / "counts.csv"
    csv_file.write_text(f"{HEADER}\n{GOOD_LINE}\n")
    with csv_file.open("r+b") as handle:
        handle.truncate(MAX_SEED_BYTES + 1)
    (problem,) = check_seeds(project)
    assert problem.startswith("data/counts.csv: the file is 4.0 MB, larger than")


def test_coverage_must_be_declared_where_the_answer_seeds_are(
    project: Path,
) -> None:
    (project / "data" / "answer_info_sessions.csv").write_text("a\n1\n")
    with (project / "data" / "_seeds.yml").open("a") as seeds_yaml:
        seeds_yaml.write("  - name: answer_info_sessions\n")
    (problem,) = _problems(project, f"{HEADER}\n{GOOD_LINE}\n")
    assert problem.startswith("dbt_project.yml (vars: answer_coverage) must declare")


FORMULA = "so a spreadsheet that opens the released CSV file would run it as a formula"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('"=HYPERLINK(""http://x"",""y"")"', f"which starts with '=', {FORMULA}"),
        ("=cmd|'/c calc'!A0", "holds '=cmd|'/c calc'!A0', which starts with '='"),
        ("+1+1", f"which starts with '+', {FORMULA}"),
        ("-2+3", f"which starts with '-', {FORMULA}"),
        ("@SUM(A1)", f"which starts with '@', {FORMULA}"),
        ("  =1+1", f"which starts with '=' (after 2 spaces), {FORMULA}"),
        (
            "\t=1+1",
            "which starts with a tab, which a spreadsheet may read as the start",
        ),
        (
            "AN\x00T",
            "holds 'AN<U+0000>T', which has a control character, NULL (U+0000) at "
            "position 3; no text needs one",
        ),
        ("A\x1bB\x7f", "ESCAPE (U+001B) at position 2 (and 1 more like it)"),
        ("A\x85B", "which has a line break, NEXT LINE (U+0085) at position 2"),
        (
            '"## fct_x\n- changed"',
            "holds '## fct_x\u240a- changed', which has a line break, LINE FEED "
            "(U+000A) at position 9; a text cell is one line: join the lines",
        ),
        (
            "\u0410NT",
            "holds '\u0410NT', which has CYRILLIC CAPITAL LETTER A (U+0410) at "
            "position 1, a letter that is not of the Latin alphabet",
        ),
        (
            "A\u200bNT",
            "which has an invisible character, ZERO WIDTH SPACE (U+200B) at position 2",
        ),
        ("Ab\u202ec", "RIGHT-TO-LEFT OVERRIDE (U+202E) at position 3"),
        (
            "x" * 10_000,
            "holds '" + "x" * 59 + "…', a text of 10,000 characters, longer than the "
            "1,000 a text cell may hold",
        ),
    ],
    ids=[
        "hyperlink",
        "dde",
        "plus",
        "minus",
        "at",
        "after-spaces",
        "tab",
        "nul",
        "escape-and-delete",
        "next-line",
        "markdown-lines",
        "cyrillic",
        "zero-width",
        "direction-override",
        "too-long",
    ],
)
def test_text_that_is_not_inert_is_refused(
    project: Path, text: str, expected: str
) -> None:
    """Only text columns: the same values in a figure column are type errors."""
    problems = _problems(project, f"{HEADER}\n{text},2019-01-31,25,0.5,true\n")
    assert len(problems) == 1, problems
    assert problems[0].startswith("data/counts.csv, line 2: column 'region' holds ")
    assert expected in problems[0], problems


def test_undeclared_seed_file_is_named(project: Path) -> None:
    (project / "data" / "notes.csv").write_text("note\n=1+1\n")
    problems = _problems(project, f"{HEADER}\n{GOOD_LINE}\n")
    assert problems == [
        "data/notes.csv: this CSV file is not declared in data/_seeds.yml, so "
        "nothing checks it, yet dbt would load it as a table 'notes' and publish "
        "it; move the file out of the seed folder if it is not a table to publish, "
        "or declare seed 'notes' in data/_seeds.yml (its column types, description "
        "and tests) first"
    ]


@pytest.mark.parametrize(
    ("character", "name"),
    [
        ("\x00", "NULL (U+0000)"),
        ("\x1f", "UNIT SEPARATOR (U+001F)"),
        ("\x7f", "DELETE (U+007F)"),
        ("\uff15", "FULLWIDTH DIGIT FIVE (U+FF15)"),
        ("\u0410", "CYRILLIC CAPITAL LETTER A (U+0410)"),
    ],
)
def test_characters_are_named_as_unicode_names_them(character: str, name: str) -> None:
    assert characters.name(character) == name
