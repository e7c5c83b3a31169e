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
# releases.py).
RELEASES_FOLDER = "releases"
RELEASE_LINK = "release"
