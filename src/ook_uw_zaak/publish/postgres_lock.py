"""One publishing build or rollback at a time per database: each holds an EXCLUSIVE
lock on the table ook_uw_zaak_publishing.publishing_lock, in a transaction of a
connection of its own, for as long as it runs. The server releases it when that
connection ends, however the process ends (kill -9 included).

Not an advisory lock: every role may take any advisory lock (pg_advisory_lock is
granted to PUBLIC), so the BI role could hold every publish up. It has no right
on this table or its schema, so it cannot lock the table (LOCK TABLE checks rights
before it locks); the only lock any role can take on a table it has no right on is
ACCESS SHARE, for the moment a function such as pg_relation_size looks at it,
which does not conflict with EXCLUSIVE.

The lock's transaction takes no transaction id and no snapshot, so it holds back
neither VACUUM nor anyone else; the server shows it as "idle in transaction",
application "ook-uw-zaak publish lock".
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import psycopg2.errors
from psycopg2 import sql

from ook_uw_zaak.project import PUBLISHING_LOCK_SCHEMA, PUBLISHING_LOCK_TABLE
from ook_uw_zaak.publish.postgres_schemas import ReleaseError

LOCK_APPLICATION = "ook-uw-zaak publish lock"
_TABLE = sql.Identifier(PUBLISHING_LOCK_SCHEMA, PUBLISHING_LOCK_TABLE)
_ALREADY_MADE = (
    psycopg2.errors.UniqueViolation,
    psycopg2.errors.DuplicateSchema,
    psycopg2.errors.DuplicateTable,
)


def _execute(connection: Any, statement: Any, parameters: tuple[Any, ...] = ()) -> Any:
    cursor = connection.cursor()
    cursor.execute(statement, parameters)
    return cursor


def _make_table(connection: Any) -> None:
    """Create the lock's schema and table where they are missing (autocommit);
    the schema gives no one but its owner any right."""
    exists = _execute(
        connection, "select pg_catalog.to_regclass(%s) is not null", (_qualified(),)
    ).fetchone()[0]
    if exists:
        return
    try:
        _execute(
            connection,
            sql.SQL(
                "begin; create schema if not exists {schema};"
                " create table if not exists {table} ();"
                # PUBLIC gets nothing here, whatever default privileges say.
                " revoke all on schema {schema} from public;"
                " revoke all on table {table} from public;"
                " comment on table {table} is {comment}; commit"
            ).format(
                schema=sql.Identifier(PUBLISHING_LOCK_SCHEMA),
                table=_TABLE,
                comment=sql.Literal(
                    "ook-uw-zaak build and rollback --target postgres hold an "
                    "EXCLUSIVE lock on this table while they publish; no other "
                    "role needs any right on it or its schema"
                ),
            ),
        )
    except _ALREADY_MADE:  # another build made them at the same moment
        _execute(connection, "rollback")


def _qualified() -> str:
    return f"{PUBLISHING_LOCK_SCHEMA}.{PUBLISHING_LOCK_TABLE}"


def _holders(connection: Any) -> str:
    """The sessions that hold the lock, named (autocommit)."""
    return _execute(
        connection,
        "select coalesce(string_agg(a.pid || ' (' || a.usename || ', '"
        " || coalesce(nullif(a.application_name, ''), 'no name') || ')', ', '), '')"
        " from pg_catalog.pg_locks as l"
        " join pg_catalog.pg_stat_activity as a on a.pid = l.pid"
        " where l.locktype = 'relation' and l.granted and l.mode = 'ExclusiveLock'"
        " and l.relation = pg_catalog.to_regclass(%s)"
        " and l.pid <> pg_catalog.pg_backend_pid()",
        (_qualified(),),
    ).fetchone()[0]


def _lock(connection: Any, wait_milliseconds: int | None) -> None:
    """Begin the lock's transaction and take the lock, waiting at most so long
    (None: not at all)."""
    _execute(connection, "begin")
    if wait_milliseconds is None:
        statement = "lock table {} in exclusive mode nowait"
    else:
        _execute(connection, "set local lock_timeout = %s", (wait_milliseconds,))
        statement = "lock table {} in exclusive mode"
    _execute(connection, sql.SQL(statement).format(_TABLE))


def _take(connection: Any, wait_seconds: float, on_wait: Callable[[str], None]) -> None:
    try:
        _lock(connection, None)
        return
    except psycopg2.errors.LockNotAvailable:
        _execute(connection, "rollback")
    holder = _holders(connection)
    on_wait(f"server session {holder}" if holder else "another session")
    try:
        _lock(connection, max(1, int(wait_seconds * 1000)))
    except psycopg2.errors.LockNotAvailable:
        raise ReleaseError(
            f"another build or rollback held the publishing lock for more than "
            f"{wait_seconds:.0f} seconds; try again when it has finished"
        ) from None


@contextlib.contextmanager
def publishing_lock(
    connect: Callable[[], Any], wait_seconds: float, on_wait: Callable[[str], None]
) -> Iterator[Callable[[], None]]:
    """Hold the publishing lock of the database `connect` reaches, waiting up to
    `wait_seconds` (and calling `on_wait` with who holds it) while another build
    or rollback does. Yields a function that raises ReleaseError if the lock has
    been lost (its connection ended), to call before changing what readers see."""
    with contextlib.closing(connect()) as connection:
        connection.autocommit = True
        # The lock's transaction stays open, idle, for the whole build.
        _execute(connection, "set idle_in_transaction_session_timeout = 0")
        _execute(connection, "set statement_timeout = 0")
        _make_table(connection)
        _take(connection, wait_seconds, on_wait)

        def still_held() -> None:
            try:
                _execute(connection, "select 1")
            except psycopg2.Error:
                raise ReleaseError(
                    "the connection that held the publishing lock ended during the "
                    "build, so another build may be publishing; run again"
                ) from None

        yield still_held
