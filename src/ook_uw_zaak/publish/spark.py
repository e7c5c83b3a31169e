"""The Spark engine of the publishing pipeline (publish/pipeline.py), and
`ook-uw-zaak rollback --target spark`: publish the warehouse on Spark only when
every step passed.

1. the seed files are checked (the pipeline), before Spark starts;
2. `dbt build --target spark` runs into scratch schemas <schema>__build_<stamp>_<pid>
   (macros/generate_schema_name.sql), which readers do not use: they become the
   release, so each build has its own (and dbt parses the project in full: its
   parse cache matches no build but its own);
3. if any step failed: the pipeline says what; the scratch schemas are kept to
   inspect;
4. else the views that readers use (raw.x, staging.x, intermediate.x, marts.x) are
   repointed to the new release's tables, one `alter view ... as` each (a
   view new in this release: `create view`), and
   the scratch schemas of every build but this release and the one before it are
   dropped (macros/spark_release.sql, run by `dbt run-operation`).

Until step 4, readers see the release they saw before, whatever happens to the
build. Step 4 is atomic per view, not across views: for the few seconds it takes
(it says how long), a reader who reads two marts may read one of each release.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from ook_uw_zaak.dbt.outcome import Outcome
from ook_uw_zaak.dbt.runner import Build, run_dbt_command
from ook_uw_zaak.files import relative
from ook_uw_zaak.project import PUBLISH_FOLDER, RELEASE_SCHEMAS, SPARK_TARGET
from ook_uw_zaak.publish import workspace
from ook_uw_zaak.publish.identifiers import check_identifier
from ook_uw_zaak.publish.pipeline import (
    Engine,
    Planned,
    Steps,
    Stop,
    complain,
    dbt_project,
    indented,
    output_file,
    say,
    scratch_suffix,
)

# dbt's artifacts and output of the published builds and of failed builds.
BUILDS_FOLDER = Path(PUBLISH_FOLDER) / "spark"
PUBLISHED_BUILDS_KEPT = 2
# How long a build or rollback waits for another one of the same project.
LOCK_WAIT_SECONDS = 600.0
PUBLISH_OUTPUT_FILE = "publish-output.txt"
UNCHANGED = "What readers see is unchanged."


# The profile's spark target reads its method (session, thrift, http) from here.
SPARK_METHOD_VARIABLE = "OOK_UW_ZAAK_SPARK_METHOD"


def _operation(
    project_dir: Path, folder: Path, macro: str, arguments: dict[str, object]
) -> tuple[int, list[str]]:
    """`dbt run-operation macro`: its exit code and the lines its macro logged."""
    code = run_dbt_command(
        project_dir,
        folder,
        SPARK_TARGET,
        ["run-operation", macro, "--args", json.dumps(arguments)],
        PUBLISH_OUTPUT_FILE,
    )
    text = (folder / PUBLISH_OUTPUT_FILE).read_text("utf-8", errors="replace")
    said = [
        line.strip()
        for line in text.splitlines()
        if line.startswith(("Repointed ", "Dropped "))
    ]
    return code, said


def _lock(project_dir: Path) -> contextlib.AbstractContextManager[int]:
    """One Spark build or rollback of this project at a time."""
    return workspace.exclusive_lock(
        project_dir / BUILDS_FOLDER,
        LOCK_WAIT_SECONDS,
        lambda holder: say(
            f"Another Spark build or rollback of this project is running ({holder}); "
            "waiting for it..."
        ),
    )


class Spark(Engine):
    """Publishes into the schemas raw, staging, intermediate and marts of the
    profile's spark target, as views on the newest release's tables."""

    publishing_steps = 1

    def __init__(self, project_dir: Path, args: argparse.Namespace) -> None:
        super().__init__(project_dir, args)
        self.suffix = check_identifier(
            scratch_suffix(datetime.now(UTC)), "The scratch schema suffix"
        )

    def unchanged(self) -> str:
        return f"Nothing was published. {UNCHANGED}"

    @contextlib.contextmanager
    def session(self) -> Iterator[int | None]:
        try:
            with _lock(self.project_dir) as lock:
                yield lock
        except workspace.LockTimeoutError as holder:
            raise Stop(
                f"Another build ({holder}) kept running; nothing was built."
            ) from holder
        except KeyboardInterrupt:
            raise Stop(
                f"Stopped. Unless the last step had begun, {UNCHANGED[0].lower()}"
                f"{UNCHANGED[1:]} If it had, build again or roll back.",
                130,
            ) from None

    def plan(self, lock: int | None) -> Planned:
        folder = self.project_dir / BUILDS_FOLDER / f"build-{self.suffix}"
        folder.mkdir(parents=True)
        notes, build_only = [], ()
        if os.environ.get(SPARK_METHOD_VARIABLE, "session") != "session":
            # dbt's unit tests check the models' SQL on rows written into the tests,
            # never the cluster's data: they run in-process (make test) and on
            # DuckDB. Through a Thrift server, PyHive fails now and then on the
            # empty view dbt-spark's unit-test step creates, failing a passing test.
            notes.append(
                "The unit tests are left out on a Spark server (they test the SQL, "
                "not the data; make test runs them on DuckDB and in-process Spark)."
            )
            build_only = ("--exclude", "resource_type:unit_test")
        build = Build(
            target=SPARK_TARGET,
            variables={"release_schema_suffix": self.suffix},
            build_only=build_only,
            docs=False,
            lock_descriptor=lock,
        )
        where = (
            f"on Spark in scratch schemas (*__{self.suffix}); this takes a few "
            "minutes..."
        )
        return Planned(folder, build, where, notes)

    def keep_failed(self, folder: Path) -> str:
        kept = workspace.keep_aside(folder)
        return (
            f"The failed build's tables are kept in the scratch schemas "
            f"*__{self.suffix} until a build is published; what dbt printed: "
            f"{output_file(kept, self.project_dir)}."
        )

    def publish(self, folder: Path, outcome: Outcome, steps: Steps) -> int:
        steps.next("Publishing: pointing the readers' views at the new release...")
        code, said = _operation(
            self.project_dir,
            folder,
            "spark_publish_release",
            {"suffix": self.suffix, "schemas": list(RELEASE_SCHEMAS)},
        )
        for line in said:
            say(indented(line))
        if code != 0:
            kept = workspace.keep_aside(folder)
            raise Stop(
                "\nThe build passed, but repointing the readers' views failed; some "
                "may show the new release, the others the one before. Build again, "
                "or run `ook-uw-zaak rollback --target spark`. What dbt printed: "
                f"{relative(kept, self.project_dir)}/{PUBLISH_OUTPUT_FILE}."
            )
        workspace.keep_published(folder, self.suffix, kept=PUBLISHED_BUILDS_KEPT)
        say(
            f"Published release {self.suffix}: readers of marts, staging and raw now "
            "read it. The previous release is kept; `ook-uw-zaak rollback --target "
            "spark` returns to it."
        )
        return 0


def run_rollback(args: argparse.Namespace) -> int:
    """`ook-uw-zaak rollback --target spark`: return to the previous release."""
    try:
        project_dir = dbt_project(args.project_dir)
    except Stop as stop:
        complain(str(stop))
        return stop.code
    try:
        with _lock(project_dir):
            folder = project_dir / BUILDS_FOLDER / "rollback"
            folder.mkdir(parents=True, exist_ok=True)
            code, said = _operation(
                project_dir,
                folder,
                "spark_roll_back_release",
                {"schemas": list(RELEASE_SCHEMAS)},
            )
    except workspace.LockTimeoutError as holder:
        complain(f"A build ({holder}) kept running; nothing changed.")
        return 1
    for line in said:
        say(line)
    if code != 0:
        text = (folder / PUBLISH_OUTPUT_FILE).read_text("utf-8", errors="replace")
        for line in [line for line in text.splitlines() if line.strip()][-4:]:
            complain(f"  {line}")
        complain(
            "The rollback failed; what dbt printed: "
            f"{BUILDS_FOLDER}/rollback/{PUBLISH_OUTPUT_FILE}."
        )
        return 1
    say(
        "Readers now see the previous release; the one they saw is kept as the "
        "previous one: run the rollback again to return to it."
    )
    return 0
