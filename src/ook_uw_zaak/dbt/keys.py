"""Each model's primary key, read from dbt's manifest as dbt-project-evaluator
reads it: dbt's `unique` and `not_null` tests on the same column, or on the same
expression of the key's columns for a composite key
(`province_code || '-' || calendar_year`)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

_LITERAL = re.compile(r"'[^']*'")
_NAME = re.compile(r"[A-Za-z_]\w*")


def checked_column(test: dict[str, Any]) -> str | None:
    """The column (or expression) a generic test checks: set on a column, or as
    the test's `column_name` when it is declared on the model."""
    kwargs = (test.get("test_metadata") or {}).get("kwargs") or {}
    return test.get("column_name") or kwargs.get("column_name")


def key_columns(tested: str, columns: Iterable[str]) -> tuple[str, ...]:
    """The columns that `tested` names: itself when it is one of `columns`, else
    the columns the expression mentions (outside its quoted literals), in order."""
    names = list(columns)
    if tested in names:
        return (tested,)
    mentioned = _NAME.findall(_LITERAL.sub(" ", tested))
    return tuple(dict.fromkeys(name for name in mentioned if name in names))


def primary_keys(manifest: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    """Model (or seed) id -> its key's columns, for each node with dbt's unique
    and not_null tests on the same column or expression; where a node has several
    such pairs, the one whose first column comes first in its columns."""
    tests: dict[tuple[str, str], set[str]] = {}
    for node in manifest.get("nodes", {}).values():
        name = (node.get("test_metadata") or {}).get("name")
        tested, attached = checked_column(node), node.get("attached_node")
        builtin = f"macro.dbt.test_{name}" in node.get("depends_on", {}).get(
            "macros", []
        )
        if name in ("unique", "not_null") and builtin and tested and attached:
            tests.setdefault((attached, tested), set()).add(name)
    keys: dict[str, tuple[str, ...]] = {}
    for (attached, tested), names in sorted(tests.items()):
        columns = list(manifest["nodes"].get(attached, {}).get("columns", {}))
        key = key_columns(tested, columns)
        if names != {"unique", "not_null"} or not key:
            continue
        if attached not in keys or columns.index(key[0]) < columns.index(
            keys[attached][0]
        ):
            keys[attached] = key
    return keys
