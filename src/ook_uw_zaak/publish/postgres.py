"""The PostgreSQL engine of the publishing pipeline (publish/pipeline.py), and
`ook-uw-zaak rollback --target postgres`: publish the warehouse into a PostgreSQL
database only when every step passed.

Before the pipeline's steps: every name that will reach SQL (PGDATABASE, --bi-role)
is validated; the database's publishing lock is taken (another build waits for it;
the BI role cannot take it: postgres_lock.py); scratch schemas left by an earlier
build are dropped. Then:

1. the seed files are checked (the pipeline);
2. `dbt build --target postgres` runs into the scratch schemas <schema>__build_next,
   which no reader may use (macros/generate_schema_name.sql); their names are the
   same in every build, so that dbt's parse cache serves the next build; a failed
   build's tables, and the offending rows its tests stored
   (test_failures__build_next), stay there to inspect until the next build;
3. the scratch schemas are checked to hold every table and view of the build;
4. the BI role's settings are reset where it changed them (postgres_role.py), and
   it is granted SELECT on the new marts;
5. the release is swapped in, in one transaction (postgres_schemas.py): current ->
   <schema>__previous, scratch -> current. BI sessions that hold the marts (or the
   role's settings) past the grace are named and ended (postgres_sessions.py).

Until that transaction commits, readers see the release they saw before, whatever
happens to the build (a failed test, a lost connection, kill -9: dbt dies with the
build).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg2

from ook_uw_zaak.dbt.outcome import QUERY_SECONDS, FailingRows, Outcome
from ook_uw_zaak.dbt.runner import Build
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
from ook_uw_zaak.publish.pipeline import (
    Engine,
    Planned,
    Steps,
    Stop,
    complain,
    indented,
    output_file,
    say,
)
from ook_uw_zaak.publish.postgres_sessions import Readers, Session

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
# The scratch schemas' suffix: the same in every build (one build at a time holds
# the publishing lock), so that the build's vars, and with them dbt's parse
# cache, are the same from one build to the next.
SCRATCH_SUFFIX = f"{BUILD_SUFFIX_PREFIX}next"


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


def _say_indented(message: str) -> None:
    say(indented(message))


def _complain_indented(message: str) -> None:
    complain(indented(message))


class PostgresRows(FailingRows):
    """The failing rows a failed build's tests stored in its scratch schema, read
    on a read-only connection whose statements end after QUERY_SECONDS."""

    errors = (psycopg2.Error,)

    def __init__(self, settings: Mapping[str, str]) -> None:
        self.settings = settings
        self.connection: Any = None

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()

    def _execute(self, query: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        if self.connection is None:
            self.connection = psycopg2.connect(
                **self.settings,
                options=f"-c statement_timeout={int(QUERY_SECONDS * 1000)} "
                "-c default_transaction_read_only=on",
            )
            self.connection.autocommit = True
        with self.connection.cursor() as cursor:
            cursor.execute(query)
            columns = [d[0] for d in cursor.description or []]
            return columns, cursor.fetchall()


class PostgreSQL(Engine):
    """Publishes into the schemas raw, staging, intermediate and marts of the
    database of the PG* variables."""

    publishing_steps = 3

    def __init__(self, project_dir: Path, args: argparse.Namespace) -> None:
        super().__init__(project_dir, args)
        self.settings, self.readers = _check_inputs(args)
        self.connection: Any = None
        self.still_held: Callable[[], None] = lambda: None
        self.release_id = ""

    def unchanged(self) -> str:
        return f"Nothing was published. {UNCHANGED}"

    @contextlib.contextmanager
    def session(self) -> Iterator[int | None]:
        try:
            with _publishing_connection(self.settings, self.readers.role) as (
                connection,
                still_held,
            ):
                self.connection, self.still_held = connection, still_held
                yield None
        except postgres_schemas.ReleaseError as error:
            raise Stop(f"\nNothing was published: {error}. {UNCHANGED}") from error
        except psycopg2.Error as error:
            raise Stop(
                f"\nThe PostgreSQL server refused or lost the connection: "
                f"{str(error).strip()}\nNothing was published. {UNCHANGED}"
            ) from error

    def prepare(self) -> bool:
        stale = postgres_schemas.drop_scratch_schemas(self.connection)
        if stale:
            say(f"Dropped {len(stale)} scratch schema(s) left by an earlier build.")
        return False

    def plan(self, lock: int | None) -> Planned:
        self.release_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        folder = (
            self.project_dir / BUILDS_FOLDER / f"build-{self.release_id}-{os.getpid()}"
        )
        folder.mkdir(parents=True)
        variables = {
            "release_schema_suffix": SCRATCH_SUFFIX,
            "bi_role": self.readers.role,
        }
        build = Build(target=POSTGRES_TARGET, variables=variables, docs=False)
        where = (
            f"in scratch schemas (*__{SCRATCH_SUFFIX}); this takes a little while..."
        )
        return Planned(folder, build, where)

    def failing_rows(self, folder: Path) -> FailingRows:
        return PostgresRows(self.settings)

    def keep_failed(self, folder: Path) -> str:
        kept = workspace.keep_aside(folder)
        return (
            "The failed build's tables, and the offending rows its tests stored, "
            f"are kept in the scratch schemas *__{SCRATCH_SUFFIX} until the next "
            "build (readers cannot see them); what dbt printed: "
            f"{output_file(kept, self.project_dir)}."
        )

    def publish(self, folder: Path, outcome: Outcome, steps: Steps) -> int:
        connection, readers, role = self.connection, self.readers, self.readers.role
        steps.next(
            "Checking that the scratch schemas hold everything the build made..."
        )
        missing = _missing_relations(connection, folder / "target" / "manifest.json")
        if missing:
            raise Stop(
                "\nThe build passed, but these tables or views are missing from its "
                f"scratch schemas: {', '.join(missing)}. Nothing was published. "
                f"{UNCHANGED}"
            )
        postgres_schemas.drop_stored_test_failures(connection, SCRATCH_SUFFIX)
        scratch_marts = postgres_schemas.scratch(MARTS_SCHEMA, SCRATCH_SUFFIX)
        steps.next(
            f"Checking {role}'s settings and letting it read the new marts (not "
            "visible to it until the swap)..."
        )
        ended = postgres_role.restore_settings(
            connection,
            readers,
            postgres_role.approved_settings(self.project_dir),
            _say_indented,
            _complain_indented,
        )
        _report_ended(
            _say_indented, ended, readers, "its settings in an open transaction"
        )
        postgres_schemas.grant_reading(connection, scratch_marts, role)
        steps.next("Publishing: swapping the new release in, in one transaction...")
        label = f"ook_uw_zaak release {self.release_id}"
        self.still_held()
        ended = postgres_schemas.publish(
            connection, SCRATCH_SUFFIX, readers, label, _say_indented
        )
        _report_ended(_say_indented, ended, readers, "the marts")
        workspace.keep_published(folder, self.release_id, kept=PUBLISHED_BUILDS_KEPT)
        say(
            f"Published release {self.release_id}: {role} now reads it in schema "
            f"{MARTS_SCHEMA}. Queries that were running finished on the previous "
            f"release, which is kept in the *{PREVIOUS_SUFFIX} schemas; "
            "`ook-uw-zaak rollback --target postgres` returns to it."
        )
        return 0


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
