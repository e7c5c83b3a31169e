"""Reading the tables of a warehouse (its marts, its seeds) from each engine, and
comparing them row for row and value for value: what the cross-engine tests
assert (test_spark.py: DuckDB and Spark; test_postgres.py: DuckDB and PostgreSQL).

Each engine's rows come back as plain Python values (int, float, str, date, bool,
None). Whole numbers, text, dates and booleans must be equal; ratios (floats) may
differ by RATIO_RELATIVE_TOLERANCE, since engines may round the last bits of a
division differently.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from ook_uw_zaak.dbt.keys import primary_keys

# Two ratios agree when they differ by at most this fraction of the larger one
# (or by at most RATIO_ABSOLUTE_TOLERANCE near zero).
RATIO_RELATIVE_TOLERANCE = 1e-9
RATIO_ABSOLUTE_TOLERANCE = 1e-12
# A schema's or table's name goes into SQL and into a path: plain lowercase names.
_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


@dataclass(frozen=True)
class MartRows:
    """One table as one engine gives it: its columns, in order, and its rows."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]


def checked_name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise ValueError(f"not a plain schema or table name: {name!r}")
    return name


def _plain(value: Any) -> Any:
    """A value as plain Python: PostgreSQL's numeric comes back as Decimal."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _mart_rows(columns: Iterable[str], rows: Iterable[Sequence[Any]]) -> MartRows:
    return MartRows(
        columns=tuple(column.lower() for column in columns),
        rows=tuple(tuple(_plain(value) for value in row) for row in rows),
    )


def read_duckdb_tables(
    database: Path, schema: str, tables: Iterable[str]
) -> dict[str, MartRows]:
    """Tables of one schema of a DuckDB file, opened read-only."""
    result = {}
    with duckdb.connect(str(database), read_only=True) as connection:
        for mart in tables:
            relation = connection.sql(
                f"select * from {checked_name(schema)}.{checked_name(mart)}"
            )
            result[mart] = _mart_rows(relation.columns, relation.fetchall())
    return result


def read_postgres_tables(
    connection: Any, schema: str, tables: Iterable[str]
) -> dict[str, MartRows]:
    """Tables of one schema of a PostgreSQL database, through a psycopg2
    connection."""
    result = {}
    with connection.cursor() as cursor:
        for mart in tables:
            cursor.execute(f"select * from {checked_name(schema)}.{checked_name(mart)}")
            columns = [description[0] for description in cursor.description]
            result[mart] = _mart_rows(columns, cursor.fetchall())
    return result


def read_spark_tables(
    warehouse_dir: Path, schema: str, tables: Iterable[str]
) -> dict[str, MartRows]:
    """Tables of one schema of a Spark warehouse folder (spark.sql.warehouse.dir):
    each is a Parquet table in <schema>.db/<table>/, the files Spark wrote, read as
    they are (so that the test needs no second Spark)."""
    result = {}
    with duckdb.connect() as connection:
        for mart in tables:
            folder = warehouse_dir / f"{checked_name(schema)}.db" / checked_name(mart)
            files = sorted(folder.glob("*.parquet"))
            if not files:
                raise FileNotFoundError(f"Spark wrote no Parquet file for {mart}")
            relation = connection.read_parquet([str(path) for path in files])
            result[mart] = _mart_rows(relation.columns, relation.fetchall())
    return result


# How a Spark Thrift server's values arrive through PyHive, by column type: as text.
_THRIFT_TEXT_TYPES: dict[str, Callable[[str], Any]] = {
    "DATE_TYPE": date.fromisoformat,
    "TIMESTAMP_TYPE": datetime.fromisoformat,
    "DECIMAL_TYPE": Decimal,
}


def read_thrift_tables(
    connection: Any, schema: str, tables: Iterable[str]
) -> dict[str, MartRows]:
    """Tables (or views) of one schema, read through a Spark Thrift server as a
    reader does (a PyHive connection); dates, timestamps and decimals, which arrive
    as text, are read back into values."""
    result = {}
    cursor = connection.cursor()
    try:
        for mart in tables:
            cursor.execute(f"select * from {checked_name(schema)}.{checked_name(mart)}")
            description = cursor.description or []
            columns = [column[0].rsplit(".", 1)[-1] for column in description]
            readers = [_THRIFT_TEXT_TYPES.get(column[1]) for column in description]
            rows = [
                tuple(
                    value if read is None or value is None else read(value)
                    for read, value in zip(readers, row, strict=True)
                )
                for row in cursor.fetchall()
            ]
            result[mart] = _mart_rows(columns, rows)
    finally:
        cursor.close()
    return result


def _is_ratio(value: Any) -> bool:
    return isinstance(value, float)


def _values_agree(left: Any, right: Any) -> bool:
    if left is None or right is None:
        return left is None and right is None
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    if _is_ratio(left) or _is_ratio(right):
        if not isinstance(left, int | float) or not isinstance(right, int | float):
            return False
        return math.isclose(
            left,
            right,
            rel_tol=RATIO_RELATIVE_TOLERANCE,
            abs_tol=RATIO_ABSOLUTE_TOLERANCE,
        )
    return type(left) is type(right) and left == right


def _row_key(row: tuple[Any, ...], key_positions: Sequence[int]) -> tuple[Any, ...]:
    """What identifies a row across engines: its primary key's values."""
    return tuple(row[position] for position in key_positions)


def _sortable(key: tuple[Any, ...]) -> tuple[tuple[bool, str], ...]:
    return tuple((value is None, repr(value)) for value in key)


def _describe(columns: Sequence[str], key_positions: Sequence[int], key: tuple) -> str:
    return ", ".join(
        f"{columns[position]}={value!r}"
        for position, value in zip(key_positions, key, strict=True)
    )


def compare_mart(
    mart: str,
    reference_engine: str,
    reference: MartRows,
    other_engine: str,
    other: MartRows,
    key_columns: Sequence[str] = (),
) -> list[str]:
    """Every difference between one mart on two engines, each naming the mart, the
    row (by its primary key, key_columns) and the two values that differ; empty when
    they agree."""
    if reference.columns != other.columns:
        return [
            f"{mart}: columns differ: {reference_engine} {list(reference.columns)},"
            f" {other_engine} {list(other.columns)}"
        ]
    differences = []
    if len(reference.rows) != len(other.rows):
        differences.append(
            f"{mart}: {reference_engine} has {len(reference.rows)} rows,"
            f" {other_engine} {len(other.rows)}"
        )
    if key_columns:
        key_positions = [reference.columns.index(column) for column in key_columns]
    else:
        # No primary key: the columns holding no ratio on either engine identify
        # the rows; ratios are compared within the tolerance.
        ratio_positions = {
            position
            for rows in (reference.rows, other.rows)
            for row in rows
            for position, value in enumerate(row)
            if _is_ratio(value)
        }
        key_positions = [
            position
            for position in range(len(reference.columns))
            if position not in ratio_positions
        ]
    grouped: dict[str, dict[tuple, list[tuple]]] = {
        reference_engine: defaultdict(list),
        other_engine: defaultdict(list),
    }
    for engine, rows in (
        (reference_engine, reference.rows),
        (other_engine, other.rows),
    ):
        for row in rows:
            grouped[engine][_row_key(row, key_positions)].append(row)
    keys = set(grouped[reference_engine]) | set(grouped[other_engine])
    for key in sorted(keys, key=_sortable):
        row_name = _describe(reference.columns, key_positions, key)
        left_rows = sorted(grouped[reference_engine].get(key, []), key=_sortable)
        right_rows = sorted(grouped[other_engine].get(key, []), key=_sortable)
        if len(left_rows) != len(right_rows):
            differences.append(
                f"{mart}: row ({row_name}): {len(left_rows)} on {reference_engine},"
                f" {len(right_rows)} on {other_engine}"
            )
            continue
        for left, right in zip(left_rows, right_rows, strict=True):
            for position, column in enumerate(reference.columns):
                if not _values_agree(left[position], right[position]):
                    differences.append(
                        f"{mart}: row ({row_name}), column {column}:"
                        f" {reference_engine} {left[position]!r},"
                        f" {other_engine} {right[position]!r}"
                    )
    return differences


@dataclass(frozen=True)
class BuiltProject:
    project_dir: Path
    manifest: dict[str, Any]
    run_results: dict[str, Any]

    def nodes(self, resource_type: str) -> list[dict[str, Any]]:
        return [
            node
            for node in [
                *self.manifest["nodes"].values(),
                *self.manifest.get("unit_tests", {}).values(),
            ]
            if node["resource_type"] == resource_type
            and node["package_name"] == "ook_uw_zaak"
        ]

    def marts(self) -> list[str]:
        return sorted(
            node["alias"] for node in self.nodes("model") if node["fqn"][1] == "marts"
        )

    def primary_key(self, mart: str) -> tuple[str, ...]:
        """The columns of the mart's primary key (dbt's unique and not_null tests
        on one column or on one expression of its columns)."""
        model_id = next(
            node["unique_id"] for node in self.nodes("model") if node["alias"] == mart
        )
        return primary_keys(self.manifest).get(model_id, ())


def differences_from_duckdb(
    built: BuiltProject,
    duckdb_file: Path,
    schema: str,
    resource_type: str,
    engine: str,
    read: Callable[[list[str]], dict[str, MartRows]],
) -> list[str]:
    """Every difference between DuckDB's tables (the published file) and another
    engine's, for the marts (`resource_type` model) or the seeds of `schema`; the
    other engine's tables come from `read`."""
    tables = (
        built.marts()
        if resource_type == "model"
        else sorted(node["alias"] for node in built.nodes("seed"))
    )
    assert tables, f"the project has no {resource_type}s"
    duckdb_tables = read_duckdb_tables(duckdb_file, schema, tables)
    other_tables = read(tables)
    differences = []
    for table in tables:
        assert duckdb_tables[table].rows, f"{schema}.{table} is empty on DuckDB"
        key = built.primary_key(table) if resource_type == "model" else ()
        differences += compare_mart(
            f"{schema}.{table}",
            "duckdb",
            duckdb_tables[table],
            engine,
            other_tables[table],
            key,
        )
    return differences
