"""Every figure of the answer, checked in the marts of a warehouse built in a
temporary copy (the `built_warehouse` fixture)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from support.answer_figures import (
    ESCANS,
    ESCANS_TOTAL,
    INFO_SESSION_TOTALS,
    INFO_SESSIONS,
    WEBSITE_VISITORS,
    WEBSITE_VISITORS_TOTAL,
)


@pytest.fixture(scope="module")
def warehouse(built_warehouse: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(str(built_warehouse), read_only=True)
    yield connection
    connection.close()


def test_the_ten_province_year_pairs(warehouse: duckdb.DuckDBPyConnection) -> None:
    rows = warehouse.sql(
        "select province_code, calendar_year, sessions, participants"
        " from marts.fct_info_sessions_by_province_year"
    ).fetchall()
    found = {(code, year): (sessions, people) for code, year, sessions, people in rows}
    assert found == INFO_SESSIONS


def test_the_yearly_totals(warehouse: duckdb.DuckDBPyConnection) -> None:
    rows = warehouse.sql(
        "select calendar_year, sessions, participants"
        " from marts.fct_info_sessions_by_year where report_status = 'reported'"
    ).fetchall()
    assert {year: (sessions, people) for year, sessions, people in rows} == (
        INFO_SESSION_TOTALS
    )


def test_pending_years_are_null_not_zero(warehouse: duckdb.DuckDBPyConnection) -> None:
    rows = warehouse.sql(
        "select calendar_year, report_status, sessions, participants"
        " from marts.fct_info_sessions_by_year where calendar_year >= 2020"
        " order by calendar_year"
    ).fetchall()
    assert rows == [(2020, "pending", None, None), (2021, "pending", None, None)]


def test_the_escan_periods(warehouse: duckdb.DuckDBPyConnection) -> None:
    rows = warehouse.sql(
        "select period_label, escans from marts.fct_online_activity_by_period"
    ).fetchall()
    assert dict(rows) == ESCANS


def test_the_visitor_periods(warehouse: duckdb.DuckDBPyConnection) -> None:
    rows = warehouse.sql(
        "select period_label, website_visitors from marts.fct_online_activity_by_period"
    ).fetchall()
    assert dict(rows) == WEBSITE_VISITORS


@pytest.mark.parametrize(
    ("figure", "published"),
    [("escans", ESCANS_TOTAL), ("website_visitors", WEBSITE_VISITORS_TOTAL)],
)
def test_the_period_totals(
    warehouse: duckdb.DuckDBPyConnection, figure: str, published: int
) -> None:
    row = warehouse.execute(
        "select published_total, sum_of_parts, difference, is_reconciled"
        " from marts.fct_published_total_reconciliation where figure = ?",
        [figure],
    ).fetchone()
    assert row == (published, published, 0, True)


def test_every_published_total_reconciles(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    unreconciled = warehouse.sql(
        "select figure, scope, difference"
        " from marts.fct_published_total_reconciliation"
        " where not is_reconciled"
    ).fetchall()
    count = warehouse.sql(
        "select count(*) from marts.fct_published_total_reconciliation"
    ).fetchone()
    assert unreconciled == []
    # 2 years x 2 counts of question 2, e-scans, visitors, 3 population years,
    # 2 municipality counts: 4 + 1 + 1 + 3 + 2
    assert count == (11,)


def test_the_fourteen_month_period_is_normalised(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    months, per_month = warehouse.sql(
        "select months_in_period, escans_per_month"
        " from marts.fct_online_activity_by_period"
        " where period_label = 'nov 2015- dec 2016'"
    ).fetchone()
    assert months == 14
    assert per_month == pytest.approx(1138 / 14)


def test_overview_says_why_a_year_has_no_figure(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    rows = warehouse.sql(
        "select calendar_year, info_sessions_status, info_sessions,"
        " online_activity_status, escans"
        " from marts.fct_programme_overview_by_year order by calendar_year"
    ).fetchall()
    assert rows == [
        (2015, "not_reported", None, "in_period_of_other_year", None),
        (2016, "not_reported", None, "reported", 1138),
        (2017, "not_reported", None, "reported", 173),
        (2018, "reported", 89, "reported", 839),
        (2019, "reported", 73, "reported", 295),
        (2020, "pending", None, "reported", 646),
        (2021, "pending", None, "not_reported", None),
    ]


def _compiled_analyses(built_warehouse: Path, workdir: Path) -> dict[str, str]:
    """Compile the project's analyses against a copy of the published file, so that
    the compiled SQL names the same catalog, and return name -> SQL."""
    project_dir = built_warehouse.parent
    database_copy = workdir / built_warehouse.name
    shutil.copyfile(built_warehouse, database_copy)
    env = dict(os.environ, OOK_UW_ZAAK_DUCKDB_PATH=str(database_copy))
    env["DBT_TARGET_PATH"] = str(workdir / "target")
    subprocess.run(
        [
            str(Path(sys.executable).parent / "dbt"),
            "compile",
            "--quiet",
            "--select",
            "resource_type:analysis",
        ],
        cwd=project_dir,
        env=env,
        check=True,
    )
    compiled = workdir / "target" / "compiled" / "ook_uw_zaak" / "analyses"
    return {path.stem: path.read_text() for path in compiled.glob("*.sql")}


def test_analyses_reproduce_the_answer_tables(
    built_warehouse: Path,
    warehouse: duckdb.DuckDBPyConnection,
    tmp_path: Path,
) -> None:
    analyses = _compiled_analyses(built_warehouse, tmp_path)

    question_2 = warehouse.sql(analyses["q2_info_sessions_by_province"]).fetchall()
    expected_2 = [
        (code, *INFO_SESSIONS[(code, 2018)], *INFO_SESSIONS[(code, 2019)])
        for code in ("ANT", "LIM", "OVL", "VBR", "WVL")
    ]
    expected_2.append(("tot", *INFO_SESSION_TOTALS[2018], *INFO_SESSION_TOTALS[2019]))
    assert question_2 == expected_2

    question_3 = warehouse.sql(analyses["q3_escans_by_period"]).fetchall()
    assert question_3 == [*ESCANS.items(), ("Totaal", ESCANS_TOTAL)]

    question_4 = warehouse.sql(analyses["q4_website_visitors_by_period"]).fetchall()
    assert question_4 == [*WEBSITE_VISITORS.items(), ("Totaal", WEBSITE_VISITORS_TOTAL)]
