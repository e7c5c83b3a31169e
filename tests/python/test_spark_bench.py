"""The benchmark's Spark figure: the same `dbt build` command line as DuckDB's, on
the spark target, and the two builds shown side by side (or why Spark was not
measured)."""

from __future__ import annotations

from pathlib import Path

from benchmarks.measure import Measurement
from benchmarks.spark_bench import spark_build_command, spark_lines
from conftest import REPO_ROOT
from ook_uw_zaak.dbt.runner import dbt_build_command


def _measurement(seconds: float) -> Measurement:
    return Measurement(
        returncode=0,
        wall_seconds=seconds,
        cpu_seconds=seconds / 2,
        peak_mb=300.0,
        largest_process_mb=200.0,
        lines=[],
    )


def test_spark_build_is_the_duckdb_build_on_the_spark_target(tmp_path: Path) -> None:
    duckdb = dbt_build_command(REPO_ROOT, tmp_path)
    spark = spark_build_command(REPO_ROOT, tmp_path)
    at = duckdb.index("--target")
    assert spark == [*duckdb[:at], *duckdb[at + 2 :], "--target", "spark"]


def test_both_builds_are_shown_with_their_ratio() -> None:
    lines = spark_lines(_measurement(10.0), _measurement(250.0), "")
    text = "\n".join(lines)
    assert "dbt build --target duckdb" in text and "10.00 s" in text
    assert "dbt build --target spark" in text and "250.00 s" in text
    assert "25.0x" in text


def test_a_spark_build_not_measured_says_why() -> None:
    lines = spark_lines(_measurement(10.0), None, "Java is missing")
    assert lines[-1] == "  Spark not measured: Java is missing"
