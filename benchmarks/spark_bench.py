"""The benchmark's Spark figures: the publishing build on Spark,
`ook-uw-zaak build --target spark`, measured twice in the first run's project copy:

- in-process (method session, the profile's local Spark), its dbt build (step 2/3)
  set beside the DuckDB `dbt build` of the same copy;
- through a Spark Thrift server (method thrift) on a standalone cluster started
  here, as the cluster tests start it (tests/python/support/spark_cluster.py: a
  master, one worker of one core and a Thrift server on 127.0.0.1), its metastore
  and warehouse in a temporary folder, and stopped after the build.

For each: the whole build, its dbt build (step 2/3), and the publication window,
the seconds between the first and the last view repointed, which the build
prints ("Repointed N views ... in S s."), beside the whole publishing step (3/3).
Where the cluster does not start, the benchmark says why and goes on.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

from benchmarks.measure import Measurement, run_measured
from tests.python.support.spark_cluster import (
    ClusterError,
    spark_cluster,
    thrift_environment,
)

SPARK_TARGET = "spark"
# Where the spark target keeps its warehouse, metastore and scratch files.
SPARK_DIR_VARIABLE = "OOK_UW_ZAAK_SPARK_DIR"
# The lines `ook-uw-zaak build --target spark` starts its steps and ends with
# (src/ook_uw_zaak/publish/spark.py).
DBT_STEP = "2/3 "
PUBLISH_STEP = "3/3 "
PUBLISHED = "Published release "
_REPOINTED = re.compile(r"Repointed (\d+) views to release \S+ in ([\d.]+) s\.")


def spark_unavailable() -> str | None:
    """Why the Spark build cannot run here (None when it can)."""
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        return "Java is missing (install it with .ci/install-java)"
    if find_spec("pyspark") is None:
        return "pyspark is missing (`uv sync --extra spark` installs it)"
    return None


def thrift_unavailable() -> str | None:
    """Why the build through a Thrift server cannot run here (None when it can)."""
    if find_spec("pyhive") is None:
        return "PyHive is missing (`uv sync --extra spark-cluster` installs it)"
    return None


def publishing_build_command() -> list[str]:
    """`ook-uw-zaak build --target spark`, as `make build TARGET=spark` runs it."""
    return [sys.executable, "-m", "ook_uw_zaak.cli", "build", "--target", SPARK_TARGET]


@dataclass(frozen=True)
class SparkPublish:
    """One `ook-uw-zaak build --target spark`, timed by the lines it printed."""

    build: Measurement

    def _between(self, first: str, then: str) -> float | None:
        start, end = self.build.first_line_time(first), self.build.first_line_time(then)
        return None if start is None or end is None else end - start

    @property
    def dbt_seconds(self) -> float | None:
        """Step 2/3: dbt builds and tests the release in scratch schemas."""
        return self._between(DBT_STEP, PUBLISH_STEP)

    @property
    def publish_seconds(self) -> float | None:
        """Step 3/3: the dbt run-operation that records and repoints, whole."""
        return self._between(PUBLISH_STEP, PUBLISHED)

    @property
    def repointed(self) -> tuple[int, float] | None:
        """The views repointed and the seconds from the first to the last."""
        for _, line in self.build.lines:
            found = _REPOINTED.search(line)
            if found:
                return int(found.group(1)), float(found.group(2))
        return None


@dataclass(frozen=True)
class ThriftRun:
    """The build through a Thrift server, or why it was not measured."""

    publish: SparkPublish | None
    cluster_seconds: float | None = None  # starting the master, worker and server
    why_not: str = ""


def _without_spark_settings(environment: Mapping[str, str]) -> dict[str, str]:
    # Never a cluster that the caller's environment may point the target at.
    return {
        key: value
        for key, value in environment.items()
        if not key.startswith("OOK_UW_ZAAK_SPARK_")
    }


def measure_spark_publish(
    project_dir: Path, output_dir: Path, environment: Mapping[str, str]
) -> SparkPublish:
    """`ook-uw-zaak build --target spark` of the project copy on the in-process
    Spark, its warehouse and metastore under output_dir."""
    output_dir.mkdir(parents=True, exist_ok=True)
    spark_environment = _without_spark_settings(environment)
    spark_environment[SPARK_DIR_VARIABLE] = str(output_dir / "spark")
    return SparkPublish(
        run_measured(publishing_build_command(), cwd=project_dir, env=spark_environment)
    )


def measure_thrift_publish(
    project_dir: Path, output_dir: Path, environment: Mapping[str, str]
) -> ThriftRun:
    """`ook-uw-zaak build --target spark` of the project copy through the Thrift
    server of a cluster started under output_dir (and stopped after it)."""
    why_not = spark_unavailable() or thrift_unavailable()
    if why_not:
        return ThriftRun(None, why_not=why_not)
    output_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with contextlib.ExitStack() as stack:
        try:
            cluster = stack.enter_context(spark_cluster(output_dir / "cluster"))
        except (ClusterError, OSError) as error:
            return ThriftRun(None, why_not=f"the cluster did not start: {error}")
        cluster_seconds = time.perf_counter() - started
        build = run_measured(
            publishing_build_command(),
            cwd=project_dir,
            env=thrift_environment(cluster, _without_spark_settings(environment)),
        )
    return ThriftRun(SparkPublish(build), cluster_seconds)


def _seconds(value: float | None) -> str:
    return "not found in its output" if value is None else f"{value:.2f} s"


def _publish_lines(
    label: str, run: SparkPublish, duckdb: Measurement, note: str
) -> list[str]:
    lines = [f"  {label:<48} {run.build.wall_seconds:.2f} s  {note}"]
    dbt = run.dbt_seconds
    ratio = f"  {dbt / duckdb.wall_seconds:.1f}x DuckDB's" if dbt is not None else ""
    lines.append(f"  {'  its dbt build (step 2/3)':<48} {_seconds(dbt)}{ratio}")
    repointed = run.repointed
    window = (
        f"{repointed[1]:.2f} s, {repointed[0]} views"
        if repointed
        else "not found in its output"
    )
    lines.append(f"  {'  publication window (first to last view)':<48} {window}")
    lines.append(
        f"  {'  publishing step (3/3), whole':<48} {_seconds(run.publish_seconds)}"
    )
    return lines


def spark_lines(
    duckdb_build: Measurement | None,
    spark_publish: SparkPublish | None,
    thrift: ThriftRun | None,
    why_not: str,
) -> list[str]:
    """The report's last section: the publishing build on Spark, in-process and
    through a Thrift server, beside DuckDB's `dbt build` of the same project copy
    (why_not: why Spark was not measured at all)."""
    lines = [
        "",
        "4. The publishing build on Spark (`ook-uw-zaak build --target spark`), "
        "in-process and through a Thrift server, first run only",
    ]
    if spark_publish is None or duckdb_build is None:
        return [*lines, f"  Spark not measured: {why_not}"]
    # No CPU time: Spark's Java process is not a child that dbt waits for, so its
    # CPU time would be missing; the peak memory counts it.
    lines.append(
        f"  {'dbt build --target duckdb':<48} {duckdb_build.wall_seconds:.2f} s"
        f"  peak {duckdb_build.peak_mb:.0f} MB (all processes)"
    )
    lines += _publish_lines(
        "in-process Spark (session), whole build",
        spark_publish,
        duckdb_build,
        f"peak {spark_publish.build.peak_mb:.0f} MB (all processes)",
    )
    if thrift is None or thrift.publish is None:
        why = thrift.why_not if thrift is not None else why_not
        return [*lines, f"  Thrift server not measured: {why}"]
    lines += _publish_lines(
        "Thrift server (thrift), whole build",
        thrift.publish,
        duckdb_build,
        "(one worker core; no unit tests on a server)",
    )
    if thrift.cluster_seconds is not None:
        lines.append(
            f"  {'  its cluster started (master, worker, server)':<48} "
            f"{thrift.cluster_seconds:.2f} s (not in the build's time)"
        )
    return lines
