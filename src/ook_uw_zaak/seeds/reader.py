"""Find the project's seed CSV files, what their YAML declares, and read their rows
with the line number each row starts on (so that messages can point at a line)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ook_uw_zaak.files import relative
from ook_uw_zaak.project import ProjectFileError, dbt_project

UTF8_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class SeedFile:
    """One seed: its CSV file and what the seed YAML declares about it."""

    name: str
    path: Path
    display: str  # the path relative to the project, as messages show it
    column_types: dict[str, str] = field(default_factory=dict)
    delimiter: str = ","
    declared_in: str | None = None  # the YAML file that declares the seed
    meta: dict[str, Any] = field(default_factory=dict)  # its config's meta


@dataclass(frozen=True)
class CsvContent:
    """A CSV file split into its header and its rows, each row with its line."""

    header: list[str]
    header_line: int
    rows: list[tuple[int, list[str]]]


class CsvDecodeError(ValueError):
    """The file is not UTF-8; `line` is the line holding the first bad byte."""

    def __init__(self, line: int, bad_byte: int) -> None:
        super().__init__(f"line {line}: byte 0x{bad_byte:02x} is not UTF-8")
        self.line = line
        self.bad_byte = bad_byte


def seed_paths(project_dir: Path) -> list[Path]:
    """The seed folders that dbt_project.yml names (dbt's default: seeds)."""
    try:
        paths = dbt_project(project_dir).get("seed-paths", ["seeds"])
    except ProjectFileError:
        paths = ["seeds"]  # dbt says what is wrong with the file, in its own words
    return [project_dir / p for p in paths]


def _declared_seeds(yaml_file: Path) -> list[dict[str, Any]]:
    try:
        content = yaml.safe_load(yaml_file.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError):
        return []  # dbt reports a broken YAML file itself, in its own words
    seeds = content.get("seeds") if isinstance(content, dict) else None
    return [s for s in seeds or [] if isinstance(s, dict) and "name" in s]


def find_seeds(project_dir: Path) -> tuple[list[SeedFile], list[str]]:
    """Every seed CSV with its declared column types, and a message for each seed
    the YAML declares whose CSV file is missing."""
    csv_files: dict[str, Path] = {}
    declarations: dict[str, tuple[dict[str, Any], Path]] = {}
    for folder in seed_paths(project_dir):
        for csv_file in sorted(folder.rglob("*.csv")):
            csv_files.setdefault(csv_file.stem, csv_file)
        for yaml_file in sorted([*folder.rglob("*.yml"), *folder.rglob("*.yaml")]):
            for seed in _declared_seeds(yaml_file):
                declarations[str(seed["name"])] = (seed, yaml_file)

    seeds: list[SeedFile] = []
    problems: list[str] = []
    for name, (_, yaml_file) in declarations.items():
        if name not in csv_files:
            folders = ", ".join(
                relative(p, project_dir) for p in seed_paths(project_dir)
            )
            problems.append(
                f"{relative(yaml_file, project_dir)} declares the seed '{name}', but "
                f"no file {name}.csv was found under {folders}; restore the file "
                "(for example with `git checkout -- <the file>`) or remove the "
                "declaration"
            )
    for name, csv_file in csv_files.items():
        seed, yaml_file = declarations.get(name, ({}, None))
        config = seed.get("config") or {}
        column_types = config.get("column_types") or {}
        if not column_types:  # fall back on the documented columns, untyped
            column_types = {
                str(c["name"]): "" for c in seed.get("columns") or [] if "name" in c
            }
        seeds.append(
            SeedFile(
                name=name,
                path=csv_file,
                display=relative(csv_file, project_dir),
                column_types={str(k): str(v) for k, v in column_types.items()},
                delimiter=str(config.get("delimiter") or ","),
                declared_in=relative(yaml_file, project_dir) if yaml_file else None,
                meta=dict(config.get("meta") or {}),
            )
        )
    return seeds, problems


def decode(raw: bytes) -> str:
    """The file's text without a UTF-8 byte-order mark; CsvDecodeError if the
    bytes are not UTF-8."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise CsvDecodeError(line, raw[error.start]) from error


def parse(text: str, delimiter: str = ",") -> CsvContent:
    """Split CSV text into header and rows; blank lines are skipped, as dbt does."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] = []
    header_line = 1
    rows: list[tuple[int, list[str]]] = []
    next_line = 1
    for record in reader:
        start, next_line = next_line, reader.line_num + 1
        if not record or (len(record) == 1 and not record[0].strip()):
            continue  # a blank line
        if not header:
            header, header_line = record, start
        else:
            rows.append((start, record))
    return CsvContent(header=header, header_line=header_line, rows=rows)


def quoting_error(text: str, delimiter: str = ",") -> tuple[int, bool] | None:
    """Where CSV text breaks the quoting rules, which `parse` (like dbt's reader)
    lets pass: the line of the record in which a double quote ends a quoted value
    early, or (True) of a quoted value that is never closed; None when the text
    is well quoted."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    start = 1
    try:
        for _ in reader:
            start = reader.line_num + 1
    except csv.Error as error:
        return start, "unexpected end of data" in str(error)
    return None


def read(seed: SeedFile) -> CsvContent:
    """The header and rows of a seed's CSV file."""
    return parse(decode(seed.path.read_bytes()), seed.delimiter)


# How messages show characters a reader cannot see: spaces at either end, tabs,
# line breaks, no-break and zero-width spaces, a byte-order mark.
_VISIBLE_NAMES = {
    " ": "\u2420",  # ␠
    "\t": "\u2409",  # ␉
    "\r": "\u240d",  # ␍
    "\n": "\u240a",  # ␊
    "\u00a0": "<no-break space>",
    "\u202f": "<narrow no-break space>",
    "\u200b": "<zero-width space>",
    "\ufeff": "<byte-order mark>",
}


def visible(value: str) -> str:
    """`value` in quotes, with every character a reader cannot see named, for
    example 'ANT␠' for a trailing space; a plain value is returned as it is."""
    core = value.strip(" ")
    if value == core and all(
        c == " " or (c.isprintable() and c not in _VISIBLE_NAMES) for c in core
    ):
        return value
    lead = len(value) - len(value.lstrip(" "))
    trail = len(value) - len(value.rstrip(" ")) if core else 0
    shown = "".join(
        c
        if c == " " or (c.isprintable() and c not in _VISIBLE_NAMES)
        else _VISIBLE_NAMES.get(c, f"<U+{ord(c):04X}>")
        for c in core
    )
    return "'" + "\u2420" * lead + shown + "\u2420" * trail + "'"
