"""The report on the published figures, in Dutch and English, and the release's
index page.

`write_report_pages(database, release_dir)` writes, from the marts of `database`
(opened read-only):

    release_dir/index.html        the release's front page: the report in both
                                  languages, the downloads, the data's description
    release_dir/report/nl.html    the report in Dutch (the default)
    release_dir/report/en.html    the report in English

`ook-uw-zaak report` writes the same pages into a folder of the user's choice
(reports/ by default) from the published file. The pages need no network: the
charts are inline SVG, the styles inline, every link relative. A figure the answer
does not give is drawn as a gap that says why, never as zero.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from pathlib import Path

import duckdb

from ook_uw_zaak import files
from ook_uw_zaak.opendata.names import (
    CHECKSUM_FILE,
    INDEX_FILE,
    RELEASE_ID_FILE,
    REPORT_FOLDER,
    PageLinks,
    ReleaseLinks,
)
from ook_uw_zaak.project import PUBLISHED_FILE_NAME, RELEASES_FOLDER
from ook_uw_zaak.report.i18n import LANGUAGES
from ook_uw_zaak.report.pages import render_index, report_chunks
from ook_uw_zaak.report.queries import Marts, read_marts

INDEX_FILE_NAME = INDEX_FILE

__all__ = [
    "INDEX_FILE_NAME",
    "LANGUAGES",
    "REPORT_FOLDER",
    "report_file",
    "write_report_pages",
]


def report_file(folder: Path, language: str) -> Path:
    """Where the report in `language` is written under `folder`."""
    return folder / REPORT_FOLDER / f"{language}.html"


def _write(target: Path, pieces: Iterable[str]) -> None:
    """Write `target` whole or not at all, piece by piece."""
    with files.replacing(target) as page:
        page.writelines(pieces)


def _write_report(
    marts: Marts, language: str, links: PageLinks, built: datetime, target: Path
) -> Path:
    _write(target, report_chunks(marts, language, links, built))
    return target


# From this many rows in the marts on, the second language is rendered in a process
# of its own, beside the first: a page's time grows with the rows (its tables show
# every row), about 8 s per language at 1,000 times the published rows, while a
# fresh process costs about half a second. The published marts hold a few hundred.
PARALLEL_FROM_ROWS = 5_000


def _row_count(marts: Marts) -> int:
    return sum(len(rows or []) for rows in vars(marts).values())


def _write_pages(database: Path, output: Path, release: Path | None) -> list[Path]:
    """Render the report in every language and the index into `output`; the links
    to the release's files point into `release` (None: there is none).

    On a large warehouse with more than one core, the languages are rendered side
    by side: the last in a new process (started afresh, not forked, so that it
    holds only what rendering needs), the others here."""
    marts = read_marts(database)
    built = datetime.fromtimestamp(database.stat().st_mtime)
    links = ReleaseLinks(output, release)
    jobs = []
    for language in LANGUAGES:
        target = report_file(output, language)
        jobs.append((marts, language, links.for_page(target.parent), built, target))
    if (os.cpu_count() or 1) > 1 and _row_count(marts) >= PARALLEL_FROM_ROWS:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(1, mp_context=context) as pool:
            last = pool.submit(_write_report, *jobs[-1])
            written = [_write_report(*job) for job in jobs[:-1]]
            written.append(last.result())
    else:
        written = [_write_report(*job) for job in jobs]
    index = output / INDEX_FILE_NAME
    _write(index, [render_index(links.for_page(output), marts, built)])
    written.append(index)
    return written


def write_report_pages(database: Path, release_dir: Path) -> None:
    """Write index.html and report/<language>.html of the release in `release_dir`
    from the marts of `database`. The report links each chart's CSV as
    ../data/csv/<mart>.csv; the index links only the files `release_dir` holds
    when it is written, so call this after the release's other files."""
    _write_pages(database, release_dir, release_dir)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database",
        type=Path,
        default=Path(PUBLISHED_FILE_NAME),
        help=f"the published warehouse to read (default: {PUBLISHED_FILE_NAME})",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=Path("reports"),
        help="the folder to write the pages into (default: reports/)",
    )


def _release_of(database: Path) -> Path | None:
    """The release folder `database` was published in, if it has one: the folder
    of the file the path leads to, when it holds the release's data."""
    folder = database.resolve().parent
    return folder if (folder / "data").is_dir() else None


def _published_release_at(output: Path) -> Path | None:
    """The published release folder that `output` lies in, whatever path leads to
    it (links resolved): a folder holding a release's identifier and checksums,
    or anything under the project's releases/ folder."""
    resolved = output.resolve()
    releases_folder = Path(RELEASES_FOLDER).resolve()
    if resolved.is_relative_to(releases_folder) and resolved != releases_folder:
        return releases_folder / resolved.relative_to(releases_folder).parts[0]
    for folder in (resolved, *resolved.parents):
        if (folder / RELEASE_ID_FILE).is_file() and (folder / CHECKSUM_FILE).is_file():
            return folder
    return None


def run(args: argparse.Namespace) -> int:
    database: Path = args.database
    if not database.is_file():
        print(
            f"The warehouse {database} does not exist: run `make build` first (it "
            f"publishes {PUBLISHED_FILE_NAME}), or point --database at a built file.",
            file=sys.stderr,
        )
        return 1
    release = _release_of(database)
    output: Path = args.output
    published = _published_release_at(output)
    if published is not None:
        print(
            f"{output} is inside the release folder {published}, which is never "
            "written after it is published (its checksums would no longer match); "
            "it holds its own pages already. Choose another --output, such as "
            "reports/.",
            file=sys.stderr,
        )
        return 1
    try:
        written = _write_pages(database, output, release)
    except duckdb.Error as error:
        print(
            f"Could not read the marts of {database}: {error}\n"
            "Run `make build` to publish a complete warehouse, then try again.",
            file=sys.stderr,
        )
        return 1
    index = written[-1]
    print(
        f"Wrote {index} and the report in Dutch ({written[0]}) and English "
        f"({written[1]}): open {index} in a browser (it needs no network)."
    )
    return 0
