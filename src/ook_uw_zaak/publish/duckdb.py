"""The DuckDB engine of the publishing pipeline (publish/pipeline.py): the build goes
into a scratch file, and is published as a new release only when every step passed.

Before the pipeline's steps: when nothing changed since the published release and
it is intact, say so and stop: nothing is built (publish/reuse.py; --force builds
anyway). Then:

1. the seed files are checked (the pipeline);
2. `dbt build` runs into .publish/build-<stamp>/ook_uw_zaak.duckdb, with the unit
   tests unless they passed before on the same SQL (dbt/unit_tests.py); a failed
   build is kept as .publish/failed-<stamp>/ with the failing rows dbt stored;
3. the schema of the tests' stored failing rows (empty by then) is dropped, and a
   copy in DuckDB 1.1's storage format is written into a scratch release folder
   and checked;
4. the release files are written beside it (write_release_files), and the release
   is published by swapping the `release` link in one atomic rename
   (publish/releases.py); the build's dbt artifacts, without its scratch database,
   are kept as .publish/published-<release id>/ (publish/workspace.py).

Nothing published is ever opened for writing: a reader keeps the release it
opened, a build killed at any moment leaves the published release as it was, and a
program that held the published file open for writing can only ever write into its
own, older release.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
from collections.abc import Iterator
from pathlib import Path

from ook_uw_zaak import files
from ook_uw_zaak.dbt import unit_tests
from ook_uw_zaak.dbt.outcome import DuckDBRows, FailingRows, Outcome
from ook_uw_zaak.dbt.runner import Build
from ook_uw_zaak.files import relative
from ook_uw_zaak.opendata.writer import write_release
from ook_uw_zaak.project import (
    CATALOG,
    OLDEST_READER,
    PUBLISH_FOLDER,
    PUBLISHED_FILE_NAME,
)
from ook_uw_zaak.publish import reuse, workspace
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
from ook_uw_zaak.publish.pipeline import (
    Engine,
    Planned,
    Steps,
    Stop,
    output_file,
    say,
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

# Write-ahead logs found beside the stable name are moved here.
STALE_LOGS_FOLDER = "stale-logs"
# How long a build waits for another build of the same project to finish.
LOCK_WAIT_SECONDS = 600.0


def unchanged(published: Path) -> str:
    if published.exists():
        return f"The published file {published.name} is unchanged."
    return f"Nothing was published (there is no {published.name} yet)."


class DuckDB(Engine):
    """Publishes the file ook_uw_zaak.duckdb (a link to the newest release)."""

    publishing_steps = 2

    def __init__(self, project_dir: Path, args: argparse.Namespace) -> None:
        super().__init__(project_dir, args)
        self.publish_folder = project_dir / PUBLISH_FOLDER
        self.published = project_dir / PUBLISHED_FILE_NAME
        self.inputs = ""
        self.logic = ""
        self.skip_unit_tests = False

    def unchanged(self) -> str:
        return unchanged(self.published)

    @contextlib.contextmanager
    def session(self) -> Iterator[int | None]:
        problem = layout_problem(self.project_dir)
        if problem:
            raise Stop(f"{problem}\n{self.unchanged()}")
        try:
            workspace.check_writable(self.project_dir, self.publish_folder)
            with workspace.exclusive_lock(
                self.publish_folder,
                LOCK_WAIT_SECONDS,
                lambda holder: say(
                    f"Another build of this project is running, or a stopped one is "
                    f"still finishing ({holder}); waiting for it..."
                ),
            ) as lock:
                yield lock
        except workspace.LockTimeoutError as error:
            raise Stop(
                f"Gave up after {LOCK_WAIT_SECONDS:.0f} seconds: another build of "
                f"this project is still running ({error}). Try again when it has "
                "finished.",
                2,
            ) from error
        except workspace.PlantedLinkError as error:
            raise Stop(f"{error}\n{self.unchanged()}") from error
        except PermissionError as error:
            raise Stop(
                workspace.not_writable_message(self.project_dir, error), 2
            ) from error

    def prepare(self) -> bool:
        stale = workspace.remove_stale_builds(self.publish_folder)
        if stale:
            say(f"Removed {len(stale)} scratch folder(s) left by an interrupted build.")
        self.inputs = reuse.inputs_fingerprint(self.project_dir)
        if not self.args.force:
            verdict = reuse.reusable_release(self.project_dir, self.inputs)
            if verdict.release is not None:
                say(
                    f"Nothing changed since release {verdict.release.name}: its "
                    "seeds, models, macros, tests, project files, code and dbt "
                    "version are those of this build, and its files match their "
                    f"checksums. It stays published as {PUBLISHED_FILE_NAME}; nothing "
                    "was built. (To build a new release anyway: ook-uw-zaak build "
                    "--force, or make build FORCE=1.)"
                )
                return True
            if verdict.reason:
                say(verdict.reason)
        problem = disk_space_problem(
            self.project_dir, current_release(self.project_dir)
        )
        if problem:
            raise Stop(f"{problem}\n{self.unchanged()}")
        return False

    def plan(self, lock: int | None) -> Planned:
        folder = workspace.new_build_folder(self.publish_folder)
        database = folder / PUBLISHED_FILE_NAME
        self.logic = unit_tests.fingerprint(self.project_dir)
        self.skip_unit_tests = unit_tests.passed_before(self.project_dir, self.logic)
        notes = []
        if self.skip_unit_tests:
            notes.append(
                "The unit tests passed on this very SQL before, and nothing they "
                "test has changed since (only the seeds' figures may have): not run "
                "again."
            )
        build = Build(
            database=database,
            build_only=("--exclude", "resource_type:unit_test")
            if self.skip_unit_tests
            else (),
            lock_descriptor=lock,
        )
        where = (
            f"in a scratch file ({relative(database, self.project_dir)}); this "
            "takes a little while..."
        )
        return Planned(folder, build, where, notes)

    def after_dbt(self, folder: Path, exit_code: int) -> None:
        if exit_code != 0 and dbt_ran_out_of_space(folder):
            raise Stop(self._disk_full(folder))

    def failing_rows(self, folder: Path) -> FailingRows:
        return DuckDBRows(folder / PUBLISHED_FILE_NAME)

    def keep_failed(self, folder: Path) -> str:
        kept = workspace.keep_aside(folder)
        where = relative(kept, self.project_dir)
        database = (
            f"its database: {where}/{PUBLISHED_FILE_NAME}; "
            if (kept / PUBLISHED_FILE_NAME).is_file()
            else ""
        )
        return (
            f"The failed build is kept in {where}/ ({database}what dbt printed: "
            f"{output_file(kept, self.project_dir)})."
        )

    def publish(self, folder: Path, outcome: Outcome, steps: Steps) -> int:
        if not self.skip_unit_tests:
            unit_tests.record_passed(self.project_dir, self.logic)
        database = folder / PUBLISHED_FILE_NAME
        scratch_release = folder / RELEASES_FOLDER / new_release_id(self.project_dir)
        try:
            steps.next(
                f"Writing the file in the storage format of DuckDB {OLDEST_READER}..."
            )
            drop_stored_test_failures(database, folder / "target" / "manifest.json")
            final = scratch_release / PUBLISHED_FILE_NAME
            write_compatible_copy(database, final, catalog=CATALOG)
            check_same_content(database, final, catalog=CATALOG)
            steps.next(
                "Writing the release files (CSV, Parquet, Excel, metadata, docs, "
                f"report) and publishing release {scratch_release.name}..."
            )
            done = publish_release(
                self.project_dir,
                scratch_release,
                functools.partial(write_release_files, folder / "target"),
                self.publish_folder / STALE_LOGS_FOLDER,
            )
        except Exception as error:  # the release files hook may raise anything
            if means_full_disk(error, folder):
                raise Stop(self._disk_full(folder)) from error
            raise Stop(self._not_published(folder, error)) from error
        files.remove_tree(folder / RELEASES_FOLDER)  # empty: the release moved
        reuse.record_inputs(folder, self.inputs)
        workspace.keep_published(folder, done.release.name, database)
        _report_published(self.project_dir, done)
        return 0

    def _not_published(self, folder: Path, error: BaseException) -> str:
        with contextlib.suppress(OSError):
            files.remove_tree(folder / RELEASES_FOLDER)
        kept = workspace.keep_aside(folder)
        return (
            f"\nThe build passed, but it could not be published: {error}\n"
            f"{self.unchanged()} The build is kept in "
            f"{relative(kept, self.project_dir)}/."
        )

    def _disk_full(self, folder: Path) -> str:
        """The disk filled up during the build: remove the scratch build (keeping
        it would fill the disk for good) and say how much space a build needs."""
        with contextlib.suppress(OSError):
            files.remove_tree(folder)
        current = current_release(self.project_dir)
        return (
            f"\n{disk_full_message(self.project_dir, current)}"
            " The unfinished build was removed, so the disk is no fuller than "
            f"before.\n{self.unchanged()}"
        )


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
