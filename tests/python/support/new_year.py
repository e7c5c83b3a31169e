"""A complete new year of info sessions (2020, made up for the tests) and a later
answer that prints it: growth, which the build accepts with its source document."""

from __future__ import annotations

from pathlib import Path

INFO_SESSIONS = "seeds/answer/answer_info_sessions.csv"
INFO_SESSION_TOTALS = "seeds/answer/answer_info_session_totals.csv"
NEW_YEAR_ROWS = (
    "ANT,2020,5,100,2\nLIM,2020,4,80,2\nOVL,2020,6,120,2\n"
    "VBR,2020,2,40,2\nWVL,2020,7,140,2\n"
)
NEW_YEAR_TOTAL = "tot,2020,24,480,2\n"
# Saved in docs/source/ as text, it is one of the var answer_source_documents.
NEW_YEAR_DOCUMENT = "docs/source/answer_2020.txt"
# Its questions, then its answers, numbered alike; the table as the answer prints
# one: the column names, a line per province and the totals, the years under it.
NEW_YEAR_ANSWER = """Infosessies 2020

2. Kan de minister het aantal infosessies en deelnemers van 2020 geven?

2. Infosessies en deelnemers:

sess deeln
ANT 5 100
LIM 4 80
OVL 6 120
VBR 2 40
WVL 7 140

tot 24 480

2020
"""


def add_new_year(project_dir: Path, *, with_document: bool = True) -> None:
    """Append the 2020 rows and totals row to the seeds of a project copy, and
    (unless told not to) the document that prints them."""
    for seed, rows in (
        (INFO_SESSIONS, NEW_YEAR_ROWS),
        (INFO_SESSION_TOTALS, NEW_YEAR_TOTAL),
    ):
        with (project_dir / seed).open("a", encoding="utf-8") as handle:
            handle.write(rows)
    if with_document:
        (project_dir / NEW_YEAR_DOCUMENT).write_text(NEW_YEAR_ANSWER, encoding="utf-8")
