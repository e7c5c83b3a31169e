"""Write every file of a release into its folder, from a built warehouse.

data/csv/<mart>.csv, data/parquet/<mart>.parquet   every released mart
ook_uw_zaak.xlsx        a sheet per mart and "Lees mij - Read me"
datapackage.json        Frictionless data package of the CSV files
dcat.jsonld             DCAT-AP record
LICENSE-data.txt        the data licence (CC BY 4.0)
CITATION.cff, RELEASE   how to cite it, and the release identifier
CHANGELOG.md            what changed in the figures since the previous release
docs/index.html         dbt's documentation as one static page
index.html, report/     the report pages (ook_uw_zaak.report), when installed
SHA256SUMS              last: the checksum of every other file
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb

from ook_uw_zaak.opendata import dcat
from ook_uw_zaak.opendata.changelog import figures_changed, write_changelog
from ook_uw_zaak.opendata.checksums import write_checksums
from ook_uw_zaak.opendata.contents import read_marts, read_publisher
from ook_uw_zaak.opendata.docs_page import copy_docs_page
from ook_uw_zaak.opendata.metadata import (
    write_citation,
    write_datapackage,
    write_licence,
    write_release_id,
)
from ook_uw_zaak.opendata.tables import write_tables
from ook_uw_zaak.opendata.workbook import write_workbook
from ook_uw_zaak.report import write_report_pages


def write_release(
    database: Path,
    release_dir: Path,
    previous_release: Path | None,
    *,
    dbt_target: Path,
    release_id: str | None = None,
    created: datetime | None = None,
) -> list[Path]:
    """Write the release files of `database` into `release_dir` (which must exist);
    compare the figures with `previous_release` (None for the first). `dbt_target`
    is the target folder of the dbt run that built `database`: its manifest says
    what is released, and it holds the documentation page. Returns
    every file of the release. Raises on any failure: the caller publishes
    nothing then."""
    release_id = release_id or release_dir.name
    created = created or datetime.now(UTC).replace(microsecond=0)
    marts = read_marts(dbt_target / "manifest.json")
    publisher = read_publisher(dbt_target / "manifest.json")
    copy_docs_page(dbt_target, release_dir)
    with duckdb.connect(str(database), read_only=True) as connection:
        write_tables(connection, marts, release_dir)
        write_workbook(connection, marts, release_dir, release_id, created, publisher)
    write_datapackage(release_dir, marts, publisher, release_id, created)
    write_licence(release_dir)
    write_citation(release_dir, publisher, release_id, created)
    write_release_id(release_dir, release_id)
    write_changelog(
        release_dir,
        previous_release,
        marts,
        release_id,
        dbt_target / "manifest.json",
        database,
    )
    now = created.isoformat(timespec="seconds")
    issued = dcat.first_issued(previous_release) or now
    modified = dcat.last_modified(previous_release)
    if modified is None or figures_changed(release_dir, previous_release, marts):
        modified = now
    dcat.write_dcat(release_dir, marts, publisher, release_id, issued, modified)
    write_report_pages(database, release_dir)  # after the files its index links
    write_checksums(release_dir)
    return sorted(p for p in release_dir.rglob("*") if p.is_file())
