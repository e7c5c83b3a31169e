"""Every released mart as CSV (UTF-8, comma-separated, a header row, ISO dates, dot
decimals, an empty field for an unknown value) and as Parquet, written by DuckDB
from the release's database opened read-only."""

from __future__ import annotations

from pathlib import Path

import duckdb

from ook_uw_zaak.files import sql_literal
from ook_uw_zaak.opendata import names
from ook_uw_zaak.opendata.contents import Mart

CSV_FOLDER = Path(names.CSV_FOLDER)
PARQUET_FOLDER = Path(names.PARQUET_FOLDER)


def csv_path(mart: Mart) -> Path:
    return CSV_FOLDER / f"{mart.name}.csv"


def parquet_path(mart: Mart) -> Path:
    return PARQUET_FOLDER / f"{mart.name}.parquet"


def write_tables(
    connection: duckdb.DuckDBPyConnection, marts: list[Mart], release_dir: Path
) -> None:
    (release_dir / CSV_FOLDER).mkdir(parents=True, exist_ok=True)
    (release_dir / PARQUET_FOLDER).mkdir(parents=True, exist_ok=True)
    for mart in marts:
        query = mart.select_sql()
        connection.execute(
            f"copy ({query}) to {sql_literal(release_dir / csv_path(mart))} "
            "(format csv, header true, delimiter ',', quote '\"', "
            "dateformat '%Y-%m-%d', null '')"
        )
        connection.execute(
            f"copy ({query}) to {sql_literal(release_dir / parquet_path(mart))} "
            "(format parquet, compression zstd)"
        )
