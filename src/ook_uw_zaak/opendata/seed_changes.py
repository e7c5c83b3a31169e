"""Which seed cells a release changed: the raw tables (the seeds as loaded) of the
new release's database against the previous release's, each changed row named by
its seed file and line, so that the changelog says where every change came from.

A raw table holds its seed's rows in the file's order, one row a line (the
pre-flight refuses a text that spans lines), so row n is line n + 1 of the file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ook_uw_zaak.files import sql_literal

Values = tuple[str, ...]


@dataclass(frozen=True)
class CellChange:
    seed_file: str  # as the project names it: seeds/answer/answer_info_sessions.csv
    line: int
    column: str
    old: str
    new: str


@dataclass(frozen=True)
class RowChange:
    seed_file: str
    line: int
    kind: str  # "added" or "removed"
    values: dict[str, str]


def _seeds(manifest_path: Path) -> list[tuple[str, str, str]]:
    """(schema, table, file) of every seed of the build's manifest."""
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    return sorted(
        (node["schema"], node["alias"], node["original_file_path"])
        for node in manifest.get("nodes", {}).values()
        if node.get("resource_type") == "seed"
    )


def _rows(
    connection: duckdb.DuckDBPyConnection, catalog: str, schema: str, table: str
) -> tuple[list[str], list[Values]] | None:
    found = connection.execute(
        "select count(*) from duckdb_tables() "
        "where database_name = ? and schema_name = ? and table_name = ?",
        [catalog, schema, table],
    ).fetchone()
    if not found or not found[0]:
        return None
    relation = f'"{catalog}"."{schema}"."{table}"'
    cursor = connection.execute(f"select * from {relation}")
    columns = [description[0] for description in cursor.description or []]
    rows = [
        tuple("" if value is None else str(value) for value in row)
        for row in cursor.fetchall()
    ]
    return columns, rows


def seed_changes(
    database: Path, previous_database: Path, manifest_path: Path
) -> list[CellChange | RowChange]:
    """Every seed cell that differs between the two releases' raw tables."""
    changes: list[CellChange | RowChange] = []
    with duckdb.connect() as connection:
        connection.execute(f"attach {sql_literal(database)} as new_release (read_only)")
        connection.execute(
            f"attach {sql_literal(previous_database)} as old_release (read_only)"
        )
        for schema, table, seed_file in _seeds(manifest_path):
            new = _rows(connection, "new_release", schema, table)
            old = _rows(connection, "old_release", schema, table)
            if new is None or old is None or new[0] != old[0]:
                continue  # a new or reshaped seed: the marts' changes say enough
            changes += _compare(seed_file, new[0], old[1], new[1])
    return changes


def _compare(
    seed_file: str, columns: list[str], old: list[Values], new: list[Values]
) -> list[CellChange | RowChange]:
    kept = set(old) & set(new)
    gone = [row for row in old if row not in kept]
    changes: list[CellChange | RowChange] = []
    for index, row in enumerate(new):
        if row in kept:
            continue
        line = index + 2  # the header is line 1
        twin = max(gone, key=lambda other: _alike(other, row), default=None)
        if twin is not None and _alike(twin, row) >= len(columns) / 2:
            gone.remove(twin)
            changes += [
                CellChange(seed_file, line, column, before, after)
                for column, before, after in zip(columns, twin, row, strict=True)
                if before != after
            ]
        else:
            changes.append(
                RowChange(
                    seed_file, line, "added", dict(zip(columns, row, strict=True))
                )
            )
    for row in gone:
        line = old.index(row) + 2
        changes.append(
            RowChange(seed_file, line, "removed", dict(zip(columns, row, strict=True)))
        )
    return changes


def _alike(one: Values, other: Values) -> int:
    return sum(a == b for a, b in zip(one, other, strict=True))
