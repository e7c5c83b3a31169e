"""`make superset` on a real Apache Superset (the version in superset/requirements.txt).

Run by `make superset-test`, not by `make test` (it installs Superset and starts it
twice: a few minutes). In a temporary copy of the project, with a port of its own:
the warehouse is built, `make superset` starts, a chart of the user's own is added,
Superset is stopped and started again, and then the checks run against that second
start: the user's chart is kept and the shipped dashboard is not duplicated; the
charts' data holds the answer's figures (pending years missing, never zero); SQL Lab
refuses reading a file and writing; headless Chromium draws every chart of the
dashboard (its screenshot is kept, see running_superset.SCREENSHOT). Everything
started is stopped. The same on PostgreSQL: test_superset_postgres.py.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator

import pytest
import requests
from running_superset import (
    DUCKDB,
    Api,
    DashboardChecks,
    Route,
    Superset,
    add_own_chart,
    free_port,
    make_environment,
    project_copy,
)


@pytest.fixture(scope="module")
def route() -> Route:
    return DUCKDB


@pytest.fixture(scope="module")
def superset(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Superset]:
    if shutil.which("make") is None:
        pytest.fail("make is needed")
    project = project_copy(tmp_path_factory.mktemp("superset"))
    build = subprocess.run(
        [sys.executable, "-m", "ook_uw_zaak.cli", "build"],
        cwd=project,
        env=make_environment(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    server = Superset(project, free_port())
    try:
        first = server.start()
        print(f"\nfirst start (install, set-up, serve): {first:.0f} s")
        add_own_chart(Api(server))
        server.stop()
        second = server.start()
        print(f"second start (set-up again, serve): {second:.0f} s")
        yield server
    finally:
        server.stop()


class TestOnDuckDB(DashboardChecks):
    """The checks every TARGET passes, on the DuckDB file."""


def test_the_database_is_the_hardened_published_file(
    api: Api, database_id: int
) -> None:
    database = api.get(f"database/{database_id}/connection")["result"]
    uri = database["sqlalchemy_uri"]
    assert uri.startswith("duckdb:///") and "ook_uw_zaak.duckdb?" in uri, uri
    for setting in (
        "access_mode=read_only",
        "enable_external_access=false",
        "lock_configuration=true",
    ):
        assert setting in uri, uri
    assert database["allow_dml"] is False


def test_sql_lab_refuses_reading_a_file(api: Api, database_id: int) -> None:
    # DuckDB refuses: the hardened URI switched external access off.
    response = api.sql(database_id, "select * from read_csv('/etc/passwd')")
    assert not response.ok, response.text
    assert "Permission Error" in response.text, response.text
    assert "root:" not in response.text
    print(f"\nread_csv refused: {response.status_code} {response.text[:300]}")


def test_the_browser_may_load_nothing_from_elsewhere(superset: Superset) -> None:
    policy = requests.get(f"{superset.url}/login/", timeout=60).headers[
        "Content-Security-Policy"
    ]
    assert "http" not in policy and "scarf" not in policy, policy
