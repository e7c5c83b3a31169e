"""The Harlequin recipe as written (docs/querying.md): Harlequin 2.17.0, installed
in an environment of its own, opens the published file through its own DuckDB
adapter with --read-only and --init-path set to the file that
`python -m ook_uw_zaak.connect` writes; the marts read and everything that reaches
the machine is refused. (Harlequin's terminal interface is not driven here.)"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HARLEQUIN = "harlequin==2.17.0"

# Run by Harlequin's interpreter: connect as `harlequin --read-only --init-path`
# does, run each statement, print what happened as JSON.
_THROUGH_HARLEQUIN = """
import json, sys
from harlequin_duckdb.adapter import DuckDbAdapter
adapter = DuckDbAdapter(conn_str=[sys.argv[1]], init_path=sys.argv[2], read_only=True)
connection = adapter.connect()
outcomes = {"init": connection.init_message}
for statement in json.loads(sys.argv[3]):
    try:
        cursor = connection.execute(statement)
        outcomes[statement] = cursor.fetchall().to_pylist() if cursor else "ran"
    except Exception as error:
        outcomes[statement] = "refused: " + str(error).splitlines()[0]
print(json.dumps(outcomes, default=str))
"""
TOTAL = "select sum(participants) as total from marts.fct_info_sessions_by_year"
ATTACKS = (
    "select * from read_csv('/etc/passwd')",
    "copy (select 1) to '/tmp/ook_uw_zaak_harlequin_test.csv'",
    "attach ':memory:' as other",
    "set lock_configuration = false",
)


@pytest.fixture(scope="module")
def harlequin_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    uv = Path(sys.executable).with_name("uv")
    uv_command = str(uv) if uv.exists() else shutil.which("uv")
    if uv_command is None:
        pytest.fail("uv is needed to install Harlequin for this test: run `make`")
    environment = tmp_path_factory.mktemp("harlequin") / "venv"
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    python = environment / "bin" / "python"
    for command in (
        [uv_command, "venv", "--quiet", "--python", sys.executable, str(environment)],
        [uv_command, "pip", "install", "--quiet", "--python", str(python), HARLEQUIN],
    ):
        result = subprocess.run(
            command, env=env, capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            pytest.fail(f"could not install {HARLEQUIN}:\n{result.stderr}")
    return python


def test_harlequin_with_the_init_file_reads_the_marts_and_refuses_the_machine(
    harlequin_python: Path, built_warehouse: Path, tmp_path: Path
) -> None:
    init = tmp_path / "initialize.sql"
    written = subprocess.run(
        [sys.executable, "-m", "ook_uw_zaak.connect"],
        capture_output=True,
        text=True,
        check=True,
    )
    init.write_text(written.stdout, encoding="utf-8")
    result = subprocess.run(
        [
            str(harlequin_python),
            "-c",
            _THROUGH_HARLEQUIN,
            str(built_warehouse),
            str(init),
            json.dumps([TOTAL, *ATTACKS]),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    outcomes = json.loads(result.stdout)
    assert outcomes["init"] == f"Executed 5 commands from {init}"
    assert [str(row["total"]) for row in outcomes[TOTAL]] == ["5129"]
    for attack in ATTACKS:
        assert str(outcomes[attack]).startswith("refused:"), (attack, outcomes)
    assert not Path("/tmp/ook_uw_zaak_harlequin_test.csv").exists()
