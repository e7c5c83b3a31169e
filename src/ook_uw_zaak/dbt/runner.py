"""Run dbt for a publishing build, on any target: `dbt build` (seeds, models, data
tests, unit tests) into scratch space readers never see, and, when it passed, dbt's
documentation page from the same parse (dbt/session.py); and the few further dbt
commands an engine publishes with (`run-operation`).

Every target gets the same: the progress read from dbt's JSON events
(dbt/progress.py), what dbt printed kept with the build, and dbt's parse cache
kept between builds (one per target).

dbt runs in a subprocess, not in-process through dbtRunner, because:
- dbt-duckdb keeps its DuckDB connection open in the process that ran dbt, so the
  scratch file could not be reopened cleanly to write the published copy; when the
  dbt process ends, DuckDB closes and checkpoints the file;
- dbt's global state (flags, adapters, logging) stays out of our process;
- the subprocess dies with the build (Linux), stops when it stops, and inherits
  the DuckDB build's lock, so that no dbt goes on writing after its build ended
  (see publish/workspace.py).
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ook_uw_zaak import files
from ook_uw_zaak.dbt.progress import BuildProgress, event_text, parse_event
from ook_uw_zaak.dbt.session import NO_DOCS
from ook_uw_zaak.project import (
    DUCKDB_PATH_VARIABLE,
    PUBLISH_FOLDER,
    ProjectFileError,
    dbt_project,
)

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
        name = dbt_project(project_dir).get("profile")
        profiles = yaml.safe_load((project_dir / "profiles.yml").read_text("utf-8"))
    except (ProjectFileError, OSError, yaml.YAMLError):
        return None
    profile: dict[str, Any] = (profiles or {}).get(name, {})
    outputs = profile.get("outputs") or {}
    names = [
        n
        for n, o in outputs.items()
        if isinstance(o, dict) and o.get("type") == "duckdb"
    ]
    return names[0] if len(names) == 1 else None


def dbt_flags(
    project_dir: Path,
    output_dir: Path,
    target: str | None = None,
    variables: dict[str, str] | None = None,
) -> list[str]:
    """The flags every dbt command of a publishing build takes, on any target, to
    run with the project folder as the working directory: dbt's artifacts go to
    output_dir/target and its log to output_dir/logs; `target` is the profile's
    target (by default its one DuckDB target), `variables` the build's vars.

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
    target = target or duckdb_target(project_dir)
    if target:
        flags += ["--target", target]
    if variables:
        flags += ["--vars", json.dumps(variables, sort_keys=True)]
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


@dataclass(frozen=True)
class Build:
    """What one publishing build asks of dbt, on any target.

    `database` is the scratch DuckDB file (DuckDB only; other engines build into
    scratch schemas that `variables` name); `build_only` are flags of `dbt build`
    alone (a selection); `docs` asks for the documentation page after a build that
    passed; `lock_descriptor` is a lock the dbt process inherits (and so holds
    while it runs)."""

    target: str | None = None
    database: Path | None = None
    variables: dict[str, str] = field(default_factory=dict)
    build_only: tuple[str, ...] = ()
    docs: bool = True
    lock_descriptor: int | None = None


def parse_cache(project_dir: Path, target: str | None) -> Path:
    """Where the publishing builds of `target` keep dbt's parse cache (one per
    target: each target's profile is part of what the cache must match)."""
    name = target or duckdb_target(project_dir)
    if name is None or name == duckdb_target(project_dir):
        return project_dir / PARSE_CACHE
    return project_dir / PARSE_CACHE.with_name(f"publish_partial_parse.{name}.msgpack")


def publishing_command(project_dir: Path, output_dir: Path, build: Build) -> list[str]:
    """The publishing build's dbt process: `dbt build`, then the documentation
    page when asked, from one parse (dbt/session.py)."""
    command = [sys.executable, "-m", "ook_uw_zaak.dbt.session"]
    if not build.docs:
        command.append(NO_DOCS)
    command += dbt_flags(project_dir, output_dir, build.target, build.variables)
    if build.build_only:
        command += ["--", *build.build_only]
    return command


def run_dbt_build(
    project_dir: Path, build_folder: Path, build: Build, show_output: bool
) -> int:
    """Run the publishing `dbt build` on any target; return dbt's exit code.

    dbt's artifacts (run_results.json, manifest.json, and after a build that
    passed the documentation page, static_index.html) go to build_folder/target and
    its log to build_folder/logs; what dbt prints (its JSON events, in words) goes
    to build_folder/dbt-output.txt, and to the terminal as well when `show_output` is
    set; otherwise the terminal shows how far the build is (dbt/progress.py). dbt
    reads and updates the target's parse cache (parse_cache).
    """
    command = publishing_command(project_dir, build_folder, build)
    cache = parse_cache(project_dir, build.target)
    _copy_quietly(cache, build_folder / "target" / _DBT_PARSE_CACHE)
    with contextlib.ExitStack() as stack:
        environment = dict(os.environ)
        if build.database is not None:
            environment[DUCKDB_PATH_VARIABLE] = stack.enter_context(
                database_through_link(project_dir, build.database)
            )
        exit_code = _run(
            command,
            project_dir,
            environment,
            build_folder / OUTPUT_FILE,
            show_output,
            build.lock_descriptor,
        )
    _copy_quietly(build_folder / "target" / _DBT_PARSE_CACHE, cache)
    return exit_code


def _run(
    command: list[str],
    project_dir: Path,
    environment: dict[str, str],
    output_file: Path,
    show_output: bool,
    lock_descriptor: int | None = None,
    progress_shown: bool = True,
) -> int:
    """Run one dbt process that logs JSON events: what it prints, in words, goes to
    `output_file` (and the terminal when `show_output`), otherwise the terminal
    shows the progress (when `progress_shown`). dbt dies with us and stops when we
    stop."""
    parent = os.getpid()

    def prepare() -> None:
        _die_with_parent()
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)

    output_writable = True
    exit_code: int | None = None
    try:
        with (
            contextlib.ExitStack() as stack,
            output_file.open("w", encoding="utf-8") as output,
            BuildProgress() as progress,
        ):
            process = subprocess.Popen(
                command,
                cwd=project_dir,
                env=environment,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                pass_fds=() if lock_descriptor is None else (lock_descriptor,),
                text=True,
                preexec_fn=prepare,  # this process runs no other thread at this point
            )
            assert process.stdout is not None
            stack.enter_context(stopped_with_us(process))
            for line in process.stdout:
                event = parse_event(line)
                # What dbt printed, in words, for the user and the output file.
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
                elif event is not None and progress_shown:
                    progress.update(event)
            exit_code = process.wait()
    except OSError:
        if exit_code is None:
            raise
        # Only closing the output file failed (a full disk), after dbt had ended:
        # what could not be written is lost; the exit code still tells.
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
    """Copy the parse cache, if there is one; without it dbt just parses in full.
    Written under a scratch name and renamed (files.py): never through a link."""
    if not source.is_file():
        return
    with contextlib.suppress(OSError):
        files.replace_bytes(destination, source.read_bytes())


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
) -> int:
    """One more dbt command on `target` (e.g. `run-operation`), with the
    publishing build's flags: its artifacts in `folder`/target, its log in
    `folder`/logs, what it prints, in words, in `folder`/`output_name`. Returns
    dbt's exit code."""
    command = [
        sys.executable,
        "-c",
        DBT_MAIN,
        *arguments,
        *dbt_flags(project_dir, folder, target),
    ]
    return _run(
        command,
        project_dir,
        dict(os.environ),
        folder / output_name,
        show_output=False,
        progress_shown=False,
    )
