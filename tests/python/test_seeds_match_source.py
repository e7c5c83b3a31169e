"""The seeds against the documents they were transcribed from (kept in docs/source/):
every seeded figure of the answer stands in the answer's text as printed, and every
reference figure in the reference document."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from conftest import REPO_ROOT

SOURCE_DIR = REPO_ROOT / "docs" / "source"
SEEDS_DIR = REPO_ROOT / "seeds"


def _flat(path: Path) -> str:
    """The document's text with every run of white space made one space."""
    return re.sub(r"\s+", " ", path.read_text(encoding="utf-8"))


def _rows(seed: str) -> list[dict[str, str]]:
    path = next(SEEDS_DIR.rglob(f"{seed}.csv"))
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _printed(number: str) -> str:
    """A whole number as the answer prints it: a dot between thousands."""
    return f"{int(number):,}".replace(",", ".")


ANSWER = _flat(SOURCE_DIR / "parliamentary_answer.txt")
REFERENCE = _flat(SOURCE_DIR / "reference_facts.md")


def test_each_province_line_is_printed_in_the_answer() -> None:
    rows = _rows("answer_info_sessions")
    by_province: dict[str, dict[str, tuple[str, str]]] = {}
    for row in rows:
        by_province.setdefault(row["province_code"], {})[row["year"]] = (
            row["sess"],
            row["deeln"],
        )
    assert len(by_province) == 5
    for code, years in by_province.items():
        line = f"{code} {' '.join(years['2018'])} {' '.join(years['2019'])}"
        assert line in ANSWER, f"{line!r} is not printed in the answer"


def test_the_totals_line_is_printed_in_the_answer() -> None:
    totals = {row["year"]: row for row in _rows("answer_info_session_totals")}
    line = (
        f"tot {totals['2018']['sess']} {totals['2018']['deeln']}"
        f" {totals['2019']['sess']} {totals['2019']['deeln']}"
    )
    assert line in ANSWER


@pytest.mark.parametrize(
    ("seed", "count_column", "total_seed", "printed"),
    [
        ("answer_escans", "e_scans", "answer_escan_totals", str),
        (
            "answer_website_visitors",
            "bezoekers",
            "answer_website_visitor_totals",
            _printed,
        ),
    ],
)
def test_each_period_line_is_printed_in_the_answer(
    seed: str, count_column: str, total_seed: str, printed: object
) -> None:
    assert callable(printed)
    for row in _rows(seed):
        line = f"{row['periode']} {printed(row[count_column])}"
        assert line in ANSWER, f"{line!r} is not printed in the answer"
    (total,) = _rows(total_seed)
    assert f"Totaal {printed(total[count_column])}" in ANSWER


def test_each_population_figure_is_in_the_reference_document() -> None:
    for row in _rows("reference_population"):
        year = row["reference_date"][:4]
        assert f"| {year} |" in REFERENCE
        assert f" {row['population']} " in REFERENCE


def test_each_province_code_row_is_in_the_reference_document() -> None:
    for row in _rows("reference_provinces"):
        line = (
            f"| {row['province_code']} | {row['nis_code']} | {row['iso_3166_2_code']}"
            f" | {row['name_nl']} | {row['name_fr']} | {row['name_en']} |"
        )
        assert line in REFERENCE, f"{line!r} is not in the reference document"
