"""The cross-engine comparison itself: it finds a differing value, names the table,
the row and both values, and lets ratios differ only within the stated tolerance."""

from __future__ import annotations

import datetime as dt

import pytest

from support.engine_marts import (
    RATIO_RELATIVE_TOLERANCE,
    MartRows,
    checked_name,
    compare_mart,
)

COLUMNS = ("province_code", "calendar_year", "sessions", "participants_per_session")
DUCKDB = MartRows(
    COLUMNS,
    (
        ("ANT", 2018, 23, 23.304347826086957),
        ("LIM", 2018, 19, None),
    ),
)


def _with(rows: tuple[tuple, ...]) -> MartRows:
    return MartRows(COLUMNS, rows)


def test_identical_tables_agree_in_any_row_order() -> None:
    other = _with(tuple(reversed(DUCKDB.rows)))
    assert compare_mart("marts.m", "duckdb", DUCKDB, "spark", other, ()) == []


def test_a_differing_count_names_the_table_the_row_and_both_values() -> None:
    other = _with((("ANT", 2018, 24, 23.304347826086957), DUCKDB.rows[1]))
    differences = compare_mart(
        "marts.m", "duckdb", DUCKDB, "spark", other, ("province_code", "calendar_year")
    )
    assert differences == [
        "marts.m: row (province_code='ANT', calendar_year=2018), column sessions:"
        " duckdb 23, spark 24"
    ]


def test_ratios_agree_within_the_tolerance_only() -> None:
    ratio = DUCKDB.rows[0][3]
    close = _with((("ANT", 2018, 23, ratio * (1 + RATIO_RELATIVE_TOLERANCE / 10)),))
    far = _with((("ANT", 2018, 23, ratio * (1 + RATIO_RELATIVE_TOLERANCE * 10)),))
    reference = _with(DUCKDB.rows[:1])
    key = ("province_code",)
    assert compare_mart("m", "duckdb", reference, "spark", close, key) == []
    assert compare_mart("m", "duckdb", reference, "spark", far, key) != []


def test_null_is_not_zero_and_types_must_match() -> None:
    key = ("province_code",)
    for changed in (0.0, "19", True):
        other = _with((DUCKDB.rows[0], ("LIM", 2018, 19, changed)))
        assert compare_mart("m", "duckdb", DUCKDB, "pg", other, key), changed
    dates = MartRows(("d",), ((dt.date(2016, 12, 31),),))
    texts = MartRows(("d",), (("2016-12-31",),))
    assert compare_mart("m", "duckdb", dates, "spark", texts, ())


def test_missing_rows_and_columns_are_reported() -> None:
    fewer = _with(DUCKDB.rows[:1])
    assert any(
        "2 rows" in difference
        for difference in compare_mart("m", "duckdb", DUCKDB, "spark", fewer, ())
    )
    renamed = MartRows(("code", *COLUMNS[1:]), DUCKDB.rows)
    assert compare_mart("m", "duckdb", DUCKDB, "spark", renamed, ())[0].startswith(
        "m: columns differ"
    )


@pytest.mark.parametrize("name", ["marts; drop table x", "Marts", "../raw", ""])
def test_only_plain_names_reach_sql(name: str) -> None:
    with pytest.raises(ValueError, match="not a plain"):
        checked_name(name)
