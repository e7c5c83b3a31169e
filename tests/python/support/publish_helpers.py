"""Helpers shared by the publishing tests: checksums, a baseline published file in
a project copy, and reading what a build printed."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from pathlib import Path

import duckdb

from ook_uw_zaak.files import make_read_only
from ook_uw_zaak.project import PUBLISHED_FILE_NAME
from ook_uw_zaak.publish.releases import RELEASE_LINK, RELEASES_FOLDER


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# The release id of the release that with_published_file puts in place: older
# than any a build makes.
EARLIER_RELEASE = "20000101T000000Z-1"


def with_published_file(project_dir: Path, published: Path) -> Path:
    """Put a copy of an earlier build's published file into a project copy as its
    published release (releases/<id>/, the `release` link and the stable name),
    as if that project had been published once; return the stable name."""
    release = project_dir / RELEASES_FOLDER / EARLIER_RELEASE
    release.mkdir(parents=True)
    shutil.copyfile(published.resolve(), release / PUBLISHED_FILE_NAME)
    make_read_only(release)
    (project_dir / RELEASE_LINK).symlink_to(f"{RELEASES_FOLDER}/{EARLIER_RELEASE}")
    target = project_dir / PUBLISHED_FILE_NAME
    target.symlink_to(f"{RELEASE_LINK}/{PUBLISHED_FILE_NAME}")
    return target


def published_state(project_dir: Path) -> dict[str, str]:
    """What readers see: the checksum of every file of every release and where
    the links (`release`, the stable name) point, by path in the project."""
    state = {}
    for name in (RELEASE_LINK, PUBLISHED_FILE_NAME):
        link = project_dir / name
        state[name] = str(link.readlink()) if link.is_symlink() else ""
    for path in sorted((project_dir / RELEASES_FOLDER).rglob("*")):
        if path.is_file() and not path.is_symlink():
            state[path.relative_to(project_dir).as_posix()] = sha256(path)
    return state


def with_plain_published_file(project_dir: Path, published: Path) -> Path:
    """A published file as builds before releases left it: a plain file."""
    target = project_dir / PUBLISHED_FILE_NAME
    shutil.copyfile(published.resolve(), target)
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
