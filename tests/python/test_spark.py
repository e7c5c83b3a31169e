"""The warehouse on Apache Spark, and the same figures on every engine.

`dbt build --target spark` runs once per test session, in a temporary copy of the
project, in an in-process Spark in local mode (pyspark from the lock) whose
warehouse, metastore and scratch files live in a temporary folder. It must pass
every seed, model, data test and unit test. Before it, in the same Python process
and the same Spark (spark_builds.py), a copy whose dim_province breaks its
contract must fail its build. Then every mart and seed is compared
with DuckDB's (the published file of `built_warehouse`), row for row and value for
value (tests/python/support/engine_marts.py); test_postgres.py compares
PostgreSQL's with DuckDB's the same way, so the three engines agree.

Skipped, with one line that says how to install it, where Java is missing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

import pytest

from conftest import copy_project
from support import spark_builds
from support.engine_marts import (
    BuiltProject,
    differences_from_duckdb,
    read_spark_tables,
)

# A Spark build takes minutes of both cores: run by `make spark-test`, not by
# `make test` (CI runs both).
pytestmark = pytest.mark.spark

# What `dbt build` runs and must pass: seeds, models, data and unit tests, hooks.
CHECKED_RESOURCE_TYPES = ("seed", "model", "test", "unit_test", "operation")
INSTALL_JAVA = (
    "Java is missing: install a Java 17 runtime (`sudo .ci/install-java`, or"
    " `apt-get install openjdk-17-jre-headless`) to run the Spark tests"
)
INSTALL_PYSPARK = "pyspark is missing: `uv sync --extra spark` (or `make`) installs it"
SPARK_BUILDS = Path(spark_builds.__file__)


def _dbt_environment(project_dir: Path) -> dict[str, str]:
    """The developer's environment without anything that points dbt, libpq or the
    project's settings elsewhere."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PG", "DBT_", "OOK_UW_ZAAK_"))
    }
    env["DBT_PROFILES_DIR"] = str(project_dir)
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    return env


def _built(project_dir: Path) -> BuiltProject:
    target = project_dir / "target"
    return BuiltProject(
        project_dir=project_dir,
        manifest=json.loads((target / "manifest.json").read_text()),
        run_results=json.loads((target / "run_results.json").read_text()),
    )


def _skip_without_spark() -> None:
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip(INSTALL_JAVA)
    if find_spec("pyspark") is None:
        pytest.skip(INSTALL_PYSPARK)


@dataclass(frozen=True)
class SparkWarehouse(BuiltProject):
    spark_dir: Path
    broken_dir: Path  # the copy whose dim_province breaks its contract


def _dbt_output(project_dir: Path) -> str:
    output = project_dir / spark_builds.OUTPUT_FILE
    return output.read_text("utf-8") if output.is_file() else ""


def _break_dim_provinces_contract(project_dir: Path) -> None:
    """dim_province with a NULL province_code (a not_null column) for one province."""
    model = project_dir / "models" / "marts" / "programme" / "dim_province.sql"
    source = model.read_text("utf-8")
    broken = source.replace(
        "        province_code,\n",
        "        case when province_code = 'ANT' then null else province_code end\n"
        "            as province_code,\n",
        1,
    )
    assert broken != source, "dim_province.sql no longer selects province_code"
    model.write_text(broken, "utf-8")


@pytest.fixture(scope="session")
def spark_warehouse(tmp_path_factory: pytest.TempPathFactory) -> SparkWarehouse:
    """The warehouse built with `dbt build --target spark` in a project copy; first,
    in the same Python process and Spark (spark_builds.py), a build of a copy whose
    dim_province breaks its contract."""
    _skip_without_spark()
    root = tmp_path_factory.mktemp("spark")
    project_dir = copy_project(root / "project")
    broken_dir = copy_project(root / "broken")
    _break_dim_provinces_contract(broken_dir)
    env = _dbt_environment(project_dir)
    env["OOK_UW_ZAAK_SPARK_DIR"] = str(root / "spark")
    result = subprocess.run(
        [sys.executable, str(SPARK_BUILDS), str(broken_dir), str(project_dir)],
        cwd=project_dir,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    output = _dbt_output(project_dir)
    if (
        result.returncode != 0
        or not (project_dir / "target" / "run_results.json").is_file()
    ):
        pytest.fail(
            "`dbt build --target spark` did not run:\n"
            + output[-6000:]
            + result.stdout[-2000:]
            + result.stderr[-4000:]
        )
    built = _built(project_dir)
    return SparkWarehouse(
        project_dir=built.project_dir,
        manifest=built.manifest,
        run_results=built.run_results,
        spark_dir=root / "spark",
        broken_dir=broken_dir,
    )


def test_dbt_build_passes_every_node_on_spark(spark_warehouse: SparkWarehouse) -> None:
    # Exposures are listed too, as "no-op": not checked.
    results = {
        result["unique_id"]: result["status"]
        for result in spark_warehouse.run_results["results"]
        if result["unique_id"].split(".")[0] in CHECKED_RESOURCE_TYPES
    }
    not_passed = {
        unique_id: status
        for unique_id, status in results.items()
        if status not in ("success", "pass")
    }
    assert not not_passed, f"dbt build on Spark did not pass: {not_passed}"
    for resource_type in ("seed", "model", "test", "unit_test"):
        expected = {node["unique_id"] for node in spark_warehouse.nodes(resource_type)}
        missing = sorted(expected - results.keys())
        assert expected, f"the project has no {resource_type} nodes"
        assert not missing, f"dbt build did not run these {resource_type}s: {missing}"


def test_spark_keeps_its_files_in_its_own_folder(
    spark_warehouse: SparkWarehouse,
) -> None:
    # The metastore and the warehouse are under OOK_UW_ZAAK_SPARK_DIR, nothing in
    # the project folder itself.
    assert (spark_warehouse.spark_dir / "metastore_db").is_dir()
    assert (spark_warehouse.spark_dir / "warehouse" / "marts.db").is_dir()
    stray = [
        name
        for name in ("metastore_db", "derby.log", "spark-warehouse")
        if (spark_warehouse.project_dir / name).exists()
    ]
    assert not stray, f"Spark wrote into the project folder: {stray}"


@pytest.mark.parametrize(
    ("schema", "resource_type"), [("marts", "model"), ("raw", "seed")]
)
def test_every_table_agrees_on_duckdb_and_spark(
    built_warehouse: Path,
    spark_warehouse: SparkWarehouse,
    schema: str,
    resource_type: str,
) -> None:
    # Every mart, and every seed as loaded (a seed value holding a quote or a
    # backslash must reach Spark unchanged).
    differences = differences_from_duckdb(
        spark_warehouse,
        built_warehouse,
        schema,
        resource_type,
        "spark",
        lambda tables: read_spark_tables(
            spark_warehouse.spark_dir / "warehouse", schema, tables
        ),
    )
    assert not differences, "the engines disagree:\n" + "\n".join(differences)


def test_spark_fails_a_mart_that_breaks_its_contract_constraints(
    spark_warehouse: SparkWarehouse,
) -> None:
    # Spark itself enforces no constraint: the project checks them after writing
    # each table (spark__persist_constraints). A dim_province whose province_code
    # (not_null) is NULL for one province must fail the build, naming the column.
    broken = _built(spark_warehouse.broken_dir)
    statuses = {
        result["unique_id"]: result["status"]
        for result in broken.run_results["results"]
    }
    output = _dbt_output(spark_warehouse.broken_dir)
    assert statuses.get("model.ook_uw_zaak.dim_province") == "error", output[-3000:]
    assert (
        "Contract constraints broken in marts.dim_province: province_code (not_null):"
        " 1 row(s)" in output
    ), output[-3000:]
