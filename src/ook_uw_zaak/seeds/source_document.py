"""Reading a source document (a parliamentary answer as text, docs/source/): the
answer to each question as its words, each word with the line it stands on, and
the figures a printed row holds.

A document holds the questions, numbered `1.`, `2.`, ... at the start of a line,
then the answers, numbered the same way; the answer to question N runs from the
line of its number to the next number. Within an answer a printed row is a label
(a province code, a period that may run over two lines, `tot`, `Totaal`) followed
by its figures; a figure is written with digits, with or without a dot between
thousands (`50.668`). A table with a group of columns per year prints the names of
its columns in a line of their own (`sess deeln sess deeln`) and the years in
another (`2018 2019`, under the table in the answer).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

_NUMBERED = re.compile(r"\s*([0-9]{1,2})\.(?:\s|$)")
_FIGURE = re.compile(r"-?([0-9]+|[0-9]{1,3}(\.[0-9]{3})+)")
_YEAR = re.compile(r"[0-9]{4,}")


class SourceDocumentError(ValueError):
    """The document cannot be read, or holds no numbered answers."""


@dataclass(frozen=True)
class Word:
    text: str
    line: int

    @property
    def figure(self) -> int | None:
        """The word as a figure (`50.668` is 50668), or None."""
        if not _FIGURE.fullmatch(self.text):
            return None
        return int(self.text.replace(".", ""))


@dataclass(frozen=True)
class YearColumns:
    """A table with a group of columns per year: the printed years, the printed
    column names (one group per year, in the years' order) and their lines."""

    years: tuple[int, ...]
    names: tuple[str, ...]
    years_line: int

    @cached_property
    def _groups(self) -> dict[int, int]:
        return {year: group for group, year in enumerate(self.years)}

    def position(self, year: int, name: str) -> int | None:
        """Where the figure `name` of `year` stands among a row's figures."""
        group = self._groups.get(year)
        if group is None:
            return None
        per_year = len(self.names) // len(self.years)
        names = self.names[group * per_year : (group + 1) * per_year]
        return group * per_year + names.index(name) if name in names else None


@dataclass
class Answer:
    """The answer to one question in one document."""

    document: str  # the path as messages show it
    question: int
    words: list[Word]
    first_line: int
    last_line: int
    _rows: dict[tuple[str, int], list[list[Word]]] = field(default_factory=dict)
    _starts: dict[str, list[int]] = field(default_factory=dict)
    _columns: dict[tuple[str, ...], YearColumns | None] = field(default_factory=dict)

    @property
    def where(self) -> str:
        return f"{self.document}, lines {self.first_line}-{self.last_line}"

    def rows(self, label: str, figures: int) -> list[list[Word]]:
        """Every row printed with `label`: up to `figures` figures after it."""
        key = (label, figures)
        if key not in self._rows:
            self._rows[key] = self._find_rows(label.split(), figures)
        return self._rows[key]

    def _find_rows(self, label: list[str], figures: int) -> list[list[Word]]:
        if not self._starts:
            for position, word in enumerate(self.words):
                self._starts.setdefault(word.text, []).append(position)
        found = []
        for start in self._starts.get(label[0], []) if label else []:
            end = start + len(label)
            if [w.text for w in self.words[start:end]] != label:
                continue
            row: list[Word] = []
            for word in self.words[end:]:
                if len(row) == figures or word.figure is None:
                    break
                row.append(word)
            found.append(row)
        return found

    def year_columns(self, names: tuple[str, ...]) -> YearColumns | None:
        """The table of this answer with a group of `names` per year, if any."""
        if names not in self._columns:
            self._columns[names] = self._find_year_columns(names)
        return self._columns[names]

    def _find_year_columns(self, names: tuple[str, ...]) -> YearColumns | None:
        lines: dict[int, list[str]] = {}
        for word in self.words:
            lines.setdefault(word.line, []).append(word.text)
        header = next((w for w in lines.values() if set(w) <= set(names)), None)
        if not header:
            return None
        for number, words in lines.items():
            is_years = all(_YEAR.fullmatch(word) for word in words)
            if is_years and len(header) % len(words) == 0:
                years = tuple(int(word) for word in words)
                return YearColumns(years, tuple(header), number)
        return None


def read_answers(path: Path, shown: str) -> dict[int, Answer]:
    """The answers of the document at `path` by question number; `shown` is the
    path as messages show it."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise SourceDocumentError(f"{shown} cannot be read ({error})") from error
    numbered = [
        (index, int(match.group(1)), match.end())
        for index, line in enumerate(lines)
        if (match := _NUMBERED.match(line))
    ]
    # The questions are the first run of numbers, the answers the second.
    runs: list[list[tuple[int, int, int]]] = []
    for entry in numbered:
        if not runs or entry[1] <= runs[-1][-1][1]:
            runs.append([])
        runs[-1].append(entry)
    if len(runs) < 2:
        raise SourceDocumentError(
            f"{shown} holds no answers numbered like its questions (the questions "
            "numbered 1., 2., ... at the start of a line, then the answers numbered "
            "the same way)"
        )
    answers = {}
    run = runs[1]
    for position, (index, question, prefix) in enumerate(run):
        end = run[position + 1][0] if position + 1 < len(run) else len(lines)
        words = [Word(text, index + 1) for text in lines[index][prefix:].split()]
        for offset, line in enumerate(lines[index + 1 : end], start=index + 2):
            words.extend(Word(text, offset) for text in line.split())
        answers[question] = Answer(shown, question, words, index + 1, end)
    return answers
