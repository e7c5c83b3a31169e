"""The warehouse published on a real Spark cluster on this machine: a standalone
master, one worker and a Spark Thrift server (support/spark_cluster.py), reached
by the `thrift` method of the profile's spark target, as a cluster elsewhere is.

`ook-uw-zaak build --target spark` builds and publishes through the Thrift server;
a reader, connected to the same server, finds every mart and every seed equal to
DuckDB's, row for row (support/engine_marts.py). Then a build whose seed holds a
negative count (a dbt data test fails) leaves everything that reader sees
identical. Then a build with a new year of info sessions publishes a second
release while three readers query (or list) every mart through the server without
pause: none gets an error or a missing view, each sees the first release, then the
second, and no view was dropped and created again. Last, that publication step is
run again, for the first release, and killed half-way: a rollback puts every view
back on one release. The tests run
in this order (pytest's, the order of the file): the first compares the release
of the first build with DuckDB's, before the later fixtures publish others. The
cluster is stopped at the end of the module.

Slower than the rest (a cluster start and three builds on one worker core):
marked `spark`, which `make test` leaves out and `make spark-test` runs.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import pytest

from benchmarks.measure import Measurement
from benchmarks.spark_bench import SparkPublish
from conftest import copy_project
from ook_uw_zaak.project import RELEASE_SCHEMAS
from support.engine_marts import (
    BuiltProject,
    checked_name,
    differences_from_duckdb,
    read_thrift_tables,
)
from support.new_year import add_new_year
from support.spark_cluster import HOST, Cluster, spark_cluster, thrift_environment
from test_spark import _skip_without_spark
from test_spark_publish import write_negative_count

pytestmark = pytest.mark.spark
READER_SCHEMAS = ("raw", "staging", "marts")
# What a view reads: `... from marts__build_<id>.x`, or from `marts__build_<id>`.`x`.
_SOURCE = re.compile(r"\bfrom\s+`?[a-z0-9_]+__(build_[a-z0-9_]+)`?\.", re.IGNORECASE)
_STATE = re.compile(r"\((ook_uw_zaak_\w+),(\w+)\)")
# The line the build prints as it starts publishing (src/ook_uw_zaak/publish/spark.py).
PUBLISHING_STEP = "3/3 "
KILL_WAIT_SECONDS = 120.0


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


def _view_sources(seen: dict[str, Any]) -> dict[str, str]:
    """The release (build_...) that each view in `seen` reads."""
    sources = {}
    for name, definition in seen["views"].items():
        text = " ".join(str(cell) for row in definition for cell in row)
        match = _SOURCE.search(text)
        assert match, f"{name} reads no release: {text}"
        sources[name] = match.group(1)
    return sources


def _sources(seen: dict[str, Any]) -> set[str]:
    """The releases that the views in `seen` read."""
    return set(_view_sources(seen).values())


def _release_state(connection: Any) -> dict[str, str]:
    """The marts schema's properties: the release readers see and the previous."""
    for row in _query(connection, "describe database extended marts"):
        if row[0] == "Properties":
            return dict(_STATE.findall(row[1] or ""))
    return {}


def _environment(cluster: Cluster) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PG", "DBT_", "OOK_UW_ZAAK_"))
    }
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    return thrift_environment(cluster, env)


def _cli(
    project_dir: Path, env: dict[str, str], command: str
) -> subprocess.CompletedProcess[str]:
    """`ook-uw-zaak <command> --target spark` in the project copy."""
    return subprocess.run(
        [sys.executable, "-m", "ook_uw_zaak.cli", command, "--target", "spark"],
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
    good = _cli(project_dir, env, "build")
    assert good.returncode == 0, (good.stdout + good.stderr)[-6000:]
    published = _seen(cluster)
    restore = write_negative_count(project_dir)
    failed = _cli(project_dir, env, "build")
    restore()
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


# -- a publication under readers, and one killed half-way ------------------------

# What one query of a reader returned, for each mart it read: (rows, what
# identifies the release's rows); or the query's error, as text.
Reading = dict[str, tuple[int, Any]] | str
Read = Callable[[Any], dict[str, tuple[int, Any]]]


@dataclass(frozen=True)
class ReadDuringPublish:
    exit_code: int
    output: str
    before: dict[str, dict[str, tuple[int, Any]]]  # by reader: each mart, before
    after: dict[str, dict[str, tuple[int, Any]]]  # ... and after the build
    readings: dict[str, list[Reading]]  # by reader, in order
    created_before: dict[str, str]  # each reader's view: when it was created
    created_after: dict[str, str]


def _fingerprints(connection: Any, marts: list[str]) -> dict[str, tuple[int, Any]]:
    """Every mart's rows and the sum of their hashes, in one statement: Spark looks
    up all its views at once, so one missing at that moment fails it."""
    statement = " union all ".join(
        f"select '{mart}', count(*), sum(hash(*)) from marts.{checked_name(mart)}"
        for mart in marts
    )
    return {row[0]: (row[1], row[2]) for row in _query(connection, statement)}


def _mart_rows(connection: Any, mart: str) -> dict[str, tuple[int, Any]]:
    """One mart in full, as a BI tool reads it."""
    rows = _query(connection, f"select * from marts.{checked_name(mart)}")
    return {mart: (len(rows), sorted(repr(row) for row in rows))}


def _listed(connection: Any, marts: list[str]) -> dict[str, tuple[int, Any]]:
    """The views of marts, as a BI tool lists a schema: a mart missing from the
    list fails the reading. The cheapest query, so the most often repeated."""
    listed = {row[1] for row in _query(connection, "show views in marts")}
    missing = sorted(set(marts) - listed)
    if missing:
        raise LookupError(f"show views in marts lists no {', '.join(missing)}")
    return {}


def _readers(marts: list[str]) -> dict[str, list[Read]]:
    """Three readers, each a round of queries that reads (or lists) every mart."""
    return {
        "all marts in one query": [lambda connection: _fingerprints(connection, marts)],
        "mart by mart": [
            lambda connection, mart=mart: _mart_rows(connection, mart) for mart in marts
        ],
        "the list of marts": [lambda connection: _listed(connection, marts)],
    }


def _created(connection: Any) -> dict[str, str]:
    """When each view of a release's schemas was created: `alter view` keeps it,
    dropping and creating a view again (as `create or replace view` does) not."""
    created = {}
    for schema in RELEASE_SCHEMAS:
        for row in _query(connection, f"show views in {schema}"):
            name = f"{schema}.{checked_name(row[1])}"
            for key, value, *_ in _query(connection, f"describe extended {name}"):
                if key == "Created Time":
                    created[name] = value
    return created


def _read_once(connection: Any, reads: list[Read]) -> dict[str, tuple[int, Any]]:
    figures: dict[str, tuple[int, Any]] = {}
    for read in reads:
        figures.update(read(connection))
    return figures


def _read_in_rounds(
    cluster: Cluster, reads: list[Read], start: threading.Event, stop: threading.Event
) -> list[Reading]:
    """Query without pause from `start` until `stop`, then one whole round more."""
    readings: list[Reading] = []
    with _reader(cluster) as connection:
        start.wait()
        last_round = False
        while not last_round:
            last_round = stop.is_set()
            for read in reads:
                try:
                    readings.append(read(connection))
                except Exception as error:  # what a reader would get: the finding
                    readings.append(f"{type(error).__name__}: {error}")
    return readings


@pytest.fixture(scope="module")
def read_during_publish(
    cluster: Cluster, thrift_builds: ThriftBuilds
) -> ReadDuringPublish:
    """A second release (a new year of info sessions, which changes several marts)
    published while three readers query every mart, each on a connection of its
    own. They start when the build announces its publishing step: before it, they
    would only slow the build on the worker's one core, and the failed build
    above shows that nothing moves before it."""
    project_dir = thrift_builds.built.project_dir
    add_new_year(project_dir)
    with _reader(cluster) as connection:
        marts = sorted(row[1] for row in _query(connection, "show views in marts"))
        readers = _readers(marts)
        before = {name: _read_once(connection, r) for name, r in readers.items()}
        created_before = _created(connection)
    start, stop = threading.Event(), threading.Event()
    output: list[str] = []
    with ThreadPoolExecutor(len(readers)) as pool:
        reading = {
            name: pool.submit(_read_in_rounds, cluster, reads, start, stop)
            for name, reads in readers.items()
        }
        build = None
        try:
            build = subprocess.Popen(
                [sys.executable, "-m", "ook_uw_zaak.cli", "build", "--target", "spark"],
                cwd=project_dir,
                env=_environment(cluster),
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            assert build.stdout is not None
            for line in build.stdout:
                output.append(line)
                if line.startswith(PUBLISHING_STEP):
                    start.set()
            exit_code = build.wait()
        finally:
            if build is not None and build.poll() is None:
                build.kill()
                build.wait()
            start.set()
            stop.set()
        readings = {name: future.result() for name, future in reading.items()}
    with _reader(cluster) as connection:
        after = {name: _read_once(connection, r) for name, r in readers.items()}
        created_after = _created(connection)
    return ReadDuringPublish(
        exit_code,
        "".join(output),
        before,
        after,
        readings,
        created_before,
        created_after,
    )


def test_readers_during_a_publication_get_no_error_and_see_the_old_then_the_new(
    read_during_publish: ReadDuringPublish,
) -> None:
    run = read_during_publish
    assert run.exit_code == 0, run.output[-4000:]
    for name, readings in run.readings.items():
        before, after = run.before[name], run.after[name]
        changed = [mart for mart in before if before[mart] != after[mart]]
        # The readers of rows tell the releases apart by the marts that changed.
        assert changed or not before, f"{name}: no mart changed"
        errors = [reading for reading in readings if isinstance(reading, str)]
        assert not errors, (
            f"{name}: {len(errors)} of {len(readings)} queries failed during the "
            f"publication; the first:\n{errors[0][:2000]}"
        )
        seen: dict[str, list[str]] = {mart: [] for mart in before}
        for reading in readings:
            assert isinstance(reading, dict)
            for mart, figures in reading.items():
                assert figures[0] > 0, f"{name}: {mart} returned no rows"
                assert figures in (before[mart], after[mart]), (
                    f"{name}: {mart} returned rows of neither release"
                )
                seen[mart].append("old" if figures == before[mart] else "new")
        for mart in changed:
            releases = seen[mart]
            assert releases[0] == "old" and releases[-1] == "new", (name, mart)
            moved = releases.index("new")
            assert "old" not in releases[moved:], f"{name}: {mart} went back"
        told = f"; {len(changed)} marts changed" if before else ""
        print(
            f"\n{name}: {len(readings)} queries during the publication, no error{told}"
        )
    (repointed,) = [line for line in run.output.splitlines() if "Repointed " in line]
    print(repointed.strip())


def test_the_publication_changes_each_view_in_place(
    read_during_publish: ReadDuringPublish,
) -> None:
    """The readers above would find a view missing only in the moment between
    its drop and its creation, which they may miss: here every view's creation
    time shows that none was dropped and created again."""
    before = read_during_publish.created_before
    after = read_during_publish.created_after
    assert before, "no view found"
    recreated = sorted(name for name, at in before.items() if after.get(name) != at)
    assert not recreated, f"dropped and created again: {', '.join(recreated)}"


def test_the_benchmark_finds_its_figures_in_what_a_thrift_build_prints(
    read_during_publish: ReadDuringPublish,
) -> None:
    """`make bench` times the steps of this same build from the lines it prints
    (benchmarks/spark_bench.py): they are there, in order."""
    printed = read_during_publish.output.splitlines()
    run = SparkPublish(
        Measurement(0, len(printed), 0.0, 0.0, 0.0, list(enumerate(printed, 1)))
    )
    assert run.dbt_seconds and run.dbt_seconds > 0, printed
    assert run.publish_seconds and run.publish_seconds > 0, printed
    assert run.repointed is not None, printed
    assert run.repointed[0] == len(read_during_publish.created_after)


@dataclass(frozen=True)
class InterruptedPublication:
    first: str  # the release of the first build
    second: str  # the release readers saw, published during the reads above
    half_way: dict[str, Any]  # what readers saw after the kill
    rollback: subprocess.CompletedProcess[str]
    rolled_back: dict[str, Any]  # what readers saw after the rollback
    state: dict[str, str]  # the marts schema's properties after the rollback
    readers_saw: dict[str, Any]  # what readers saw before it all


def _repointed_any(connection: Any, views: list[str], release: str) -> bool:
    return any(
        release
        in repr(_query(connection, f"show create table raw.{checked_name(view)}"))
        for view in views
    )


@pytest.fixture(scope="module")
def interrupted_publication(
    cluster: Cluster,
    thrift_builds: ThriftBuilds,
    read_during_publish: ReadDuringPublish,
) -> InterruptedPublication:
    """Step 3/3 of a build, `dbt run-operation spark_publish_release` as the build
    runs it, for the first release again, killed (SIGKILL) once it repointed a
    view: as when the build is killed then (its dbt dies with it). Then
    `ook-uw-zaak rollback --target spark`. The publication alone, not a whole
    build: the views move the same, for minutes less."""
    assert read_during_publish.exit_code == 0, read_during_publish.output[-4000:]
    project_dir = thrift_builds.built.project_dir
    env = _environment(cluster)
    readers_saw = _seen(cluster)
    with _reader(cluster) as connection:
        state = _release_state(connection)
        raw_views = sorted(row[1] for row in _query(connection, "show views in raw"))
    second, first = state["ook_uw_zaak_release"], state["ook_uw_zaak_previous"]
    folder = project_dir / ".publish" / "interrupted"
    folder.mkdir(parents=True)
    arguments = json.dumps({"suffix": first, "schemas": list(RELEASE_SCHEMAS)})
    with (folder / "output.txt").open("w", encoding="utf-8") as output:
        publishing = subprocess.Popen(
            [sys.executable, "-c", "from dbt.cli.main import cli; cli(prog_name='dbt')"]
            + [
                "run-operation",
                "spark_publish_release",
                "--args",
                arguments,
            ]
            + ["--project-dir", ".", "--profiles-dir", ".", "--target", "spark"]
            + ["--target-path", str(folder / "target"), "--log-path", str(folder)],
            cwd=project_dir,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + KILL_WAIT_SECONDS
            with _reader(cluster) as connection:
                while not _repointed_any(connection, raw_views, first):
                    assert publishing.poll() is None, "it ended before a view moved"
                    assert time.monotonic() < deadline, "no view moved"
            publishing.send_signal(signal.SIGKILL)
        finally:
            if publishing.poll() is None:
                publishing.kill()
            publishing.wait()
    half_way = _seen(cluster)
    rollback = _cli(project_dir, env, "rollback")
    rolled_back = _seen(cluster)
    with _reader(cluster) as connection:
        state_after = _release_state(connection)
    return InterruptedPublication(
        first, second, half_way, rollback, rolled_back, state_after, readers_saw
    )


def test_a_publication_killed_half_way_is_made_whole_by_a_rollback(
    interrupted_publication: InterruptedPublication,
) -> None:
    run = interrupted_publication
    # Killed half-way: some views on each release (the case the docs describe).
    assert _sources(run.half_way) == {run.first, run.second}, run.half_way["views"]
    assert run.rollback.returncode == 0, run.rollback.stdout + run.rollback.stderr
    # The rollback: every view on the release readers saw before, with its rows.
    assert _sources(run.rolled_back) == {run.second}
    assert _view_sources(run.rolled_back) == _view_sources(run.readers_saw)
    assert run.rolled_back["rows"] == run.readers_saw["rows"]
    assert run.state == {
        "ook_uw_zaak_release": run.second,
        "ook_uw_zaak_previous": run.first,
    }
