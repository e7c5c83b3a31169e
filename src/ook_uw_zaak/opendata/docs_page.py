"""docs/index.html: dbt's documentation site as one static page, which the build's
dbt process writes (`dbt docs generate --static`) from the manifest it built with,
against the database it built (dbt/session.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

from ook_uw_zaak.dbt.session import DOCS_PAGE_NAME
from ook_uw_zaak.opendata import names

DOCS_PAGE = Path(names.DOCS_PAGE)


class DocsError(RuntimeError):
    """dbt did not write the documentation page."""


def copy_docs_page(dbt_target: Path, release_dir: Path) -> Path:
    """Copy the page from dbt's target folder into the release."""
    page = dbt_target / DOCS_PAGE_NAME
    if not page.is_file():
        raise DocsError(
            f"dbt did not write its documentation page ({DOCS_PAGE_NAME}): "
            "`dbt docs generate` failed after the build; what dbt printed is in "
            "dbt-output.txt of the build"
        )
    destination = release_dir / DOCS_PAGE
    destination.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(page, destination)
    return destination
