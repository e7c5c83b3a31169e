"""Run `dbt build` (seeds, models, data tests, unit tests) into a scratch DuckDB file.

dbt runs in a subprocess, not in-process through dbtRunner, because:
- dbt-duckdb keeps its DuckDB connection open in the process that ran dbt, so the
  scratch file could not be reopened cleanly to write the published copy; when the
  dbt process ends, DuckDB closes and checkpoints the file;
- dbt's global state (flags, adapters, logging) stays out of our process;
- the subprocess inherits the build lock, so a build killed while dbt still runs
  keeps the next build waiting until that dbt process is gone (see workspace.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

# The profile's path setting reads this variable (see profiles.yml).
DUCKDB_PATH_VARIABLE = "OOK_UW_ZAAK_DUCKDB_PATH"
OUTPUT_FILE = "dbt-output.txt"

_DBT_MAIN = "from dbt.cli.main import cli; cli(prog_name='dbt')"


def duckdb_target(project_dir: Path) -> str | None:
    """The name of the profile's DuckDB target, when profiles.yml has exactly one."""
    try:
        project = yaml.safe_load((project_dir / "dbt_project.yml").read_text("utf-8"))
        profiles = yaml.safe_load((project_dir / "profiles.yml").read_text("utf-8"))
    except (OSError, yaml.YAMLError):
        return None
    profile: dict[str, Any] = (profiles or {}).get((project or {}).get("profile"), {})
    outputs = profile.get("outputs") or {}
    names = [
        n
        for n, o in outputs.items()
        if isinstance(o, dict) and o.get("type") == "duckdb"
    ]
    return names[0] if len(names) == 1 else None


def run_dbt_build(
    project_dir: Path,
    build_folder: Path,
    database: Path,
    lock_descriptor: int,
    show_output: bool,
) -> int:
    """Run `dbt build` into `database`; return dbt's exit code.

    dbt's artifacts (run_results.json, manifest.json) go to build_folder/target and
    its log to build_folder/logs; what dbt prints goes to build_folder/dbt-output.txt,
    or to the terminal as well when `show_output` is set.
    """
    command = [
        sys.executable,
        "-c",
        _DBT_MAIN,
        "build",
        "--project-dir",
        str(project_dir),
        "--target-path",
        str(build_folder / "target"),
        "--log-path",
        str(build_folder / "logs"),
        "--no-use-colors",
    ]
    if (project_dir / "profiles.yml").is_file():
        command += ["--profiles-dir", str(project_dir)]
    target = duckdb_target(project_dir)
    if target:
        command += ["--target", target]
    environment = {**os.environ, DUCKDB_PATH_VARIABLE: str(database)}
    with (build_folder / OUTPUT_FILE).open("w", encoding="utf-8") as output:
        process = subprocess.Popen(
            command,
            cwd=project_dir,
            env=environment,
            stdout=subprocess.PIPE if show_output else output,
            stderr=subprocess.STDOUT,
            pass_fds=(lock_descriptor,),
            text=True,
        )
        if process.stdout is not None:
            for line in process.stdout:
                sys.stdout.write(line)
                output.write(line)
        return process.wait()


def output_tail(build_folder: Path, lines: int = 25) -> list[str]:
    """The last lines dbt printed, for when it stopped before running anything."""
    output = build_folder / OUTPUT_FILE
    if not output.is_file():
        return []
    text = output.read_text(encoding="utf-8", errors="replace")
    return [line for line in text.splitlines() if line.strip()][-lines:]
