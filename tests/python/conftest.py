"""Shared fixtures: every test that builds the warehouse does so in a temporary copy
of the project, never in the developer's own files."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ook_uw_zaak.dbt import unit_tests
from ook_uw_zaak.dbt.runner import PARSE_CACHE
from ook_uw_zaak.project import PUBLISHED_FILE_NAME
from ook_uw_zaak.publish import workspace
from support.project_copy import copy_project as copy_project_from

# The session fixtures `postgres_server` (a throwaway PostgreSQL server) and
# `warehouse` (a database on it with a published release).
pytest_plugins = ["support.postgres_server", "support.postgres_warehouse"]

REPO_ROOT = Path(__file__).resolve().parents[2]


# The project folder of the session's shared build (`built_warehouse`), once built.
_shared_build: list[Path] = []
# How long a worker waits for another worker's shared build.
BUILD_WAIT_SECONDS = 900
# What a project built once keeps between builds (build output, in target/).
BUILD_STATE = (PARSE_CACHE, unit_tests.RECORD)


def copy_project(destination: Path) -> Path:
    """Copy the project's sources into `destination` and return the copy's root.
    Once the shared build has run, the copy gets what that build kept, as a
    project built once before has: dbt's parse cache (dbt checks it against every
    file: a changed seed is parsed again) and the record that the unit tests
    passed on this SQL (checked against the files too: a changed model runs them
    again)."""
    copy = copy_project_from(REPO_ROOT, destination)
    for built in _shared_build:
        for kept in BUILD_STATE:
            if (built / kept).is_file():
                (copy / kept).parent.mkdir(exist_ok=True)
                shutil.copyfile(built / kept, copy / kept)
    return copy


# The test files whose tests share one expensive session fixture, in groups: when
# the tests run in parallel (pytest-xdist), each group runs on one worker, where
# the fixture is set up once. The PostgreSQL tests are two groups, each with a
# server of its own: the hostile-name tests need no published release, and on a
# worker of their own they run beside the publishing tests. Spark builds once.
SHARED_FIXTURE_GROUPS = {
    "postgres": ("test_postgres.py", "test_postgres_publish.py"),
    "postgres names": ("test_postgres_names.py",),
    "spark": ("test_spark.py",),
    # Three Spark builds and a rollback in one sequence (a module fixture).
    "spark publish": ("test_spark_publish.py",),
    "spark cluster": ("test_spark_cluster.py",),
}
SHARED_FIXTURES = {
    "postgres_server": ("postgres", "postgres names"),
    "spark_warehouse": ("spark",),
}


def _file_name(nodeid: str) -> str:
    return nodeid.split("::", 1)[0].rsplit("/", 1)[-1]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that uses a shared fixture outside its groups' files would set it
    up again on another worker (a second server, a second Spark build): refuse
    the run and say so."""
    for item in items:
        for fixture, groups in SHARED_FIXTURES.items():
            files = [f for group in groups for f in SHARED_FIXTURE_GROUPS[group]]
            used = fixture in getattr(item, "fixturenames", ())
            if used and _file_name(item.nodeid) not in files:
                raise pytest.UsageError(
                    f"{item.nodeid} uses {fixture}: move it into one of {files}, or "
                    "add its file to SHARED_FIXTURE_GROUPS in tests/python/conftest.py"
                )


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: a worker per core and one more (the PostgreSQL and Spark tests
    spend part of their time waiting on the server or on Java), at most 4."""
    return min((os.cpu_count() or 1) + 1, 4)


def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    """xdist's load scheduling, with the files of each group as one unit of work
    (xdist's own `--dist loadgroup` marks do not group with pytest 9.2)."""
    from xdist.scheduler import LoadScopeScheduling

    class SharedFixtureScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            for group, files in SHARED_FIXTURE_GROUPS.items():
                if _file_name(nodeid) in files:
                    return group
            return nodeid

    return SharedFixtureScheduling(config, log)


def run_build(project_dir: Path, *options: str) -> subprocess.CompletedProcess[str]:
    """Run the publishing build (`ook-uw-zaak build`) in a project copy."""
    env = {k: v for k, v in os.environ.items() if k != "OOK_UW_ZAAK_DUCKDB_PATH"}
    return subprocess.run(
        [sys.executable, "-m", "ook_uw_zaak.cli", "build", *options],
        cwd=project_dir,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def project_copy(tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    """A fresh copy of the project, for a test that changes or builds it (after
    the shared build, when the test uses it too, so that it has its parse cache)."""
    if "built_warehouse" in request.fixturenames:
        request.getfixturevalue("built_warehouse")
    return copy_project(tmp_path / "project")


@pytest.fixture(scope="session")
def built_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The published DuckDB file of a warehouse built once in a temporary copy.

    Built once per run: when the tests run on parallel workers, the first worker
    that needs it builds it, in the run's temporary folder that all workers share,
    and the others wait for that build and then read the same files. The tests
    only read it (a test that changes or builds the project uses its own copy)."""
    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    folder = root / "built"
    project_dir = folder / "project"
    failed = folder / "failed.txt"
    # The build's own lock (publish/workspace.py), on a folder all workers share.
    with workspace.exclusive_lock(root, BUILD_WAIT_SECONDS, lambda _: None):
        if failed.is_file():
            pytest.fail(failed.read_text(encoding="utf-8"))
        if not (project_dir / PUBLISHED_FILE_NAME).exists():
            # Nothing yet, or what a worker that stopped half-way left behind.
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            copy_project(project_dir)
            result = run_build(project_dir)
            if result.returncode != 0:
                message = (
                    "the warehouse did not build in a temporary copy:\n"
                    + result.stdout[-4000:]
                    + result.stderr[-4000:]
                )
                failed.write_text(message, encoding="utf-8")
                pytest.fail(message)
    _shared_build.append(project_dir)
    return project_dir / PUBLISHED_FILE_NAME
