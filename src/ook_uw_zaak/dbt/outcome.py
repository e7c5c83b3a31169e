"""Tell what a failed `dbt build` found, from dbt's run_results.json and
manifest.json: for each failing test, the file it guards, what the failure means and
what to fix (both from the test's `config.meta`), and its offending rows with their
line numbers in the seed CSV files.

The offending rows are those dbt stored in the failed build's database (its tests
store their failures on DuckDB and PostgreSQL builds: dbt_project.yml), read
through the engine's FailingRows (DuckDB's here, PostgreSQL's in
publish/postgres.py) and bounded: at most
MAX_ROWS_SHOWN rows, each query interrupted after QUERY_SECONDS, and seed files
above MATCH_FILE_BYTES are not searched for line numbers; the summary always prints
within seconds, even on a very large seed."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import duckdb

from ook_uw_zaak.dbt.keys import checked_column, key_columns
from ook_uw_zaak.seeds.reader import (
    CsvContent,
    CsvDecodeError,
    find_seeds,
    read,
    visible,
)

MAX_ROWS_SHOWN = 20
QUERY_SECONDS = 10.0
MATCH_FILE_BYTES = 5_000_000
PASSED = {"success", "pass"}
NOTHING_TO_RUN = {"no-op"}  # an exposure, for instance: neither passed nor failed
TOTAL_LABELS = {"tot", "tot.", "total", "totaal", "totals", "som", "sum"}
UNIT_TEST_FIX = (
    "make the model give the expected rows, or correct the expected rows if the "
    "model is right"
)
_REF = re.compile(r"""ref\(\s*['"]([^'"]+)['"]""")
# The names dbt's accepted_values, unique and relationships tests give the value of
# the tested column in their failing rows; shown under the column's own name.
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

    def describe(self) -> list[str]:
        """The failed steps, numbered, in the words both publishing commands print."""
        lines = [f"\nThe build failed: {len(self.problems)} step(s) did not pass.\n"]
        lines += [f"{n}. {problem}\n" for n, problem in enumerate(self.problems, 1)]
        if self.skipped:
            lines.append(
                f"{self.skipped} further step(s) were skipped because they depend "
                "on a step that failed.\n"
            )
        return lines


def read_outcome(
    project_dir: Path, target_dir: Path, failing_rows: FailingRows | None = None
) -> Outcome | None:
    """The outcome of the dbt run whose artifacts are in `target_dir`, or None
    when dbt stopped before it ran anything (no run_results.json). The offending
    rows of failed tests are read through `failing_rows` (none without it)."""
    try:
        results = json.loads((target_dir / "run_results.json").read_text("utf-8"))
        manifest = json.loads((target_dir / "manifest.json").read_text("utf-8"))
    except (OSError, ValueError):
        return None
    nodes = {**manifest.get("nodes", {}), **manifest.get("unit_tests", {})}
    seeds = {seed.name: seed for seed in find_seeds(project_dir)[0]}
    problems: list[str] = []
    passed = skipped = 0
    with failing_rows or FailingRows() as reader:
        for result in results["results"]:
            status = str(result.get("status"))
            if status in PASSED:
                passed += 1
            elif status == "skipped":
                skipped += 1
            elif status not in NOTHING_TO_RUN:
                node = nodes.get(result["unique_id"], {})
                problems.append(_explain(result, node, nodes, seeds, reader))
    return Outcome(problems=problems, passed=passed, skipped=skipped)


def _explain(
    result: dict[str, Any],
    node: dict[str, Any],
    nodes: dict[str, dict[str, Any]],
    seeds: dict[str, Any],
    reader: FailingRows,
) -> str:
    kind, name = node.get("resource_type", "step"), node.get("name", "?")
    source_file = node.get("original_file_path") or "dbt"
    message = [f"  {line}" for line in (result.get("message") or "").splitlines()]
    failed = result.get("status") in {"fail", "warn"}
    if kind == "unit_test":
        title = f"{source_file}: the unit test '{name}' of model '{node.get('model')}'"
        return _block(f"{title} {'failed' if failed else 'could not run'}", message)
    if kind != "test" or not failed:
        title = f"{source_file}: {kind} '{name}' could not run"
        return _block(title, message, "read the error above; it names what went wrong")
    metadata = node.get("test_metadata") or {}
    guarded = nodes.get(node.get("attached_node") or "", {})
    words = _Words(metadata.get("kwargs") or {}, node, guarded, nodes, seeds, reader)
    meta = node.get("config", {}).get("meta") or node.get("meta") or {}
    title = f"{guarded.get('original_file_path') or source_file}: "
    title += words.fill(meta.get("means", f"rows that break the test {source_file}"))
    fix = words.fill(meta.get("fix", "check the rows listed against the answer"))
    column = checked_column(node)
    is_column = column is not None and _is_identifier(column)
    on = f" on {'column ' if is_column else ''}{column}" if column else ""
    test_type = metadata.get("name", "singular")
    lines = [f"  check: {test_type}{on} (dbt test {name})"]
    stored = _stored_failures(result, node)
    rows, error = reader.rows(stored) if stored else ([], None)
    if stored is None:
        compiled = str(node.get("compiled_path") or "")
        sql = "target/compiled/" + compiled.rpartition("/compiled/")[2]
        lines.append(
            "  the offending rows are not shown (dbt stores them on DuckDB and "
            f"PostgreSQL builds); the test's SQL is in the build's folder, {sql}"
        )
    elif error:
        lines.append(f"  the offending rows could not be read: {error}")
    elif rows:
        limit = f" (at most {MAX_ROWS_SHOWN})" if len(rows) >= MAX_ROWS_SHOWN else ""
        lines.append(f"  offending rows{limit}:")
        seed_names = _seeds_read(node, guarded, nodes, seeds)
        for found in rows:
            row = _renamed(found, column) if is_column and column else found
            lines.append("    " + ", ".join(f"{k}={_show(v)}" for k, v in row.items()))
            lines += [f"      at {w}" for w in _where(row, seed_names, seeds)]
            if "fix_for_a_totals_row" in meta and _looks_like_total(row):
                fix = words.fill(meta["fix_for_a_totals_row"])
    return _block(title, lines, fix)


class _Words(dict[str, str]):
    """The placeholders of a test's meta text: {column}, {key}, {values},
    {to_file}, {total_file}, {allowed}, and any argument of the test by name. A
    test on an expression of a composite key (`a || '-' || b`) names the key's
    columns: {key} is "a, b", {column} "one of the columns a, b"."""

    def __init__(
        self,
        kwargs: dict[str, Any],
        node: dict[str, Any],
        guarded: dict[str, Any],
        nodes: dict[str, dict[str, Any]],
        seeds: dict[str, Any],
        reader: FailingRows,
    ) -> None:
        super().__init__({k: _text(v) for k, v in kwargs.items()})
        self.kwargs, self.nodes, self.seeds, self.reader = kwargs, nodes, seeds, reader
        column = checked_column(node)
        key = kwargs.get("combination_of_columns") or (
            key_columns(column, guarded.get("columns", {})) if column else ()
        )
        self["key"] = ", ".join(key or [column or "?"])
        if column is None:
            self["column"] = "the column"
        elif _is_identifier(column) or not key:
            self["column"] = f"column {column}"
        else:
            self["column"] = f"one of the columns {self['key']}"
        for argument in ("to", "total_model", "values_model"):
            if argument in kwargs:
                self[argument.replace("_model", "") + "_file"] = self._file(argument)

    def __missing__(self, name: str) -> str:
        if name == "allowed":  # the values a relationships test accepts
            relation = self._relation(self.kwargs.get("to", ""))
            field = self.kwargs.get("field", "")
            values = self.reader.values(relation, field) if relation else None
            self[name] = ", ".join(values) if values else "the values listed there"
            return self[name]
        return "?"

    def fill(self, text: str) -> str:
        return text.format_map(self)

    def _node(self, reference: object) -> dict[str, Any]:
        match = _REF.search(str(reference))
        name = match.group(1) if match else str(reference)
        found = [n for n in self.nodes.values() if n.get("name") == name]
        return found[0] if found else {"name": name}

    def _file(self, argument: str) -> str:
        name = self._node(self.kwargs[argument])["name"]
        return self.seeds[name].display if name in self.seeds else f"'{name}'"

    def _relation(self, reference: object) -> str | None:
        return self._node(reference).get("relation_name")


class FailingRows:
    """Reads the failed build's stored failing rows, each query bounded in rows and
    interrupted after QUERY_SECONDS. This base reads none (an engine whose tests
    store no failures); DuckDBRows and PostgreSQL's (publish/postgres.py) run the
    queries with `_execute`."""

    # The errors of a query that fails (the rows then cannot be shown).
    errors: tuple[type[BaseException], ...] = (RuntimeError,)

    def __enter__(self) -> FailingRows:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection, if one was opened."""

    def _execute(self, query: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        """The column names and rows of a read-only query."""
        raise RuntimeError("this build's database keeps no failing rows")

    def rows(self, relation: str) -> tuple[list[dict[str, Any]], str | None]:
        """The first rows of `relation` (quoted), or the reason they cannot be read."""
        query = f"select * from {relation} limit {MAX_ROWS_SHOWN}"
        try:
            columns, found = self._execute(query)
            return [dict(zip(columns, r, strict=True)) for r in found], None
        except self.errors as error:
            return [], str(error).strip().splitlines()[0]

    def values(self, relation: str, field: str) -> list[str] | None:
        if not re.fullmatch(r"\w+", field):
            return None
        query = f"select distinct {field} from {relation} order by 1 limit 30"
        try:
            return [_show(row[0]) for row in self._execute(query)[1]]
        except self.errors:
            return None


class DuckDBRows(FailingRows):
    """The failing rows stored in a failed build's DuckDB file, opened read-only."""

    errors = (duckdb.Error, RuntimeError)

    def __init__(self, database: Path) -> None:
        self.database = database
        self.connection: duckdb.DuckDBPyConnection | None = None

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()

    def _execute(self, query: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        if self.connection is None:
            self.connection = duckdb.connect(str(self.database), read_only=True)
        timer = threading.Timer(QUERY_SECONDS, self.connection.interrupt)
        timer.start()
        try:
            cursor = self.connection.execute(query)
            columns = [d[0] for d in cursor.description or []]
            return columns, cursor.fetchall()
        finally:
            timer.cancel()


def _stored_failures(result: dict[str, Any], node: dict[str, Any]) -> str | None:
    """Where dbt stored the test's failing rows, as a quoted schema.table (dbt names
    the relation in run_results.json when it stores them), or None."""
    if not result.get("relation_name") or not node.get("schema"):
        return None
    parts = (node["schema"], node.get("alias") or node["name"])
    return ".".join('"' + part.replace('"', '""') + '"' for part in parts)


def _seeds_read(
    node: dict[str, Any],
    guarded: dict[str, Any],
    nodes: dict[str, dict[str, Any]],
    seeds: dict[str, Any],
) -> list[str]:
    """The seeds a test reads, the guarded one first."""
    ids = [
        node.get("attached_node") or "",
        *node.get("depends_on", {}).get("nodes", []),
    ]
    names = [nodes.get(i, {}).get("name") for i in ids if i.startswith("seed.")]
    return [n for n in dict.fromkeys(names) if n in seeds]


def _renamed(row: dict[str, Any], column: str) -> dict[str, Any]:
    """The row with dbt's name for the tested column's value replaced by the
    column's own name (unless the row has that column already)."""
    return {
        (column if key in _RENAMED_COLUMNS and column not in row else key): value
        for key, value in row.items()
    }


def _where(row: dict[str, Any], seed_names: list[str], seeds: dict) -> Iterator[str]:
    """'file, line N' for each seed file with CSV lines that match the row."""
    for name in seed_names:
        content = _csv(seeds[name])
        if content is None:
            continue
        header = [cell.strip() for cell in content.header]
        common = [i for i, cell in enumerate(header) if cell in row]
        matched = [
            line
            for line, cells in content.rows
            if common
            and len(cells) == len(header)
            and all(cell_matches(cells[i], row[header[i]]) for i in common)
        ]
        if matched:
            yield f"{seeds[name].display}, {line_ranges(matched)}"


_CSV_CACHE: dict[Path, CsvContent | None] = {}


def _csv(seed: Any) -> CsvContent | None:
    if seed.path not in _CSV_CACHE:
        try:
            small = seed.path.stat().st_size <= MATCH_FILE_BYTES
            _CSV_CACHE[seed.path] = read(seed) if small else None
        except (OSError, CsvDecodeError):
            _CSV_CACHE[seed.path] = None
    return _CSV_CACHE[seed.path]


def _block(title: str, lines: list[str], fix: str = UNIT_TEST_FIX) -> str:
    return "\n".join([title, *lines, f"  what to fix: {fix}"])


def _looks_like_total(row: dict[str, Any]) -> bool:
    return any(str(v).strip().lower() in TOTAL_LABELS for v in row.values())


def _is_identifier(name: str) -> bool:
    return re.fullmatch(r"[A-Za-z_]\w*", name) is not None


def _text(value: object) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(_text(v) for v in value)
    return str(value)


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
