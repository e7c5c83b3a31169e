"""Whether the publishing build must run dbt's unit tests again.

The unit tests check the models' logic on rows written into the tests themselves;
they never read the seeds' data. Their outcome is therefore fixed by the project's
SQL and YAML (models, macros, tests, the seeds' declared columns and types,
dbt_project.yml, profiles.yml) and by the versions of dbt, dbt-duckdb and DuckDB.
After a DuckDB build that ran them and passed, the build records a fingerprint of
exactly that; the next build skips them when the fingerprint is unchanged, that is
when only the seeds' figures changed, and runs them when anything they depend on
changed, or when there is no record (a fresh clone, after `make clean`). dbt's own
guidance is the same: unit tests test code, so they need to run when the code
changes, not on every production run.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from ook_uw_zaak import files

# Next to dbt's parse cache of the publishing build: build output, like it.
RECORD = Path("target") / "publish_unit_tests_passed.txt"
# What the unit tests' outcome depends on, besides the versions below.
_FILES = ("dbt_project.yml", "profiles.yml")
_FOLDERS = {
    "models": ("*.sql", "*.yml", "*.md"),
    "macros": ("*.sql", "*.yml"),
    "tests": ("*.sql", "*.yml"),
    "seeds": ("*.yml",),  # the declared columns and types; not the CSV data
}
_PACKAGES = ("dbt-core", "dbt-duckdb", "duckdb")


def fingerprint(project_dir: Path) -> str:
    """A hash of everything the unit tests' outcome depends on."""
    return files.fingerprint(project_dir, _FILES, _FOLDERS, _PACKAGES)


def passed_before(project_dir: Path, current: str) -> bool:
    """Whether a build of exactly this SQL and YAML passed the unit tests."""
    try:
        recorded = (project_dir / RECORD).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return False
    return recorded == current


def record_passed(project_dir: Path, current: str) -> None:
    """Record that the unit tests passed on the files with this fingerprint. A
    record that cannot be written only means they run again next time."""
    with contextlib.suppress(OSError):
        files.replace_text(project_dir / RECORD, current + "\n", encoding="ascii")
