"""Synthetic seeds for the benchmark: the published tables grown to a multiple of
their rows, with every total kept consistent so that every data test still passes.

Which rows are added, for a factor F:

- info sessions: 2 * (F - 1) more years (so 10 * F rows), each with the five
  provinces and a matching totals row, from the year after info_session_last_year
  (2022) on: 2020 and 2021 stay pending, as the answer has them;
- e-scans and website visitors: yearly periods after 2020 (5 * F rows), contiguous,
  the same periods in both tables, the published totals set to the new sums. The
  marts need one period per calendar year (the year a period is reported under is
  a key), and a date must stay within year 9999 (the pre-flight checks read dates
  with Python), so these two tables stop at year 9999: at most 7,984 periods;
- reference population: the added info-session years up to 9999, the region the
  sum of its provinces; the other reference tables apply to every later year as
  they are;
- the programme facts and the questions asked stay as published: they describe
  the answer, they are not counts that grow.

The vars programme_last_year and info_session_last_year are moved to the last added
period and info-session year in the copy's dbt_project.yml, so that the programme
overview, the yearly info-session mart and the time spine grow with the seeds
(2020 and 2021 stay pending among them). The unit tests set the vars they rely on.

The build compares every figure of the answer's seeds with the source documents
before dbt runs (ook_uw_zaak.seeds.source), so the grown figures come with a
synthetic one, docs/source/synthetic_answer.txt, that prints every row of the grown
tables the way the answer does.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import yaml

# The last year a period may end in: the pre-flight checks read dates with
# Python's datetime, whose years have four digits.
LAST_DATE_YEAR = 9999

INFO_SESSIONS = "seeds/answer/answer_info_sessions.csv"
INFO_SESSION_TOTALS = "seeds/answer/answer_info_session_totals.csv"
ESCANS = "seeds/answer/answer_escans.csv"
ESCAN_TOTALS = "seeds/answer/answer_escan_totals.csv"
VISITORS = "seeds/answer/answer_website_visitors.csv"
VISITOR_TOTALS = "seeds/answer/answer_website_visitor_totals.csv"
POPULATION = "seeds/reference/reference_population.csv"
SOURCE_DOCUMENT = "docs/source/synthetic_answer.txt"
PROVINCE_LEVEL, REGION_LEVEL = "province", "region"
LAST_SCHEME_YEAR = "info_session_last_year"


@dataclass(frozen=True)
class Synthetic:
    """What was written: rows per seed file, and the dbt vars it needs."""

    rows: dict[str, int]
    variables: dict[str, int]

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def _write(path: Path, header: list[str], rows: list[dict[str, object]]) -> None:
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def seed_rows(project_dir: Path) -> dict[str, int]:
    """The number of data rows of every seed CSV file of a project."""
    counts = {}
    for path in sorted((project_dir / "seeds").rglob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            counts[path.relative_to(project_dir).as_posix()] = (
                sum(1 for row in csv.reader(handle) if row) - 1
            )
    return counts


def write_synthetic_seeds(project_dir: Path, factor: int) -> Synthetic:
    """Grow the seeds of the project at `project_dir` (a temporary copy: its files
    are overwritten) to `factor` times the published rows. Factor 1 leaves them as
    published."""
    if factor < 1:
        raise ValueError(f"the factor must be 1 or more, not {factor}")
    variables: dict[str, int] = {}
    if factor > 1:
        last_info_year = _grow_info_sessions(project_dir, factor)
        last_period_year = _grow_periods(project_dir, factor)
        _grow_population(project_dir, last_info_year)
        variables = {
            "programme_last_year": last_period_year,
            LAST_SCHEME_YEAR: last_info_year,
            # Synthetic seeds grow past the published seeds' size limit (4 MB).
            "max_seed_bytes": 1_000_000_000,
        }
        set_project_vars(project_dir, variables)
        _write_source_document(project_dir)
    return Synthetic(rows=seed_rows(project_dir), variables=variables)


def _grow_info_sessions(project_dir: Path, factor: int) -> int:
    """Add years with the five provinces and a totals row; return the last year."""
    header, rows = _read(project_dir / INFO_SESSIONS)
    total_header, totals = _read(project_dir / INFO_SESSION_TOTALS)
    published_years = sorted({int(row["year"]) for row in rows})
    template = {int(t["year"]): t for t in totals}
    first_new = (
        max(published_years[-1], _project_var(project_dir, LAST_SCHEME_YEAR)) + 1
    )
    added_years = len(published_years) * (factor - 1)
    new_rows: list[dict[str, object]] = list(rows)
    new_totals: list[dict[str, object]] = list(totals)
    for offset in range(added_years):
        year = first_new + offset
        like = published_years[offset % len(published_years)]
        sessions = participants = 0
        for row in (r for r in rows if int(r["year"]) == like):
            # A small deterministic change so that no two years are alike.
            extra_sessions = (offset + len(row["province_code"])) % 5
            sess = int(row["sess"]) + extra_sessions
            deeln = int(row["deeln"]) + 30 * extra_sessions
            new_rows.append({**row, "year": year, "sess": sess, "deeln": deeln})
            sessions += sess
            participants += deeln
        new_totals.append(
            {**template[like], "year": year, "sess": sessions, "deeln": participants}
        )
    _write(project_dir / INFO_SESSIONS, header, new_rows)
    _write(project_dir / INFO_SESSION_TOTALS, total_header, new_totals)
    return first_new + added_years - 1


def _grow_periods(project_dir: Path, factor: int) -> int:
    """Add yearly periods to the e-scan and visitor tables (the same periods in
    both), set their totals to the new sums; return the last period's year."""
    last_year = 0
    for parts, totals, column in (
        (ESCANS, ESCAN_TOTALS, "e_scans"),
        (VISITORS, VISITOR_TOTALS, "bezoekers"),
    ):
        header, rows = _read(project_dir / parts)
        total_header, total_rows = _read(project_dir / totals)
        rows.sort(key=lambda row: row["first_day"])
        last_day = date.fromisoformat(rows[-1]["last_day"])
        full_years = [r for r in rows if r["first_day"][5:] == "01-01"] or rows
        wanted = len(rows) * factor - len(rows)
        new_rows: list[dict[str, object]] = list(rows)
        for offset in range(wanted):
            first = last_day + timedelta(days=1)  # contiguous with the last one
            if first.year > LAST_DATE_YEAR:
                break
            last_day = date(first.year, 12, 31)
            like = full_years[offset % len(full_years)]
            new_rows.append(
                {
                    **like,
                    "periode": str(first.year),
                    "first_day": first.isoformat(),
                    "last_day": last_day.isoformat(),
                    column: int(like[column]) + offset % 97,
                }
            )
            if last_day.year == LAST_DATE_YEAR:
                break  # 31 December 9999: the day after it is not a date
        total = sum(int(row[column]) for row in new_rows)
        _write(project_dir / parts, header, new_rows)
        _write(project_dir / totals, total_header, [{**total_rows[0], column: total}])
        last_year = last_day.year
    return last_year


def _grow_population(project_dir: Path, last_info_year: int) -> None:
    """Add the population on 1 January of every added year up to 9999: the last
    published figures, a little higher each year; the region is the sum."""
    header, rows = _read(project_dir / POPULATION)
    latest = max(row["reference_date"] for row in rows)
    base = [r for r in rows if r["reference_date"] == latest]
    provinces = [r for r in base if r["geography_level"] == PROVINCE_LEVEL]
    region = next(r for r in base if r["geography_level"] == REGION_LEVEL)
    new_rows: list[dict[str, object]] = list(rows)
    first_year = int(latest[:4]) + 1
    for year in range(first_year, min(last_info_year, LAST_DATE_YEAR) + 1):
        step = year - first_year + 1
        day = f"{year:04d}-01-01"
        counts = [int(p["population"]) + 100 * step for p in provinces]
        for province, count in zip(provinces, counts, strict=True):
            new_rows.append({**province, "reference_date": day, "population": count})
        new_rows.append({**region, "reference_date": day, "population": sum(counts)})
    _write(project_dir / POPULATION, header, new_rows)


def _write_source_document(project_dir: Path) -> None:
    """A document printing every row of the grown tables as the answer prints
    them: the questions 2 to 4, then their answers, numbered alike."""
    lines = ["Synthetic figures for the benchmark, not published.", ""]
    lines += ["2. Info sessions?", "3. E-scans?", "4. Website visitors?", ""]
    lines += ["2.", *_info_session_table(project_dir), ""]
    for number, (parts, totals, column) in enumerate(
        ((ESCANS, ESCAN_TOTALS, "e_scans"), (VISITORS, VISITOR_TOTALS, "bezoekers")),
        start=3,
    ):
        rows = _read(project_dir / parts)[1] + _read(project_dir / totals)[1]
        lines.append(f"{number}. periode {column}")
        lines += [f"{row.get('periode') or row['label']} {row[column]}" for row in rows]
        lines.append("")
    (project_dir / SOURCE_DOCUMENT).write_text("\n".join(lines), encoding="utf-8")


def _info_session_table(project_dir: Path) -> list[str]:
    """The info sessions as the answer prints them: a group of columns per year,
    a line per province and the totals line, the years under the table."""
    rows = _read(project_dir / INFO_SESSIONS)[1]
    rows += _read(project_dir / INFO_SESSION_TOTALS)[1]
    years = sorted({row["year"] for row in rows}, key=int)
    figures: dict[str, dict[str, str]] = {}
    for row in rows:
        label = row.get("province_code") or row["label"]
        figures.setdefault(label, {})[row["year"]] = f"{row['sess']} {row['deeln']}"
    table = ["sess deeln " * len(years)]
    table += [
        f"{label} {' '.join(by_year[year] for year in years)}"
        for label, by_year in figures.items()
    ]
    return [*table, " ".join(years)]


def _project_var(project_dir: Path, name: str) -> int:
    config = yaml.safe_load((project_dir / "dbt_project.yml").read_text("utf-8"))
    return int((config.get("vars") or {})[name])


def set_project_vars(project_dir: Path, variables: dict[str, int]) -> None:
    """Set vars in the copy's dbt_project.yml, keeping the rest of the file."""
    project_file = project_dir / "dbt_project.yml"
    text = project_file.read_text(encoding="utf-8")
    for name, value in variables.items():
        text, found = re.subn(
            rf"^(\s*{re.escape(name)}:)\s*\S+", rf"\g<1> {value}", text, flags=re.M
        )
        if found != 1:
            raise ValueError(f"dbt_project.yml has no single var '{name}' to set")
    project_file.write_text(text, encoding="utf-8")
