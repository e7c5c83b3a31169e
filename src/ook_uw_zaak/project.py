"""Names and settings the whole package shares, in one place."""

from __future__ import annotations

from pathlib import Path

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
