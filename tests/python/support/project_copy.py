"""Copies of the project for builds that must not touch the developer's own files:
the benchmark's builds and the tests' builds both run in such a copy."""

from __future__ import annotations

import shutil
from pathlib import Path

# What a copy of the project leaves out: environments, build output, databases.
NOT_COPIED = shutil.ignore_patterns(
    ".git",
    ".venv",
    "target",
    "logs",
    "dbt_packages",
    ".publish",
    "releases",
    "release",
    "reports",
    "*.duckdb",
    "*.duckdb.wal",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    ".superset",
)


def copy_project(source: Path, destination: Path) -> Path:
    """Copy the project's sources from `source` into `destination`; return it."""
    shutil.copytree(source, destination, ignore=NOT_COPIED)
    return destination
