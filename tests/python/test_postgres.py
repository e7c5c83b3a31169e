"""The warehouse on PostgreSQL: `dbt build --target postgres` passes every seed,
model, data test and unit test, and the BI role reads every mart and nothing else.

The build runs once, in a temporary copy of the project, against a throwaway server
(tests/python/postgres_server.py); skipped where PostgreSQL is not installed.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg2
import psycopg2.errors
import pytest

from conftest import copy_project
from postgres_server import PostgresServer

DATABASE = "ook_uw_zaak"
BI_ROLE = "bi_reader"  # the default of the dbt var bi_role
MARTS_SCHEMA = "marts"
HIDDEN_SCHEMAS = ("raw", "staging", "intermediate")
# What `dbt build` runs and must pass: seeds, models, data and unit tests, hooks.
CHECKED_RESOURCE_TYPES = ("seed", "model", "test", "unit_test", "operation")


@dataclass(frozen=True)
class PostgresWarehouse:
    server: PostgresServer
    project_dir: Path
    manifest: dict[str, Any]
    run_results: dict[str, Any]
    bi_password: str

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

    def connect_as_superuser(self) -> Any:
        return self.server.connect(DATABASE)

    def connect_as_bi_role(self) -> Any:
        return self.server.connect(DATABASE, user=BI_ROLE, password=self.bi_password)


def _dbt_environment(server: PostgresServer, project_dir: Path) -> dict[str, str]:
    """The developer's environment without anything that points dbt or libpq
    elsewhere, plus the throwaway server's PG* variables."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PG", "DBT_", "OOK_UW_ZAAK_"))
    }
    env.update(server.libpq_environment(DATABASE))
    env["DBT_PROFILES_DIR"] = str(project_dir)
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    return env


def _run_dbt(
    project_dir: Path, env: dict[str, str], *args: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dbt.cli.main", *args, "--target", "postgres"],
        cwd=project_dir,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="session")
def postgres_warehouse(
    postgres_server: PostgresServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[PostgresWarehouse]:
    """The warehouse built with `dbt build --target postgres` in a project copy,
    after `dbt run-operation create_bi_role`, as a DBA would set it up."""
    project_dir = copy_project(tmp_path_factory.mktemp("postgres") / "project")
    with closing(postgres_server.connect()) as connection:
        connection.cursor().execute(f"create database {DATABASE}")
    env = _dbt_environment(postgres_server, project_dir)
    for args in (("run-operation", "create_bi_role"), ("build",)):
        result = _run_dbt(project_dir, env, *args)
        if result.returncode != 0:
            pytest.fail(
                f"`dbt {' '.join(args)} --target postgres` failed:\n"
                + result.stdout[-6000:]
                + result.stderr[-4000:]
            )
    # The project creates the role without a password; the DBA gives it one.
    bi_password = secrets.token_urlsafe(16)
    with closing(postgres_server.connect(DATABASE)) as connection:
        connection.cursor().execute(f"alter role {BI_ROLE} password %s", (bi_password,))
    target = project_dir / "target"
    yield PostgresWarehouse(
        server=postgres_server,
        project_dir=project_dir,
        manifest=json.loads((target / "manifest.json").read_text()),
        run_results=json.loads((target / "run_results.json").read_text()),
        bi_password=bi_password,
    )


def _fails_for_lack_of_privilege(connection: Any, statement: str) -> bool:
    """Whether the statement is refused with insufficient_privilege (SQLSTATE
    42501). Any other outcome, success or another error, is False."""
    try:
        with connection.cursor() as cursor:
            cursor.execute(statement)
    except psycopg2.errors.InsufficientPrivilege:
        return True
    except psycopg2.Error:
        return False
    return False


def _relations_in(connection: Any, schemas: tuple[str, ...]) -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "select table_schema, table_name from information_schema.tables"
            " where table_schema = any(%s) order by 1, 2",
            (list(schemas),),
        )
        return [(schema, name) for schema, name in cursor.fetchall()]


def test_dbt_build_passes_every_node_on_postgres(
    postgres_warehouse: PostgresWarehouse,
) -> None:
    # Exposures are listed too, as "no-op": not checked.
    results = {
        result["unique_id"]: result["status"]
        for result in postgres_warehouse.run_results["results"]
        if result["unique_id"].split(".")[0] in CHECKED_RESOURCE_TYPES
    }
    not_passed = {
        unique_id: status
        for unique_id, status in results.items()
        if status not in ("success", "pass")
    }
    assert not not_passed, f"dbt build on PostgreSQL did not pass: {not_passed}"
    for resource_type in ("seed", "model", "test", "unit_test"):
        expected = {
            node["unique_id"] for node in postgres_warehouse.nodes(resource_type)
        }
        missing = sorted(expected - results.keys())
        assert expected, f"the project has no {resource_type} nodes"
        assert not missing, f"dbt build did not run these {resource_type}s: {missing}"


def test_schemas_are_raw_staging_and_marts(
    postgres_warehouse: PostgresWarehouse,
) -> None:
    expected_schema = {
        "seed": "raw",
        "staging": "staging",
        "intermediate": "intermediate",
    }
    for node in postgres_warehouse.nodes("seed") + postgres_warehouse.nodes("model"):
        folder = "seed" if node["resource_type"] == "seed" else node["fqn"][1]
        assert node["schema"] == expected_schema.get(folder, MARTS_SCHEMA), node[
            "unique_id"
        ]


def test_bi_role_is_unprivileged(postgres_warehouse: PostgresWarehouse) -> None:
    with closing(postgres_warehouse.connect_as_superuser()) as connection:
        cursor = connection.cursor()
        cursor.execute(
            "select rolcanlogin, rolsuper, rolcreatedb, rolcreaterole, rolreplication,"
            " rolbypassrls from pg_roles where rolname = %s",
            (BI_ROLE,),
        )
        row = cursor.fetchone()
    assert row is not None, f"the role {BI_ROLE} was not created"
    assert row == (True, False, False, False, False, False)


def test_bi_role_reads_every_row_of_every_mart(
    postgres_warehouse: PostgresWarehouse,
) -> None:
    marts = postgres_warehouse.marts()
    assert marts, "the project has no marts"
    with (
        closing(postgres_warehouse.connect_as_superuser()) as admin,
        closing(postgres_warehouse.connect_as_bi_role()) as bi,
    ):
        bi_cursor = bi.cursor()
        bi_cursor.execute("select current_user")
        assert bi_cursor.fetchone() == (BI_ROLE,)
        # What the role sees in the catalogue, as a BI tool lists it.
        visible = [name for _, name in _relations_in(bi, (MARTS_SCHEMA,))]
        assert visible == marts
        admin_cursor = admin.cursor()
        for mart in marts:
            admin_cursor.execute(f"select count(*) from {MARTS_SCHEMA}.{mart}")
            (expected_rows,) = admin_cursor.fetchone()
            bi_cursor.execute(f"select * from {MARTS_SCHEMA}.{mart}")
            rows = bi_cursor.fetchall()
            assert len(rows) == expected_rows > 0, mart


def test_bi_role_cannot_write_to_marts(postgres_warehouse: PostgresWarehouse) -> None:
    marts = postgres_warehouse.marts()
    refused: dict[str, bool] = {}
    with (
        closing(postgres_warehouse.connect_as_superuser()) as admin,
        closing(postgres_warehouse.connect_as_bi_role()) as bi,
    ):
        admin_cursor = admin.cursor()
        counts_before = {}
        for mart in marts:
            admin_cursor.execute(f"select count(*) from {MARTS_SCHEMA}.{mart}")
            counts_before[mart] = admin_cursor.fetchone()[0]
        for mart in marts:
            relation = f"{MARTS_SCHEMA}.{mart}"
            admin_cursor.execute(
                "select column_name from information_schema.columns where"
                " table_schema = %s and table_name = %s order by ordinal_position"
                " limit 1",
                (MARTS_SCHEMA, mart),
            )
            (column,) = admin_cursor.fetchone()
            for statement in (
                f"insert into {relation} select * from {relation}",
                f"insert into {relation} default values",
                f"update {relation} set {column} = {column}",
                f"delete from {relation}",
                f"truncate {relation}",
                f"alter table {relation} add column written_by_bi integer",
                f"create index on {relation} ({column})",
            ):
                refused[statement] = _fails_for_lack_of_privilege(bi, statement)
        for schema in (MARTS_SCHEMA, "public", *HIDDEN_SCHEMAS):
            for statement in (
                f"create table {schema}.written_by_bi (id integer)",
                f"create view {schema}.written_by_bi as select 1 as id",
            ):
                refused[statement] = _fails_for_lack_of_privilege(bi, statement)
        refused["create schema written_by_bi"] = _fails_for_lack_of_privilege(
            bi, "create schema written_by_bi"
        )
        for mart in marts:
            admin_cursor.execute(f"select count(*) from {MARTS_SCHEMA}.{mart}")
            assert admin_cursor.fetchone()[0] == counts_before[mart], mart
    allowed = [
        statement for statement, was_refused in refused.items() if not was_refused
    ]
    assert not allowed, f"the BI role was not refused: {allowed}"


def test_bi_role_cannot_drop_marts_or_schemas(
    postgres_warehouse: PostgresWarehouse,
) -> None:
    statements = [
        f"drop table {MARTS_SCHEMA}.{mart}" for mart in postgres_warehouse.marts()
    ]
    statements += [
        f"drop schema {schema} cascade" for schema in (MARTS_SCHEMA, *HIDDEN_SCHEMAS)
    ]
    statements.append(
        f"alter table {MARTS_SCHEMA}.{postgres_warehouse.marts()[0]} rename to dropped"
    )
    with closing(postgres_warehouse.connect_as_bi_role()) as bi:
        allowed = [
            statement
            for statement in statements
            if not _fails_for_lack_of_privilege(bi, statement)
        ]
    assert not allowed, f"the BI role was not refused: {allowed}"
    with closing(postgres_warehouse.connect_as_superuser()) as admin:
        remaining = [name for _, name in _relations_in(admin, (MARTS_SCHEMA,))]
    assert remaining == postgres_warehouse.marts()


def test_bi_role_cannot_read_raw_or_staging(
    postgres_warehouse: PostgresWarehouse,
) -> None:
    with closing(postgres_warehouse.connect_as_superuser()) as admin:
        relations = _relations_in(admin, HIDDEN_SCHEMAS)
        admin_cursor = admin.cursor()
        for schema in HIDDEN_SCHEMAS:
            admin_cursor.execute(
                "select has_schema_privilege(%s, %s, 'USAGE')", (BI_ROLE, schema)
            )
            assert admin_cursor.fetchone() == (False,), f"{BI_ROLE} may use {schema}"
        table_grants = []
        for schema, name in relations:
            admin_cursor.execute(
                "select has_table_privilege(%s, %s, 'SELECT')",
                (BI_ROLE, f"{schema}.{name}"),
            )
            if admin_cursor.fetchone()[0]:
                table_grants.append(f"{schema}.{name}")
        assert not table_grants, f"{BI_ROLE} has SELECT on {table_grants}"
    expected = {("raw", node["alias"]) for node in postgres_warehouse.nodes("seed")} | {
        (node["fqn"][1], node["alias"])
        for node in postgres_warehouse.nodes("model")
        if node["fqn"][1] in ("staging", "intermediate")
    }
    assert expected <= set(relations), sorted(expected - set(relations))
    with closing(postgres_warehouse.connect_as_bi_role()) as bi:
        readable = [
            f"{schema}.{name}"
            for schema, name in relations
            if not _fails_for_lack_of_privilege(bi, f"select * from {schema}.{name}")
        ]
    assert not readable, f"the BI role could read: {readable}"


def test_build_stops_and_says_how_when_the_bi_role_is_missing(
    postgres_warehouse: PostgresWarehouse,
) -> None:
    env = _dbt_environment(postgres_warehouse.server, postgres_warehouse.project_dir)
    env["DBT_TARGET_PATH"] = str(postgres_warehouse.project_dir / "target_missing_role")
    result = _run_dbt(
        postgres_warehouse.project_dir,
        env,
        "run",
        "--select",
        postgres_warehouse.marts()[0],
        "--vars",
        "{bi_role: role_nobody_created}",
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-4000:]
    assert "The BI role role_nobody_created does not exist" in output, output[-4000:]
    assert "dbt run-operation create_bi_role" in output
