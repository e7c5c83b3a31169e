"""CHANGELOG.md: what changed in the figures since the previous release: first the
seed cells that changed, each with its seed file and line (opendata/seed_changes.py),
then mart by mart the rows added or removed (named by their key) and every changed
value (old and new, rounded as the report shows them), or that nothing changed. It
compares the CSV files of the two releases, which the same writer produced, so
equal figures are equal text.

Every value, key and column name is quoted as inline code and every other name
escaped (opendata/markdown.py): whatever a figure or a text holds, it is shown as
it is and never read as a heading, a list item or HTML."""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ook_uw_zaak.opendata.contents import Mart
from ook_uw_zaak.opendata.labels import labels
from ook_uw_zaak.opendata.markdown import code, plain
from ook_uw_zaak.opendata.names import CHANGELOG_FILE, DATABASE_FILE, RELEASE_ID_FILE
from ook_uw_zaak.opendata.seed_changes import CellChange, seed_changes
from ook_uw_zaak.opendata.tables import CSV_FOLDER, csv_path

NOTHING_CHANGED = "Niets gewijzigd. / Nothing changed."
EMPTY = "(leeg / empty)"

Row = dict[str, str]


@dataclass
class MartChanges:
    mart: str
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    new_mart: bool = False

    def any(self) -> bool:
        return bool(
            self.added or self.removed or self.changed or self.columns or self.new_mart
        )


def release_id_of(release_dir: Path) -> str:
    path = release_dir / RELEASE_ID_FILE
    if path.is_file():
        return path.read_text(encoding="utf-8").strip()
    return release_dir.name


def compare(release_dir: Path, previous: Path, marts: list[Mart]) -> list[MartChanges]:
    changes = []
    names = {mart.name for mart in marts}
    for mart in marts:
        changes.append(_compare_mart(release_dir, previous, mart))
    for old in sorted((previous / CSV_FOLDER).glob("*.csv")):
        if old.stem not in names:
            changes.append(
                MartChanges(mart=old.stem, removed=["(hele tabel / whole table)"])
            )
    return changes


def figures_changed(
    release_dir: Path, previous: Path | None, marts: list[Mart]
) -> bool:
    """Whether any figure differs from the previous release's (True when there is
    none to compare with)."""
    if previous is None or not (previous / CSV_FOLDER).is_dir():
        return True
    return any(change.any() for change in compare(release_dir, previous, marts))


def _compare_mart(release_dir: Path, previous: Path, mart: Mart) -> MartChanges:
    result = MartChanges(mart=mart.name)
    old_file = previous / csv_path(mart)
    if not old_file.is_file():
        result.new_mart = True
        return result
    old_header, old_rows = _read(old_file)
    new_header, new_rows = _read(release_dir / csv_path(mart))
    for column in new_header:
        if column not in old_header:
            result.columns.append(f"kolom toegevoegd / column added: {code(column)}")
    for column in old_header:
        if column not in new_header:
            result.columns.append(f"kolom verwijderd / column removed: {code(column)}")
    key = [c for c in mart.primary_key if c in old_header] or None
    old_by_key = _by_key(old_rows, key or old_header)
    new_by_key = _by_key(new_rows, key or new_header)
    for row_key, row in new_by_key.items():
        if row_key not in old_by_key:
            result.added.append(_describe(row_key, row, key))
    for row_key, row in old_by_key.items():
        if row_key not in new_by_key:
            result.removed.append(_describe(row_key, row, key))
    shared = [c for c in new_header if c in old_header]
    for row_key, new_row in new_by_key.items():
        old_row = old_by_key.get(row_key)
        if old_row is None:
            continue
        for column in shared:
            if old_row[column] != new_row[column]:
                shown = _shown(column)
                result.changed.append(
                    f"{_key_text(row_key, key or new_header)}: {code(column)} "
                    f"{shown(old_row[column])} → {shown(new_row[column])}"
                )
    return result


def _read(path: Path) -> tuple[list[str], list[Row]]:
    with path.open(encoding="utf-8", newline="") as stream:
        reader = csv.DictReader(stream)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


def _by_key(rows: list[Row], key: list[str]) -> dict[tuple[str, ...], Row]:
    return {tuple(row.get(column, "") for column in key): row for row in rows}


def _rounded(value: str, unit: str) -> str:
    """A figure of the CSV rounded as the report shows its unit: two decimals for
    a ratio, a percentage with one decimal for a share or relative change."""
    try:
        number = float(value)
    except ValueError:
        return value
    if unit in ("share", "relative_change"):
        return f"{number * 100:.1f} %"
    if unit == "ratio" or (unit == "mixed" and not number.is_integer()):
        return f"{number:.2f}"
    if unit == "mixed":
        return str(int(number))
    return value


def _shown(column: str) -> Callable[[str | None], str]:
    known = labels().get(column)  # the release checks every column has a label
    unit = known.unit if known else "text"

    def shown(value: str | None) -> str:
        return _value(_rounded(value, unit) if value else value)

    return shown


def _value(value: str | None) -> str:
    """A value as inline code, or that it is empty."""
    return code(value) if value else EMPTY


def _key_text(row_key: tuple[str, ...], key: list[str]) -> str:
    return ", ".join(
        f"{plain(column)}={_value(value)}"
        for column, value in zip(key, row_key, strict=True)
    )


def _describe(row_key: tuple[str, ...], row: Row, key: list[str] | None) -> str:
    if key:
        return _key_text(row_key, key)
    return ", ".join(
        f"{plain(column)}={_value(value)}" for column, value in row.items()
    )


def write_changelog(
    release_dir: Path,
    previous: Path | None,
    marts: list[Mart],
    release_id: str,
    manifest_path: Path | None = None,
    database: Path | None = None,
) -> Path:
    lines = [
        "# Wijzigingen in de cijfers / Changes in the figures",
        "",
        f"Release {plain(release_id)}",
        "",
    ]
    if previous is None:
        lines += [
            "Eerste release: er is geen vorige release om mee te vergelijken. / "
            "First release: there is no previous release to compare with.",
        ]
    elif not (previous / CSV_FOLDER).is_dir():
        lines += [
            f"De vorige release ({plain(release_id_of(previous))}) heeft geen "
            "CSV-bestanden om mee te vergelijken. / The previous release "
            f"({plain(release_id_of(previous))}) has no CSV files to compare with.",
        ]
    else:
        lines += [
            f"Vergeleken met de vorige release / Compared with the previous release: "
            f"{plain(release_id_of(previous))}",
            "",
        ]
        changes = [
            change for change in compare(release_dir, previous, marts) if change.any()
        ]
        if not changes:
            lines.append(NOTHING_CHANGED)
        elif manifest_path is not None and database is not None:
            lines += _seed_section(database, previous, manifest_path)
        for change in changes:
            lines += _section(change)
    path = release_dir / CHANGELOG_FILE
    path.write_text("\n".join(lines).rstrip("\n") + "\n", encoding="utf-8")
    return path


def _seed_section(new: Path, previous: Path, manifest_path: Path) -> list[str]:
    """Where the changes came from: the seed cells of database `new` that differ
    from the previous release's."""
    old = previous / DATABASE_FILE
    if not old.is_file() or not new.is_file():
        return []
    lines = ["## Gewijzigde brongegevens / Changed source data", ""]
    for change in seed_changes(new, old, manifest_path):
        where = f"{code(change.seed_file)}, regel / line {change.line}"
        if isinstance(change, CellChange):
            lines.append(
                f"- {where}: {code(change.column)} {_value(change.old)} → "
                f"{_value(change.new)}"
            )
        else:
            kind = (
                "rij toegevoegd / row added"
                if change.kind == "added"
                else "rij verwijderd / row removed (regel in de vorige release / "
                "line in the previous release)"
            )
            values = ", ".join(
                f"{plain(column)}={_value(value)}"
                for column, value in change.values.items()
            )
            lines.append(f"- {where}, {kind}: {values}")
    if len(lines) == 2:
        lines.append(
            "- geen: enkel de code of de referentiecijfers veranderden / none: only "
            "the code or the reference figures changed"
        )
    return [*lines, ""]


def _section(change: MartChanges) -> list[str]:
    lines = [f"## {plain(change.mart)}", ""]
    if change.new_mart:
        lines.append("- nieuwe tabel / new table")
    lines += [f"- {text}" for text in change.columns]
    lines += [f"- rij toegevoegd / row added: {text}" for text in change.added]
    lines += [f"- rij verwijderd / row removed: {text}" for text in change.removed]
    lines += [f"- gewijzigd / changed: {text}" for text in change.changed]
    lines.append("")
    return lines
