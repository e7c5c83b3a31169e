"""The seeds against the documents they were transcribed from (kept in docs/source/):
every seeded figure of the answer stands in the answer's text where its row says (the
build's own check, seeds/source.py, which every build runs before dbt), and every
reference figure in the reference document. The figures are also transcribed a
second time by hand (support/answer_figures.py) for the tests of the marts."""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import pytest

from conftest import REPO_ROOT
from ook_uw_zaak.seeds.checks import check_seeds
from ook_uw_zaak.seeds.reader import find_seeds
from ook_uw_zaak.seeds.source import check_source
from support.new_year import NEW_YEAR_ANSWER, NEW_YEAR_DOCUMENT, add_new_year

SOURCE_DIR = REPO_ROOT / "docs" / "source"
SEEDS_DIR = REPO_ROOT / "seeds"
ANSWER = "docs/source/parliamentary_answer.txt"
INFO_SESSIONS = "seeds/answer/answer_info_sessions.csv"
INFO_SESSION_TOTALS = "seeds/answer/answer_info_session_totals.csv"
ESCANS = "seeds/answer/answer_escans.csv"
VISITOR_TOTALS = "seeds/answer/answer_website_visitor_totals.csv"


def _flat(path: Path) -> str:
    """The document's text with every run of white space made one space."""
    return re.sub(r"\s+", " ", path.read_text(encoding="utf-8"))


def _rows(seed: str) -> list[dict[str, str]]:
    path = next(SEEDS_DIR.rglob(f"{seed}.csv"))
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


REFERENCE = _flat(SOURCE_DIR / "reference_facts.md")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of what the check reads: dbt_project.yml, the seeds, the documents."""
    shutil.copy(REPO_ROOT / "dbt_project.yml", tmp_path)
    shutil.copytree(SEEDS_DIR, tmp_path / "seeds")
    shutil.copytree(SOURCE_DIR, tmp_path / "docs" / "source")
    return tmp_path


def _change(project: Path, file: str, old: str, new: str) -> None:
    path = project / file
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{file} no longer holds {old!r}: update this test"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_every_answer_figure_is_printed_where_its_row_says() -> None:
    seeds, problems = find_seeds(REPO_ROOT)
    assert problems == []
    assert check_source(REPO_ROOT, {seed.name: seed for seed in seeds}) == []


PLANTED = {
    "two-provinces-swapped": (
        [
            (INFO_SESSIONS, "ANT,2019,11,382,", "ANT,2019,9,249,"),
            (INFO_SESSIONS, "LIM,2019,9,249,", "LIM,2019,11,382,"),
        ],
        [
            f"{INFO_SESSIONS}, line 7: the row 'ANT' of 2019 holds sess 9, deeln 249, "
            "but the answer to question 2 prints sess 11, deeln 382 for 'ANT' of "
            f"2019 ({ANSWER}, line 56); copy the figures from there (they are the "
            "figures the answer prints for 'LIM', line 8 of the seed: were two rows "
            "swapped?)",
            f"{INFO_SESSIONS}, line 8: the row 'LIM' of 2019 holds sess 11, deeln 382, "
            "but the answer to question 2 prints sess 9, deeln 249 for 'LIM' of 2019 "
            f"({ANSWER}, line 57)",
        ],
    ),
    "a-part-changed-with-its-total": (
        [
            (INFO_SESSIONS, "VBR,2019,3,36,", "VBR,2019,3,63,"),
            (INFO_SESSION_TOTALS, "tot,2019,73,2307,", "tot,2019,73,2334,"),
        ],
        [
            f"{INFO_SESSION_TOTALS}, line 3: the row 'tot' of 2019 holds deeln 2334, "
            "but the answer to question 2 prints deeln 2307 for 'tot' of 2019 "
            f"({ANSWER}, line 62); copy the figures from there",
            f"{INFO_SESSIONS}, line 10: the row 'VBR' of 2019 holds deeln 63, but the "
            f"answer to question 2 prints deeln 36 for 'VBR' of 2019 ({ANSWER}, line "
            "59); copy the figures from there",
        ],
    ),
    "a-period-figure": (
        [(ESCANS, ",1138,", ",1183,")],
        [
            f"{ESCANS}, line 2: the row 'nov 2015- dec 2016' holds e_scans 1183, but "
            "the answer to question 3 prints e_scans 1138 for 'nov 2015- dec 2016' "
            f"({ANSWER}, line 74)"
        ],
    ),
    "a-total-printed-with-a-thousands-dot": (
        [(VISITOR_TOTALS, "Totaal,176260,", "Totaal,176261,")],
        [
            f"{VISITOR_TOTALS}, line 2: the row 'Totaal' holds bezoekers 176261, but "
            "the answer to question 4 prints bezoekers 176260 for 'Totaal' "
            f"({ANSWER}, line 97)"
        ],
    ),
    "a-row-the-answer-does-not-print": (
        [(INFO_SESSIONS, "ANT,2018,", "BRU,2018,")],
        [
            f"{INFO_SESSIONS}, line 2: the answer to question 2 prints no row 'BRU' "
            f"with sess, deeln ({ANSWER}, lines 47-65); check the value of column "
            "'province_code' against the answer, or for new figures, add the "
            "document that prints them to the source documents (var "
            "answer_source_documents in dbt_project.yml)"
        ],
    ),
    "a-question-the-answer-has-not": (
        [(ESCANS, ",173,3\n", ",173,7\n")],
        [
            f"{ESCANS}, line 3: column 'question' holds 7, but no source document "
            "answers a question 7; check the question number"
        ],
    ),
}


@pytest.mark.parametrize("case", PLANTED)
def test_a_figure_the_answer_does_not_print_there_is_refused(
    case: str, project: Path
) -> None:
    changes, expected = PLANTED[case]
    for file, old, new in changes:
        _change(project, file, old, new)
    problems = check_seeds(project)
    assert len(problems) == len(expected), problems
    for message in expected:
        assert any(problem.startswith(message) for problem in problems), problems


def test_new_figures_are_accepted_with_the_document_that_prints_them(
    project: Path,
) -> None:
    add_new_year(project, with_document=False)
    problems = check_seeds(project)
    assert len(problems) == 6, problems  # five provinces and the totals row
    assert problems[0].startswith(
        f"{INFO_SESSION_TOTALS}, line 4: the answer to question 2 prints no figures "
        f"of 2020 (the years it prints: 2018, 2019; {ANSWER}, lines 47-65); check "
        "the year, or for new figures, add the document that prints them to the "
        "source documents (var answer_source_documents in dbt_project.yml)"
    )

    (project / NEW_YEAR_DOCUMENT).write_text(NEW_YEAR_ANSWER, encoding="utf-8")
    assert check_seeds(project) == []

    _change(project, INFO_SESSIONS, "OVL,2020,6,120,", "OVL,2020,6,121,")
    (problem,) = check_seeds(project)
    assert problem.startswith(
        f"{INFO_SESSIONS}, line 14: the row 'OVL' of 2020 holds deeln 121, but the "
        "answer to question 2 prints deeln 120 for 'OVL' of 2020 "
        "(docs/source/answer_2020.txt, line 10)"
    )


def test_every_figure_column_must_say_where_it_is_printed(project: Path) -> None:
    _change(
        project,
        "seeds/_seeds.yml",
        "      meta:\n        printed_in_answer:\n          row_label: periode\n"
        "          figures: [e_scans]\n",
        "",
    )
    assert check_seeds(project) == [
        "seeds/_seeds.yml (seed 'answer_escans', config meta printed_in_answer): the "
        "figures of column 'e_scans' are not compared with the source document; say "
        "where the answer prints them (row_label, figures and, for a table with a "
        "column group per year, year), so that every figure is checked"
    ]


@pytest.mark.parametrize(
    ("documents", "expected"),
    [
        (
            None,
            "dbt_project.yml (vars: answer_source_documents) must list the documents "
            "the answer's seeds are transcribed from",
        ),
        (
            "[docs/source/gone.txt]",
            "dbt_project.yml (vars: answer_source_documents) names "
            "docs/source/gone.txt, which is no file in the project",
        ),
        (
            "[docs/source/reference_facts.md]",
            "docs/source/reference_facts.md holds no answers numbered like its "
            "questions",
        ),
    ],
    ids=["no-var", "no-such-document", "not-an-answer"],
)
def test_the_source_documents_must_be_named_and_readable(
    project: Path, documents: str | None, expected: str
) -> None:
    line = '  answer_source_documents: ["docs/source/*.txt"]\n'
    _change(
        project,
        "dbt_project.yml",
        line,
        f"  answer_source_documents: {documents}\n" if documents else "",
    )
    (problem,) = check_seeds(project)
    assert problem.startswith(expected), problem


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
