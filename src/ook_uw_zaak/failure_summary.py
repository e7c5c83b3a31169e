"""Tell what a failed `dbt build` found, from dbt's run_results.json and
manifest.json: each failing test with the file it guards, the offending rows (read
again from the failed build's database) with their line numbers in the seed CSV
files where a row can be matched, and what to fix."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import duckdb

from ook_uw_zaak.seed_csv import (
    CsvContent,
    CsvDecodeError,
    find_seeds,
    read,
    visible,
)

MAX_ROWS_SHOWN = 20
PASSED = {"success", "pass"}
# dbt's status for what has nothing to run, such as an exposure: neither passed
# nor failed.
NOTHING_TO_RUN = {"no-op"}
TOTAL_LABELS = {"tot", "tot.", "total", "totaal", "totals", "som", "sum"}

_REF = re.compile(r"""ref\(\s*['"]([^'"]+)['"]""")
# Tests that flag a value not in a list; a totals label there is a pasted totals row.
_VALUE_TESTS = {"accepted_values", "relationships"}
# Test columns that hold a value of the tested column under another name.
_RENAMED_COLUMNS = ("value_field", "unique_field", "from_field")


@dataclass(frozen=True)
class Outcome:
    """What dbt's run came to: the problems to show and the counts."""

    problems: list[str]
    passed: int
    skipped: int

    @property
    def all_passed(self) -> bool:
        return not self.problems and self.skipped == 0


def read_outcome(project_dir: Path, target_dir: Path, database: Path) -> Outcome | None:
    """The outcome of the dbt run whose artifacts are in `target_dir`, or None
    when dbt stopped before it ran anything (no run_results.json)."""
    results_file = target_dir / "run_results.json"
    manifest_file = target_dir / "manifest.json"
    if not results_file.is_file() or not manifest_file.is_file():
        return None
    results = json.loads(results_file.read_text(encoding="utf-8"))["results"]
    manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    nodes = {**manifest.get("nodes", {}), **manifest.get("unit_tests", {})}
    explainer = _Explainer(project_dir, nodes, database)
    problems: list[str] = []
    passed = skipped = 0
    try:
        for result in results:
            status = str(result.get("status"))
            if status in PASSED:
                passed += 1
            elif status in NOTHING_TO_RUN:
                continue
            elif status == "skipped":
                skipped += 1
            else:
                node = nodes.get(result["unique_id"], {})
                problems.append(explainer.explain(result, node))
    finally:
        explainer.close()
    return Outcome(problems=problems, passed=passed, skipped=skipped)


class _Explainer:
    """Turns one failed dbt result into a paragraph of plain words."""

    def __init__(
        self, project_dir: Path, nodes: dict[str, dict[str, Any]], database: Path
    ) -> None:
        self.project_dir = project_dir
        self.nodes = nodes
        self.database = database
        self.connection: duckdb.DuckDBPyConnection | None = None
        self.seed_files = {s.name: s for s in find_seeds(project_dir)[0]}
        self.csv_cache: dict[str, CsvContent | None] = {}

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()

    def explain(self, result: dict[str, Any], node: dict[str, Any]) -> str:
        kind = node.get("resource_type", "step")
        name = node.get("name", result.get("unique_id", "?"))
        source_file = node.get("original_file_path") or "dbt"
        status = result.get("status")
        message = (result.get("message") or "").strip()
        if kind == "test" and status in {"fail", "warn"}:
            return self._failed_test(result, node)
        if kind == "unit_test":
            model = node.get("model", "?")
            return _block(
                f"{source_file}: the unit test '{name}' of "
                f"model '{model}' {_failed_word(status)}",
                [f"  {line}" for line in message.splitlines()],
                "make the model give the expected rows, or correct the expected "
                "rows if the model is right",
            )
        what = {"seed": "the seed", "model": "the model", "test": "the test"}
        return _block(
            f"{source_file}: {what.get(kind, kind)} '{name}' could not run",
            [f"  {line}" for line in message.splitlines()],
            "read the error above; it names the column or SQL that went wrong",
        )

    def _failed_test(self, result: dict[str, Any], node: dict[str, Any]) -> str:
        metadata = node.get("test_metadata") or {}
        test_type = metadata.get("name", "singular")
        kwargs = metadata.get("kwargs") or {}
        column = node.get("column_name") or kwargs.get("column_name")
        guarded = self.nodes.get(node.get("attached_node") or "", {})
        guarded_file = guarded.get("original_file_path") or node.get(
            "original_file_path", "?"
        )
        related = self._seed_names(node, guarded)
        if metadata:
            found, fix = _describe(test_type, column, kwargs, self._file_of)
        else:  # a singular test: a SQL file of its own under tests/
            test_file = node.get("original_file_path", "?")
            found = f"rows that break the test {test_file}"
            fix = f"the comment at the top of {test_file} says what it guards"
        rows, error = self._offending_rows(result.get("compiled_code") or "")
        on_column = f" on column {column}" if column else ""
        lines = [f"  check: {test_type}{on_column} (dbt test {node.get('name', '?')})"]
        if error:
            lines.append(f"  the offending rows could not be read again: {error}")
        elif rows:
            shown = f"at most {MAX_ROWS_SHOWN}" if len(rows) >= MAX_ROWS_SHOWN else ""
            lines.append("  offending rows" + (f" ({shown})" if shown else "") + ":")
            for row in rows:
                lines.append(
                    "    " + ", ".join(f"{k}={_show(v)}" for k, v in row.items())
                )
                for where in self._where(row, column, related):
                    lines.append(f"      at {where}")
                if test_type in _VALUE_TESTS and _looks_like_total(row):
                    fix = (
                        "this looks like the totals row pasted among the parts: "
                        "remove the line (the published total belongs in the "
                        "totals file)"
                    )
        return _block(f"{guarded_file}: {found}", lines, fix)

    def _seed_names(self, node: dict[str, Any], guarded: dict[str, Any]) -> list[str]:
        """The seeds a test reads, the guarded one first."""
        names = [guarded.get("name")] if guarded.get("resource_type") == "seed" else []
        for unique_id in node.get("depends_on", {}).get("nodes", []):
            other = self.nodes.get(unique_id, {})
            if other.get("resource_type") == "seed" and other.get("name") not in names:
                names.append(other.get("name"))
        return [n for n in names if n in self.seed_files]

    def _file_of(self, reference: str) -> str:
        """The file of a `ref('name')` test argument, for messages."""
        match = _REF.search(str(reference))
        name = match.group(1) if match else str(reference)
        seed = self.seed_files.get(name)
        return seed.display if seed else f"'{name}'"

    def _offending_rows(self, sql: str) -> tuple[list[dict[str, Any]], str | None]:
        if not sql.strip():
            return [], None
        try:
            if self.connection is None:
                self.connection = duckdb.connect(str(self.database), read_only=True)
            cursor = self.connection.execute(
                f"select * from ({sql}) as offending_rows limit {MAX_ROWS_SHOWN}"
            )
            columns = [d[0] for d in cursor.description or []]
            return [dict(zip(columns, r, strict=True)) for r in cursor.fetchall()], None
        except duckdb.Error as error:
            return [], str(error).splitlines()[0]

    def _csv(self, seed_name: str) -> CsvContent | None:
        if seed_name not in self.csv_cache:
            try:
                self.csv_cache[seed_name] = read(self.seed_files[seed_name])
            except (OSError, CsvDecodeError):
                self.csv_cache[seed_name] = None
        return self.csv_cache[seed_name]

    def _where(
        self, row: dict[str, Any], column: str | None, seed_names: list[str]
    ) -> Iterable[str]:
        """'file, line N' for each seed file with CSV lines that match the row."""
        values = dict(row)
        for renamed in _RENAMED_COLUMNS:
            if column and renamed in values:
                values.setdefault(column, values[renamed])
        for seed_name in seed_names:
            content = self._csv(seed_name)
            if content is None:
                continue
            header = [name.strip() for name in content.header]
            common = [i for i, name in enumerate(header) if name in values]
            if not common:
                continue
            matched = [
                line
                for line, cells in content.rows
                if len(cells) == len(header)
                and all(cell_matches(cells[i], values[header[i]]) for i in common)
            ]
            if matched:
                yield f"{self.seed_files[seed_name].display}, {line_ranges(matched)}"


def _describe(
    test_type: str,
    column: str | None,
    kwargs: dict[str, Any],
    file_of: Callable[[str], str],
) -> tuple[str, str]:
    """(what the test found, what to fix) for a test of the given type."""
    col = f"column {column}" if column else "the column"
    if test_type == "non_negative":
        return (
            f"a count below zero in {col}",
            "a count cannot be negative: copy the figure again from the published "
            "answer (was a minus sign typed by mistake?)",
        )
    if test_type == "sums_to_published_total":
        total_file = file_of(kwargs.get("total_model", "?"))
        return (
            f"the parts in {col} do not add up to the published total in {total_file}",
            "check each part against the published answer, and that no totals row "
            "was pasted among the parts; the published total itself is in "
            f"{total_file}",
        )
    if test_type in {"unique_combination_of_columns", "unique"}:
        key = ", ".join(kwargs.get("combination_of_columns") or [column or "?"])
        return (
            f"the same {key} occurs more than once",
            f"keep one line per {key}: remove the duplicated line, or correct "
            f"its {key}",
        )
    if test_type == "not_null":
        return (f"an empty cell in {col}", f"fill in {col} on the lines listed")
    if test_type == "accepted_values":
        allowed = ", ".join(str(v) for v in kwargs.get("values") or [])
        return (
            f"a value that is not allowed in {col}",
            f"{col} may only hold one of: {allowed}; correct the value",
        )
    if test_type == "relationships":
        to_file, field = file_of(kwargs.get("to", "?")), kwargs.get("field", "?")
        return (
            f"a value in {col} that is not listed in {to_file}",
            f"use one of the values of column {field} in {to_file} (a typing error?)",
        )
    if test_type == "has_every_value_per_group":
        values_file = file_of(kwargs.get("values_model", "?"))
        group = kwargs.get("group_by", "group")
        return (
            f"a {group} that lacks a row for one of the values of {values_file}",
            f"add the missing line for each {group} (the offending rows name the "
            f"missing {column}): every {group} needs one line per "
            f"{kwargs.get('values_column', column)} listed in {values_file}",
        )
    if test_type == "periods_are_contiguous":
        return (
            "periods that overlap or leave a gap",
            "each period must start the day after the previous one ends: check "
            f"{column} and {kwargs.get('last_day_column', 'the last day')} on the "
            "lines listed",
        )
    if test_type == "ends_after_start":
        return (
            "a period that ends before it starts (or lacks a first or last day)",
            f"make {column} the same as or later than "
            f"{kwargs.get('first_day_column', 'the first day')} (were the two "
            "swapped?)",
        )
    return (
        f"rows that break the check '{test_type}'",
        "check the rows listed against the published answer and the test's SQL",
    )


def _block(title: str, lines: list[str], fix: str) -> str:
    return "\n".join([title, *lines, f"  what to fix: {fix}"])


def _failed_word(status: object) -> str:
    return "failed" if status == "fail" else "could not run"


def _looks_like_total(row: dict[str, Any]) -> bool:
    return any(str(v).strip().lower() in TOTAL_LABELS for v in row.values())


def _show(value: object) -> str:
    if value is None:
        return "(empty)"
    if isinstance(value, date | datetime):
        return value.isoformat()
    return visible(str(value))  # 'ANT␠', not an invisible trailing space


def cell_matches(cell: str, value: object) -> bool:
    """Whether a CSV cell holds the value a query returned."""
    text = cell.strip()
    if value is None:
        return text == ""
    if isinstance(value, bool):
        return text.lower() in ({"true", "t", "1"} if value else {"false", "f", "0"})
    if isinstance(value, int | float | Decimal):
        try:
            return Decimal(text) == Decimal(str(value))
        except InvalidOperation:
            return False
    if isinstance(value, datetime):
        try:
            return datetime.fromisoformat(text) == value
        except ValueError:
            return False
    if isinstance(value, date):
        return text == value.isoformat()
    return text == str(value).strip()


def line_ranges(numbers: list[int]) -> str:
    """'line 4', 'lines 2-6', 'lines 2, 12' (consecutive numbers as a range)."""
    if len(numbers) == 1:
        return f"line {numbers[0]}"
    ranges: list[list[int]] = []
    for number in sorted(numbers):
        if ranges and number == ranges[-1][-1] + 1:
            ranges[-1].append(number)
        else:
            ranges.append([number])
    parts = [
        f"{r[0]}-{r[-1]}" if len(r) > 2 else ", ".join(map(str, r)) for r in ranges
    ]
    return "lines " + ", ".join(parts)
