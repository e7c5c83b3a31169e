"""The benchmark's Spark figures: the publishing build on Spark, in-process and
through a Thrift server, timed from the lines it prints and shown beside DuckDB's
`dbt build` (or why it was not measured). No Spark runs here: the builds'
output is made up, in the build's own words (the cluster tests read the figures
from a real build's output: test_spark_cluster.py)."""

from __future__ import annotations

import contextlib
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks import spark_bench
from benchmarks.measure import Measurement
from benchmarks.spark_bench import (
    SparkPublish,
    ThriftRun,
    publishing_build_command,
    spark_lines,
)


def _measurement(
    seconds: float, lines: list[tuple[float, str]] | None = None
) -> Measurement:
    return Measurement(
        returncode=0,
        wall_seconds=seconds,
        cpu_seconds=seconds / 2,
        peak_mb=300.0,
        largest_process_mb=200.0,
        lines=lines or [],
    )


def _publish(dbt_seconds: float, window: float, views: int = 39) -> SparkPublish:
    """A publishing build as `ook-uw-zaak build --target spark` prints it."""
    published = 1.0 + dbt_seconds + 10.0
    return SparkPublish(
        _measurement(
            published + 0.5,
            [
                (0.5, "1/3 Checking the seed files..."),
                (1.0, "2/3 Building and testing the warehouse with dbt on Spark..."),
                (1.0 + dbt_seconds, "    All 182 steps passed."),
                (1.0 + dbt_seconds, "3/3 Publishing: pointing the readers' views..."),
                (
                    published - 0.1,
                    f"    Repointed {views} views to release build_20260101t000000_1 "
                    f"in {window:.2f} s.",
                ),
                (published, "Published release build_20260101t000000_1: readers..."),
            ],
        )
    )


def test_the_spark_build_measured_is_the_publishing_build() -> None:
    assert publishing_build_command() == [
        sys.executable,
        "-m",
        "ook_uw_zaak.cli",
        "build",
        "--target",
        "spark",
    ]


def test_the_steps_and_the_publication_window_are_read_from_the_output() -> None:
    run = _publish(dbt_seconds=60.0, window=2.62)
    assert run.dbt_seconds == pytest.approx(60.0)
    assert run.publish_seconds == pytest.approx(10.0)
    assert run.repointed == (39, 2.62)
    # A build that printed no such line: no figure, never a made-up one.
    silent = SparkPublish(_measurement(5.0))
    assert silent.dbt_seconds is None and silent.repointed is None


def test_both_spark_builds_are_shown_with_their_publication_windows() -> None:
    thrift = ThriftRun(_publish(dbt_seconds=80.0, window=5.8), cluster_seconds=21.2)
    lines = spark_lines(
        _measurement(16.0), _publish(dbt_seconds=64.0, window=2.62), thrift, ""
    )
    expected = [
        r"  dbt build --target duckdb +16\.00 s  peak 300 MB \(all processes\)",
        r"  in-process Spark \(session\), whole build +75\.50 s  peak 300 MB .*",
        r"    its dbt build \(step 2/3\) +64\.00 s  4\.0x DuckDB's",
        r"    publication window \(first to last view\) +2\.62 s, 39 views",
        r"    publishing step \(3/3\), whole +10\.00 s",
        r"  Thrift server \(thrift\), whole build +91\.50 s  \(one worker core; .*",
        r"    its dbt build \(step 2/3\) +80\.00 s  5\.0x DuckDB's",
        r"    publication window \(first to last view\) +5\.80 s, 39 views",
        r"    publishing step \(3/3\), whole +10\.00 s",
        r"    its cluster started \(master, worker, server\) +21\.20 s .*",
    ]
    assert len(lines) == 2 + len(expected), lines
    for line, pattern in zip(lines[2:], expected, strict=True):
        assert re.fullmatch(pattern, line), (pattern, line)


def test_a_thrift_build_not_measured_says_why() -> None:
    lines = spark_lines(
        _measurement(16.0),
        _publish(dbt_seconds=64.0, window=2.62),
        ThriftRun(None, why_not="the cluster did not start: no Java"),
        "",
    )
    assert lines[-1] == (
        "  Thrift server not measured: the cluster did not start: no Java"
    )


def test_a_cluster_that_does_not_start_leaves_the_benchmark_going(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    @contextlib.contextmanager
    def no_cluster(folder: Path) -> Iterator[None]:
        raise spark_bench.ClusterError("the Spark master stopped (exit code 1)")
        yield

    monkeypatch.setattr(spark_bench, "spark_unavailable", lambda: None)
    monkeypatch.setattr(spark_bench, "thrift_unavailable", lambda: None)
    monkeypatch.setattr(spark_bench, "spark_cluster", no_cluster)
    run = spark_bench.measure_thrift_publish(tmp_path, tmp_path / "thrift", {})
    assert run.publish is None
    assert run.why_not == (
        "the cluster did not start: the Spark master stopped (exit code 1)"
    )


def test_a_spark_build_not_measured_says_why() -> None:
    lines = spark_lines(_measurement(10.0), None, None, "Java is missing")
    assert lines[-1] == "  Spark not measured: Java is missing"
