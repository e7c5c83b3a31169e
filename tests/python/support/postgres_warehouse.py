"""Fixtures and helpers of the PostgreSQL tests: one database on the session's
throwaway server (postgres_server.py), set up as a DBA would (`dbt run-operation
create_bi_role`), and one release published into it with
`ook-uw-zaak build --target postgres` from a temporary copy of the project.

Tests that publish again, roll back or build for development change the server's
state; they compare what readers see before and after, never with fixed figures.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conftest import copy_project
from ook_uw_zaak.dbt.runner import parse_cache
from ook_uw_zaak.project import POSTGRES_TARGET
from support.postgres_server import PostgresServer

DATABASE = "ook_uw_zaak"
BI_ROLE = "bi_reader"  # the default of the dbt var bi_role and of --bi-role
MARTS = "marts"
RELEASE_SCHEMAS = ("raw", "staging", "intermediate", "marts")
CANARY_SCHEMA = "canary"
CANARY_ROLE = "canary_role"
# The table whose lock publishing builds and rollbacks hold (publish/postgres_lock.py).
PUBLISHING_LOCK = "ook_uw_zaak_publishing.publishing_lock"
# A limit on the BI role that only a superuser may set.
DBA_LIMIT = ("temp_file_limit", "1GB")
# What a BI session may give itself for every later session: no time limit, more
# memory, and in the warehouse database, settings of the database-and-role level.
LOOSENED_LIMITS = (
    f"alter role {BI_ROLE} set statement_timeout = 0",
    f"alter role {BI_ROLE} set work_mem = '1GB'",
    f"alter role {BI_ROLE} set idle_in_transaction_session_timeout = 0",
    f"alter role {BI_ROLE} in database {DATABASE} set statement_timeout = 0",
)
PUBLISHED_BUILDS = Path(".publish") / "postgres"
_CLI = "from ook_uw_zaak.cli import main; raise SystemExit(main())"
_DBT = "from dbt.cli.main import cli; cli(prog_name='dbt')"


@dataclass(frozen=True)
class Database:
    """The session's database: how to reach it, and the project copy the tests
    run the commands in."""

    server: PostgresServer
    project_dir: Path

    def environment(self, **changes: str) -> dict[str, str]:
        return dbt_environment(self.server, self.project_dir, **changes)

    def admin(self) -> Any:
        return self.server.connect(DATABASE)


@dataclass(frozen=True)
class Warehouse(Database):
    """The session's database with the BI role and a published release."""

    bi_password: str

    def reader(self, application_name: str = "") -> Any:
        connection = self.server.connect(
            DATABASE, user=BI_ROLE, password=self.bi_password
        )
        if application_name:
            connection.cursor().execute(
                "set application_name = %s", (application_name,)
            )
        return connection


def show(connection: Any, setting: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("select current_setting(%s)", (setting,))
        return str(cursor.fetchone()[0])


def role_settings(connection: Any, role: str) -> list[tuple[str | None, list[str]]]:
    """The role's session defaults (pg_db_role_setting): (database or None for
    every database, settings)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "select d.datname, s.setconfig from pg_db_role_setting as s"
            " join pg_roles as r on r.oid = s.setrole"
            " left join pg_database as d on d.oid = s.setdatabase"
            " where r.rolname = %s order by 1 nulls first",
            (role,),
        )
        return [(database, sorted(config)) for database, config in cursor.fetchall()]


def with_dba_limit(warehouse: Warehouse, settings: list[Any]) -> list[Any]:
    """Set a limit on the BI role that only a superuser may set (so the role cannot
    lift it: the DBA's, which resetting the role's own settings leaves alone), and
    return the role's `settings` (of every database) with it."""
    name, value = DBA_LIMIT
    with closing(warehouse.admin()) as admin:
        admin.cursor().execute(f"alter role {BI_ROLE} set {name} = %s", (value,))
    assert [database for database, _ in settings] == [None], settings
    return [(None, sorted([*settings[0][1], f"{name}={value}"]))]


def without_dba_limit(warehouse: Warehouse) -> None:
    with closing(warehouse.admin()) as admin:
        admin.cursor().execute(f"alter role {BI_ROLE} reset {DBA_LIMIT[0]}")


def loosen_own_limits(warehouse: Warehouse) -> None:
    """As the BI role: lift its own limits for every later session of it, and check
    that a new session has them lifted."""
    with closing(warehouse.reader()) as reader:
        for statement in LOOSENED_LIMITS:
            reader.cursor().execute(statement)
    with closing(warehouse.reader()) as reader:
        assert show(reader, "statement_timeout") == "0"
        assert show(reader, "work_mem") == "1GB"


def dbt_environment(
    server: PostgresServer, project_dir: Path, **changes: str
) -> dict[str, str]:
    """The developer's environment without anything that points dbt or libpq
    elsewhere, plus the throwaway server's PG* variables and `changes`."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PG", "DBT_", "OOK_UW_ZAAK_"))
    }
    env.update(server.libpq_environment(DATABASE))
    env["DBT_PROFILES_DIR"] = str(project_dir)
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    env.update(changes)
    return env


def run_dbt(
    project_dir: Path, env: dict[str, str], *args: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _DBT, *args, "--target", "postgres"],
        cwd=project_dir,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def cli_command(*args: str) -> list[str]:
    return [sys.executable, "-c", _CLI, *args]


def run_cli(
    project_dir: Path, env: dict[str, str], *args: str, timeout: float | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `ook-uw-zaak ARGS` in the project copy (failing the test if it runs
    longer than `timeout` seconds)."""
    try:
        return subprocess.run(
            cli_command(*args),
            cwd=project_dir,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as expired:
        output = "".join(
            part.decode(errors="replace") if isinstance(part, bytes) else part or ""
            for part in (expired.stdout, expired.stderr)
        )
        pytest.fail(
            f"`ook-uw-zaak {' '.join(args)}` ran longer than {timeout} s:\n"
            f"{output[-4000:]}"
        )


def publish(warehouse: Database, project_dir: Path | None = None) -> str:
    """Publish with `ook-uw-zaak build --target postgres`; return its output; fail
    the test if it did not publish."""
    project = project_dir or warehouse.project_dir
    result = run_cli(project, warehouse.environment(), "build", "--target", "postgres")
    output = result.stdout + result.stderr
    if result.returncode != 0:
        pytest.fail(f"the publishing build failed:\n{output[-6000:]}")
    return output


# The project folder of the session's warehouse, once it has published.
_published_projects: list[Path] = []


def project_variant(destination: Path, population_change: int) -> Path:
    """A copy of the project whose 2018 population of Antwerp, and of Flanders
    with it, differs by `population_change`: a release whose per-inhabitant
    figures differ in several marts, and which passes every test."""
    project = copy_project(destination)
    # With the parse cache of the warehouse's own builds, as a project that
    # published into this database before: dbt parses again only what differs.
    for published in _published_projects:
        cache = parse_cache(published, POSTGRES_TARGET)
        if cache.is_file():
            copied = parse_cache(project, POSTGRES_TARGET)
            copied.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(cache, copied)
    seed = project / "seeds" / "reference" / "reference_population.csv"
    lines = seed.read_text(encoding="utf-8").splitlines(keepends=True)
    changed = 0
    for index, line in enumerate(lines):
        fields = line.split(",", 4)
        if fields[0] in ("10000", "02000") and fields[2] == "2018-01-01":
            fields[3] = str(int(fields[3]) + population_change)
            lines[index] = ",".join(fields)
            changed += 1
    assert changed == 2, "the population seed changed its layout"
    seed.write_text("".join(lines), encoding="utf-8")
    return project


def relations_of(connection: Any, schema: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "select c.relname from pg_class as c"
            " join pg_namespace as n on n.oid = c.relnamespace"
            " where n.nspname = %s and c.relkind in ('r', 'v', 'm', 'p')"
            " order by 1",
            (schema,),
        )
        return [name for (name,) in cursor.fetchall()]


def marts_query(marts: list[str], schema: str = MARTS) -> str:
    """One query that reads every mart of `schema` and returns one fingerprint
    per mart (an md5 of all its rows in order): one statement, one snapshot."""
    assert marts and all(re.fullmatch(r"[a-z_][a-z0-9_]*", m) for m in marts)
    columns = ", ".join(
        f"(select md5(coalesce(string_agg(t::text, '|' order by t::text), ''))"
        f" from {schema}.{mart} as t) as {mart}"
        for mart in marts
    )
    return f"select {columns}"


def release_fingerprint(
    connection: Any, marts: list[str], schema: str = MARTS
) -> tuple[str, ...]:
    with connection.cursor() as cursor:
        cursor.execute(marts_query(marts, schema))
        return tuple(cursor.fetchone())


def everything(connection: Any) -> dict[str, str]:
    """Every table and view of the release and previous-release schemas, with an
    md5 of its rows: what must stay identical, row for row, when a build fails."""
    fingerprints: dict[str, str] = {}
    schemas = [*RELEASE_SCHEMAS, *(f"{s}__previous" for s in RELEASE_SCHEMAS)]
    with connection.cursor() as cursor:
        for schema in schemas:
            for name in relations_of(connection, schema):
                cursor.execute(
                    "select md5(coalesce(string_agg(t::text, '|' order by t::text),"
                    f" '')) from {schema}.{name} as t"
                )
                fingerprints[f"{schema}.{name}"] = cursor.fetchone()[0]
    return fingerprints


def schemas_like(connection: Any, pattern: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "select nspname from pg_namespace where nspname like %s order by 1",
            (pattern,),
        )
        return [name for (name,) in cursor.fetchall()]


@pytest.fixture(scope="session")
def database(
    postgres_server: PostgresServer, tmp_path_factory: pytest.TempPathFactory
) -> Database:
    """The database, empty but for a canary schema and role that no test may
    lose, and a project copy to run the commands in."""
    project_dir = copy_project(tmp_path_factory.mktemp("postgres") / "project")
    with closing(postgres_server.connect()) as connection:
        connection.cursor().execute(f"create database {DATABASE}")
    with closing(postgres_server.connect(DATABASE)) as connection:
        cursor = connection.cursor()
        cursor.execute(f"create schema {CANARY_SCHEMA}")
        cursor.execute(f"create table {CANARY_SCHEMA}.alive as select 1 as alive")
        cursor.execute(f"create role {CANARY_ROLE} nologin")
    return Database(postgres_server, project_dir)


@pytest.fixture(scope="session")
def warehouse(database: Database) -> Warehouse:
    """The database set up as a DBA would (`dbt run-operation create_bi_role`),
    and the first release published with `ook-uw-zaak build --target postgres`."""
    project_dir = database.project_dir
    result = run_dbt(
        project_dir, database.environment(), "run-operation", "create_bi_role"
    )
    if result.returncode != 0:
        pytest.fail(
            "`dbt run-operation create_bi_role --target postgres` failed:\n"
            + result.stdout[-6000:]
            + result.stderr[-4000:]
        )
    # The project creates the role without a password; the DBA gives it one.
    bi_password = secrets.token_urlsafe(16)
    with closing(database.admin()) as connection:
        connection.cursor().execute(f"alter role {BI_ROLE} password %s", (bi_password,))
    warehouse = Warehouse(database.server, project_dir, bi_password)
    publish(warehouse)
    _published_projects.append(project_dir)
    return warehouse


def published_artifacts(project_dir: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """The manifest and run results of the newest published build."""
    folders = sorted((project_dir / PUBLISHED_BUILDS).glob("published-*"))
    assert folders, "the publishing build kept no artifacts"
    target = folders[-1] / "target"
    return (
        json.loads((target / "manifest.json").read_text()),
        json.loads((target / "run_results.json").read_text()),
    )
