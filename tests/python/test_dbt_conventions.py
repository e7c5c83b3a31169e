"""The rules of dbt-project-evaluator (with its default settings) that this project
keeps, checked on dbt's manifest: peer tools that read the manifest find every
model's primary key, the marts' names say what they are, no model joins too many
others, and dbt's own generic tests are not shadowed by the project's.

The manifest comes from `dbt parse` in a temporary copy of the project."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import copy_project
from ook_uw_zaak.dbt.keys import checked_column, key_columns

Manifest = dict[str, Any]
REPO_ROOT = Path(__file__).resolve().parents[2]

# dbt-project-evaluator's default primary_key_test_macros: dbt's unique and
# not_null tests, grouped by the column (or expression) they test.
PRIMARY_KEY_TESTS = {"unique", "not_null"}
# fct_too_many_joins flags a model with at least this many direct parents
# (too_many_joins_threshold, 7 by default).
TOO_MANY_PARENTS = 7
MART_PREFIXES = ("fct_", "dim_")
# dbt (1.11, contracts/graph/semantic_manifest.py) accepts a time spine coarser than
# a day only from the model it reads under this legacy name, which it counts as
# daily; this project's spine is yearly (one row per year), so the name must stay.
NOT_A_FACT_OR_DIMENSION = {"metricflow_time_spine"}


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> Manifest:
    project = copy_project(tmp_path_factory.mktemp("conventions") / "project")
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DBT_", "OOK_UW_ZAAK_"))
    }
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from dbt.cli.main import cli; cli(prog_name='dbt')",
            "parse",
            "--quiet",
        ],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return json.loads((project / "target" / "manifest.json").read_text("utf-8"))


def _nodes(manifest: Manifest, resource_type: str) -> list[dict[str, Any]]:
    return [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == resource_type
        and node["package_name"] == "ook_uw_zaak"
    ]


def test_every_model_has_a_primary_key_test_peer_tools_recognise(
    manifest: Manifest,
) -> None:
    """dbt's own unique and not_null tests (their macros, not the project's) on the
    same column or expression; an expression names the model's columns."""
    tested: dict[tuple[str, str], set[str]] = {}
    for test in _nodes(manifest, "test"):
        name = (test.get("test_metadata") or {}).get("name")
        macros = test["depends_on"]["macros"]
        column = checked_column(test)
        if name in PRIMARY_KEY_TESTS and f"macro.dbt.test_{name}" in macros and column:
            tested.setdefault((test["attached_node"], column), set()).add(name)
    keys = {
        model: column
        for (model, column), names in tested.items()
        if names == PRIMARY_KEY_TESTS
    }
    models = _nodes(manifest, "model")
    assert len(models) > 20
    missing = [model["name"] for model in models if model["unique_id"] not in keys]
    assert not missing, f"no unique and not_null tests on one column: {missing}"
    unnamed = [
        f"{model['name']}: {keys[model['unique_id']]}"
        for model in models
        if not key_columns(keys[model["unique_id"]], model["columns"])
    ]
    assert not unnamed, f"a key that names none of the model's columns: {unnamed}"


def test_every_mart_is_a_fact_or_a_dimension(manifest: Manifest) -> None:
    marts = [
        model["name"]
        for model in _nodes(manifest, "model")
        if model["original_file_path"].startswith("models/marts/")
    ]
    assert len(marts) > 5
    misnamed = [
        name
        for name in marts
        if not name.startswith(MART_PREFIXES) and name not in NOT_A_FACT_OR_DIMENSION
    ]
    assert not misnamed, f"marts named neither fct_ nor dim_: {misnamed}"


def test_no_model_reads_too_many_others(manifest: Manifest) -> None:
    parents = {
        model["name"]: len(set(model["depends_on"]["nodes"]))
        for model in _nodes(manifest, "model")
    }
    assert max(parents.values()) > 1
    crowded = {name: n for name, n in parents.items() if n >= TOO_MANY_PARENTS}
    assert not crowded, (
        f"models with {TOO_MANY_PARENTS} or more direct parents (split a step into "
        f"an intermediate model): {crowded}"
    )


def test_no_generic_test_of_the_project_shadows_one_of_dbt(manifest: Manifest) -> None:
    """A generic test in tests/generic/ named like one of dbt's (unique, not_null,
    accepted_values, relationships) would replace it, and peer tools would no longer
    see dbt's tests."""
    macros = manifest["macros"].values()
    builtin = {
        macro["name"]
        for macro in macros
        if macro["package_name"] == "dbt" and macro["name"].startswith("test_")
    }
    own = {
        macro["name"]
        for macro in macros
        if macro["package_name"] == "ook_uw_zaak"
        and macro["original_file_path"].startswith("tests/generic/")
    }
    assert {"test_unique", "test_not_null"} <= builtin
    assert "test_sums_to_published_total" in own
    assert not own & builtin, f"shadowing dbt's generic tests: {own & builtin}"


def test_every_documented_macro_exists(manifest: Manifest) -> None:
    """A macro's properties (macros/_macros.yml) outlive a macro that was removed
    without a word but dbt's warning; documentation of nothing misleads."""
    documented = {
        entry["name"]: path.name
        for folder in ("macros", "tests/generic")
        for path in sorted((REPO_ROOT / folder).glob("*.yml"))
        for entry in (yaml.safe_load(path.read_text("utf-8")) or {}).get("macros", [])
    }
    defined = {
        macro["name"]
        for macro in manifest["macros"].values()
        if macro["package_name"] == "ook_uw_zaak"
    }
    assert "safe_divide" in documented
    missing = sorted(
        f"{name} ({where})" for name, where in documented.items() if name not in defined
    )
    assert not missing, f"documented macros that do not exist: {missing}"
