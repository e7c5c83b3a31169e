"""The URI `make superset TARGET=postgres` registers (publish/postgres_bi.py): the BI
role on the server and database of the libpq variables, never a password, and no
name that breaks the identifier rule. (Superset reading the marts through it:
tests/superset/test_superset_postgres.py.)"""

from __future__ import annotations

import subprocess
import sys

import pytest
from sqlalchemy.engine import make_url

from ook_uw_zaak.project import DEFAULT_BI_ROLE, DEFAULT_PG_DATABASE
from ook_uw_zaak.publish.identifiers import IdentifierError
from ook_uw_zaak.publish.postgres_bi import sqlalchemy_uri


def test_defaults_are_the_publishing_builds() -> None:
    url = make_url(sqlalchemy_uri({"PGUSER": "warehouse_builder"}))
    assert url.drivername == "postgresql+psycopg2"
    assert url.username == DEFAULT_BI_ROLE
    assert (url.host, url.port) == ("localhost", 5432)
    assert url.database == DEFAULT_PG_DATABASE
    assert dict(url.query) == {"sslmode": "prefer"}


def test_the_libpq_variables_but_never_a_password() -> None:
    uri = sqlalchemy_uri(
        {
            "PGHOST": "db.example.org",
            "PGPORT": "6543",
            "PGDATABASE": "warehouse",
            "PGSSLMODE": "verify-full",
            "PGUSER": "warehouse_builder",
            "PGPASSWORD": "the-builders-secret",
        }
    )
    assert uri == (
        "postgresql+psycopg2://bi_reader@db.example.org:6543/warehouse"
        "?sslmode=verify-full"
    )


def test_a_socket_folder_is_given_to_libpq_as_parameters() -> None:
    url = make_url(sqlalchemy_uri({"PGHOST": "/var/run/postgresql"}))
    assert (url.host, url.port) == (None, None)
    assert dict(url.query) == {
        "host": "/var/run/postgresql",
        "port": "5432",
        "sslmode": "prefer",
    }


@pytest.mark.parametrize(
    "environment",
    [{"PGDATABASE": "x; drop schema marts"}, {"PGDATABASE": "Warehouse"}],
)
def test_a_hostile_database_name_is_refused(environment: dict[str, str]) -> None:
    with pytest.raises(IdentifierError, match="PGDATABASE"):
        sqlalchemy_uri(environment)


def test_the_command_says_what_is_wrong_without_a_traceback() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ook_uw_zaak.publish.postgres_bi"],
        env={"PGPORT": "five"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == "PGPORT is 'five', which is not a port number\n"
