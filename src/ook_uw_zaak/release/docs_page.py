"""docs/index.html: dbt's documentation site as one static page (`dbt docs
generate --static`), generated from the released database, with the manifest the
rest of the release is described from."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ook_uw_zaak.constants import DUCKDB_PATH_VARIABLE, PUBLISHED_FILE_NAME
from ook_uw_zaak.dbt_build import (
    DBT_MAIN,
    PARSE_CACHE,
    database_through_link,
    duckdb_target,
)

DOCS_PAGE = Path("docs") / "index.html"


class DocsError(RuntimeError):
    """dbt could not generate the documentation."""


@contextmanager
def generated_docs(project_dir: Path, database: Path) -> Iterator[Path]:
    """Run `dbt docs generate --static` against a copy of `database` (so the
    released file is never opened for writing) and yield dbt's target folder,
    which holds manifest.json, catalog.json and static_index.html.

    dbt runs from the project folder with paths relative to it (its target in a
    scratch folder under the project's target/), because the page embeds dbt's
    manifest, which names the project root and every compiled file: an absolute
    path would publish where the release was built. It reaches the copy by the
    same path as the build reached its scratch file, so that it may start from the
    build's parse cache (dbt checks the cache, and parses in full if it does not
    match)."""
    project_dir = project_dir.resolve()
    (project_dir / "target").mkdir(exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="release-docs-", dir=project_dir / "target"))
    try:
        copy = work / PUBLISHED_FILE_NAME
        shutil.copyfile(database, copy)
        target = work / "target"
        command = [
            sys.executable,
            "-c",
            DBT_MAIN,
            "docs",
            "generate",
            "--static",
            "--project-dir",
            ".",
            "--target-path",
            target.relative_to(project_dir).as_posix(),
            "--log-path",
            str(work / "logs"),
            "--no-use-colors",
            "--quiet",
        ]
        if (project_dir / "profiles.yml").is_file():
            command += ["--profiles-dir", "."]
        name = duckdb_target(project_dir)
        if name:
            command += ["--target", name]
        if (project_dir / PARSE_CACHE).is_file():
            command += ["--partial-parse-file-path", PARSE_CACHE.as_posix()]
        with database_through_link(project_dir, copy) as path:
            result = subprocess.run(
                command,
                cwd=project_dir,
                env={**os.environ, DUCKDB_PATH_VARIABLE: path},
                capture_output=True,
                text=True,
                check=False,
            )
        page = target / "static_index.html"
        if result.returncode != 0 or not page.is_file():
            output = (result.stdout + result.stderr).strip().splitlines()[-20:]
            raise DocsError(
                "dbt docs generate --static failed; what it printed last:\n  "
                + "\n  ".join(output)
            )
        yield target
    finally:
        shutil.rmtree(work, ignore_errors=True)


def copy_docs_page(target: Path, release_dir: Path) -> Path:
    destination = release_dir / DOCS_PAGE
    destination.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(target / "static_index.html", destination)
    return destination
