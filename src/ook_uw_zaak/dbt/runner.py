"""Run `dbt build` (seeds, models, data tests, unit tests) into a scratch DuckDB file,
and, when it passed, write dbt's documentation page from the same run
(dbt/session.py).

dbt runs in a subprocess, not in-process through dbtRunner, because:
- dbt-duckdb keeps its DuckDB connection open in the process that ran dbt, so the
  scratch file could not be reopened cleanly to write the published copy; when the
  dbt process ends, DuckDB closes and checkpoints the file;
- dbt's global state (flags, adapters, logging) stays out of our process;
- the subprocess inherits the build lock, so a build killed while dbt still runs
  keeps the next build waiting until that dbt process is gone
  (see publish/workspace.py).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from ook_uw_zaak import files
from ook_uw_zaak.dbt.progress import BuildProgress, event_text, parse_event
from ook_uw_zaak.project import DUCKDB_PATH_VARIABLE, PUBLISH_FOLDER

OUTPUT_FILE = "dbt-output.txt"

DBT_MAIN = "from dbt.cli.main import cli; cli(prog_name='dbt')"

# dbt parses the whole project again (about 6 seconds on 2 cores) unless it finds
# the parse cache of an earlier run whose files, vars, profile and dbt version all
# match.
# The publishing build keeps its cache here, between builds; a cache is all it
# is: dbt checks it and parses in full when anything differs.
PARSE_CACHE = Path("target") / "publish_partial_parse.msgpack"
_DBT_PARSE_CACHE = "partial_parse.msgpack"  # where dbt reads and writes it
# The profile (the DuckDB path included) is part of what the cache must match,
# and every build has a scratch folder of its own; so dbt reaches the scratch
# file through this link in .publish/, which points at the running build's folder,
# by a path relative to the project folder: the same in every copy of the project,
# so that a copy made with the cache parses no more than the project itself.
CURRENT_BUILD_LINK = "current-build"
# How long dbt may take to stop after it was asked to, before it is killed.
DBT_STOP_SECONDS = 10.0


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


def dbt_flags(project_dir: Path, output_dir: Path) -> list[str]:
    """The flags every dbt command of the publishing build takes, to run with the
    project folder as the working directory: dbt's artifacts go to output_dir/target
    and its log to output_dir/logs.

    The project and the folders inside it are named relative to the project folder:
    dbt's parse cache and manifest then name no path of this machine, so that the
    cache serves every copy of the project, and the documentation page generated
    from it publishes no path either."""
    flags = [
        "--project-dir",
        ".",
        "--target-path",
        files.relative(output_dir / "target", project_dir),
        "--log-path",
        files.relative(output_dir / "logs", project_dir),
        "--no-use-colors",
        # One JSON object a line: the progress and the benchmark read dbt's events,
        # never its English text (dbt/progress.py).
        "--log-format",
        "json",
    ]
    if (project_dir / "profiles.yml").is_file():
        flags += ["--profiles-dir", "."]
    target = duckdb_target(project_dir)
    if target:
        flags += ["--target", target]
    return flags


def dbt_build_command(project_dir: Path, output_dir: Path) -> list[str]:
    """A plain `dbt build` with the publishing build's flags (the benchmark's)."""
    return [
        sys.executable,
        "-c",
        DBT_MAIN,
        "build",
        *dbt_flags(project_dir, output_dir),
    ]


def publishing_command(
    project_dir: Path, output_dir: Path, skip_unit_tests: bool = False
) -> list[str]:
    """The publishing build's dbt process: `dbt build`, then the documentation
    page, from one parse (dbt/session.py); without the unit tests when they passed
    before on the same SQL (dbt/unit_tests.py)."""
    command = [
        sys.executable,
        "-m",
        "ook_uw_zaak.dbt.session",
        *dbt_flags(project_dir, output_dir),
    ]
    if skip_unit_tests:
        command += ["--", "--exclude", "resource_type:unit_test"]
    return command


def run_dbt_build(
    project_dir: Path,
    build_folder: Path,
    database: Path,
    lock_descriptor: int,
    show_output: bool,
    skip_unit_tests: bool = False,
) -> int:
    """Run `dbt build` into `database`; return dbt's exit code.

    dbt's artifacts (run_results.json, manifest.json, and after a build that
    passed the documentation page, static_index.html) go to build_folder/target and
    its log to build_folder/logs; what dbt prints (its JSON events, in words) goes
    to build_folder/dbt-output.txt, and to the terminal as well when `show_output` is
    set; otherwise the terminal shows how far the build is (dbt/progress.py).
    """
    command = publishing_command(project_dir, build_folder, skip_unit_tests)
    cache = project_dir / PARSE_CACHE
    _copy_quietly(cache, build_folder / "target" / _DBT_PARSE_CACHE)
    output_writable = True
    exit_code: int | None = None
    try:
        with (
            contextlib.ExitStack() as stack,
            database_through_link(project_dir, database) as dbt_database,
            (build_folder / OUTPUT_FILE).open("w", encoding="utf-8") as output,
            BuildProgress() as progress,
        ):
            process = subprocess.Popen(
                command,
                cwd=project_dir,
                env={**os.environ, DUCKDB_PATH_VARIABLE: dbt_database},
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                pass_fds=(lock_descriptor,),
                text=True,
            )
            assert process.stdout is not None
            stack.enter_context(stopped_with_us(process))
            for line in process.stdout:
                event = parse_event(line)
                # What dbt printed, in words, for the user and dbt-output.txt.
                text = event_text(event) + "\n" if event is not None else line
                if output_writable:
                    # A full disk must not stop us reading dbt's output: dbt would
                    # block on a pipe nobody reads. The caller then finds the full
                    # disk (disk_space.dbt_ran_out_of_space).
                    try:
                        output.write(text)
                    except OSError:
                        output_writable = False
                if show_output:
                    sys.stdout.write(text)
                elif event is not None:
                    progress.update(event)
            exit_code = process.wait()
    except OSError:
        if exit_code is None:
            raise
        # Only closing dbt-output.txt failed (a full disk), after dbt had ended:
        # what could not be written is lost; the exit code still tells.
    _copy_quietly(build_folder / "target" / _DBT_PARSE_CACHE, cache)
    return exit_code


@contextlib.contextmanager
def stopped_with_us(process: subprocess.Popen[str]) -> Iterator[None]:
    """Stop dbt when the build stops (Ctrl-C, or SIGTERM, which the command
    turns into the same interruption): no dbt goes on writing without us."""
    try:
        yield
    except BaseException:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(DBT_STOP_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        raise


@contextlib.contextmanager
def database_through_link(project_dir: Path, database: Path) -> Iterator[str]:
    """The path by which dbt, running in `project_dir`, opens `database`: through
    the link .publish/current-build, pointed at the database's folder for the time
    of the block, so that the profile, and with it dbt's parse cache, is the same
    for every build (and every copy of the project). A database outside the
    project is named by its own path."""
    project_dir = project_dir.resolve()
    folder = database.resolve().parent
    if not folder.is_relative_to(project_dir):
        yield str(database)
        return
    link = project_dir / PUBLISH_FOLDER / CURRENT_BUILD_LINK
    link.parent.mkdir(exist_ok=True)
    files.replace_with_link(link, os.path.relpath(folder, link.parent))
    try:
        yield (Path(PUBLISH_FOLDER) / CURRENT_BUILD_LINK / database.name).as_posix()
    finally:
        with contextlib.suppress(OSError):
            link.unlink()


def _copy_quietly(source: Path, destination: Path) -> None:
    """Copy the parse cache, if there is one; without it dbt just parses in full."""
    if not source.is_file():
        return
    staged = destination.with_name(f"{destination.name}.{os.getpid()}")
    with contextlib.suppress(OSError):
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, staged)
        os.replace(staged, destination)


def output_tail(build_folder: Path, lines: int = 25) -> list[str]:
    """The last lines dbt printed, for when it stopped before running anything."""
    output = build_folder / OUTPUT_FILE
    if not output.is_file():
        return []
    text = output.read_text(encoding="utf-8", errors="replace")
    return [line for line in text.splitlines() if line.strip()][-lines:]


def _die_with_parent() -> None:
    """In the dbt process, before it starts: have the kernel kill it when the
    publishing process dies (even by kill -9), so that no orphaned dbt goes on
    writing. Linux only; elsewhere the next build cleans up all the same."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL)


def run_dbt_command(
    project_dir: Path,
    folder: Path,
    target: str,
    arguments: list[str],
    output_name: str,
    show: bool,
) -> int:
    """One dbt command (`arguments`, e.g. build or run-operation) on `target`, as
    the PostgreSQL and Spark builds run it: its artifacts in `folder`/target, its
    log in `folder`/logs, what it prints in `folder`/`output_name` (and on the
    terminal when `show`); dbt dies with us and stops when we stop. Returns dbt's
    exit code."""
    command = [
        sys.executable,
        "-c",
        "from dbt.cli.main import cli; cli(prog_name='dbt')",
        *arguments,
        "--project-dir",
        str(project_dir),
        "--target",
        target,
        "--target-path",
        str(folder / "target"),
        "--log-path",
        str(folder / "logs"),
        "--no-use-colors",
    ]
    if (project_dir / "profiles.yml").is_file():
        command += ["--profiles-dir", str(project_dir)]
    parent = os.getpid()

    def prepare() -> None:
        _die_with_parent()
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)

    with (folder / output_name).open("w", encoding="utf-8") as output:
        process = subprocess.Popen(
            command,
            cwd=project_dir,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            preexec_fn=prepare,  # this process runs no other thread at this point
        )
        with stopped_with_us(process):
            assert process.stdout is not None
            for line in process.stdout:
                if show:
                    sys.stdout.write(line)
                output.write(line)
            return process.wait()
