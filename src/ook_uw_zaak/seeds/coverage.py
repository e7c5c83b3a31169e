"""What the answer prints, declared once (var `answer_coverage` in dbt_project.yml),
and checked before dbt runs: seeds that lose any of it are refused, with what is
missing and where it was expected.

- info sessions: every declared year has a row for every province of
  reference_provinces.csv and a totals row; a year beyond those (new figures) is
  welcome when it is complete in the same way;
- e-scans and website visitors: the periods run from the declared first day to at
  least the declared last day, and each table has its published total.

A province missing from a year that has rows, and periods with a gap or an overlap,
are the dbt tests' to find (has_every_value_per_group, periods_are_contiguous):
each rule is checked once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from ook_uw_zaak.project import ProjectFileError, project_vars
from ook_uw_zaak.seeds.reader import SeedFile, read, visible

COVERAGE_VAR = "answer_coverage"
INFO_SESSIONS = "answer_info_sessions"
INFO_SESSION_TOTALS = "answer_info_session_totals"
PROVINCES = "reference_provinces"
# Each table of periods, with the seed of its published total.
PERIOD_TABLES = {
    "answer_escans": "answer_escan_totals",
    "answer_website_visitors": "answer_website_visitor_totals",
}


@dataclass(frozen=True)
class Coverage:
    info_session_years: tuple[int, ...]
    first_day: date
    last_day: date


class CoverageDeclarationError(ValueError):
    """The declaration in dbt_project.yml is missing or malformed."""


def declared_coverage(project_dir: Path) -> Coverage:
    """The coverage declared in dbt_project.yml (vars: answer_coverage)."""
    where = f"dbt_project.yml (vars: {COVERAGE_VAR})"
    try:
        declared: dict[str, Any] = project_vars(project_dir)[COVERAGE_VAR]
        years = tuple(int(y) for y in declared["info_session_years"])
        first_day = date.fromisoformat(str(declared["online_activity_first_day"]))
        last_day = date.fromisoformat(str(declared["online_activity_last_day"]))
    except (ProjectFileError, AttributeError, TypeError) as error:
        raise CoverageDeclarationError(f"{where} cannot be read: {error}") from error
    except (KeyError, ValueError) as error:
        raise CoverageDeclarationError(
            f"{where} must declare info_session_years (a list of years), "
            "online_activity_first_day and online_activity_last_day (YYYY-MM-DD); "
            f"{error} is missing or wrong"
        ) from error
    if not years or first_day > last_day:
        raise CoverageDeclarationError(f"{where} declares no year or an empty span")
    return Coverage(years, first_day, last_day)


def check_coverage(project_dir: Path, seeds: dict[str, SeedFile]) -> list[str]:
    """What the seeds lack of the declared coverage, one message each."""
    if INFO_SESSIONS not in seeds and PROVINCES not in seeds:
        return []  # not this warehouse's seeds: nothing of the answer to cover
    try:
        coverage = declared_coverage(project_dir)
    except CoverageDeclarationError as error:
        return [str(error)]
    problems: list[str] = []
    needed = [INFO_SESSIONS, INFO_SESSION_TOTALS, PROVINCES]
    needed += [*PERIOD_TABLES, *PERIOD_TABLES.values()]
    missing = [name for name in needed if name not in seeds]
    problems += [f"the seed {name}.csv is missing; restore it" for name in missing]
    if not missing:
        problems += _info_session_problems(coverage, seeds)
        for periods, totals in PERIOD_TABLES.items():
            problems += _period_problems(coverage, seeds[periods], seeds[totals])
    return problems


def _rows(seed: SeedFile) -> list[tuple[int, dict[str, str]]]:
    content = read(seed)
    header = [name.strip() for name in content.header]
    return [
        (line, dict(zip(header, values, strict=False))) for line, values in content.rows
    ]


def _year(value: str | None) -> int | None:
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def _info_session_problems(coverage: Coverage, seeds: dict[str, SeedFile]) -> list[str]:
    sessions, totals = seeds[INFO_SESSIONS], seeds[INFO_SESSION_TOTALS]
    provinces = sorted(
        row.get("province_code", "") for _, row in _rows(seeds[PROVINCES])
    )
    rows = _rows(sessions)
    problems: list[str] = []
    for line, row in rows:
        code = row.get("province_code", "")
        if code not in provinces and code.strip() in provinces:
            problems.append(
                f"{sessions.display}, line {line}: column 'province_code' holds "
                f"{visible(code)}, which has characters around the code; write "
                f"'{code.strip()}'"
            )
    present: dict[int, set[str]] = {}
    for _, row in rows:
        year = _year(row.get("year"))
        if year is not None:
            present.setdefault(year, set()).add(row.get("province_code", ""))
    total_years = {_year(row.get("year")) for _, row in _rows(totals)}
    expected_line = ",".join(
        "<" + name + ">" if name not in ("province_code", "year") else "{" + name + "}"
        for name in sessions.column_types
    )
    for year in sorted(set(coverage.info_session_years) | set(present)):
        declared = year in coverage.info_session_years
        why = (
            "the answer prints it"
            if declared
            else "new figures must be complete to be published"
        )
        found = present.get(year, set())
        if not found:
            problems.append(
                f"{sessions.display}: the info sessions of {year} are missing (no "
                f"row for any province; {why}); expected one line per province "
                f"({', '.join(provinces)}) such as "
                f"`{expected_line.format(province_code=provinces[0], year=year)}`. "
                "Restore them from the published answer"
            )
        if year not in total_years:
            problems.append(
                f"{totals.display}: the totals row of {year} is missing ({why}); "
                f"expected a line `tot,{year},<sessions>,<participants>,2` with the "
                "published totals"
            )
    return problems


def _period_problems(
    coverage: Coverage, periods: SeedFile, totals: SeedFile
) -> list[str]:
    spans: list[tuple[date, date, int]] = []
    for line, row in _rows(periods):
        try:
            first = date.fromisoformat(row.get("first_day", "").strip())
            last = date.fromisoformat(row.get("last_day", "").strip())
        except ValueError:
            continue  # the type check reports a malformed date
        spans.append((first, last, line))
    spans.sort()
    problems: list[str] = []
    span = f"{coverage.first_day.isoformat()} to {coverage.last_day.isoformat()}"
    if not spans:
        return [f"{periods.display}: no period at all; the answer covers {span}"]
    first, _, line = spans[0]
    if first > coverage.first_day:
        problems.append(
            f"{periods.display}: the periods start on {first.isoformat()} (line "
            f"{line}), but the answer's first period starts on "
            f"{coverage.first_day.isoformat()}: the period(s) before "
            f"{first.isoformat()} are missing; expected as the first line after the "
            "header"
        )
    last = max(end for _, end, _ in spans)
    if last < coverage.last_day:
        last_line = max(spans, key=lambda s: s[1])[2]
        problems.append(
            f"{periods.display}: the periods end on {last.isoformat()} (line "
            f"{last_line}), but the answer reports up to "
            f"{coverage.last_day.isoformat()}: the period(s) after "
            f"{last.isoformat()} are missing; expected after line {last_line}"
        )
    if not _rows(totals):
        problems.append(
            f"{totals.display}: the published total is missing; expected the line "
            f"`Totaal,<total>,<question>` under the header"
        )
    return problems
