"""The benchmark's Spark figure: `dbt build --target spark` (every seed, model, data
test and unit test, in the in-process local Spark of profiles.yml), measured in the
same project copy and the same run as the DuckDB `dbt build` beside it."""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from importlib.util import find_spec
from pathlib import Path

from benchmarks.measure import Measurement, run_measured
from ook_uw_zaak.dbt.runner import dbt_build_command

SPARK_TARGET = "spark"
# Where the spark target keeps its warehouse, metastore and scratch files.
SPARK_DIR_VARIABLE = "OOK_UW_ZAAK_SPARK_DIR"


def spark_unavailable() -> str | None:
    """Why the Spark build cannot run here (None when it can)."""
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        return "Java is missing (install it with .ci/install-java)"
    if find_spec("pyspark") is None:
        return "pyspark is missing (`uv sync --extra spark` installs it)"
    return None


def spark_build_command(project_dir: Path, output_dir: Path) -> list[str]:
    """The publishing build's `dbt build` command line, on the spark target."""
    command = dbt_build_command(project_dir, output_dir)
    if "--target" in command:
        at = command.index("--target")
        del command[at : at + 2]
    return [*command, "--target", SPARK_TARGET]


def measure_spark_build(
    project_dir: Path, output_dir: Path, environment: Mapping[str, str]
) -> Measurement:
    """One `dbt build --target spark` of the project copy, its Spark files under
    output_dir."""
    output_dir.mkdir(parents=True, exist_ok=True)
    # Never a cluster that the caller's environment may point the target at.
    spark_environment = {
        key: value
        for key, value in environment.items()
        if not key.startswith("OOK_UW_ZAAK_SPARK_")
    }
    spark_environment[SPARK_DIR_VARIABLE] = str(output_dir / "spark")
    return run_measured(
        spark_build_command(project_dir, output_dir),
        cwd=project_dir,
        env=spark_environment,
    )


def spark_lines(
    duckdb_build: Measurement | None,
    spark_build: Measurement | None,
    why_not: str,
) -> list[str]:
    """The report's last section: the two engines' `dbt build` of the same project
    copy in the same run, side by side (why_not: why Spark was not measured)."""
    lines = [
        "",
        "4. The same `dbt build` on Spark (local mode, in-process) beside DuckDB's, "
        "first run only",
    ]
    if spark_build is None or duckdb_build is None:
        return [*lines, f"  Spark not measured: {why_not}"]
    for label, build in (
        ("dbt build --target duckdb", duckdb_build),
        ("dbt build --target spark", spark_build),
    ):
        # No CPU time: Spark's Java process is not a child that dbt waits for, so
        # its CPU time would be missing; the peak memory counts it.
        lines.append(
            f"  {label:<48} {build.wall_seconds:.2f} s  peak {build.peak_mb:.0f} MB"
            " (all processes)"
        )
    ratio = spark_build.wall_seconds / duckdb_build.wall_seconds
    lines.append(f"  {'ratio spark / duckdb':<48} {ratio:.1f}x")
    return lines
