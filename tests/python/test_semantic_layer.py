"""The semantic layer: `mf query` (dbt-metricflow) answers metric queries from the
warehouse with the figures of the answer, and the `mf` commands that
docs/semantic-layer.md shows run as written.

The queries run in a temporary copy of the project holding a copy of the warehouse
built by the `built_warehouse` fixture: `dbt parse` writes the semantic manifest
there, and MetricFlow reads the DuckDB file through the project's profile.
"""

from __future__ import annotations

import csv
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PUBLISHED_FILE_NAME, REPO_ROOT, copy_project
from support.answer_figures import (
    ESCANS,
    ESCANS_TOTAL,
    INFO_SESSION_TOTALS,
    INFO_SESSIONS,
    WEBSITE_VISITORS_TOTAL,
)

DOCS_FILE = REPO_ROOT / "docs" / "semantic-layer.md"
DBT = "from dbt.cli.main import cli; cli(prog_name='dbt')"
MF = "from dbt_metricflow.cli.main import cli; cli()"
Rows = list[dict[str, str]]


class Project:
    """A project copy with the warehouse and a semantic manifest, to query."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        # mf reads target/semantic_manifest.json wherever DBT_TARGET_PATH points.
        self.env = {
            name: value
            for name, value in os.environ.items()
            if name not in {"DBT_TARGET_PATH", "DBT_PROJECT_DIR", "DBT_PROFILES_DIR"}
        }
        self.env["OOK_UW_ZAAK_DUCKDB_PATH"] = PUBLISHED_FILE_NAME

    def run(self, code: str, *arguments: str) -> None:
        result = subprocess.run(
            [sys.executable, "-c", code, *arguments],
            cwd=self.directory,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

    def query(self, *arguments: str) -> Rows:
        output = self.directory / "query.csv"
        output.unlink(missing_ok=True)
        self.run(MF, "query", *arguments, "--csv", str(output))
        with output.open(newline="", encoding="utf-8") as file:
            return list(csv.DictReader(file))


@pytest.fixture(scope="module")
def project(built_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Project:
    directory = copy_project(tmp_path_factory.mktemp("semantic_layer") / "project")
    # The same file name as the published file: its catalog name is in the manifest.
    shutil.copyfile(built_warehouse, directory / PUBLISHED_FILE_NAME)
    project = Project(directory)
    project.run(DBT, "parse", "--quiet")
    return project


def _year(row: dict[str, str]) -> int:
    return int(row["metric_time__year"][:4])


def test_info_session_metrics_by_province_and_year(project: Project) -> None:
    rows = project.query(
        "--metrics",
        "sessions,participants,participants_per_session",
        "--group-by",
        "metric_time__year,province",
    )
    found = {
        (row["province"], _year(row)): (int(row["sessions"]), int(row["participants"]))
        for row in rows
    }
    # Every pair of the answer (WVL 2019: 39 sessions, 1195 participants), and no
    # rows for the pending years 2020 and 2021.
    assert found == INFO_SESSIONS
    wvl_2019 = next(r for r in rows if r["province"] == "WVL" and _year(r) == 2019)
    assert float(wvl_2019["participants_per_session"]) == pytest.approx(1195 / 39)


def test_every_metric_by_year(project: Project) -> None:
    rows = project.query(
        "--metrics",
        "sessions,participants,participants_per_session,"
        "escans,website_visitors,escans_per_1000_website_visitors",
        "--group-by",
        "metric_time__year",
    )
    by_year = {_year(row): row for row in rows}
    for year, (sessions, participants) in INFO_SESSION_TOTALS.items():
        assert int(by_year[year]["sessions"]) == sessions
        assert int(by_year[year]["participants"]) == participants  # 2018: 2822
        # A ratio of the year's sums, not an average of the provinces' ratios.
        assert float(by_year[year]["participants_per_session"]) == pytest.approx(
            participants / sessions
        )
    # 2020 has e-scans but no info-session figures yet: empty, never zero.
    assert by_year[2020]["sessions"] == by_year[2020]["participants"] == ""
    # One figure per period, the first (fourteen months) reported under 2016.
    escans = {year: int(row["escans"]) for year, row in by_year.items()}
    assert escans == {int(label[-4:]): figure for label, figure in ESCANS.items()}
    assert sum(escans.values()) == ESCANS_TOTAL  # 3091
    visitors = {year: int(row["website_visitors"]) for year, row in by_year.items()}
    assert sum(visitors.values()) == WEBSITE_VISITORS_TOTAL  # 176260
    for year, row in by_year.items():
        assert float(row["escans_per_1000_website_visitors"]) == pytest.approx(
            escans[year] * 1000 / visitors[year]
        )


def _documented_mf_commands() -> list[list[str]]:
    """The arguments of every `mf` command in the shell blocks of the docs file."""
    text = DOCS_FILE.read_text(encoding="utf-8")
    return [
        shlex.split(line.split("#", 1)[0])[1:]
        for block in re.findall(r"```sh\n(.*?)```", text, re.DOTALL)
        for line in block.splitlines()
        if line.startswith("mf ")
    ]


def test_documented_mf_commands_run_as_written(project: Project) -> None:
    commands = _documented_mf_commands()
    queries = [arguments[1:] for arguments in commands if arguments[0] == "query"]
    assert queries, f"{DOCS_FILE.name} shows no mf query"
    for arguments in commands:
        if arguments[0] != "query":
            project.run(MF, *arguments)
    results = [project.query(*arguments) for arguments in queries]
    # The participants the docs give for the first query: "ANT 536 / 382, ...".
    documented = {
        (province, year): int(figure)
        for province, *figures in re.findall(
            r"\b([A-Z]{3}) (\d+) / (\d+)", DOCS_FILE.read_text(encoding="utf-8")
        )
        for year, figure in zip((2018, 2019), figures, strict=True)
    }
    assert documented == {key: pair[1] for key, pair in INFO_SESSIONS.items()}
    first = {
        (row["province"], _year(row)): int(row["participants"]) for row in results[0]
    }
    assert first == documented
    # What the docs say of the years without a figure: queried alone, the
    # info-session metrics have no row for them; beside e-scans, an empty cell.
    for rows in results:
        if "sessions" in rows[0] and "escans" in rows[0]:
            empty = {_year(row) for row in rows if row["sessions"] == ""}
            assert empty == {2016, 2017, 2020}
        elif "escans" not in rows[0]:
            assert {_year(row) for row in rows} == {2018, 2019}
