"""Write the published DuckDB file in a storage format old readers can open, and
check it holds what the build made (publish/releases.py then publishes it)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from ook_uw_zaak.files import sql_literal
from ook_uw_zaak.project import STORAGE_VERSION


class PublishError(RuntimeError):
    """Publishing cannot go on; the message says why and what to do."""


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def drop_stored_test_failures(database: Path, manifest_file: Path) -> list[str]:
    """Drop the schemas where dbt stored its data tests' failing rows (empty tables
    once every test passed: the build's own record, not part of a release); a
    schema that also holds a seed or a model is left alone. Returns their names."""
    manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    nodes = list(manifest.get("nodes", {}).values())
    stored = {
        node["schema"]
        for node in nodes
        if node.get("resource_type") == "test"
        and node.get("config", {}).get("store_failures")
    }
    built = {
        node["schema"]
        for node in nodes
        if node.get("resource_type") in ("seed", "model", "snapshot")
    }
    schemas = sorted(stored - built)
    connection = duckdb.connect(str(database))
    try:
        for schema in schemas:
            connection.execute(f"drop schema if exists {_identifier(schema)} cascade")
    finally:
        connection.close()
    return schemas


def write_compatible_copy(source: Path, destination: Path, catalog: str) -> None:
    """Copy every schema, table and view of `source` into a new file written in
    DuckDB 1.1's storage format.

    The new file is attached under `catalog`, the name the views' SQL uses for
    their own database (dbt-duckdb names tables as catalog.schema.table, and the
    catalog of a file is its name without .duckdb); the source is attached under
    another name. So the views in the copy point at the copy's own tables, and
    work when the published file is opened under its own name.
    """
    destination.parent.mkdir(parents=True, exist_ok=True)
    destination.unlink(missing_ok=True)
    connection = duckdb.connect()
    try:
        connection.execute(f"attach {sql_literal(source)} as build_output (read_only)")
        connection.execute(
            f"attach {sql_literal(destination)} as {_identifier(catalog)} "
            f"(storage_version '{STORAGE_VERSION}')"
        )
        connection.execute(f"copy from database build_output to {_identifier(catalog)}")
        connection.execute(f"detach {_identifier(catalog)}")  # checkpoints the file
    finally:
        connection.close()
    wal = destination.with_name(destination.name + ".wal")
    if wal.exists():
        raise PublishError(f"writing {destination.name} left a write-ahead log behind")


def _inventory(connection: duckdb.DuckDBPyConnection, catalog: str) -> dict[str, int]:
    """Every table with its row count, and every view, of an attached catalog."""
    tables = connection.execute(
        "select schema_name, table_name from duckdb_tables() where database_name = ?",
        [catalog],
    ).fetchall()
    inventory: dict[str, int] = {}
    for schema, table in tables:
        name = ".".join(_identifier(n) for n in (catalog, schema, table))
        row = connection.execute(f"select count(*) from {name}").fetchone()
        inventory[f"table {schema}.{table}"] = int(row[0]) if row else -1
    views = connection.execute(
        "select schema_name, view_name from duckdb_views() "
        "where database_name = ? and not internal",
        [catalog],
    ).fetchall()
    inventory.update({f"view {schema}.{view}": 0 for schema, view in views})
    return inventory


def _unreadable_views(connection: duckdb.DuckDBPyConnection, catalog: str) -> list[str]:
    """The views of an attached catalog that cannot be read, with the reason."""
    views = connection.execute(
        "select schema_name, view_name from duckdb_views() "
        "where database_name = ? and not internal",
        [catalog],
    ).fetchall()
    unreadable = []
    for schema, view in views:
        name = ".".join(_identifier(n) for n in (catalog, schema, view))
        try:
            connection.execute(f"select count(*) from {name}").fetchone()
        except duckdb.Error as error:
            unreadable.append(f"view {schema}.{view}: {str(error).splitlines()[0]}")
    return unreadable


def check_same_content(source: Path, copy: Path, catalog: str) -> None:
    """Raise PublishError unless `copy` has the same tables (with the same row
    counts) and views as `source`, and each of its views can be read."""
    connection = duckdb.connect()
    try:
        connection.execute(f"attach {sql_literal(source)} as build_output (read_only)")
        connection.execute(
            f"attach {sql_literal(copy)} as {_identifier(catalog)} (read_only)"
        )
        expected = _inventory(connection, "build_output")
        found = _inventory(connection, catalog)
        differences = _unreadable_views(connection, catalog)
    finally:
        connection.close()
    if not expected:
        raise PublishError("the build made no tables at all; nothing to publish")
    differences += sorted(
        _difference(name, expected.get(name), found.get(name))
        for name in expected.keys() | found.keys()
        if expected.get(name) != found.get(name)
    )
    if differences:
        raise PublishError(
            "the DuckDB 1.1 copy differs from the build: " + "; ".join(differences)
        )


def _difference(name: str, built: int | None, copied: int | None) -> str:
    if built is None:
        return f"{name} is in the copy but not in the build"
    if copied is None:
        return f"{name} is in the build but not in the copy"
    return f"{name} has {built} rows in the build and {copied} in the copy"
