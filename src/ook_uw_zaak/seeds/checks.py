"""Pre-flight checks of the seed CSV files, run before dbt: the problems dbt would
only report as an unreadable cast error (or not at all) are found here and told
as file, line and what to do.

What is checked: every CSV file under the seed folders is declared in a seed YAML
(an undeclared one would be published unchecked); the file is not empty and is
UTF-8 (a byte-order mark is fine); values are separated by the declared delimiter
(a comma), not by semicolons or tabs; every quoted value is closed, and a quote
inside one is doubled; the header holds exactly the columns `column_types`
declares in the seed YAML, and no line repeats it; every line has as many values
as the header; and every value fits its declared type, texts included (values.py:
what a text may not hold to be published as it is). Whether a value is plausible
(not negative, adds up to the total, ...) is left to the dbt data tests on the
seeds; that the answer's figures are the source document's is checked here too
(source.py).
"""

from __future__ import annotations

import sys
from pathlib import Path

from ook_uw_zaak.project import ProjectFileError, project_vars
from ook_uw_zaak.seeds.coverage import check_coverage
from ook_uw_zaak.seeds.reader import (
    UTF8_BOM,
    CsvContent,
    CsvDecodeError,
    SeedFile,
    decode,
    find_seeds,
    parse,
    quoting_error,
    visible,
)
from ook_uw_zaak.seeds.source import check_source
from ook_uw_zaak.seeds.values import value_problem

# A file with many bad lines gets this many messages, then a count of the rest.
MAX_PROBLEMS_PER_FILE = 10
# The largest seed file a build reads, unless dbt_project.yml sets the var
# max_seed_bytes: 4 MB. The answer's tables are tens of rows (the largest seed is
# under 5 KB). A larger file is refused at once, from its size, without reading it,
# so that any input gets an answer fast (a seed of 4 MB already takes dbt a minute).
MAX_SEED_BYTES = 4_000_000
MAX_SEED_BYTES_VAR = "max_seed_bytes"
# How a value too long to quote whole is shown in a message: its first characters.
SHOWN_CHARACTERS = 60


def check_seeds(project_dir: Path) -> list[str]:
    """Every problem found in the project's seed CSV files, one message each; when
    every file reads, also what they lack of the answer's declared coverage and
    every figure the source document does not print where the seed says."""
    seeds, problems = find_seeds(project_dir)
    limit = max_seed_bytes(project_dir)
    for seed in sorted(seeds, key=lambda s: s.display):
        if seed.declared_in is None:
            problems.append(_undeclared(seed, seeds))
        else:
            problems.extend(check_seed(seed, limit))
    if not problems:
        by_name = {s.name: s for s in seeds}
        problems.extend(check_coverage(project_dir, by_name))
        problems.extend(check_source(project_dir, by_name, MAX_PROBLEMS_PER_FILE))
    return problems


def refuse_bad_seeds(project_dir: Path, unchanged: str) -> bool:
    """Check the seeds before anything is built, for every publishing command. When
    any problem is found, print each one and `unchanged` (what readers still see)
    to standard error and return True."""
    problems = check_seeds(project_dir)
    if not problems:
        return False
    print(
        f"\nThe seed files have {len(problems)} problem(s); nothing was built:\n",
        file=sys.stderr,
    )
    for problem in problems:
        print(f"- {problem}", file=sys.stderr)
    print(f"\n{unchanged}", file=sys.stderr, flush=True)
    return True


def max_seed_bytes(project_dir: Path) -> int:
    """The size limit of a seed file: the var max_seed_bytes, or 4 MB."""
    try:
        return int(project_vars(project_dir).get(MAX_SEED_BYTES_VAR, MAX_SEED_BYTES))
    except (ProjectFileError, TypeError, ValueError):
        return MAX_SEED_BYTES


def check_seed(seed: SeedFile, limit: int = MAX_SEED_BYTES) -> list[str]:
    """The problems of one seed CSV file, each as 'file, line N: what; what to do'."""
    size_problem = _size_problem(seed, limit)
    if size_problem:
        return [size_problem]
    raw = seed.path.read_bytes()
    if not raw.removeprefix(UTF8_BOM).strip():
        return [_empty_file(seed)]
    try:
        text = decode(raw)
    except CsvDecodeError as error:
        return [
            f"{seed.display}, line {error.line}: the file is not saved as UTF-8 "
            f"(byte 0x{error.bad_byte:02x} cannot be read); save it again as "
            '"CSV UTF-8 (comma delimited)"'
        ]
    wrong_separator = _wrong_separator(seed, text)
    if wrong_separator:
        return [wrong_separator]
    quoting = _quoting_problem(seed, text)
    if quoting:
        return [quoting]
    content = parse(text, seed.delimiter)
    problems = _header_problems(seed, content)
    if problems:
        return problems  # the rows cannot be read against a wrong header
    if not content.rows:
        return [
            f"{seed.display}, line {content.header_line + 1}: the file has a header "
            "but no rows; add the rows from the published answer (or restore the "
            "file with `git checkout -- <the file>`)"
        ]
    row_problems = list(_row_problems(seed, content))
    if len(row_problems) > MAX_PROBLEMS_PER_FILE:
        hidden = len(row_problems) - MAX_PROBLEMS_PER_FILE
        row_problems = row_problems[:MAX_PROBLEMS_PER_FILE]
        row_problems.append(f"{seed.display}: {hidden} more problems like these")
    return row_problems


def _size_problem(seed: SeedFile, limit: int) -> str | None:
    """A file that is not a plain file, or larger than any seed should be, is
    refused before a byte of it is read."""
    if not seed.path.is_file():
        return (
            f"{seed.display}: this is not a plain file (a folder, a device or a "
            "broken link); put the CSV file itself there"
        )
    size = seed.path.stat().st_size
    if size > limit:
        return (
            f"{seed.display}: the file is {size / 1_000_000:,.1f} MB, larger than the "
            f"{limit / 1_000_000:,.0f} MB a seed may be (seeds hold the "
            "answer's tables, tens of rows each); nothing of it was read. Check "
            "that this is the right file: restore it (for example with `git "
            "checkout -- <the file>`) or copy the rows again from the published "
            "answer"
        )
    return None


def _undeclared(seed: SeedFile, seeds: list[SeedFile]) -> str:
    """A CSV file under the seed folders that no seed YAML declares: dbt would
    load and publish it as a table of its own, unchecked and undocumented."""
    declared_in = sorted({s.declared_in for s in seeds if s.declared_in})
    yaml_file = " or ".join(declared_in) or "a YAML file beside it"
    return (
        f"{seed.display}: this CSV file is not declared in {yaml_file}, so nothing "
        f"checks it, yet dbt would load it as a table '{seed.name}' and publish "
        "it; move the file out of the seed folder if it is not a table to "
        f"publish, or declare seed '{seed.name}' in {yaml_file} (its column "
        "types, description and tests) first"
    )


def _expected_header(seed: SeedFile) -> str:
    return seed.delimiter.join(seed.column_types) if seed.column_types else ""


def _empty_file(seed: SeedFile) -> str:
    header = _expected_header(seed)
    needs = f"the header line `{header}`" if header else "a header line"
    return (
        f"{seed.display}, line 1: the file is empty; it needs {needs} followed by "
        "one line per row. Restore it (for example with `git checkout -- <the "
        "file>`) or copy the rows again from the published answer"
    )


def _wrong_separator(seed: SeedFile, text: str) -> str | None:
    """A message when the header is split by semicolons or tabs, not the delimiter."""
    first_line = text.lstrip("\r\n").splitlines()[0]
    expected = first_line.count(seed.delimiter)
    for separator, name in ((";", "semicolons (;)"), ("\t", "tabs")):
        if separator != seed.delimiter and first_line.count(separator) > expected:
            line = text[: text.index(first_line)].count("\n") + 1
            return (
                f"{seed.display}, line {line}: the values are separated by {name}, "
                "the way a spreadsheet with Belgian (or other European) settings "
                f"saves a CSV file; separate them by '{seed.delimiter}' instead: "
                'save the file as "CSV UTF-8 (comma delimited)", and write numbers '
                "without a thousands separator and with a decimal point (1.5, not "
                "1,5)"
            )
    return None


def _quoting_problem(seed: SeedFile, text: str) -> str | None:
    """A double quote that ends a quoted value early, or a quoted value never
    closed: DuckDB's CSV reader fails on the whole file without naming a line."""
    error = quoting_error(text, seed.delimiter)
    if error is None:
        return None
    line, unclosed = error
    where = f"{seed.display}, line {line}"
    if unclosed:
        return (
            f'{where}: a value opens with a double quote (") that is never '
            "closed, so the rest of the file would be read as that one value; "
            "close the quote at the end of the value, or remove it"
        )
    return (
        f'{where}: a double quote (") inside a quoted value ends the value '
        f'early; write a quote inside a quoted value as two (""), or remove it'
    )


def _header_problems(seed: SeedFile, content: CsvContent) -> list[str]:
    where = f"{seed.display}, line {content.header_line}"
    header = [name.strip() for name in content.header]
    problems = [
        f"{where}: column '{name}' appears more than once in the header; keep one"
        for name in sorted({n for n in header if header.count(n) > 1})
    ]
    if "" in header:
        problems.append(
            f"{where}: the header has a column without a name (column "
            f"{header.index('') + 1}); name it or remove it"
        )
    if not seed.column_types:
        return problems
    expected = list(seed.column_types)
    must_be = f"the header must be: {_expected_header(seed)}"
    missing = [name for name in expected if name not in header]
    unknown = [name for name in header if name and name not in expected]
    if len(missing) == 1 and len(unknown) == 1:
        problems.append(
            f"{where}: the header has '{unknown[0]}' where '{missing[0]}' is "
            f"expected; rename the column back to '{missing[0]}' ({must_be})"
        )
        return problems
    problems.extend(
        f"{where}: the header lacks column '{name}'; add the column with its "
        f"values ({must_be})"
        for name in missing
    )
    problems.extend(
        f"{where}: column '{name}' is not declared for seed '{seed.name}' in "
        f"{seed.declared_in}; remove the column, or declare it there (with its "
        f"type) first ({must_be})"
        for name in unknown
    )
    return problems


def _row_problems(seed: SeedFile, content: CsvContent) -> list[str]:
    header = [name.strip() for name in content.header]
    problems: list[str] = []
    for line, values in content.rows:
        where = f"{seed.display}, line {line}"
        if [value.strip() for value in values] == header:
            problems.append(
                f"{where} repeats the header; remove the line (a file pasted or "
                "saved into itself twice leaves one)"
            )
            continue
        if len(values) != len(header):
            problems.append(
                f"{where}: the line has {len(values)} values but the header has "
                f"{len(header)} columns; add the missing value or remove the extra "
                "one (a value that holds a comma must be in double quotes)"
            )
            continue
        for name, value in zip(header, values, strict=True):
            problem = value_problem(seed.column_types.get(name, ""), value)
            if problem:
                problems.append(
                    f"{where}: column '{name}' holds {_shown(value)}, {problem}"
                )
    return problems


def _shown(value: str) -> str:
    """The value in quotes, every invisible character named; a long one cut."""
    if len(value) > SHOWN_CHARACTERS:
        return _shown(value[: SHOWN_CHARACTERS - 1]).removesuffix("'") + "…'"
    shown = visible(value)
    return shown if shown != value else f"'{value}'"
