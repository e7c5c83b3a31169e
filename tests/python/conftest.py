"""Shared fixtures: every test that builds the warehouse does so in a temporary copy
of the project, never in the developer's own files."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ook_uw_zaak.constants import PUBLISHED_FILE_NAME
from ook_uw_zaak.project_copy import copy_project as copy_project_from

# The session fixtures `postgres_server` (a throwaway PostgreSQL server) and
# `warehouse` (a database on it with a published release).
pytest_plugins = ["postgres_server", "postgres_warehouse"]

REPO_ROOT = Path(__file__).resolve().parents[2]


def copy_project(destination: Path) -> Path:
    """Copy the project's sources into `destination` and return the copy's root."""
    return copy_project_from(REPO_ROOT, destination)


def run_build(project_dir: Path) -> subprocess.CompletedProcess[str]:
    """Run the publishing build (`ook-uw-zaak build`) in a project copy."""
    env = {k: v for k, v in os.environ.items() if k != "OOK_UW_ZAAK_DUCKDB_PATH"}
    return subprocess.run(
        [sys.executable, "-m", "ook_uw_zaak.cli", "build"],
        cwd=project_dir,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    """A fresh copy of the project, for a test that changes or builds it."""
    return copy_project(tmp_path / "project")


@pytest.fixture(scope="session")
def built_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The published DuckDB file of a warehouse built once in a temporary copy."""
    project_dir = copy_project(tmp_path_factory.mktemp("built") / "project")
    result = run_build(project_dir)
    if result.returncode != 0:
        pytest.fail(
            "the warehouse did not build in a temporary copy:\n"
            + result.stdout[-4000:]
            + result.stderr[-4000:]
        )
    return project_dir / PUBLISHED_FILE_NAME
