"""`ook-uw-zaak build`: one publishing pipeline, whose last steps differ by engine.

Every build, on every engine, runs these steps:

1. check the seed CSV files (seeds/checks.py); on a problem, stop before dbt runs;
2. `dbt build` into scratch space that no reader uses (dbt/runner.py: the same
   progress, parse cache and saved output on every engine);
3. if any step failed: say what failed and what to fix, with the offending rows
   dbt stored (dbt/outcome.py), keep the build to inspect, and stop: readers see
   what they saw before;
4. else make the new release visible to readers in the engine's own steps.

An engine (publish/duckdb.py, postgres.py, spark.py) says where its build goes,
how it waits for another build, what readers see while nothing is published, and
how it publishes; this module runs the steps in that order, numbers them and
turns every way a build can stop into one message and exit code.
"""

from __future__ import annotations

import abc
import argparse
import contextlib
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ook_uw_zaak.dbt.outcome import FailingRows, Outcome, read_outcome
from ook_uw_zaak.dbt.runner import OUTPUT_FILE, Build, output_tail, run_dbt_build
from ook_uw_zaak.files import relative
from ook_uw_zaak.project import BUILD_SUFFIX_PREFIX
from ook_uw_zaak.publish.identifiers import IdentifierError
from ook_uw_zaak.seeds.checks import refuse_bad_seeds


def say(message: str) -> None:
    print(message, flush=True)


def complain(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def indented(message: str) -> str:
    return f"    {message}"


class Stop(Exception):  # noqa: N818 (it is no error: a build that stops, and why)
    """The build or rollback stops here: `message` says why and what readers see,
    `code` is the command's exit code."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


class Steps:
    """Prints 'k/N what' for each step of a build of N steps."""

    def __init__(self, total: int) -> None:
        self.total, self.done = total, 0

    def next(self, what: str) -> None:
        self.done += 1
        say(f"{self.done}/{self.total} {what}")


def scratch_suffix(now: datetime) -> str:
    """A scratch schema suffix of its own for a build started `now`."""
    return f"{BUILD_SUFFIX_PREFIX}{now.strftime('%Y%m%dt%H%M%S')}_{os.getpid()}"


def dbt_project(project_dir: Path) -> Path:
    """The project folder, resolved; Stop (exit 2) when it is no dbt project."""
    resolved = project_dir.resolve()
    if not (resolved / "dbt_project.yml").is_file():
        raise Stop(f"{resolved} is not a dbt project (it has no dbt_project.yml).", 2)
    return resolved


@dataclass(frozen=True)
class Planned:
    """A build about to run: its folder (dbt's artifacts and output), what dbt
    builds, where (the words of step 2 after 'with dbt'), and notes to print
    under step 2."""

    folder: Path
    build: Build
    where: str
    notes: list[str] = field(default_factory=list)


class Engine(abc.ABC):
    """What differs between engines; the pipeline (`publish`) runs the rest."""

    # The steps after the two every build runs (seeds, dbt build).
    publishing_steps: int

    def __init__(self, project_dir: Path, args: argparse.Namespace) -> None:
        self.project_dir, self.args = project_dir, args

    @abc.abstractmethod
    def unchanged(self) -> str:
        """What readers see while nothing is published, in a sentence."""

    @abc.abstractmethod
    def session(self) -> contextlib.AbstractContextManager[int | None]:
        """Held while the build runs: the engine's lock (waiting for another build,
        and saying so) and connection; turns the engine's own errors into Stop.
        Gives the lock's descriptor when dbt should inherit it."""

    def prepare(self) -> bool:
        """Runs first, in the session (cleaning up after an earlier build, for
        instance); True when the published release stays as it is because nothing
        changed: the build has said so and stops with 0 (DuckDB only)."""
        return False

    @abc.abstractmethod
    def plan(self, lock: int | None) -> Planned:
        """The build's folder, made, and what dbt builds into it."""

    def after_dbt(self, folder: Path, exit_code: int) -> None:  # noqa: B027
        """Look at what dbt left before its outcome is read; Stop ends the build
        (DuckDB: a disk that filled up). Most engines have nothing to look at."""

    def failing_rows(self, folder: Path) -> FailingRows | None:
        """Where the failed build's offending rows are read."""
        return None

    @abc.abstractmethod
    def keep_failed(self, folder: Path) -> str:
        """Keep the failed build to inspect; the sentence that says where."""

    @abc.abstractmethod
    def publish(self, folder: Path, outcome: Outcome, steps: Steps) -> int:
        """Make the release visible to readers (numbering its steps)."""


def publish(engine_type: type[Engine], args: argparse.Namespace) -> int:
    """Build, test and publish on one engine; the exit code."""
    engine: Engine | None = None
    try:
        engine = engine_type(dbt_project(args.project_dir), args)
        with engine.session() as lock:
            return _steps(engine, lock)
    except Stop as stop:
        complain(str(stop))
        return stop.code
    except IdentifierError as error:
        complain(str(error))
        return 2
    except KeyboardInterrupt:
        complain(f"Stopped. {engine.unchanged() if engine else ''}".strip())
        return 130


def _steps(engine: Engine, lock: int | None) -> int:
    if engine.prepare():
        return 0
    steps = Steps(2 + engine.publishing_steps)
    steps.next("Checking the seed files...")
    if refuse_bad_seeds(engine.project_dir, engine.unchanged()):
        return 1
    planned = engine.plan(lock)
    folder = planned.folder
    steps.next(f"Building and testing the warehouse with dbt {planned.where}")
    for note in planned.notes:
        say(indented(note))
    exit_code = run_dbt_build(
        engine.project_dir, folder, planned.build, engine.args.show_dbt_output
    )
    engine.after_dbt(folder, exit_code)
    outcome = read_outcome(
        engine.project_dir, folder / "target", engine.failing_rows(folder)
    )
    if (
        exit_code != 0
        or outcome is None
        or not outcome.all_passed
        or not outcome.passed
    ):
        for line in failure_report(outcome, folder):
            complain(line)
        complain(f"{engine.unchanged()} {engine.keep_failed(folder)}")
        return 1
    say(indented(f"All {outcome.passed} steps passed."))
    return engine.publish(folder, outcome, steps)


def failure_report(outcome: Outcome | None, folder: Path) -> Iterator[str]:
    """What a failed build prints: the failed steps with what to fix, or, when dbt
    stopped before it ran or reported no failure, what it printed last."""
    if outcome is not None and outcome.problems:
        yield from outcome.describe()
        return
    if outcome is None:
        yield "\ndbt stopped before it could build anything. What it printed last:\n"
    else:
        yield (
            "\nThe build did not complete: dbt reported no failed step, but not "
            "every step ran. What dbt printed last:\n"
        )
    for line in output_tail(folder):
        yield f"  {line}"


def output_file(kept: Path, project_dir: Path) -> str:
    """Where a kept build's dbt output is, relative to the project."""
    return f"{relative(kept, project_dir)}/{OUTPUT_FILE}"
