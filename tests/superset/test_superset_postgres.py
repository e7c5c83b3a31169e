"""`make superset TARGET=postgres` on a real Apache Superset and PostgreSQL server.

Run by `make superset-test`, after the DuckDB test (test_superset.py). A throwaway
PostgreSQL server, started as the PostgreSQL tests start theirs
(tests/python/support/postgres_server.py); a database set up as a DBA would (`dbt
run-operation create_bi_role`, then a password for bi_reader); a release published
into it with `ook-uw-zaak build --target postgres` from a copy of the project. Then,
in that copy, `make superset TARGET=postgres` in the publishing user's environment
(the PG* variables, PGPASSWORD the publisher's), three times:

1. with no password for bi_reader anywhere: it stops, and says how to give one;
2. with bi_reader's password in a pgpass file (PGPASSFILE): it serves, and Superset
   stores no password; a chart of the user's own is added and the database's DML
   switched on, as a user could; Superset is stopped;
3. with the password in BI_READER_PASSWORD and no pgpass file: it serves, Superset
   keeping the password encrypted.

The checks run against the third start: the same as on DuckDB (DashboardChecks: the
user's chart kept, nothing duplicated, the answer's figures, SQL Lab refusing DML,
every chart drawn in headless Chromium), and that Superset reads as bi_reader with
DML off again, that PostgreSQL refuses bi_reader every write even with Superset's
DML switch on, and that the password is never logged, never written in the clear,
and not in the server's environment.
"""

from __future__ import annotations

import importlib.util
import io
import re
import secrets
import sqlite3
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import pytest
import yaml
from running_superset import (
    POSTGRES,
    REPO_ROOT,
    Api,
    DashboardChecks,
    Route,
    Superset,
    add_own_chart,
    free_port,
    make_environment,
    project_copy,
)

from ook_uw_zaak.project import DEFAULT_BI_ROLE
from support.postgres_server import (
    PostgresServer,
    find_postgres_bin_dir,
    running_postgres_server,
)

# Not the default database: the registered connection follows PGDATABASE.
DATABASE = "superset_marts"


def _serve_module() -> ModuleType:
    """superset/serve.py, which `make superset` runs with Superset's interpreter (its
    bundle needs only PyYAML)."""
    spec = importlib.util.spec_from_file_location(
        "serve", REPO_ROOT / "superset" / "serve.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _bundle(uri: str) -> dict[str, dict]:
    """The bundle `make superset` imports for `uri`, by folder and file name."""
    serve = _serve_module()
    with zipfile.ZipFile(io.BytesIO(serve.dashboard_bundle(uri))) as bundle:
        return {
            name.split("/", 1)[1]: yaml.safe_load(bundle.read(name))
            for name in bundle.namelist()
            if name.endswith(".yaml")
        }


def _uuids(bundle: dict[str, dict]) -> set[str]:
    return {config["uuid"] for config in bundle.values() if "uuid" in config}


def test_the_postgresql_copy_has_uuids_names_and_slug_of_its_own() -> None:
    """So that it sits beside the DuckDB dashboard in one Superset, and a second
    run imports over the first (the uuids are the same on every run)."""
    duckdb = _bundle("duckdb:///ook_uw_zaak.duckdb")
    postgres = _bundle("postgresql+psycopg2://bi_reader@localhost:5432/ook_uw_zaak")
    assert postgres == _bundle(
        "postgresql+psycopg2://bi_reader@localhost:5432/ook_uw_zaak"
    )
    assert sorted(postgres) == sorted(duckdb)
    assert len(_uuids(postgres)) == len(postgres) - 1  # all but metadata.yaml
    assert not _uuids(postgres) & _uuids(duckdb)

    def of(bundle: dict[str, dict], folder: str) -> list[dict]:
        return [c for name, c in bundle.items() if name.startswith(f"{folder}/")]

    (database,) = of(postgres, "databases")
    (dashboard,) = of(postgres, "dashboards")
    assert database["database_name"] == POSTGRES.database_name
    assert database["sqlalchemy_uri"].startswith("postgresql+psycopg2://bi_reader@")
    assert dashboard["slug"] == POSTGRES.dashboard_slug
    assert dashboard["dashboard_title"].endswith(" (PostgreSQL)")
    datasets = {c["uuid"]: c for c in of(postgres, "datasets")}
    charts = {c["uuid"]: c for c in of(postgres, "charts")}
    assert {c["database_uuid"] for c in datasets.values()} == {database["uuid"]}
    assert {c["schema"] for c in datasets.values()} == {"marts"}
    assert {c["dataset_uuid"] for c in charts.values()} <= set(datasets)
    in_position = {
        part["meta"]["uuid"]
        for part in dashboard["position"].values()
        if isinstance(part, dict) and part.get("type") == "CHART"
    }
    assert in_position == set(charts)


@dataclass
class Runs:
    """The three runs of `make superset TARGET=postgres` and what they left."""

    server: PostgresServer
    superset: Superset
    bi_password: str = field(repr=False)
    # The run with no password: its exit code (None had it served) and output.
    refused: tuple[int | None, str]
    stored_after_pgpass: str | None


def _stored_password(project: Path) -> str | None:
    """The password column of the registered database in Superset's metadata."""
    with closing(sqlite3.connect(project / ".superset" / "superset.db")) as metadata:
        rows = metadata.execute(
            "select password from dbs where database_name = ?",
            (POSTGRES.database_name,),
        ).fetchall()
    assert len(rows) == 1, rows
    return rows[0][0]


@pytest.fixture(scope="module")
def postgres_server() -> Iterator[PostgresServer]:
    bin_dir = find_postgres_bin_dir()
    if bin_dir is None:
        pytest.fail("PostgreSQL is not installed (.ci/install-postgres)")
    with running_postgres_server(bin_dir) as server:
        yield server


@pytest.fixture(scope="module")
def route() -> Route:
    return POSTGRES


def _run(project: Path, environment: dict[str, str], *command: str) -> None:
    result = subprocess.run(
        command,
        cwd=project,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"{' '.join(command)} failed:\n" + (
        result.stdout[-3000:] + result.stderr[-3000:]
    )


@pytest.fixture(scope="module")
def runs(
    postgres_server: PostgresServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Runs]:
    folder = tmp_path_factory.mktemp("superset-postgres")
    project = project_copy(folder)
    with closing(postgres_server.connect()) as admin:
        admin.cursor().execute(f"create database {DATABASE}")
    publisher = make_environment(**postgres_server.libpq_environment(DATABASE))
    dbt = str(Path(sys.executable).with_name("dbt"))
    _run(
        project,
        publisher,
        dbt,
        "run-operation",
        "create_bi_role",
        "--target",
        "postgres",
    )
    # The project creates the role without a password; the DBA gives it one.
    bi_password = secrets.token_urlsafe(16)
    with closing(postgres_server.connect(DATABASE)) as admin:
        admin.cursor().execute(
            f"alter role {DEFAULT_BI_ROLE} password %s", (bi_password,)
        )
    _run(
        project,
        publisher,
        sys.executable,
        "-m",
        "ook_uw_zaak.cli",
        "build",
        "--target",
        "postgres",
    )

    superset = Superset(project, free_port(), "TARGET=postgres")
    no_pgpass = str(folder / "no-pgpass")  # not the user's ~/.pgpass either
    pgpass = folder / "pgpass"
    pgpass.write_text(
        f"{postgres_server.host}:{postgres_server.port}:{DATABASE}:"
        f"{DEFAULT_BI_ROLE}:{bi_password}\n"
    )
    pgpass.chmod(0o600)
    try:
        refused = superset.attempt({**publisher, "PGPASSFILE": no_pgpass})
        first = superset.start({**publisher, "PGPASSFILE": str(pgpass)})
        print(f"\nfirst start (password in a pgpass file): {first:.0f} s")
        stored_after_pgpass = _stored_password(project)
        api = Api(superset)
        add_own_chart(api)
        # The user switches DML on; the next run switches it off again.
        (database,) = api.get("database/")["result"]
        assert api.put(f"database/{database['id']}", {"allow_dml": True}).ok
        superset.stop()
        second = superset.start(
            {**publisher, "PGPASSFILE": no_pgpass, "BI_READER_PASSWORD": bi_password}
        )
        print(f"second start (password in BI_READER_PASSWORD): {second:.0f} s")
        yield Runs(postgres_server, superset, bi_password, refused, stored_after_pgpass)
    finally:
        superset.stop()


@pytest.fixture(scope="module")
def superset(runs: Runs) -> Superset:
    return runs.superset


class TestOnPostgreSQL(DashboardChecks):
    """The checks every TARGET passes, on the PostgreSQL marts."""


def test_without_a_password_it_stops_and_says_how_to_give_one(runs: Runs) -> None:
    returncode, output = runs.refused
    assert returncode not in (0, None), output
    # libpq was given no password at all: not the publisher's PGPASSWORD.
    assert "no password supplied" in output, output
    assert "BI_READER_PASSWORD" in output and "~/.pgpass" in output, output
    assert "Superset serves" not in output, output
    assert runs.server.superuser_password not in output


def test_the_database_is_the_marts_as_bi_reader(
    runs: Runs, api: Api, database_id: int
) -> None:
    database = api.get(f"database/{database_id}/connection")["result"]
    server = runs.server
    assert database["sqlalchemy_uri"] == (
        f"postgresql+psycopg2://{DEFAULT_BI_ROLE}:XXXXXXXXXX@{server.host}:"
        f"{server.port}/{DATABASE}?sslmode=disable"
    )
    assert database["allow_dml"] is False
    response = api.sql(database_id, "select user as who")
    assert response.ok, response.text
    assert response.json()["data"] == [{"who": DEFAULT_BI_ROLE}]


def test_the_password_is_kept_encrypted_only_when_given(runs: Runs) -> None:
    assert runs.stored_after_pgpass is None
    stored = _stored_password(runs.superset.project)
    assert stored, "BI_READER_PASSWORD was not stored"
    assert runs.bi_password.encode() not in stored


@pytest.mark.parametrize(
    ("statement", "refusal"),
    [
        ("create table marts.x as select 1 as x", "permission denied for schema marts"),
        (
            "insert into marts.fct_info_sessions_by_year (calendar_year) values (1)",
            "permission denied for table fct_info_sessions_by_year",
        ),
    ],
)
def test_postgresql_refuses_writes_even_with_dml_switched_on(
    api: Api, database_id: int, statement: str, refusal: str
) -> None:
    switched = api.put(f"database/{database_id}", {"allow_dml": True})
    assert switched.ok, switched.text
    try:
        response = api.sql(database_id, statement)
    finally:
        back = api.put(f"database/{database_id}", {"allow_dml": False})
        assert back.ok, back.text
    assert not response.ok, response.text
    assert refusal in response.text, response.text
    print(f"\n{statement!r} refused by PostgreSQL: {response.text[:200]}")


def test_the_password_is_never_logged_or_written_in_the_clear(runs: Runs) -> None:
    project = runs.superset.project
    log = runs.superset.log.read_text(errors="replace")
    assert "Superset serves" in log
    for password in (runs.bi_password, runs.server.superuser_password):
        assert password not in log
    venv = project / ".superset" / "venv"
    files = [
        path
        for path in project.rglob("*")
        if path.is_file() and not path.is_symlink() and venv not in path.parents
    ]
    assert project / ".superset" / "superset.db" in files
    for path in files:
        content = path.read_bytes()
        assert runs.bi_password.encode() not in content, path


def test_the_server_holds_no_password_in_its_environment(runs: Runs) -> None:
    address = f"127.0.0.1:{runs.superset.port}"
    servers = []
    for process in Path("/proc").iterdir():
        if not process.name.isdigit():
            continue
        try:
            command = (process / "cmdline").read_bytes().split(b"\0")
            environment = (process / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if any(b"gunicorn" in part for part in command) and address.encode() in command:
            servers.append(environment)
    assert servers, f"no gunicorn serving {address}"
    for environment in servers:
        names = {re.split(rb"=", item, maxsplit=1)[0] for item in environment}
        assert b"BI_READER_PASSWORD" not in names
        assert b"PGPASSWORD" not in names
        assert b"PGHOST" in names  # the publisher's environment, but for those two
