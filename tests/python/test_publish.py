"""Publishing: the published file opens in DuckDB 1.1, readers are never blocked and
never see a mix, a killed build leaves the published file intact, and plain
`dbt build` never touches it."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from conftest import run_build
from publish_helpers import (
    PUBLISHED_FILE_NAME,
    mart_contents,
    output_of,
    sha256,
    with_published_file,
)

OLD_DUCKDB = "1.1.3"
BUILD_TIMEOUT_SECONDS = 300

# Run by the DuckDB 1.1 interpreter: open the file read-only, read every table and
# view, print what it read as JSON.
_READ_WITH_OLD_DUCKDB = """
import json, sys
import duckdb
connection = duckdb.connect(sys.argv[1], read_only=True)
relations = connection.execute(
    "select schema_name, table_name, 'table' from duckdb_tables() union all "
    "select schema_name, view_name, 'view' from duckdb_views() where not internal"
).fetchall()
counts = {}
for schema, name, kind in relations:
    rows = connection.execute(f'select * from "{schema}"."{name}"').fetchall()
    counts[f"{kind} {schema}.{name}"] = len(rows)
print(json.dumps({"version": duckdb.__version__, "counts": counts}))
"""


@pytest.fixture(scope="session")
def old_duckdb_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Python interpreter with DuckDB 1.1.3, the version BI drivers bundle,
    installed once per session in an isolated environment with uv."""
    uv = Path(sys.executable).with_name("uv")
    uv_command = str(uv) if uv.exists() else shutil.which("uv")
    if uv_command is None:
        pytest.fail("uv is needed to install DuckDB 1.1 for this test: run `make`")
    environment = tmp_path_factory.mktemp("duckdb-1.1") / "venv"
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    for command in (
        [uv_command, "venv", "--quiet", "--python", sys.executable, str(environment)],
        [
            uv_command,
            "pip",
            "install",
            "--quiet",
            "--python",
            str(environment / "bin" / "python"),
            f"duckdb=={OLD_DUCKDB}",
        ],
    ):
        result = subprocess.run(
            command, env=env, capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            pytest.fail(f"could not install DuckDB {OLD_DUCKDB}:\n{result.stderr}")
    return environment / "bin" / "python"


def _counts_with_current_duckdb(database: Path) -> dict[str, int]:
    with duckdb.connect(str(database), read_only=True) as connection:
        relations = connection.execute(
            "select schema_name, table_name, 'table' from duckdb_tables() union all "
            "select schema_name, view_name, 'view' from duckdb_views() "
            "where not internal"
        ).fetchall()
        return {
            f"{kind} {schema}.{name}": len(
                connection.execute(f'select * from "{schema}"."{name}"').fetchall()
            )
            for schema, name, kind in relations
        }


def test_published_file_opens_in_duckdb_1_1(
    built_warehouse: Path, old_duckdb_python: Path
) -> None:
    result = subprocess.run(
        [str(old_duckdb_python), "-c", _READ_WITH_OLD_DUCKDB, str(built_warehouse)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    read = json.loads(result.stdout)
    assert read["version"] == OLD_DUCKDB
    marts = [name for name in read["counts"] if name.startswith("table marts.")]
    assert marts, "DuckDB 1.1 found no mart tables in the published file"
    assert any(name.startswith("view staging.") for name in read["counts"])
    # Every table and view reads in 1.1 with the rows the current DuckDB reads.
    assert read["counts"] == _counts_with_current_duckdb(built_warehouse)


def test_successful_build_leaves_no_scratch_files(built_warehouse: Path) -> None:
    publish_folder = built_warehouse.parent / ".publish"
    leftovers = [p.name for p in publish_folder.iterdir() if p.name != "build.lock"]
    assert leftovers == []
    assert not built_warehouse.with_name(PUBLISHED_FILE_NAME + ".wal").exists()


def test_plain_dbt_build_uses_the_development_file(
    project_copy: Path, built_warehouse: Path
) -> None:
    published = with_published_file(project_copy, built_warehouse)
    before = sha256(published)
    env = {k: v for k, v in os.environ.items() if k != "OOK_UW_ZAAK_DUCKDB_PATH"}
    env["DBT_TARGET_PATH"] = str(project_copy / "target")
    result = subprocess.run(
        [str(Path(sys.executable).with_name("dbt")), "build"],
        cwd=project_copy,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:]
    assert (project_copy / "dev.duckdb").is_file()
    assert sha256(published) == before


def _first_name_en(connection: duckdb.DuckDBPyConnection) -> str:
    row = connection.execute(
        "select name_en from raw.reference_provinces where province_code = 'ANT'"
    ).fetchone()
    assert row is not None
    return str(row[0])


def test_reader_keeps_its_version_and_does_not_block_the_build(
    project_copy: Path, built_warehouse: Path
) -> None:
    published = with_published_file(project_copy, built_warehouse)
    old_inode = published.stat().st_ino
    before = mart_contents(published)
    provinces = project_copy / "seeds" / "reference" / "reference_provinces.csv"
    provinces.write_text(
        provinces.read_text(encoding="utf-8").replace(",Antwerp,", ",Antwerp (new),"),
        encoding="utf-8",
    )

    reader = duckdb.connect(str(published), read_only=True)
    try:
        assert _first_name_en(reader) == "Antwerp"
        started = time.monotonic()
        result = run_build(project_copy)
        assert result.returncode == 0, output_of(result)
        assert "waiting" not in output_of(result)
        assert time.monotonic() - started < BUILD_TIMEOUT_SECONDS
        # The reader still reads the whole old version: no mix of old and new.
        assert _first_name_en(reader) == "Antwerp"
        for name, rows in before.items():
            schema, table = name.split(".")
            assert (
                reader.execute(
                    f'select * from "{schema}"."{table}" order by all'
                ).fetchall()
                == rows
            ), name
    finally:
        reader.close()
    assert published.stat().st_ino != old_inode
    with duckdb.connect(str(published), read_only=True) as fresh_reader:
        assert _first_name_en(fresh_reader) == "Antwerp (new)"


def _dbt_is_running(project_dir: Path, _: list[str]) -> bool:
    """dbt has started writing the scratch database."""
    return any((project_dir / ".publish").glob("build-*/" + PUBLISHED_FILE_NAME))


def _publishing_has_started(_: Path, printed: list[str]) -> bool:
    """Every step passed and the DuckDB 1.1 copy is being written."""
    return any(line.startswith("3/4") for line in printed)


@pytest.mark.parametrize(
    "kill_when",
    [_dbt_is_running, _publishing_has_started],
    ids=["while-dbt-runs", "while-publishing"],
)
def test_killed_build_leaves_the_published_file_intact(
    project_copy: Path,
    built_warehouse: Path,
    kill_when: Callable[[Path, list[str]], bool],
) -> None:
    published = with_published_file(project_copy, built_warehouse)
    before = sha256(published)
    env = {k: v for k, v in os.environ.items() if k != "OOK_UW_ZAAK_DUCKDB_PATH"}
    build = subprocess.Popen(
        [sys.executable, "-m", "ook_uw_zaak.cli", "build"],
        cwd=project_copy,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    printed: list[str] = []
    stdout = build.stdout
    assert stdout is not None
    threading.Thread(target=lambda: printed.extend(stdout), daemon=True).start()
    deadline = time.monotonic() + BUILD_TIMEOUT_SECONDS
    while not kill_when(project_copy, printed):
        assert build.poll() is None, "the build ended before it could be killed"
        assert time.monotonic() < deadline, "the build never reached the moment"
        time.sleep(0.005)
    build.send_signal(signal.SIGKILL)
    build.wait()

    # Killed while dbt ran, the file is untouched; killed while publishing, it is
    # either untouched or already the complete new file. Either way it reads.
    if kill_when is _dbt_is_running:
        assert sha256(published) == before
    assert mart_contents(published) == mart_contents(built_warehouse)

    # The next build cleans up after the killed one (waiting, if need be, for the
    # dbt process the killed build started) and publishes, with no manual step.
    result = run_build(project_copy)
    assert result.returncode == 0, output_of(result)
    assert "left by an interrupted build" in output_of(result)
    assert [p.name for p in (project_copy / ".publish").iterdir()] == ["build.lock"]
    assert mart_contents(published) == mart_contents(built_warehouse)
