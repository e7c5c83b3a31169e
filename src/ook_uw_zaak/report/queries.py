"""What the report reads: one query per mart, from the published warehouse through
a hardened read-only connection (ook_uw_zaak.connect: no other file, no extension,
settings locked). The report reads the `marts` schema and nothing else."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from ook_uw_zaak.connect import connect

# The marts the report reads; each is also a CSV of the release, data/csv/<mart>.csv.
PROVINCES = "dim_province"
PERIODS = "dim_reporting_period"
INFO_SESSIONS_BY_PROVINCE_YEAR = "fct_info_sessions_by_province_year"
INFO_SESSIONS_BY_YEAR = "fct_info_sessions_by_year"
ONLINE_ACTIVITY_BY_PERIOD = "fct_online_activity_by_period"
PROGRAMME_FACTS = "fct_programme_facts"
WHOLE_RUN = "fct_programme_whole_run"
RECONCILIATION = "fct_published_total_reconciliation"
AVAILABILITY = "fct_data_availability"

Row = dict[str, Any]


@dataclass(frozen=True)
class Marts:
    """The rows the report reads, one list per mart. `whole_run` is None for a
    warehouse published before the whole-run mart existed."""

    provinces: list[Row]
    years: list[Row]
    province_years: list[Row]
    periods: list[Row]
    facts: list[Row]
    reconciliation: list[Row]
    availability: list[Row]
    whole_run: list[Row] | None


def _rows(connection: duckdb.DuckDBPyConnection, sql: str) -> list[Row]:
    cursor = connection.execute(sql)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]


def _has_mart(connection: duckdb.DuckDBPyConnection, mart: str) -> bool:
    found = connection.execute(
        "select count(*) from information_schema.tables"
        " where table_schema = 'marts' and table_name = ?",
        [mart],
    ).fetchone()
    return bool(found and found[0])


def read_marts(database: Path) -> Marts:
    """Read what the report shows from the marts of `database`, opened read-only."""
    with connect(database) as connection:
        whole_run = (
            _rows(connection, f"select * from marts.{WHOLE_RUN} order by metric_order")
            if _has_mart(connection, WHOLE_RUN)
            else None
        )
        return Marts(
            provinces=_rows(
                connection, f"select * from marts.{PROVINCES} order by province_code"
            ),
            years=_rows(
                connection,
                f"select * from marts.{INFO_SESSIONS_BY_YEAR} order by calendar_year",
            ),
            province_years=_rows(
                connection, f"select * from marts.{INFO_SESSIONS_BY_PROVINCE_YEAR}"
            ),
            periods=_rows(
                connection,
                "select activity.*, period.is_calendar_year"
                f" from marts.{ONLINE_ACTIVITY_BY_PERIOD} as activity"
                f" inner join marts.{PERIODS} as period"
                " using (period_label)"
                " order by activity.period_start_date",
            ),
            facts=_rows(
                connection,
                f"select * from marts.{PROGRAMME_FACTS} "
                "order by fact_date nulls last, question_number, fact_id",
            ),
            reconciliation=_rows(connection, f"select * from marts.{RECONCILIATION}"),
            availability=_rows(
                connection,
                f"select * from marts.{AVAILABILITY} order by question_number, "
                "metric, list_position(['whole_run', 'per_year', 'per_province', "
                "'per_province_and_year'], breakdown)",
            ),
            whole_run=whole_run,
        )
