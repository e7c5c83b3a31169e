"""The answer's figures against the document they were transcribed from, checked
before dbt runs in every build (DuckDB and PostgreSQL): a figure the answer does
not print where the seed row says, two provinces' rows swapped, or a part changed
together with its total (the sums still add up) is refused, naming the seed's file
and line and the document's line.

Where each figure is printed: the seed's config meta in seeds/_seeds.yml says

    meta:
      printed_in_answer:
        row_label: province_code  # the column whose value begins the printed row
        year: year                # only for a table with a column group per year
        figures: [sess, deeln]    # the columns printed after the label

and each row names the question it answers (column `question`, its provenance):
its figures must stand in the answer to that question, in the row that begins with
its label (under its year's columns, where the table has a group per year). How a
document is read: see source_document.py. Every whole-number column of a seed in
the answer's folder (seeds/answer/) other than `question` must be named there, so
that no figure goes unchecked.

The documents are the var `answer_source_documents` in dbt_project.yml: paths in
the project, or patterns (docs/source/*.txt: every answer received, as text). New
figures come with the document that prints them: put it in docs/source/ as text
(the var takes it in as it is); a row passes when one of the documents prints its
figures at its place.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ook_uw_zaak.files import relative
from ook_uw_zaak.project import ProjectFileError, project_vars
from ook_uw_zaak.seeds.reader import SeedFile, read
from ook_uw_zaak.seeds.source_document import (
    Answer,
    SourceDocumentError,
    Word,
    read_answers,
)

DOCUMENTS_VAR = "answer_source_documents"
PRINTED_META = "printed_in_answer"
QUESTION_COLUMN = "question"
ANSWER_FOLDER = "answer"
_WHOLE_NUMBER_TYPES = ("int", "integer", "bigint", "smallint", "tinyint", "hugeint")

Row = dict[str, str]


@dataclass(frozen=True)
class Printed:
    """Where a seed's figures are printed (its meta printed_in_answer)."""

    row_label: str
    figures: tuple[str, ...]
    year: str | None = None


@dataclass(frozen=True)
class Place:
    """A row's place in one answer: its printed figures, by column, and the line."""

    answer: Answer
    figures: dict[str, int]
    line: int


class _Refused(ValueError):
    """A row whose place no document prints; the message says why."""


def check_source(
    project_dir: Path, seeds: dict[str, SeedFile], per_seed: int = 10
) -> list[str]:
    """Every figure of the answer's seeds that the source documents do not print
    where the row says, one message per row (at most `per_seed` per seed, then
    how many more)."""
    checked = {name: seed for name, seed in seeds.items() if _is_answer_seed(seed)}
    if not checked:
        return []
    problems = [p for seed in checked.values() if (p := _declaration_problem(seed))]
    if problems:
        return problems
    try:
        answers = _answers(project_dir)
    except SourceDocumentError as error:
        return [str(error)]
    for seed in checked.values():
        problems.extend(_seed_problems(seed, _printed(seed), answers, per_seed))
    return problems


def _is_answer_seed(seed: SeedFile) -> bool:
    return PRINTED_META in seed.meta or seed.path.parent.name == ANSWER_FOLDER


def _printed(seed: SeedFile) -> Printed | None:
    declared = seed.meta.get(PRINTED_META)
    if not isinstance(declared, dict):
        return None
    figures = declared.get("figures")
    return Printed(
        row_label=str(declared.get("row_label", "")),
        figures=tuple(str(f) for f in figures) if isinstance(figures, list) else (),
        year=str(declared["year"]) if declared.get("year") else None,
    )


def _declaration_problem(seed: SeedFile) -> str | None:
    """What the seed's printed_in_answer lacks or names wrongly, if anything."""
    printed = _printed(seed)
    where = f"{seed.declared_in} (seed '{seed.name}', config meta {PRINTED_META})"
    named = (printed.row_label, printed.year, *printed.figures) if printed else ()
    unknown = [c for c in named if c and c not in seed.column_types]
    if printed and (not printed.row_label or not printed.figures or unknown):
        return (
            f"{where} must name the seed's columns row_label, figures (a list) and, "
            "for a table with a column group per year, year; "
            + (f"'{unknown[0]}' is not a column of the seed" if unknown else "")
        ).rstrip("; ")
    unchecked = [
        name
        for name, kind in seed.column_types.items()
        if kind.lower().split("(")[0].strip() in _WHOLE_NUMBER_TYPES
        and name not in (QUESTION_COLUMN, *named)
    ]
    if unchecked:
        return (
            f"{where}: the figures of column '{unchecked[0]}' are not compared with "
            "the source document; say where the answer prints them (row_label, "
            "figures and, for a table with a column group per year, year), so "
            "that every figure is checked"
        )
    return None


def _answers(project_dir: Path) -> list[dict[int, Answer]]:
    """The answers of every source document, in the order the var lists them."""
    where = f"dbt_project.yml (vars: {DOCUMENTS_VAR})"
    try:
        patterns: Any = project_vars(project_dir)[DOCUMENTS_VAR]
    except (ProjectFileError, KeyError) as error:
        raise SourceDocumentError(
            f"{where} must list the documents the answer's seeds are transcribed "
            f"from (paths in the project, such as docs/source/*.txt); {error}"
        ) from error
    if not isinstance(patterns, list) or not patterns:
        raise SourceDocumentError(f"{where} must be a list of at least one path")
    answers = []
    for pattern in (str(p) for p in patterns):
        try:
            documents = sorted(p for p in project_dir.glob(pattern) if p.is_file())
        except ValueError:  # an absolute path: not a path in the project
            documents = []
        if not documents:
            raise SourceDocumentError(
                f"{where} names {pattern}, which is no file in the project; restore "
                "the document (for example with `git checkout -- <the file>`) or "
                "correct the path"
            )
        answers += [read_answers(p, relative(p, project_dir)) for p in documents]
    return answers


def _seed_problems(
    seed: SeedFile,
    printed: Printed | None,
    answers: list[dict[int, Answer]],
    limit: int,
) -> list[str]:
    """One message per row whose figures are not printed where it says (at most
    `limit`, then how many more)."""
    if printed is None:
        return []
    content = read(seed)
    header = [name.strip() for name in content.header]
    rows = [
        (line, dict(zip(header, values, strict=False))) for line, values in content.rows
    ]
    places: dict[int, Place] = {}
    refused: dict[int, str] = {}
    for line, row in rows:
        try:
            place = _place(row, printed, answers)
        except _Refused as why:
            refused[line] = f"{seed.display}, line {line}: {why}"
            continue
        if place is not None:
            places[line] = place
    wrong = [
        (line, row)
        for line, row in rows
        if line in refused or (line in places and _differs(row, places[line]))
    ]
    problems = [
        refused.get(line) or _mismatch(seed, line, row, printed, places, rows)
        for line, row in wrong[:limit]
    ]
    if len(wrong) > limit:
        problems.append(f"{seed.display}: {len(wrong) - limit} more rows like these")
    return problems


def _figure(row: Row, column: str) -> int | None:
    try:
        return int(row.get(column, "").strip())
    except ValueError:
        return None  # empty: NULL, which the no_empty_cells tests judge


def _differs(row: Row, place: Place) -> bool:
    return any(
        _figure(row, column) not in (None, printed)
        for column, printed in place.figures.items()
    )


def _place(
    row: Row, printed: Printed, answers: list[dict[int, Answer]]
) -> Place | None:
    """Where the row's figures are printed: the place whose figures match, or
    else the first found; _Refused when no document prints the row at all."""
    label = row.get(printed.row_label, "").strip()
    question = _figure(row, QUESTION_COLUMN)
    if not label or question is None:
        return None
    year = _figure(row, printed.year) if printed.year else None
    found: list[Place] = []
    for document in answers:
        if question in document:
            places = _places(document[question], printed, label, year)
            matching = next((p for p in places if not _differs(row, p)), None)
            if matching:
                return matching
            found += places
    if not found:
        raise _Refused(_not_printed(answers, question, printed, label, year))
    return found[0]


def _places(
    answer: Answer, printed: Printed, label: str, year: int | None
) -> list[Place]:
    """The places in one answer that print a row with `label` (and `year`)."""
    if year is None:
        positions = {name: i for i, name in enumerate(printed.figures)}
        count = len(printed.figures)
    else:
        columns = answer.year_columns(printed.figures)
        if columns is None or year not in columns.years:
            return []
        positions = {f: columns.position(year, f) for f in printed.figures}
        if None in positions.values():
            return []
        count = len(columns.names)
    places = []
    for words in answer.rows(label, count):
        at: dict[str, Word] = {
            name: words[i]
            for name, i in positions.items()
            if i is not None and i < len(words)
        }
        if len(at) == len(positions):
            figures = {name: word.figure or 0 for name, word in at.items()}
            line = min(word.line for word in at.values())
            places.append(Place(answer, figures, line))
    return places


def _not_printed(
    answers: list[dict[int, Answer]],
    question: int,
    printed: Printed,
    label: str,
    year: int | None,
) -> str:
    add = (
        "for new figures, add the document that prints them to the source "
        f"documents (var {DOCUMENTS_VAR} in dbt_project.yml)"
    )
    holding = [document[question] for document in answers if question in document]
    if not holding:
        return (
            f"column '{QUESTION_COLUMN}' holds {question}, but no source document "
            f"answers a question {question}; check the question number, or {add}"
        )
    where = "; ".join(answer.where for answer in holding)
    if year is not None:
        columns = [a.year_columns(printed.figures) for a in holding]
        years = sorted({y for c in columns if c for y in c.years})
        if year not in years:
            printed_years = ", ".join(str(y) for y in years) or "none"
            return (
                f"the answer to question {question} prints no figures of {year} "
                f"(the years it prints: {printed_years}; {where}); check the year, "
                f"or {add}"
            )
    return (
        f"the answer to question {question} prints no row '{label}' with "
        f"{', '.join(printed.figures)} ({where}); check the value of column "
        f"'{printed.row_label}' against the answer, or {add}"
    )


def _mismatch(
    seed: SeedFile,
    line: int,
    row: Row,
    printed: Printed,
    places: dict[int, Place],
    rows: list[tuple[int, Row]],
) -> str:
    place = places[line]
    label = row.get(printed.row_label, "").strip()
    year = row.get(printed.year, "").strip() if printed.year else ""
    differing = [
        c for c in printed.figures if _figure(row, c) not in (None, place.figures[c])
    ]
    has = ", ".join(f"{c} {_figure(row, c)}" for c in differing)
    prints = ", ".join(f"{c} {place.figures[c]}" for c in differing)
    of_year = f" of {year}" if year else ""
    return (
        f"{seed.display}, line {line}: the row '{label}'{of_year} holds {has}, but "
        f"the answer to question {place.answer.question} prints {prints} for "
        f"'{label}'{of_year} ({place.answer.document}, line {place.line}); copy "
        f"the figures from there{_swap_hint(row, printed, places, rows)}"
    )


def _swap_hint(
    row: Row, printed: Printed, places: dict[int, Place], rows: list[tuple[int, Row]]
) -> str:
    """Which other row the answer prints these figures for, when one does."""
    mine = {c: _figure(row, c) for c in printed.figures}
    for other_line, other in rows:
        place = places.get(other_line)
        same_year = not printed.year or other.get(printed.year) == row.get(printed.year)
        if other is not row and place and same_year and place.figures == mine:
            label = other.get(printed.row_label, "").strip()
            return (
                f" (they are the figures the answer prints for '{label}', line "
                f"{other_line} of the seed: were two rows swapped?)"
            )
    return ""
