"""The server sessions that stand in a publish's way, named, and a transaction that
gets past them.

A publish changes what readers' sessions may be holding: the marts tables (the
swap) and the BI role's own settings (a role may change its session defaults, and
a session that did so in a transaction still open holds them). Such a transaction
runs in short attempts, each giving up quickly on a lock it cannot get, so that it
never holds readers up for long. Each session in the way is named (pid, role,
application, when its transaction and query started: pg_stat_activity and
pg_locks). After a grace, sessions of the BI role still in the way are ended
(pg_terminate_backend, which needs membership in pg_signal_backend or superuser);
the sessions of any other role are never ended.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg2.errors

# How long to go on trying after the grace, once the sessions in the way are ended.
AFTER_GRACE_SECONDS = 30.0
# How long ending one session may take before it counts as not ended.
END_WAIT_MILLISECONDS = 5000


@dataclass(frozen=True)
class Readers:
    """Whose sessions a publish may end when they are in its way, and when."""

    role: str
    grace_seconds: float


@dataclass(frozen=True)
class Session:
    """A server session, as pg_stat_activity shows it to the publisher (who sees
    when another role's transaction started only with pg_read_all_stats)."""

    pid: int
    role: str
    application: str
    transaction_start: datetime | None
    query_start: datetime | None
    state: str | None

    def describe(self) -> str:
        return (
            f"pid {self.pid} ({self.role}, {self.application}, transaction started "
            f"{_when(self.transaction_start)}, query started "
            f"{_when(self.query_start)}, {self.state or 'state unknown'})"
        )


class InTheWay(Exception):
    """Sessions kept the transaction from running; the message names them and
    says what to do."""


def describe(sessions: Sequence[Session]) -> str:
    return "; ".join(session.describe() for session in sessions)


def _when(moment: datetime | None) -> str:
    return (
        "at a time not shown"
        if moment is None
        else f"{moment.astimezone(UTC):%H:%M:%S} UTC"
    )


def _execute(connection: Any, statement: Any, parameters: Sequence[Any] = ()) -> Any:
    cursor = connection.cursor()
    cursor.execute(statement, tuple(parameters))
    return cursor


def lock_wait_milliseconds(connection: Any) -> int:
    """How long one attempt may wait for a lock: half the server's
    deadlock_timeout, so that an attempt always gives up before a session waiting
    behind it would look for a deadlock."""
    row = _execute(
        connection,
        "select setting::integer from pg_catalog.pg_settings"
        " where name = 'deadlock_timeout'",
    ).fetchone()
    return max(20, (row[0] if row else 1000) // 2)


def in_the_way(
    connection: Any, schemas: Sequence[str], role: str, before: datetime
) -> list[Session]:
    """The other sessions, in a transaction that started before `before`, that
    hold a lock on a table or view of `schemas`, or that are of `role` and hold a
    transaction id (a reader writes nothing: it has one only when it changed the
    catalogue, such as its own settings)."""
    rows = _execute(
        connection,
        "select a.pid, a.usename,"
        " coalesce(nullif(a.application_name, ''), 'no application name'),"
        " a.xact_start, a.query_start, a.state"
        " from pg_catalog.pg_stat_activity as a"
        " where a.pid <> pg_catalog.pg_backend_pid()"
        # What another role's session is doing, and when it started, only
        # pg_read_all_stats and superusers see: unknown counts as in the way.
        " and coalesce(a.backend_type = 'client backend', true)"
        " and coalesce(a.xact_start < %s, true)"
        " and (exists (select 1 from pg_catalog.pg_locks as l"
        " join pg_catalog.pg_class as c on c.oid = l.relation"
        " join pg_catalog.pg_namespace as n on n.oid = c.relnamespace"
        " where l.pid = a.pid and l.granted and n.nspname = any(%s)"
        " and l.database = (select oid from pg_catalog.pg_database"
        " where datname = pg_catalog.current_database()))"
        " or (a.usename = %s and exists (select 1 from pg_catalog.pg_locks as l"
        " where l.pid = a.pid and l.locktype = 'transactionid' and l.granted)))"
        " order by a.pid",
        [before, list(schemas), role],
    ).fetchall()
    return [Session(*row) for row in rows]


def end(connection: Any, sessions: Sequence[Session]) -> list[Session]:
    """End the sessions, each within a few seconds; return those this publisher
    may not end."""
    refused = []
    for session in sessions:
        try:
            _execute(
                connection,
                "select pg_catalog.pg_terminate_backend(%s, %s)",
                [session.pid, END_WAIT_MILLISECONDS],
            )
        except psycopg2.errors.InsufficientPrivilege:
            refused.append(session)
        finally:
            connection.rollback()
    return refused


def _end_or_give_up(
    connection: Any, sessions: list[Session], readers: Readers, what: str
) -> list[Session]:
    """After the grace: end the BI role's sessions in the way and return them;
    raise InTheWay if others are in the way, or if these may not be ended."""
    others = [session for session in sessions if session.role != readers.role]
    if others:
        raise InTheWay(
            f"sessions of roles other than {readers.role} held {what} for more than "
            f"{readers.grace_seconds:.0f} seconds, and a publish never ends those: "
            f"{describe(others)}. Ask whoever runs them to finish, or end them "
            "(select pg_terminate_backend(pid)), and run again"
        )
    refused = end(connection, sessions)
    if refused:
        user = _execute(connection, "select current_user").fetchone()[0]
        connection.rollback()
        raise InTheWay(
            f"sessions of {readers.role} held {what} for more than "
            f"{readers.grace_seconds:.0f} seconds, and {user} may not end them: "
            f"{describe(refused)}. End them (select pg_terminate_backend(pid)) and "
            f"run again; or have the DBA grant pg_signal_backend to {user}, so "
            "that a publish ends them itself"
        )
    return sessions


def run_past(
    connection: Any,
    attempt: Callable[[Any], None],
    readers: Readers,
    schemas: Sequence[str],
    what: str,
    on_wait: Callable[[list[Session]], None],
) -> list[Session]:
    """Run `attempt` in one transaction, committed, retrying while sessions hold
    locks it needs; return the sessions it ended.

    Each attempt waits for a lock a short while only (lock_timeout), then lets go
    of every lock it took, so that readers queued behind it go on; `on_wait` is
    told once, with the sessions in the way. Once the grace has passed, the BI
    role's sessions in the way are ended; InTheWay is raised when others are in
    the way, or these may not be ended, or it still cannot run a little later.
    """
    wait_ms = lock_wait_milliseconds(connection)
    started = time.monotonic()
    ended: list[Session] = []
    told = False
    connection.autocommit = False
    try:
        while True:
            before = _execute(connection, "select pg_catalog.now()").fetchone()[0]
            try:
                _execute(connection, "set local lock_timeout = %s", [wait_ms])
                attempt(connection)
                connection.commit()
                return ended
            except (
                psycopg2.errors.LockNotAvailable,
                psycopg2.errors.DeadlockDetected,
            ):
                connection.rollback()
            sessions = in_the_way(connection, schemas, readers.role, before)
            connection.rollback()
            if not told:
                on_wait(sessions)
                told = True
            waited = time.monotonic() - started
            if waited > readers.grace_seconds + AFTER_GRACE_SECONDS:
                raise InTheWay(
                    f"sessions kept {what} busy for more than {waited:.0f} seconds"
                    + (f", the last ones {describe(sessions)}" if sessions else "")
                    + "; run again when they have finished"
                )
            if waited > readers.grace_seconds and sessions:
                ended += _end_or_give_up(connection, sessions, readers, what)
            time.sleep(random.uniform(0.02, 0.2))
    except BaseException:
        connection.rollback()
        raise
    finally:
        connection.autocommit = True
