"""The failure summary (outcome.py) always prints within seconds: reading a
failed test's stored offending rows is bounded in time. What it says for each kind of
failing test is checked by the bad-input builds (test_bad_input.py)."""

from __future__ import annotations

import time
from pathlib import Path

import duckdb
import pytest

from ook_uw_zaak.dbt import outcome


def test_reading_the_offending_rows_is_bounded_in_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure summary never runs for minutes: a slow query is interrupted."""
    database = tmp_path / "slow.duckdb"
    # Stored failures are tables, quick to read; a view (store_failures_as: view)
    # computes its rows when it is read.
    with duckdb.connect(str(database)) as connection:
        connection.execute(
            "create view slow as select count(*) as n from range(100000000000) as a(i)"
            " where hash(i) = 42 having count(*) >= 0"
        )
    monkeypatch.setattr(outcome, "QUERY_SECONDS", 0.5)
    started = time.monotonic()
    with outcome.DuckDBRows(database) as reader:
        rows, error = reader.rows('"main"."slow"')
    assert rows == [] and error is not None
    assert time.monotonic() - started < 30
