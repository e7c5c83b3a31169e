"""`ook-uw-zaak build`: build and test the warehouse in a scratch file, and publish
it as ook_uw_zaak.duckdb only when every step passed.

1. check the seed CSV files (seed_checks.py); on a problem, stop before dbt runs;
2. run `dbt build` into .publish/build-<stamp>/ook_uw_zaak.duckdb (dbt_build.py);
3. if any step failed: keep the build as .publish/failed-<stamp>/, print what
   failed and what to fix (failure_summary.py), exit 1;
4. else write a copy in DuckDB 1.1's storage format, check it, and rename it over
   ook_uw_zaak.duckdb in one atomic step (duckdb_file.py).

The published file is never opened for writing: a reader holding it open keeps
the version it opened, and a build killed at any moment leaves it as it was.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import duckdb

from ook_uw_zaak import workspace
from ook_uw_zaak.constants import (
    CATALOG,
    OLDEST_READER,
    PUBLISH_FOLDER,
    PUBLISHED_FILE_NAME,
)
from ook_uw_zaak.dbt_build import OUTPUT_FILE, output_tail, run_dbt_build
from ook_uw_zaak.duckdb_file import (
    PublishError,
    check_same_content,
    replace_atomically,
    write_compatible_copy,
)
from ook_uw_zaak.failure_summary import Outcome, read_outcome
from ook_uw_zaak.seed_checks import check_seeds
from ook_uw_zaak.seed_csv import relative

# How long a build waits for another build of the same project to finish.
LOCK_WAIT_SECONDS = 600.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--project-dir",
        type=Path,
        default=Path("."),
        help="the dbt project to build (default: the current folder)",
    )
    parser.add_argument(
        "--show-dbt-output",
        action="store_true",
        help="show what dbt prints while it runs (it is always saved with the build)",
    )


def say(message: str) -> None:
    print(message, flush=True)


def complain(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def unchanged(published: Path) -> str:
    if published.exists():
        return f"The published file {published.name} is unchanged."
    return f"Nothing was published (there is no {published.name} yet)."


def run(args: argparse.Namespace) -> int:
    project_dir: Path = args.project_dir.resolve()
    if not (project_dir / "dbt_project.yml").is_file():
        complain(f"{project_dir} is not a dbt project (it has no dbt_project.yml).")
        return 2
    publish_folder = project_dir / PUBLISH_FOLDER
    try:
        with workspace.exclusive_lock(
            publish_folder,
            LOCK_WAIT_SECONDS,
            lambda holder: say(
                f"Another build of this project is running, or a stopped one is "
                f"still finishing ({holder}); waiting for it..."
            ),
        ) as lock:
            return _build_and_publish(project_dir, publish_folder, lock, args)
    except workspace.LockTimeoutError as error:
        complain(
            f"Gave up after {LOCK_WAIT_SECONDS:.0f} seconds: another build of this "
            f"project is still running ({error}). Try again when it has finished."
        )
        return 2
    except KeyboardInterrupt:
        complain(f"Stopped. The published file {PUBLISHED_FILE_NAME} is unchanged.")
        return 130


def _build_and_publish(
    project_dir: Path, publish_folder: Path, lock: int, args: argparse.Namespace
) -> int:
    published = project_dir / PUBLISHED_FILE_NAME
    stale = workspace.remove_stale_builds(publish_folder)
    if stale:
        say(f"Removed {len(stale)} scratch folder(s) left by an interrupted build.")

    say("1/4 Checking the seed files...")
    problems = check_seeds(project_dir)
    if problems:
        complain(
            f"\nThe seed files have {len(problems)} problem(s); nothing was built:\n"
        )
        for problem in problems:
            complain(f"- {problem}")
        complain("\n" + unchanged(published))
        return 1

    build_folder = workspace.new_build_folder(publish_folder)
    database = build_folder / PUBLISHED_FILE_NAME
    say(
        "2/4 Building and testing the warehouse with dbt in a scratch file "
        f"({relative(database, project_dir)}); this takes a little while..."
    )
    exit_code = run_dbt_build(
        project_dir, build_folder, database, lock, args.show_dbt_output
    )
    outcome = read_outcome(project_dir, build_folder / "target", database)
    if (
        exit_code != 0
        or outcome is None
        or not outcome.all_passed
        or not outcome.passed
    ):
        kept = workspace.keep_aside(build_folder)
        _report_failure(project_dir, kept, outcome)
        return 1
    say(f"    All {outcome.passed} steps passed.")

    final = build_folder / "publish" / PUBLISHED_FILE_NAME
    try:
        say(f"3/4 Writing the file in the storage format of DuckDB {OLDEST_READER}...")
        write_compatible_copy(database, final, catalog=CATALOG)
        check_same_content(database, final, catalog=CATALOG)
        say(f"4/4 Replacing {PUBLISHED_FILE_NAME}...")
        replace_atomically(final, published)
    except (PublishError, duckdb.Error, OSError) as error:
        kept = workspace.keep_aside(build_folder)
        complain(
            f"\nThe build passed, but it could not be published: {error}\n"
            f"{unchanged(published)} The build is kept in "
            f"{relative(kept, project_dir)}/."
        )
        return 1
    shutil.rmtree(build_folder, ignore_errors=True)
    say(
        f"Published {PUBLISHED_FILE_NAME} (readable by DuckDB {OLDEST_READER} and "
        "newer). Programs that had it open keep the previous version until they "
        "open it again."
    )
    return 0


def _report_failure(project_dir: Path, kept: Path, outcome: Outcome | None) -> None:
    where = relative(kept, project_dir)
    if outcome is None:
        complain(
            "\ndbt stopped before it could build anything. What it printed last:\n"
        )
        for line in output_tail(kept):
            complain(f"  {line}")
    elif outcome.problems:
        complain(f"\nThe build failed: {len(outcome.problems)} step(s) did not pass.\n")
        for number, problem in enumerate(outcome.problems, start=1):
            complain(f"{number}. {problem}\n")
        if outcome.skipped:
            complain(
                f"{outcome.skipped} further step(s) were skipped because they depend "
                "on a step that failed.\n"
            )
    else:
        complain(
            "\nThe build did not complete: dbt reported no failed step, but not "
            "every step ran. What dbt printed last:\n"
        )
        for line in output_tail(kept):
            complain(f"  {line}")
    database = (
        f"its database: {where}/{PUBLISHED_FILE_NAME}; "
        if (kept / PUBLISHED_FILE_NAME).is_file()
        else ""
    )
    complain(
        f"{unchanged(project_dir / PUBLISHED_FILE_NAME)} The failed build is kept in "
        f"{where}/ ({database}what dbt printed: {where}/{OUTPUT_FILE})."
    )
