"""Every file of a release, named once here, and the links the pages make to them,
relative to the page.

A release folder holds the published DuckDB file and its open-data files (written
by the release's build); the report links each chart's CSV, and the index links
every file below that the folder holds, and nothing it does not.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ook_uw_zaak.project import PUBLISHED_FILE_NAME

# Where the pages go in a release, and where its data files are.
INDEX_FILE = "index.html"
REPORT_FOLDER = "report"
CSV_FOLDER = "data/csv"
PARQUET_FOLDER = "data/parquet"
# The single files of a release.
WORKBOOK_FILE = "ook_uw_zaak.xlsx"
DATABASE_FILE = PUBLISHED_FILE_NAME
DATAPACKAGE_FILE = "datapackage.json"
DCAT_FILE = "dcat.jsonld"
DOCS_PAGE = "docs/index.html"
CITATION_FILE = "CITATION.cff"
CHANGELOG_FILE = "CHANGELOG.md"
CHECKSUM_FILE = "SHA256SUMS"
RELEASE_ID_FILE = "RELEASE"  # the release's identifier, one line
LICENCE_FILE = "LICENSE-data.txt"
# Single files of a release, in the order the index lists them, each with the key
# of its description in the index's template.
SINGLE_FILES = (
    ("workbook", WORKBOOK_FILE),
    ("database", DATABASE_FILE),
    ("datapackage", DATAPACKAGE_FILE),
    ("dcat", DCAT_FILE),
    ("docs", DOCS_PAGE),
    ("citation", CITATION_FILE),
    ("changelog", CHANGELOG_FILE),
    ("checksums", CHECKSUM_FILE),
    ("release", RELEASE_ID_FILE),
)
# The files of the dataset as a whole that the DCAT record distributes (beside a
# CSV and a Parquet file per mart).
DATASET_FILES = (WORKBOOK_FILE, DATAPACKAGE_FILE, DATABASE_FILE)
# Written by the release's build after the pages, over every other file (these
# pages included): linked from a page inside the release even though it does not
# exist yet when the page is written.
WRITTEN_AFTER_PAGES = (CHECKSUM_FILE,)
# Licence files: their names are the release build's to choose.
LICENCE_PATTERNS = ("LICEN[CS]E*", "licen[cs]e*")


@dataclass(frozen=True)
class Link:
    """A file of the release: its name as shown, its address relative to the page,
    and its size in bytes (None for a file written after the page)."""

    name: str
    href: str
    size: int | None


def _href(target: Path, page_dir: Path) -> str:
    """`target` relative to the folder of the page that links it, with slashes."""
    return Path(os.path.relpath(target.resolve(), page_dir.resolve())).as_posix()


@dataclass(frozen=True)
class PageLinks:
    """The links of one page (in `page_dir`) to the release's files."""

    page_dir: Path
    output: Path
    release: Path | None
    is_release: bool

    def csv(self, mart: str) -> str | None:
        """The CSV of `mart`: always linked from a page inside the release (the
        release's build writes every mart as CSV); from elsewhere, only when the
        release it was published in holds it. None when there is none."""
        if self.release is None:
            return None
        target = self.release / CSV_FOLDER / f"{mart}.csv"
        if self.is_release or target.is_file():
            return _href(target, self.page_dir)
        return None

    def _link(self, target: Path, name: str | None = None) -> Link:
        return Link(
            name or target.name, _href(target, self.page_dir), target.stat().st_size
        )

    def reports(self, languages: tuple[str, ...], folder: str) -> dict[str, Link]:
        pages = {
            language: self.output / folder / f"{language}.html"
            for language in languages
        }
        return {
            language: self._link(page)
            for language, page in pages.items()
            if page.is_file()
        }

    def data_files(self, folder: str, suffix: str) -> list[Link]:
        if self.release is None:
            return []
        return [
            self._link(path)
            for path in sorted((self.release / folder).glob(f"*{suffix}"))
            if path.is_file()
        ]

    def single_files(self) -> list[tuple[str, Link]]:
        if self.release is None:
            return []
        links = []
        for key, name in SINGLE_FILES:
            target = self.release / name
            if target.is_file():
                links.append((key, self._link(target, name)))
            elif self.is_release and name in WRITTEN_AFTER_PAGES:
                links.append((key, Link(name, _href(target, self.page_dir), None)))
        return links

    def release_id(self) -> str | None:
        """The release's identifier, from its RELEASE file: the first line, shown
        as text (at most 100 characters)."""
        if self.release is None or not (self.release / RELEASE_ID_FILE).is_file():
            return None
        text = (self.release / RELEASE_ID_FILE).read_text(encoding="utf-8")
        first = text.strip().splitlines()[0].strip() if text.strip() else ""
        return first[:100] or None

    def licences(self) -> list[Link]:
        if self.release is None:
            return []
        found = {
            path
            for pattern in LICENCE_PATTERNS
            for path in self.release.glob(pattern)
            if path.is_file()
        }
        return [self._link(path) for path in sorted(found)]


@dataclass(frozen=True)
class ReleaseLinks:
    """Pages written into `output` that link the files of the release folder
    `release` (the same folder when the pages are part of the release)."""

    output: Path
    release: Path | None

    def for_page(self, page_dir: Path) -> PageLinks:
        is_release = self.release is not None and (
            self.output.resolve() == self.release.resolve()
        )
        return PageLinks(page_dir, self.output, self.release, is_release)
