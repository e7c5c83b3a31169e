"""BI tools open the published ook_uw_zaak.duckdb the way the README tells them to:
read-only, through SQLAlchemy with duckdb-engine (as Apache Superset does) or the
duckdb client (as Python notebooks, R, Evidence and DBeaver's driver do). Each
route lists every mart of schema `marts`, reads every row, and cannot write.

Every mart is declared as a dependency of the exposures that BI tools stand for.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import duckdb
import pytest
import sqlalchemy
import sqlalchemy.exc
import yaml

from conftest import REPO_ROOT

MARTS_SCHEMA = "marts"
MART_FILES = sorted((REPO_ROOT / "models" / "marts").rglob("*.sql"))
EXPOSURES_FILE = REPO_ROOT / "models" / "marts" / "_marts__exposures.yml"
WRITES = (
    "create table {schema}.written_by_bi (id integer)",
    "create schema written_by_bi",
    "insert into {relation} select * from {relation}",
    "delete from {relation}",
    "drop table {relation}",
)


def expected_marts() -> list[str]:
    return sorted(path.stem for path in MART_FILES)


def superset_engine_from_uri(path: Path) -> sqlalchemy.Engine:
    """As in Superset's database form: the SQLAlchemy URI alone."""
    return sqlalchemy.create_engine(f"duckdb:///{path}?access_mode=read_only")


def superset_engine_with_connect_args(path: Path) -> sqlalchemy.Engine:
    """As with Superset's "Engine parameters": {"connect_args": {"read_only": true}}."""
    return sqlalchemy.create_engine(
        f"duckdb:///{path}", connect_args={"read_only": True}
    )


ENGINES: dict[str, Callable[[Path], sqlalchemy.Engine]] = {
    "uri_access_mode": superset_engine_from_uri,
    "connect_args_read_only": superset_engine_with_connect_args,
}


@pytest.fixture(params=sorted(ENGINES))
def bi_engine(request: pytest.FixtureRequest, built_warehouse: Path) -> Iterator[Any]:
    engine = ENGINES[request.param](built_warehouse)
    try:
        yield engine
    finally:
        engine.dispose()


def test_the_published_file_exists(built_warehouse: Path) -> None:
    assert built_warehouse.is_file(), f"{built_warehouse} was not published"
    assert expected_marts(), "models/marts/ holds no mart"


def test_sqlalchemy_lists_and_reads_every_mart(bi_engine: sqlalchemy.Engine) -> None:
    """What Superset's SQL Lab does: list the schemas and tables, run a query."""
    inspector = sqlalchemy.inspect(bi_engine)
    # duckdb-engine names schemas with their catalog, as Superset shows them.
    assert f"ook_uw_zaak.{MARTS_SCHEMA}" in inspector.get_schema_names()
    assert sorted(inspector.get_table_names(schema=MARTS_SCHEMA)) == expected_marts()
    with bi_engine.connect() as connection:
        for mart in expected_marts():
            result = connection.execute(
                sqlalchemy.text(f"select * from {MARTS_SCHEMA}.{mart}")
            )
            columns = list(result.keys())
            rows = result.all()
            (count,) = connection.execute(
                sqlalchemy.text(f"select count(*) from {MARTS_SCHEMA}.{mart}")
            ).one()
            assert columns, f"{mart} has no columns"
            assert len(rows) == count > 0, mart
            assert all(len(row) == len(columns) for row in rows), mart


def test_sqlalchemy_reflects_the_columns_of_every_mart(
    bi_engine: sqlalchemy.Engine,
) -> None:
    """What Superset does when a mart is added as a dataset: reflect its columns."""
    inspector = sqlalchemy.inspect(bi_engine)
    with bi_engine.connect() as connection:
        for mart in expected_marts():
            reflected = [
                column["name"]
                for column in inspector.get_columns(mart, schema=MARTS_SCHEMA)
            ]
            queried = list(
                connection.execute(
                    sqlalchemy.text(f"select * from {MARTS_SCHEMA}.{mart} limit 0")
                ).keys()
            )
            assert reflected == queried, mart


def test_sqlalchemy_connection_cannot_write(bi_engine: sqlalchemy.Engine) -> None:
    mart = expected_marts()[0]
    allowed = []
    with bi_engine.connect() as connection:
        for template in WRITES:
            statement = template.format(
                schema=MARTS_SCHEMA, relation=f"{MARTS_SCHEMA}.{mart}"
            )
            try:
                connection.execute(sqlalchemy.text(statement))
            except sqlalchemy.exc.DBAPIError as error:
                assert "read-only" in str(error.orig), (statement, error.orig)
            else:
                allowed.append(statement)
            connection.rollback()
    assert not allowed, f"a read-only connection could run: {allowed}"


def test_duckdb_client_lists_and_reads_every_mart_read_only(
    built_warehouse: Path,
) -> None:
    with closing(duckdb.connect(str(built_warehouse), read_only=True)) as connection:
        listed = connection.execute(
            "select table_name from information_schema.tables"
            " where table_schema = ? and table_type = 'BASE TABLE' order by 1",
            [MARTS_SCHEMA],
        ).fetchall()
        assert [name for (name,) in listed] == expected_marts()
        for mart in expected_marts():
            rows = connection.execute(f"select * from {MARTS_SCHEMA}.{mart}").fetchall()
            (count,) = connection.execute(
                f"select count(*) from {MARTS_SCHEMA}.{mart}"
            ).fetchone()
            assert len(rows) == count > 0, mart
        allowed = []
        for template in WRITES:
            statement = template.format(
                schema=MARTS_SCHEMA, relation=f"{MARTS_SCHEMA}.{expected_marts()[0]}"
            )
            try:
                connection.execute(statement)
            except duckdb.Error as error:
                assert "read-only" in str(error), (statement, error)
            else:
                allowed.append(statement)
        assert not allowed, f"a read-only connection could run: {allowed}"


def test_several_bi_tools_read_the_file_at_once(built_warehouse: Path) -> None:
    """Read-only opens share the file: while a dashboard holds it open, a notebook
    in another process opens it read-only too and reads the same figures."""
    mart = f"{MARTS_SCHEMA}.{expected_marts()[0]}"
    notebook = (
        "import duckdb, sys\n"
        "connection = duckdb.connect(sys.argv[1], read_only=True)\n"
        f"print(connection.execute('select count(*) from {mart}').fetchone()[0])\n"
    )
    engine = superset_engine_from_uri(built_warehouse)
    try:
        with engine.connect() as superset:
            (from_superset,) = superset.execute(
                sqlalchemy.text(f"select count(*) from {mart}")
            ).one()
            result = subprocess.run(
                [sys.executable, "-c", notebook, str(built_warehouse)],
                capture_output=True,
                text=True,
                check=False,
            )
            assert result.returncode == 0, result.stderr
            assert int(result.stdout) == from_superset
    finally:
        engine.dispose()


def test_every_mart_is_an_exposure_dependency() -> None:
    exposures = yaml.safe_load(EXPOSURES_FILE.read_text())["exposures"]
    assert exposures, f"{EXPOSURES_FILE.name} declares no exposure"
    depended_on: set[str] = set()
    for exposure in exposures:
        owner = exposure.get("owner") or {}
        assert owner.get("name"), f"exposure {exposure['name']} has no owner name"
        assert exposure.get("type") in ("dashboard", "analysis"), exposure["name"]
        for dependency in exposure["depends_on"]:
            match = re.fullmatch(r"ref\('([a-z0-9_]+)'\)", dependency)
            assert match, f"{exposure['name']}: unexpected dependency {dependency}"
            depended_on.add(match.group(1))
    missing = sorted(set(expected_marts()) - depended_on)
    unknown = sorted(depended_on - set(expected_marts()))
    assert not missing, f"marts that no exposure depends on: {missing}"
    assert not unknown, f"exposures depend on what is not a mart: {unknown}"
