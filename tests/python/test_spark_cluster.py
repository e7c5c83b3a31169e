"""The warehouse published on a real Spark cluster on this machine: a standalone
master, one worker and a Spark Thrift server (support/spark_cluster.py), reached
by the `thrift` method of the profile's spark target, as a cluster elsewhere is.

`ook-uw-zaak build --target spark` builds and publishes through the Thrift server;
a reader, connected to the same server, finds every mart and every seed equal to
DuckDB's, row for row (support/engine_marts.py). Then a build whose seed holds a
negative count (a dbt data test fails) leaves everything that reader sees
identical. The cluster is stopped at the end of the module.

Slower than the rest (a cluster start and two builds on one worker core): marked
`spark`, which `make test` leaves out and `make spark-test` runs.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import pytest

from conftest import copy_project
from support.engine_marts import (
    BuiltProject,
    differences_from_duckdb,
    read_thrift_tables,
)
from support.spark_cluster import HOST, Cluster, spark_cluster
from test_spark import _skip_without_spark
from test_spark_publish import write_negative_count

pytestmark = pytest.mark.spark
READER_SCHEMAS = ("raw", "staging", "marts")


@dataclass(frozen=True)
class ThriftBuilds:
    built: BuiltProject  # the published build's manifest and results
    published: dict[str, Any]  # what a reader saw after the good build
    after_failure: dict[str, Any]  # ... and after the failed one
    failed_output: str
    failed_exit_code: int


@contextlib.contextmanager
def _reader(cluster: Cluster) -> Iterator[Any]:
    from pyhive import hive

    connection = hive.connect(host=HOST, port=cluster.thrift_port, username="reader")
    try:
        yield connection
    finally:
        connection.close()


def _query(connection: Any, statement: str) -> list[tuple[Any, ...]]:
    cursor = connection.cursor()
    try:
        cursor.execute(statement)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def _seen(cluster: Cluster) -> dict[str, Any]:
    """The views readers use, what each reads, and every mart's rows."""
    seen: dict[str, Any] = {"views": {}, "rows": {}}
    with _reader(cluster) as connection:
        for schema in READER_SCHEMAS:
            for row in _query(connection, f"show views in {schema}"):
                name = f"{schema}.{row[1]}"
                seen["views"][name] = _query(connection, f"show create table {name}")
        marts = sorted(
            name.split(".")[1] for name in seen["views"] if name.startswith("marts.")
        )
        for mart, rows in read_thrift_tables(connection, "marts", marts).items():
            seen["rows"][mart] = repr(rows)
    return seen


def _environment(cluster: Cluster) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PG", "DBT_", "OOK_UW_ZAAK_", "SPARK_"))
    }
    env.update(
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        OOK_UW_ZAAK_SPARK_METHOD="thrift",
        OOK_UW_ZAAK_SPARK_HOST=HOST,
        OOK_UW_ZAAK_SPARK_PORT=str(cluster.thrift_port),
        OOK_UW_ZAAK_SPARK_USER="warehouse_builder",
    )
    return env


def _build(project_dir: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ook_uw_zaak.cli", "build", "--target", "spark"],
        cwd=project_dir,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    _skip_without_spark()
    if find_spec("pyhive") is None:
        pytest.skip("PyHive is missing: `uv sync --extra spark-cluster` installs it")
    with spark_cluster(tmp_path_factory.mktemp("cluster")) as running:
        yield running


@pytest.fixture(scope="module")
def thrift_builds(
    cluster: Cluster, tmp_path_factory: pytest.TempPathFactory
) -> ThriftBuilds:
    project_dir = copy_project(tmp_path_factory.mktemp("thrift") / "project")
    env = _environment(cluster)
    good = _build(project_dir, env)
    assert good.returncode == 0, (good.stdout + good.stderr)[-6000:]
    published = _seen(cluster)
    write_negative_count(project_dir)
    failed = _build(project_dir, env)
    (target,) = (project_dir / ".publish" / "spark").glob("published-*/target")
    built = BuiltProject(
        project_dir=project_dir,
        manifest=json.loads((target / "manifest.json").read_text("utf-8")),
        run_results=json.loads((target / "run_results.json").read_text("utf-8")),
    )
    return ThriftBuilds(
        built=built,
        published=published,
        after_failure=_seen(cluster),
        failed_output=failed.stdout + failed.stderr,
        failed_exit_code=failed.returncode,
    )


@pytest.mark.parametrize(
    ("schema", "resource_type"), [("marts", "model"), ("raw", "seed")]
)
def test_a_thrift_reader_sees_the_same_tables_as_on_duckdb(
    built_warehouse: Path,
    cluster: Cluster,
    thrift_builds: ThriftBuilds,
    schema: str,
    resource_type: str,
) -> None:
    with _reader(cluster) as connection:
        differences = differences_from_duckdb(
            thrift_builds.built,
            built_warehouse,
            schema,
            resource_type,
            "spark thrift",
            lambda tables: read_thrift_tables(connection, schema, tables),
        )
    assert not differences, "the engines disagree:\n" + "\n".join(differences)


def test_a_failed_build_leaves_what_a_thrift_reader_sees_identical(
    thrift_builds: ThriftBuilds,
) -> None:
    assert thrift_builds.failed_exit_code == 1, thrift_builds.failed_output[-4000:]
    assert "a count below zero in column sess" in thrift_builds.failed_output
    assert thrift_builds.published["rows"], "the reader saw no mart"
    assert thrift_builds.after_failure == thrift_builds.published
