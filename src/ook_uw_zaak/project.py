"""Names and settings the whole package shares, in one place; and the one reader
of the project's dbt_project.yml."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import yaml

# The published warehouse, at the project's root.
PUBLISHED_FILE_NAME = "ook_uw_zaak.duckdb"
# The name the build's views use for their own database: the file name's stem.
CATALOG = Path(PUBLISHED_FILE_NAME).stem
# The oldest DuckDB the published file must open in: the version BI drivers bundle.
OLDEST_READER = "1.1"
STORAGE_VERSION = "v1.1.0"
# Scratch builds, the build lock and kept failed builds live here.
PUBLISH_FOLDER = ".publish"
# The profile's DuckDB path setting reads this variable (see profiles.yml).
DUCKDB_PATH_VARIABLE = "OOK_UW_ZAAK_DUCKDB_PATH"
# The published releases: releases/<id>/ook_uw_zaak.duckdb, the `release` link to
# the published one, and the stable name ook_uw_zaak.duckdb -> release/... (see
# publish/releases.py).
RELEASES_FOLDER = "releases"
RELEASE_LINK = "release"

# PostgreSQL (ook-uw-zaak build --target postgres; see publish/postgres.py).
# The dbt target of the PostgreSQL server, in profiles.yml.
POSTGRES_TARGET = "postgres"
# The schemas of one release, in the order they are swapped; readers use MARTS_SCHEMA.
RELEASE_SCHEMAS = ("raw", "staging", "intermediate", "marts")
MARTS_SCHEMA = "marts"
# <schema>__previous holds the release before the current one (one step back).
PREVIOUS_SUFFIX = "__previous"
# A publishing build writes into scratch schemas <schema>__build_<...>.
BUILD_SUFFIX_PREFIX = "build_"
# Where the data tests store their failing rows (dbt_project.yml's data_tests).
TEST_FAILURES_SCHEMA = "test_failures"
# The dbt target of Spark (ook-uw-zaak build --target spark; see publish/spark.py).
SPARK_TARGET = "spark"
# The read-only role of BI tools, and the database, unless told otherwise.
DEFAULT_BI_ROLE = "bi_reader"
DEFAULT_PG_DATABASE = "ook_uw_zaak"
# Publishing builds and rollbacks hold a lock on this table while they run, one at a
# time per database (publish/postgres_lock.py); no other role has any right on it.
PUBLISHING_LOCK_SCHEMA = "ook_uw_zaak_publishing"
PUBLISHING_LOCK_TABLE = "publishing_lock"
# The BI role's statement timeout, in dbt_project.yml's vars (macros/bi_access.sql).
BI_STATEMENT_TIMEOUT_VAR = "bi_statement_timeout_seconds"


class ProjectFileError(ValueError):
    """dbt_project.yml cannot be read; the message names the file and why."""


def dbt_project(project_dir: Path) -> dict[str, Any]:
    """The project's dbt_project.yml, parsed (once for each content it has: the
    build asks often). Do not change what it returns. Raises ProjectFileError."""
    path = project_dir / "dbt_project.yml"
    try:
        return _parsed(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError, TypeError) as error:
        raise ProjectFileError(f"{path.name} cannot be read: {error}") from error


def project_vars(project_dir: Path) -> dict[str, Any]:
    """The vars of dbt_project.yml (an empty dict when it has none)."""
    found = dbt_project(project_dir).get("vars") or {}
    if not isinstance(found, dict):
        raise ProjectFileError("dbt_project.yml: vars must be a mapping")
    return found


@functools.lru_cache(maxsize=4)
def _parsed(text: str) -> dict[str, Any]:
    content = yaml.safe_load(text)
    if not isinstance(content, dict):
        raise TypeError("it holds no mapping of settings")
    return content
