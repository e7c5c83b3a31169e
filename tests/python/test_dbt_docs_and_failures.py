"""Plain dbt, as dbt users run it: `dbt docs generate` documents every mart; the
failure summary explains a failed build from its artifacts, within bounded time."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from conftest import PUBLISHED_FILE_NAME
from ook_uw_zaak import failure_summary
from ook_uw_zaak.failure_summary import read_outcome


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


def test_a_failing_test_is_explained_from_its_meta(
    project_copy: Path, tmp_path: Path
) -> None:
    """Two defects in one build of the seeds they touch: both are reported at once,
    each with the meaning and fix its test's config.meta gives, the rows and lines."""
    seed = project_copy / "seeds" / "answer" / "answer_info_sessions.csv"
    text = seed.read_text(encoding="utf-8")
    assert "LIM,2019,9,249,2" in text and "ANT,2019,11,382,2" in text
    text = text.replace("LIM,2019,9,249,2", "LIM,2019,-9,249,2")
    seed.write_text(text.replace("ANT,2019,11,382,2", "ANX,2019,11,382,2"))
    database = tmp_path / "dev.duckdb"

    result = _dbt(
        project_copy,
        database,
        "build",
        "--select",
        "answer_info_sessions answer_info_session_totals reference_provinces",
    )
    outcome = read_outcome(project_copy, project_copy / "target", database)

    assert result.returncode != 0
    assert outcome is not None and not outcome.all_passed
    report = "\n\n".join(outcome.problems)
    for expected in (
        "seeds/answer/answer_info_sessions.csv: a count below zero in column sess",
        "province_code=LIM, year=2019, sess=-9, deeln=249",
        "at seeds/answer/answer_info_sessions.csv, line 8",
        "what to fix: a count cannot be negative",
        "published_total=73, sum_of_parts=55, difference=-18",
        "value_field=ANX, n_records=1",
        "may only hold one of: ANT, LIM, OVL, VBR, WVL",
    ):
        assert expected in report, f"{expected!r} is missing from:\n{report}"


def test_reading_the_offending_rows_is_bounded_in_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure summary never runs for minutes: a slow query is interrupted."""
    database = tmp_path / "slow.duckdb"
    duckdb.connect(str(database)).close()
    monkeypatch.setattr(failure_summary, "QUERY_SECONDS", 0.5)
    slow = (
        "select count(*) as n from range(100000000000) as a(i)"
        " where hash(i) = 42 having count(*) >= 0"
    )
    started = time.monotonic()
    with failure_summary._Reader(database) as reader:
        rows, error = reader.rows(slow)
    assert rows == [] and error is not None
    assert time.monotonic() - started < 30
