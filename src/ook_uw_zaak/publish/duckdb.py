"""`ook-uw-zaak build`: build and test the warehouse in a scratch folder, and publish
it as a new release only when every step passed.

0. when nothing changed since the published release and it is intact, say so and
   stop: nothing is built (publish/reuse.py; --force builds anyway);
1. check the seed CSV files (seeds/checks.py); on a problem, stop before dbt runs;
2. run `dbt build` into .publish/build-<stamp>/ook_uw_zaak.duckdb (dbt/runner.py),
   with the unit tests unless they passed before on the same SQL
   (dbt/unit_tests.py);
3. if any step failed: keep the build as .publish/failed-<stamp>/, print what
   failed and what to fix (dbt/outcome.py), exit 1;
4. else drop the schema of the tests' stored failing rows (empty by then), write a
   copy in DuckDB 1.1's storage format into a scratch release folder, check it, let
   the release files be written beside it (write_release_files), and publish the
   release by swapping the `release` link in one atomic rename
   (publish/releases.py); keep the build's dbt artifacts, without its scratch
   database, as .publish/published-<release id>/ (publish/workspace.py).

Nothing published is ever opened for writing: a reader keeps the release it
opened, a build killed at any moment leaves the published release as it was, and a
program that held the published file open for writing can only ever write into its
own, older release.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import sys
from pathlib import Path

from ook_uw_zaak import files
from ook_uw_zaak.dbt import unit_tests
from ook_uw_zaak.dbt.outcome import Outcome, read_outcome
from ook_uw_zaak.dbt.runner import OUTPUT_FILE, output_tail, run_dbt_build
from ook_uw_zaak.files import relative
from ook_uw_zaak.opendata.writer import write_release
from ook_uw_zaak.project import (
    CATALOG,
    OLDEST_READER,
    POSTGRES_TARGET,
    PUBLISH_FOLDER,
    PUBLISHED_FILE_NAME,
    SPARK_TARGET,
)
from ook_uw_zaak.publish import postgres, reuse, spark, workspace
from ook_uw_zaak.publish.disk_space import (
    dbt_ran_out_of_space,
    disk_full_message,
    disk_space_problem,
    means_full_disk,
)
from ook_uw_zaak.publish.duckdb_file import (
    check_same_content,
    drop_stored_test_failures,
    write_compatible_copy,
)
from ook_uw_zaak.publish.releases import (
    RELEASE_LINK,
    RELEASES_FOLDER,
    Published,
    current_release,
    layout_problem,
    new_release_id,
    publish_release,
)
from ook_uw_zaak.seeds.checks import refuse_bad_seeds

# Write-ahead logs found beside the stable name are moved here.
STALE_LOGS_FOLDER = "stale-logs"
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
    parser.add_argument(
        "--force",
        action="store_true",
        help="build and publish a new release even when nothing changed since the "
        "published one",
    )
    parser.add_argument(
        "--target",
        choices=("duckdb", POSTGRES_TARGET, SPARK_TARGET),
        default="duckdb",
        help="where to publish: the DuckDB file (default), the PostgreSQL database "
        "of the PG* variables (see postgres.py) or the Spark of the profile's spark "
        "target (see spark.py)",
    )
    postgres.add_arguments(parser)


def say(message: str) -> None:
    print(message, flush=True)


def complain(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def unchanged(published: Path) -> str:
    if published.exists():
        return f"The published file {published.name} is unchanged."
    return f"Nothing was published (there is no {published.name} yet)."


def run(args: argparse.Namespace) -> int:
    if args.target == POSTGRES_TARGET:
        return postgres.run(args)
    if args.target == SPARK_TARGET:
        return spark.run(args)
    project_dir: Path = args.project_dir.resolve()
    if not (project_dir / "dbt_project.yml").is_file():
        complain(f"{project_dir} is not a dbt project (it has no dbt_project.yml).")
        return 2
    publish_folder = project_dir / PUBLISH_FOLDER
    problem = layout_problem(project_dir)
    if problem:
        complain(f"{problem}\n{unchanged(project_dir / PUBLISHED_FILE_NAME)}")
        return 1
    try:
        workspace.check_writable(project_dir, publish_folder)
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
    except workspace.PlantedLinkError as error:
        complain(f"{error}\n{unchanged(project_dir / PUBLISHED_FILE_NAME)}")
        return 1
    except PermissionError as error:
        complain(workspace.not_writable_message(project_dir, error))
        return 2
    except KeyboardInterrupt:
        complain(f"Stopped. {unchanged(project_dir / PUBLISHED_FILE_NAME)}")
        return 130


def write_release_files(dbt_target: Path, release: Path, previous: Path | None) -> None:
    """The hook where the files published beside the database are written.

    Bound to the build's dbt target folder (its manifest and documentation page),
    it is called with the scratch folder of the new release, which holds the checked
    ook_uw_zaak.duckdb, and the folder of the release published before it (None
    at the first release). Whatever it writes into `release` is published with
    the database, read-only; an exception stops publishing and nothing changes.
    It writes the open-data release (CSV, Parquet, Excel, data package, DCAT,
    licence, citation, changelog, docs, report pages, checksums: ook_uw_zaak.opendata).
    """
    write_release(
        release / PUBLISHED_FILE_NAME, release, previous, dbt_target=dbt_target
    )


def _build_and_publish(
    project_dir: Path, publish_folder: Path, lock: int, args: argparse.Namespace
) -> int:
    published = project_dir / PUBLISHED_FILE_NAME
    stale = workspace.remove_stale_builds(publish_folder)
    if stale:
        say(f"Removed {len(stale)} scratch folder(s) left by an interrupted build.")
    inputs = reuse.inputs_fingerprint(project_dir)
    if not args.force:
        verdict = reuse.reusable_release(project_dir, inputs)
        if verdict.release is not None:
            say(
                f"Nothing changed since release {verdict.release.name}: its seeds, "
                "models, macros, tests, project files, code and dbt version are "
                "those of this build, and its files match their checksums. It stays "
                f"published as {PUBLISHED_FILE_NAME}; nothing was built. (To build "
                "a new release anyway: ook-uw-zaak build --force, or make build "
                "FORCE=1.)"
            )
            return 0
        if verdict.reason:
            say(verdict.reason)
    problem = disk_space_problem(project_dir, current_release(project_dir))
    if problem:
        complain(f"{problem}\n{unchanged(published)}")
        return 1

    say("1/4 Checking the seed files...")
    if refuse_bad_seeds(project_dir, unchanged(published)):
        return 1

    build_folder = workspace.new_build_folder(publish_folder)
    database = build_folder / PUBLISHED_FILE_NAME
    say(
        "2/4 Building and testing the warehouse with dbt in a scratch file "
        f"({relative(database, project_dir)}); this takes a little while..."
    )
    logic = unit_tests.fingerprint(project_dir)
    skip_unit_tests = unit_tests.passed_before(project_dir, logic)
    if skip_unit_tests:
        say(
            "    The unit tests passed on this very SQL before, and nothing they "
            "test has changed since (only the seeds' figures may have): not run "
            "again."
        )
    exit_code = run_dbt_build(
        project_dir,
        build_folder,
        database,
        lock,
        args.show_dbt_output,
        skip_unit_tests,
    )
    if exit_code != 0 and dbt_ran_out_of_space(build_folder):
        return _disk_full(project_dir, build_folder)
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
    if not skip_unit_tests:
        unit_tests.record_passed(project_dir, logic)

    scratch_release = build_folder / RELEASES_FOLDER / new_release_id(project_dir)
    try:
        say(f"3/4 Writing the file in the storage format of DuckDB {OLDEST_READER}...")
        drop_stored_test_failures(database, build_folder / "target" / "manifest.json")
        final = scratch_release / PUBLISHED_FILE_NAME
        write_compatible_copy(database, final, catalog=CATALOG)
        check_same_content(database, final, catalog=CATALOG)
        say(
            f"4/4 Writing the release files (CSV, Parquet, Excel, metadata, docs, "
            f"report) and publishing release {scratch_release.name}..."
        )
        done = publish_release(
            project_dir,
            scratch_release,
            functools.partial(write_release_files, build_folder / "target"),
            publish_folder / STALE_LOGS_FOLDER,
        )
    except Exception as error:  # the release files hook may raise anything
        if means_full_disk(error, build_folder):
            return _disk_full(project_dir, build_folder)
        return _not_published(project_dir, build_folder, error)
    files.remove_tree(build_folder / RELEASES_FOLDER)  # empty: the release moved
    reuse.record_inputs(build_folder, inputs)
    workspace.keep_published(build_folder, done.release.name, database)
    _report_published(project_dir, done)
    return 0


def _not_published(project_dir: Path, build_folder: Path, error: BaseException) -> int:
    with contextlib.suppress(OSError):
        files.remove_tree(build_folder / RELEASES_FOLDER)
    kept = workspace.keep_aside(build_folder)
    complain(
        f"\nThe build passed, but it could not be published: {error}\n"
        f"{unchanged(project_dir / PUBLISHED_FILE_NAME)} The build is kept in "
        f"{relative(kept, project_dir)}/."
    )
    return 1


def _disk_full(project_dir: Path, build_folder: Path) -> int:
    """The disk filled up during the build: remove the scratch build (keeping it
    would fill the disk for good) and say how much space a build needs."""
    with contextlib.suppress(OSError):
        files.remove_tree(build_folder)
    complain(
        f"\n{disk_full_message(project_dir, current_release(project_dir))} "
        "The unfinished build was removed, so the disk is no fuller than before.\n"
        f"{unchanged(project_dir / PUBLISHED_FILE_NAME)}"
    )
    return 1


def _report_published(project_dir: Path, done: Published) -> None:
    for writer in done.writers:
        say(
            f"Note: {writer.describe()} open for writing. Its changes stay in that "
            "release, which is no longer published: readers of "
            f"{PUBLISHED_FILE_NAME} never see them, and they are lost when that "
            "release is removed. Change the seed files and build instead."
        )
    if done.moved_wal:
        say(
            f"Note: a write-ahead log beside {PUBLISHED_FILE_NAME} (left by a DuckDB "
            "1.1 program that opened it for writing) was moved out of readers' way, "
            f"to {relative(done.moved_wal, project_dir)}; its changes are not "
            "published."
        )
    if done.migrated_file:
        say(
            f"{PUBLISHED_FILE_NAME} was a plain file; it is now a link to the "
            f"published release ({RELEASE_LINK}/{PUBLISHED_FILE_NAME})."
        )
    for folder, reason in done.not_removed:
        say(
            f"Note: the old release {relative(folder, project_dir)} could not be "
            f"removed ({reason}); it is no longer published. Remove it by hand "
            f"(chmod -R u+w {relative(folder, project_dir)} && rm -r "
            f"{relative(folder, project_dir)}), or the next build tries again."
        )
    for stranger in done.strangers:
        say(
            f"Note: {relative(stranger, project_dir)} is not a release of the "
            "build (its name is no release id, or it is a link); it was left "
            "alone. Keep your own files outside releases/."
        )
    for folder in done.kept_for_writers:
        say(
            f"Release {folder.name} is kept although it is old: a program still has "
            "its database open for writing."
        )
    say(
        f"Published release {done.release.name} as {PUBLISHED_FILE_NAME} (readable "
        f"by DuckDB {OLDEST_READER} and newer). Programs that had it open keep the "
        "previous release until they open it again."
    )


def _report_failure(project_dir: Path, kept: Path, outcome: Outcome | None) -> None:
    where = relative(kept, project_dir)
    if outcome is None:
        complain(
            "\ndbt stopped before it could build anything. What it printed last:\n"
        )
        for line in output_tail(kept):
            complain(f"  {line}")
    elif outcome.problems:
        for line in outcome.describe():
            complain(line)
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
