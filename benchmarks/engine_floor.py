"""The engine's floor: the SQL a dbt build ran (seed loads, models, data tests,
unit tests), taken from its target folder and run again, in the same order,
directly in DuckDB in one connection against a fresh file. What dbt adds on top
of this (parsing, compiling, its per-node bookkeeping) is the difference.

The SQL of each node is the file dbt wrote under target/run/: a seed's `create
table` and `COPY ... FROM` its CSV file (DuckDB's own CSV reader, as dbt-duckdb
loads seeds), a model's `create table|view <name>__dbt_tmp`, a test's `select
count(*) as failures ...`. A model built under its __dbt_tmp name is renamed to
its own name, as dbt does, so that the next node finds it. A test that stores its
failing rows (store_failures, on DuckDB builds) counts them in the table dbt made
of them: that table is made first, from the test's compiled SQL, as dbt does.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

RUN_TYPES = {"seed", "model", "test", "unit_test"}


@dataclass(frozen=True)
class Replay:
    """What replaying a build's SQL took."""

    seconds: float
    statements: int  # nodes whose SQL was run
    failing_tests: int  # data tests that found rows: 0 when the replay is faithful


@dataclass(frozen=True)
class _Step:
    kind: str
    sql: str
    # "catalog"."schema"."name" of a seed or a model, or of the table where a test
    # stores its failing rows
    relation: str | None
    materialized: str | None
    stored_failures_sql: str | None = None  # the test's compiled SQL, if it stores


def _run_file(target_dir: Path, node: dict[str, Any]) -> Path:
    """Where dbt wrote the node's run SQL under target_dir/run/."""
    parts = Path(str(node.get("build_path") or "")).parts
    if "run" in parts:
        return target_dir.joinpath("run", *parts[parts.index("run") + 1 :])
    # A unit test has no build_path: dbt writes it under its YAML file's path.
    folder = target_dir / "run" / node["package_name"] / node["original_file_path"]
    found = sorted(folder.rglob(f"{node['name']}.sql"))
    if len(found) != 1:
        raise FileNotFoundError(f"no run SQL found for {node['unique_id']}")
    return found[0]


def steps_of_build(target_dir: Path) -> list[_Step]:
    """The SQL of every seed, model, data test and unit test of the build whose
    artifacts are in `target_dir`, in the order dbt finished them (an order in
    which every node comes after the nodes it reads)."""
    results = json.loads((target_dir / "run_results.json").read_text("utf-8"))
    manifest = json.loads((target_dir / "manifest.json").read_text("utf-8"))
    nodes = {**manifest.get("nodes", {}), **manifest.get("unit_tests", {})}
    steps = []
    for result in results["results"]:
        node = nodes.get(result["unique_id"])
        if node is None or node.get("resource_type") not in RUN_TYPES:
            continue
        sql = _run_file(target_dir, node).read_text(encoding="utf-8")
        stores = node["resource_type"] == "test" and result.get("relation_name")
        steps.append(
            _Step(
                kind=node["resource_type"],
                sql=sql,
                relation=node.get("relation_name"),
                materialized=(node.get("config") or {}).get("materialized"),
                stored_failures_sql=result.get("compiled_code") if stores else None,
            )
        )
    return steps


_RELATION = re.compile(r'^"((?:[^"]|"")+)"\."((?:[^"]|"")+)"\."((?:[^"]|"")+)"$')


def _split(relation: str) -> tuple[str, str, str]:
    match = _RELATION.match(relation)
    if not match:
        raise ValueError(f"cannot read the relation name {relation}")
    catalog, schema, name = (part.replace('""', '"') for part in match.groups())
    return catalog, schema, name


def _quote(*names: str) -> str:
    return ".".join('"' + name.replace('"', '""') + '"' for name in names)


def replay(target_dir: Path, database: Path) -> Replay:
    """Run the build's SQL in `database` (a new file, named as the build's, since
    the SQL names its catalog after the file) and time it, from connecting to
    closing the file."""
    steps = steps_of_build(target_dir)
    schemas = sorted({_split(s.relation)[:2] for s in steps if s.relation})
    database.parent.mkdir(parents=True, exist_ok=True)
    failing = 0
    start = time.perf_counter()
    connection = duckdb.connect(str(database))
    try:
        for catalog, schema in schemas:
            connection.execute(f"create schema if not exists {_quote(catalog, schema)}")
        for step in steps:
            if step.stored_failures_sql is not None and step.relation:
                connection.execute(
                    f"create table {step.relation} as (\n{step.stored_failures_sql}\n)"
                )
            result = connection.execute(step.sql)
            if step.kind in {"test", "unit_test"}:
                rows = result.fetchall()
                if step.kind == "test" and rows and rows[0][0]:
                    failing += 1
            elif step.kind == "model" and step.relation:
                catalog, schema, name = _split(step.relation)
                kind = "view" if step.materialized == "view" else "table"
                connection.execute(
                    f"alter {kind} {_quote(catalog, schema, name + '__dbt_tmp')} "
                    f"rename to {_quote(name)}"
                )
    finally:
        connection.close()
    return Replay(
        seconds=time.perf_counter() - start,
        statements=len(steps),
        failing_tests=failing,
    )
