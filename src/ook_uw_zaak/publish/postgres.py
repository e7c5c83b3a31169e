"""`ook-uw-zaak build --target postgres` and `ook-uw-zaak rollback --target postgres`:
publish the warehouse into a PostgreSQL database only when every step passed.

1. validate every name that will reach SQL (PGDATABASE, --bi-role); check the seed
   CSV files (seeds/checks.py); on a problem, stop before anything reaches the server;
2. take the database's publishing lock (another build waits for it; the BI role
   cannot take it: postgres_lock.py);
3. `dbt build --target postgres` into scratch schemas <schema>__build_<stamp>_<pid>,
   which no reader may use (macros/generate_schema_name.sql);
4. if any step failed: say what, keep the scratch schemas to inspect, exit 1;
5. else check the scratch schemas hold every table and view of the build, reset
   the BI role's settings where it changed them (postgres_role.py), grant it
   SELECT on the new marts, and swap the release in, in one transaction
   (postgres_schemas.py): current -> <schema>__previous, scratch -> current. BI
   sessions that hold the marts (or the role's settings) past the grace are named
   and ended (postgres_sessions.py).

Until that transaction commits, readers see the release they saw before, whatever
happens to the build (a failed test, a lost connection, kill -9).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg2

from ook_uw_zaak.dbt.outcome import Outcome, read_outcome
from ook_uw_zaak.dbt.runner import OUTPUT_FILE, output_tail, run_dbt_command
from ook_uw_zaak.project import (
    BUILD_SUFFIX_PREFIX,
    DEFAULT_BI_ROLE,
    DEFAULT_PG_DATABASE,
    MARTS_SCHEMA,
    POSTGRES_TARGET,
    PREVIOUS_SUFFIX,
    PUBLISH_FOLDER,
)
from ook_uw_zaak.publish import (
    postgres_lock,
    postgres_role,
    postgres_schemas,
    postgres_sessions,
    workspace,
)
from ook_uw_zaak.publish.identifiers import IdentifierError, check_identifier
from ook_uw_zaak.publish.postgres_sessions import Readers, Session
from ook_uw_zaak.seeds.checks import refuse_bad_seeds

# How long a build or rollback waits for another one on the same database.
LOCK_WAIT_SECONDS = 600.0
# How long the swap waits for readers' queries on the marts, unless told otherwise
# (--reader-grace): twice the BI role's statement timeout of 60 s, so that only a
# session that lifted its own timeout, or keeps a transaction open, is cut short.
READER_GRACE_SECONDS = 120
# dbt's artifacts and output of the published builds and of failed builds (the
# newest few) are kept here.
BUILDS_FOLDER = Path(PUBLISH_FOLDER) / "postgres"
PUBLISHED_BUILDS_KEPT = 2
UNCHANGED = "What readers see is unchanged."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of the PostgreSQL target (the connection comes from PG*)."""
    parser.add_argument(
        "--bi-role",
        default=DEFAULT_BI_ROLE,
        help=f"PostgreSQL only: the read-only role of BI tools (default "
        f"{DEFAULT_BI_ROLE})",
    )
    parser.add_argument(
        "--reader-grace",
        type=_grace_seconds,
        default=READER_GRACE_SECONDS,
        metavar="SECONDS",
        help="PostgreSQL only: how long readers' queries may keep the new release "
        "waiting; after it, the BI role's sessions that still hold the marts are "
        f"ended, and any other role's stop the publish (default "
        f"{READER_GRACE_SECONDS}; keep it above the BI role's statement timeout)",
    )


def _grace_seconds(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 3600:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a whole number of seconds from 1 to 3600"
        )
    return int(text)


def say(message: str) -> None:
    print(message, flush=True)


def complain(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def connection_settings(environment: Mapping[str, str]) -> dict[str, str]:
    """How to reach the server: the libpq variables, with the defaults of the
    profile's postgres target (profiles.yml). The password comes from PGPASSWORD
    or ~/.pgpass, read by libpq itself. Raises IdentifierError for a database
    name that breaks the identifier rule (it is written into SQL)."""
    return {
        "host": environment.get("PGHOST", "localhost"),
        "port": environment.get("PGPORT", "5432"),
        "user": environment.get("PGUSER", "postgres"),
        "dbname": check_identifier(
            environment.get("PGDATABASE", DEFAULT_PG_DATABASE),
            "PGDATABASE (the database to publish into)",
        ),
        "sslmode": environment.get("PGSSLMODE", "prefer"),
        "application_name": "ook-uw-zaak publish",
    }


def _connect(settings: Mapping[str, str]) -> Any:
    connection = psycopg2.connect(**settings)
    connection.autocommit = True
    return connection


def _check_inputs(args: argparse.Namespace) -> tuple[dict[str, str], Readers]:
    """The connection settings and the BI role, validated (IdentifierError)."""
    settings = connection_settings(os.environ)
    role = check_identifier(args.bi_role, "The option --bi-role")
    return settings, Readers(role, float(args.reader_grace))


@contextlib.contextmanager
def _publishing_connection(
    settings: Mapping[str, str], role: str
) -> Iterator[tuple[Any, Callable[[], None]]]:
    """A connection, while this process holds the publishing lock (waiting, and
    saying so, while another build or rollback holds it), for a reader role that
    may only read; and the function that checks the lock is still held. Both
    connections are closed, and the lock released, at the end of the block."""
    lock_settings = {**settings, "application_name": postgres_lock.LOCK_APPLICATION}
    with (
        postgres_lock.publishing_lock(
            lambda: _connect(lock_settings),
            LOCK_WAIT_SECONDS,
            lambda holder: say(
                f"Another build or rollback is publishing into {settings['dbname']}"
                f" ({holder}); waiting for it..."
            ),
        ) as still_held,
        contextlib.closing(_connect(settings)) as connection,
    ):
        postgres_role.check_reader_role(connection, role)
        yield connection, still_held


def _report_ended(
    write: Callable[[str], None], sessions: list[Session], readers: Readers, what: str
) -> None:
    if sessions:
        write(
            f"Ended {len(sessions)} session(s) of {readers.role} that held {what} "
            f"for more than {readers.grace_seconds:.0f} s: "
            f"{postgres_sessions.describe(sessions)}."
        )


def run(args: argparse.Namespace) -> int:
    project_dir: Path = args.project_dir.resolve()
    if not (project_dir / "dbt_project.yml").is_file():
        complain(f"{project_dir} is not a dbt project (it has no dbt_project.yml).")
        return 2
    try:
        settings, readers = _check_inputs(args)
    except IdentifierError as error:
        complain(str(error))
        return 2
    say("1/5 Checking the seed files...")
    if refuse_bad_seeds(project_dir, f"Nothing was sent to the server. {UNCHANGED}"):
        return 1
    try:
        with _publishing_connection(settings, readers.role) as (connection, held):
            return _build_and_publish(project_dir, connection, held, readers, args)
    except postgres_schemas.ReleaseError as error:
        complain(f"\nNothing was published: {error}. {UNCHANGED}")
        return 1
    except psycopg2.Error as error:
        complain(
            f"\nThe PostgreSQL server refused or lost the connection: "
            f"{str(error).strip()}\nNothing was published. {UNCHANGED}"
        )
        return 1
    except KeyboardInterrupt:
        complain(f"Stopped. {UNCHANGED}")
        return 130


def _build_and_publish(
    project_dir: Path,
    connection: Any,
    still_held: Callable[[], None],
    readers: Readers,
    args: argparse.Namespace,
) -> int:
    role = readers.role
    stale = postgres_schemas.drop_scratch_schemas(connection)
    if stale:
        say(f"Dropped {len(stale)} scratch schema(s) left by an earlier build.")
    now = datetime.now(UTC)
    release_id = now.strftime("%Y%m%dT%H%M%SZ")
    suffix = check_identifier(
        f"{BUILD_SUFFIX_PREFIX}{now.strftime('%Y%m%dt%H%M%S')}_{os.getpid()}",
        "The scratch schema suffix",
    )
    build_folder = project_dir / BUILDS_FOLDER / f"build-{suffix}"
    build_folder.mkdir(parents=True)
    say(
        "2/5 Building and testing the warehouse with dbt in scratch schemas "
        f"(*__{suffix}); this takes a little while..."
    )
    exit_code = _run_dbt(project_dir, build_folder, suffix, role, args.show_dbt_output)
    outcome = read_outcome(
        project_dir, build_folder / "target", build_folder / "no-such-file.duckdb"
    )
    if exit_code != 0 or outcome is None or not outcome.all_passed:
        _report_failure(project_dir, build_folder, suffix, outcome)
        return 1
    say(f"    All {outcome.passed} steps passed.")

    say("3/5 Checking that the scratch schemas hold everything the build made...")
    missing = _missing_relations(connection, build_folder / "target" / "manifest.json")
    if missing:
        complain(
            "\nThe build passed, but these tables or views are missing from its "
            f"scratch schemas: {', '.join(missing)}. Nothing was published. "
            f"{UNCHANGED}"
        )
        return 1
    scratch_marts = postgres_schemas.scratch(MARTS_SCHEMA, suffix)
    say(
        f"4/5 Checking {role}'s settings and letting it read the new marts (not "
        "visible to it until the swap)..."
    )
    ended = postgres_role.restore_settings(
        connection,
        readers,
        postgres_role.approved_settings(project_dir),
        _indented(say),
        _indented(complain),
    )
    _report_ended(_indented(say), ended, readers, "its settings in an open transaction")
    postgres_schemas.grant_reading(connection, scratch_marts, role)
    say("5/5 Publishing: swapping the new release in, in one transaction...")
    label = f"ook_uw_zaak release {release_id} (scratch schemas *__{suffix})"
    still_held()
    ended = postgres_schemas.publish(connection, suffix, readers, label, _indented(say))
    _report_ended(_indented(say), ended, readers, "the marts")
    workspace.keep_published(build_folder, release_id, kept=PUBLISHED_BUILDS_KEPT)
    say(
        f"Published release {release_id}: {role} now reads it in schema "
        f"{MARTS_SCHEMA}. Queries that were running finished on the previous "
        f"release, which is kept in the *{PREVIOUS_SUFFIX} schemas; "
        "`ook-uw-zaak rollback --target postgres` returns to it."
    )
    return 0


def _indented(write: Callable[[str], None]) -> Callable[[str], None]:
    return lambda message: write(f"    {message}")


def _run_dbt(
    project_dir: Path, build_folder: Path, suffix: str, role: str, show: bool
) -> int:
    variables = json.dumps({"release_schema_suffix": suffix, "bi_role": role})
    return run_dbt_command(
        project_dir,
        build_folder,
        POSTGRES_TARGET,
        ["build", "--vars", variables],
        OUTPUT_FILE,
        show,
    )


def _missing_relations(connection: Any, manifest_file: Path) -> list[str]:
    """The seeds and models (tables, views) of the build that are not in the
    scratch schemas."""
    manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    expected: dict[str, set[str]] = {}
    for node in manifest.get("nodes", {}).values():
        materialized = node.get("config", {}).get("materialized")
        if node.get("resource_type") in ("seed", "model") and materialized in (
            "seed",
            "table",
            "view",
            "incremental",
        ):
            expected.setdefault(node["schema"], set()).add(node["alias"])
    missing = []
    for schema, names in sorted(expected.items()):
        found = postgres_schemas.relations(connection, schema)
        missing += [f"{schema}.{name}" for name in sorted(names - found)]
    return missing


def _report_failure(
    project_dir: Path, build_folder: Path, suffix: str, outcome: Outcome | None
) -> None:
    if outcome is None or not outcome.problems:
        complain("\nThe build did not complete. What dbt printed last:\n")
        for line in output_tail(build_folder):
            complain(f"  {line}")
    else:
        for line in outcome.describe():
            complain(line)
    kept = workspace.keep_aside(build_folder)
    complain(
        f"Nothing was published. {UNCHANGED} The failed build's tables are kept in "
        f"the scratch schemas *__{suffix} until the next build (readers cannot see "
        f"them); what dbt printed: {kept.relative_to(project_dir)}/{OUTPUT_FILE}."
    )


def run_rollback(args: argparse.Namespace) -> int:
    """`ook-uw-zaak rollback --target postgres`: return to the previous release."""
    try:
        settings, readers = _check_inputs(args)
    except IdentifierError as error:
        complain(str(error))
        return 2
    try:
        with _publishing_connection(settings, readers.role) as (connection, _):
            leaving = postgres_schemas.release_label(connection) or "no release"
            ended = postgres_schemas.roll_back(connection, readers, say)
            _report_ended(say, ended, readers, "the marts")
            now = postgres_schemas.release_label(connection) or "an unlabelled release"
    except postgres_schemas.ReleaseError as error:
        complain(f"Nothing changed: {error}.")
        return 1
    except psycopg2.Error as error:
        complain(f"The PostgreSQL server refused: {str(error).strip()}")
        complain("Nothing changed.")
        return 1
    say(
        f"Readers now see {now}. The release they saw before ({leaving}) is kept as "
        "the previous one: run the rollback again to return to it."
    )
    return 0
