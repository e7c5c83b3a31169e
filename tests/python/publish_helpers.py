"""Helpers shared by the publishing tests: checksums, a baseline published file in
a project copy, and reading what a build printed."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from pathlib import Path

import duckdb

from ook_uw_zaak.constants import PUBLISHED_FILE_NAME


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def with_published_file(project_dir: Path, published: Path) -> Path:
    """Put a copy of an earlier build's published file into a project copy, as if
    that project had been published once; return the copy's published file."""
    target = project_dir / PUBLISHED_FILE_NAME
    shutil.copy2(published, target)
    return target


def output_of(result: subprocess.CompletedProcess[str]) -> str:
    return result.stdout + result.stderr


def kept_build(project_dir: Path, output: str) -> Path | None:
    """The folder where the build says it kept a failed build, if it says so."""
    match = re.search(r"kept in (\.publish/failed-[^/\s]+)/", output)
    return project_dir / match.group(1) if match else None


def mart_contents(database: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every table of the marts and raw schemas, each as its sorted rows."""
    with duckdb.connect(str(database), read_only=True) as connection:
        tables = connection.execute(
            "select schema_name, table_name from duckdb_tables() "
            "where schema_name in ('marts', 'raw') order by all"
        ).fetchall()
        return {
            f"{schema}.{table}": connection.execute(
                f'select * from "{schema}"."{table}" order by all'
            ).fetchall()
            for schema, table in tables
        }
