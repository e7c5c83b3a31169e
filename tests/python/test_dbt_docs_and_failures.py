"""Plain dbt, as dbt users run it: `dbt docs generate` documents every mart, and a
failing data test names the test, the seed file and the offending rows."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import PUBLISHED_FILE_NAME


def _dbt(
    project_dir: Path, database: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, OOK_UW_ZAAK_DUCKDB_PATH=str(database))
    env.pop("DBT_TARGET_PATH", None)
    return subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), *args],
        cwd=project_dir,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_docs_generate_documents_every_mart(
    built_warehouse: Path, tmp_path: Path
) -> None:
    # The catalog is read from a copy of the built file under its own name, so that
    # the compiled references name the same catalog.
    database = tmp_path / PUBLISHED_FILE_NAME
    shutil.copyfile(built_warehouse, database)
    project_dir = built_warehouse.parent
    result = _dbt(project_dir, database, "docs", "generate")
    assert result.returncode == 0, result.stdout[-3000:]

    catalog = json.loads((project_dir / "target" / "catalog.json").read_text())
    manifest = json.loads((project_dir / "target" / "manifest.json").read_text())
    marts = {
        node_id: node
        for node_id, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and node["schema"] == "marts"
    }
    assert len(marts) >= 10
    for node_id, node in marts.items():
        assert node["description"], f"{node['name']} has no description"
        documented = {name for name, column in node["columns"].items()}
        built = {name.lower() for name in catalog["nodes"][node_id]["columns"]}
        assert built == documented, node["name"]
        for name, column in node["columns"].items():
            assert column["description"], f"{node['name']}.{name} has no description"


def test_a_failing_test_names_the_seed_and_the_rows(
    project_copy: Path, tmp_path: Path
) -> None:
    seed = project_copy / "seeds" / "answer" / "answer_info_sessions.csv"
    text = seed.read_text(encoding="utf-8")
    assert "LIM,2019,9,249,2" in text
    seed.write_text(text.replace("LIM,2019,9,249,2", "LIM,2019,-9,249,2"))

    # The seed with its totals and the province list its tests compare it with.
    result = _dbt(
        project_copy,
        tmp_path / "dev.duckdb",
        "build",
        "--select",
        "answer_info_sessions answer_info_session_totals reference_provinces",
    )

    assert result.returncode != 0
    assert (
        "Test non_negative_answer_info_sessions_sess FAIL on "
        "seeds/answer/answer_info_sessions.csv" in result.stdout
    )
    assert "province_code=LIM, year=2019, sess=-9, deeln=249" in result.stdout
    assert "published_total=73, sum_of_parts=55, difference=-18" in result.stdout
