"""`ook-uw-zaak build --target spark` and `ook-uw-zaak rollback --target spark`:
publish the warehouse on Spark only when every step passed.

1. check the seed CSV files (seeds/checks.py); on a problem, stop before Spark starts;
2. `dbt build --target spark` into scratch schemas <schema>__build_<stamp>_<pid>
   (macros/generate_schema_name.sql), which readers do not use;
3. if any step failed: say what, keep the scratch schemas to inspect, exit 1;
4. else repoint the views that readers use (raw.x, staging.x, intermediate.x,
   marts.x) to the new release's tables, one `alter view ... as` each, and
   drop the scratch schemas of every build but this release and the one before it
   (macros/spark_release.sql, run by `dbt run-operation`).

Until step 4, readers see the release they saw before, whatever happens to the
build. Step 4 is atomic per view, not across views: for the few seconds it takes
(it says how long), a reader who reads two marts may read one of each release.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

from ook_uw_zaak.dbt.outcome import read_outcome
from ook_uw_zaak.dbt.runner import OUTPUT_FILE, output_tail, run_dbt_command
from ook_uw_zaak.project import (
    BUILD_SUFFIX_PREFIX,
    PUBLISH_FOLDER,
    RELEASE_SCHEMAS,
    SPARK_TARGET,
)
from ook_uw_zaak.publish import workspace
from ook_uw_zaak.publish.identifiers import IdentifierError, check_identifier
from ook_uw_zaak.seeds.checks import refuse_bad_seeds

# dbt's artifacts and output of the published builds and of failed builds.
BUILDS_FOLDER = Path(PUBLISH_FOLDER) / "spark"
PUBLISHED_BUILDS_KEPT = 2
# How long a build or rollback waits for another one of the same project.
LOCK_WAIT_SECONDS = 600.0
PUBLISH_OUTPUT_FILE = "publish-output.txt"
UNCHANGED = "What readers see is unchanged."


# The profile's spark target reads its method (session, thrift, http) from here.
SPARK_METHOD_VARIABLE = "OOK_UW_ZAAK_SPARK_METHOD"


def say(message: str) -> None:
    print(message, flush=True)


def complain(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_dbt(
    project_dir: Path, folder: Path, arguments: list[str], output_name: str, show: bool
) -> int:
    """One dbt command on the spark target (dbt/runner.py's run_dbt_command)."""
    return run_dbt_command(
        project_dir, folder, SPARK_TARGET, arguments, output_name, show
    )


def _operation(
    project_dir: Path, folder: Path, macro: str, arguments: dict[str, object]
) -> tuple[int, list[str]]:
    """`dbt run-operation macro`: its exit code and the lines its macro logged."""
    code = run_dbt(
        project_dir,
        folder,
        ["run-operation", macro, "--args", json.dumps(arguments)],
        PUBLISH_OUTPUT_FILE,
        show=False,
    )
    text = (folder / PUBLISH_OUTPUT_FILE).read_text("utf-8", errors="replace")
    said = [
        line.split("  ", 1)[-1].strip()
        for line in text.splitlines()
        if "Repointed " in line or "Dropped " in line
    ]
    return code, said


def _project(args: argparse.Namespace) -> Path | None:
    project_dir: Path = args.project_dir.resolve()
    if not (project_dir / "dbt_project.yml").is_file():
        complain(f"{project_dir} is not a dbt project (it has no dbt_project.yml).")
        return None
    return project_dir


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


def run(args: argparse.Namespace) -> int:
    project_dir = _project(args)
    if project_dir is None:
        return 2
    say("1/3 Checking the seed files...")
    if refuse_bad_seeds(project_dir, f"Spark was not started. {UNCHANGED}"):
        return 1
    now = datetime.now(UTC)
    try:
        suffix = check_identifier(
            f"{BUILD_SUFFIX_PREFIX}{now.strftime('%Y%m%dt%H%M%S')}_{os.getpid()}",
            "The scratch schema suffix",
        )
    except IdentifierError as error:
        complain(str(error))
        return 2
    try:
        with _lock(project_dir):
            return _build_and_publish(project_dir, suffix, args.show_dbt_output)
    except workspace.LockTimeoutError as holder:
        complain(f"Another build ({holder}) kept running; nothing was built.")
        return 1
    except KeyboardInterrupt:
        complain(
            f"Stopped. Unless step 3/3 had begun, {UNCHANGED[0].lower()}"
            f"{UNCHANGED[1:]} If it had, build again or roll back."
        )
        return 130


def _build_and_publish(project_dir: Path, suffix: str, show: bool) -> int:
    folder = project_dir / BUILDS_FOLDER / f"build-{suffix}"
    folder.mkdir(parents=True)
    say(
        "2/3 Building and testing the warehouse with dbt on Spark in scratch schemas "
        f"(*__{suffix}); this takes a few minutes..."
    )
    build = ["build", "--vars", json.dumps({"release_schema_suffix": suffix})]
    if os.environ.get(SPARK_METHOD_VARIABLE, "session") != "session":
        # dbt's unit tests check the models' SQL on rows written into the tests,
        # never the cluster's data: they run in-process (make test) and on DuckDB.
        # Through a Thrift server, PyHive fails now and then on the empty view
        # dbt-spark's unit-test step creates, failing a passing unit test.
        say(
            "    The unit tests are left out on a Spark server (they test the SQL, "
            "not the data; make test runs them on DuckDB and in-process Spark)."
        )
        build += ["--exclude", "resource_type:unit_test"]
    exit_code = run_dbt(project_dir, folder, build, OUTPUT_FILE, show)
    outcome = read_outcome(project_dir, folder / "target", folder / "no-such-file")
    if exit_code != 0 or outcome is None or not outcome.all_passed:
        if outcome is None or not outcome.problems:
            complain("\nThe build did not complete. What dbt printed last:\n")
            for line in output_tail(folder):
                complain(f"  {line}")
        else:
            for line in outcome.describe():
                complain(line)
        kept = workspace.keep_aside(folder)
        complain(
            f"Nothing was published. {UNCHANGED} The failed build's tables are kept "
            f"in the scratch schemas *__{suffix} until a build is published; what "
            f"dbt printed: {kept.relative_to(project_dir)}/{OUTPUT_FILE}."
        )
        return 1
    say(f"    All {outcome.passed} steps passed.")
    say("3/3 Publishing: pointing the readers' views at the new release...")
    code, said = _operation(
        project_dir,
        folder,
        "spark_publish_release",
        {"suffix": suffix, "schemas": list(RELEASE_SCHEMAS)},
    )
    for line in said:
        say(f"    {line}")
    if code != 0:
        kept = workspace.keep_aside(folder)
        complain(
            "\nThe build passed, but repointing the readers' views failed; some may "
            "show the new release, the others the one before. Build again, or run "
            "`ook-uw-zaak rollback --target spark`. What dbt printed: "
            f"{kept.relative_to(project_dir)}/{PUBLISH_OUTPUT_FILE}."
        )
        return 1
    workspace.keep_published(folder, suffix, kept=PUBLISHED_BUILDS_KEPT)
    say(
        f"Published release {suffix}: readers of marts, staging and raw now read it. "
        "The previous release is kept; `ook-uw-zaak rollback --target spark` "
        "returns to it."
    )
    return 0


def run_rollback(args: argparse.Namespace) -> int:
    """`ook-uw-zaak rollback --target spark`: return to the previous release."""
    project_dir = _project(args)
    if project_dir is None:
        return 2
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
