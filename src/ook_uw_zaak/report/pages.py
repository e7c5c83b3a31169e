"""The report and the index rendered from their templates, in a given language."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime

from ook_uw_zaak.opendata import texts
from ook_uw_zaak.opendata.changelog import NOTHING_CHANGED
from ook_uw_zaak.opendata.names import (
    CHANGELOG_FILE,
    CSV_FOLDER,
    PARQUET_FOLDER,
    REPORT_FOLDER,
    PageLinks,
)
from ook_uw_zaak.report import queries
from ook_uw_zaak.report.figures import (
    Words,
    completeness_sections,
    headlines,
    info_session_section,
    online_activity_section,
    timeline_section,
)
from ook_uw_zaak.report.i18n import LANGUAGES, Formats, environment, translations
from ook_uw_zaak.report.queries import Marts

REPORT_TEMPLATE = "report.html.j2"
INDEX_TEMPLATE = "index.html.j2"


def report_chunks(
    marts: Marts, language: str, links: PageLinks, built: datetime
) -> Iterator[str]:
    """The whole report in `language` as one HTML page, piece by piece: a page of a
    large warehouse holds tens of megabytes (its tables show every row), and
    written as it is rendered it is never held whole in memory."""
    formats = Formats(language)
    words = Words(translations(language).gettext, formats)
    sections = [
        info_session_section(marts, words),
        online_activity_section(marts, words),
        timeline_section(marts, words),
        *completeness_sections(marts, words),
    ]
    pieces = (
        environment(language)
        .get_template(REPORT_TEMPLATE)
        .generate(
            languages=LANGUAGES,
            headlines=headlines(marts, words),
            whole_run_mart=queries.WHOLE_RUN,
            answer=words.answer,
            sections=sections,
            csv=links.csv,
            built=formats.moment(built),
        )
    )
    started = False
    for piece in pieces:
        if not started:  # the page starts at its doctype, without blank lines
            piece = piece.lstrip()
            started = bool(piece)
        if piece:
            yield piece


def _changes(links: PageLinks) -> tuple[str, list[str]] | None:
    """What the release's changelog says changed: ("first", []), ("none", []) or
    ("changed", [the tables that changed]); None without a changelog."""
    if links.release is None or not (links.release / CHANGELOG_FILE).is_file():
        return None
    text = (links.release / CHANGELOG_FILE).read_text(encoding="utf-8")
    if NOTHING_CHANGED in text:
        return ("none", [])
    tables = re.findall(r"^## `?([a-z0-9_]+)`?\s*$", text, flags=re.MULTILINE)
    return ("changed", tables) if tables else ("first", [])


def render_index(
    links: PageLinks, marts: Marts | None = None, built: datetime | None = None
) -> str:
    """The release's front page, in Dutch and English: when it was published, the
    headline figures, what changed, the report in both languages, the files of
    the release that exist, the licence and how to cite it."""
    templates = {language: environment(language) for language in LANGUAGES}
    formats = {language: Formats(language) for language in LANGUAGES}
    figures = {
        language: headlines(
            marts, Words(translations(language).gettext, formats[language])
        )
        if marts is not None
        else None
        for language in LANGUAGES
    }
    return (
        templates[LANGUAGES[0]]
        .get_template(INDEX_TEMPLATE)
        .render(
            languages=LANGUAGES,
            # Each language's part of the page is written with its own words.
            gettexts={
                language: env.globals["gettext"] for language, env in templates.items()
            },
            reports=links.reports(LANGUAGES, REPORT_FOLDER),
            csv_files=links.data_files(CSV_FOLDER, ".csv"),
            parquet_files=links.data_files(PARQUET_FOLDER, ".parquet"),
            single_files=links.single_files(),
            licences=links.licences(),
            release_id=links.release_id(),
            sizes=formats,
            published={
                language: formats[language].day(built.date()) if built else ""
                for language in LANGUAGES
            },
            headlines=figures,
            changes=_changes(links),
            licence=texts.LICENCE,
        )
        .lstrip()
    )
