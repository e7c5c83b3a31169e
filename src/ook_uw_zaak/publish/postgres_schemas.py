"""The releases of the warehouse in a PostgreSQL database, and the one transaction
that changes which release readers see.

    raw, staging, intermediate, marts     the release readers use (the BI role may
                                          use marts, and read its tables, only)
    <schema>__previous                    the release before it, for one step back
    <schema>__build_next                  scratch schemas of a build (and
    test_failures__build_next             the failing rows its tests stored); a
                                          failed build leaves them to inspect, the
                                          next build drops them

One build or rollback at a time: each holds the publishing lock for as long as it
runs (publish/postgres_lock.py). Every name that reaches SQL is validated (see
publish/identifiers.py) and quoted as an identifier besides.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from psycopg2 import sql

from ook_uw_zaak.project import (
    BUILD_SUFFIX_PREFIX,
    MARTS_SCHEMA,
    PREVIOUS_SUFFIX,
    RELEASE_SCHEMAS,
    TEST_FAILURES_SCHEMA,
)
from ook_uw_zaak.publish import postgres_sessions
from ook_uw_zaak.publish.identifiers import check_identifier
from ook_uw_zaak.publish.postgres_sessions import Readers, Session

_ROLLBACK_SUFFIX = "__rolled_back"


class ReleaseError(RuntimeError):
    """The release cannot be changed; the message says why and what to do."""


def previous(schema: str) -> str:
    return check_identifier(schema + PREVIOUS_SUFFIX, "A previous-release schema")


def scratch(schema: str, suffix: str) -> str:
    return check_identifier(f"{schema}__{suffix}", "A scratch schema")


def _execute(connection: Any, statement: Any, parameters: Iterable[Any] = ()) -> Any:
    cursor = connection.cursor()
    cursor.execute(statement, tuple(parameters))
    return cursor


def schema_exists(connection: Any, schema: str) -> bool:
    cursor = _execute(
        connection, "select 1 from pg_catalog.pg_namespace where nspname = %s", [schema]
    )
    return cursor.fetchone() is not None


def relations(connection: Any, schema: str) -> set[str]:
    """The tables and views of a schema."""
    cursor = _execute(
        connection,
        "select c.relname from pg_catalog.pg_class as c"
        " join pg_catalog.pg_namespace as n on n.oid = c.relnamespace"
        " where n.nspname = %s and c.relkind in ('r', 'p', 'v', 'm', 'f')",
        [schema],
    )
    return {name for (name,) in cursor.fetchall()}


def release_label(connection: Any, schema: str = MARTS_SCHEMA) -> str | None:
    """The release a marts schema holds, from its comment (None if it has none)."""
    cursor = _execute(
        connection,
        "select obj_description(oid, 'pg_namespace') from pg_catalog.pg_namespace"
        " where nspname = %s",
        [schema],
    )
    row = cursor.fetchone()
    return row[0] if row else None


def drop_scratch_schemas(connection: Any) -> list[str]:
    """Drop the scratch schemas that earlier builds left (call with the lock held:
    then no other build is running)."""
    schemas = (*RELEASE_SCHEMAS, TEST_FAILURES_SCHEMA)
    pattern = "^(" + "|".join(schemas) + ")__" + BUILD_SUFFIX_PREFIX + "[a-z0-9_]+$"
    names = [
        name
        for (name,) in _execute(
            connection,
            "select nspname from pg_catalog.pg_namespace where nspname ~ %s"
            " order by nspname",
            [pattern],
        ).fetchall()
    ]
    for name in names:
        _execute(
            connection,
            sql.SQL("drop schema {} cascade").format(
                sql.Identifier(check_identifier(name, "A stale scratch schema"))
            ),
        )
    return names


def drop_stored_test_failures(connection: Any, suffix: str) -> None:
    """Drop the schema of the failing rows a build's tests stored (empty tables
    when every test passed): it is no part of the release."""
    _execute(
        connection,
        sql.SQL("drop schema if exists {} cascade").format(
            sql.Identifier(scratch(TEST_FAILURES_SCHEMA, suffix))
        ),
    )


def grant_reading(connection: Any, schema: str, role: str) -> None:
    """SELECT on every table of a (not yet visible) marts schema, before the swap."""
    _execute(
        connection,
        sql.SQL("grant select on all tables in schema {} to {}").format(
            sql.Identifier(schema), sql.Identifier(role)
        ),
    )


def _revoke_everyone(connection: Any, schema: str) -> list[sql.Composable]:
    """Statements that take every right on `schema` from all but its owner."""
    grantees = _execute(
        connection,
        "select distinct r.rolname from pg_catalog.pg_namespace as n"
        " cross join lateral aclexplode(n.nspacl) as acl"
        " join pg_catalog.pg_roles as r on r.oid = acl.grantee"
        " where n.nspname = %s and acl.grantee <> n.nspowner",
        [schema],
    ).fetchall()
    statements: list[sql.Composable] = [
        sql.SQL("revoke all on schema {} from public").format(sql.Identifier(schema))
    ]
    statements += [
        sql.SQL("revoke all on schema {} from {}").format(
            sql.Identifier(schema), sql.Identifier(grantee)
        )
        for (grantee,) in grantees
    ]
    return statements


def _rename(old: str, new: str) -> sql.Composable:
    return sql.SQL("alter schema {} rename to {}").format(
        sql.Identifier(old), sql.Identifier(new)
    )


def _swap(
    connection: Any,
    plan: Callable[[Any], list[sql.Composable]],
    readers: Readers,
    schemas: list[str],
    say: Callable[[str], None],
) -> list[Session]:
    """Run the statements `plan` returns in one transaction, after taking ACCESS
    EXCLUSIVE locks on the readers' marts tables; return the BI sessions it ended.

    A query that holds a lock on a marts table finishes on the release it started
    on: the swap waits for it, for the grace at most. A query that starts meanwhile
    waits for the swap's commit, then PostgreSQL looks its names up again and it
    reads the new release only. An attempt that cannot get every lock it needs
    quickly gives up, releases what it has and tries again, so it never deadlocks
    with a reader (postgres_sessions.run_past).
    """

    def attempt(transaction: Any) -> None:
        tables = sorted(relations(transaction, MARTS_SCHEMA))
        if tables:
            _execute(
                transaction,
                sql.SQL("lock table {} in access exclusive mode").format(
                    sql.SQL(", ").join(
                        sql.Identifier(MARTS_SCHEMA, table) for table in tables
                    )
                ),
            )
        for statement in plan(transaction):
            _execute(transaction, statement)

    def on_wait(sessions: list[Session]) -> None:
        say(
            "Waiting for readers' queries on the marts to finish"
            + (f" ({postgres_sessions.describe(sessions)})" if sessions else "")
            + f"; sessions of {readers.role} that still hold them after "
            f"{readers.grace_seconds:.0f} s will be ended..."
        )

    try:
        return postgres_sessions.run_past(
            connection, attempt, readers, schemas, "the marts", on_wait
        )
    except postgres_sessions.InTheWay as error:
        raise ReleaseError(f"the swap could not take place: {error}") from None


def _reader_rights(connection: Any, role: str, label: str) -> list[sql.Composable]:
    """After the renames: the role may use the new marts and read its tables; no
    one but its owner may use any previous-release schema."""
    statements: list[sql.Composable] = []
    for schema in RELEASE_SCHEMAS:
        if schema_exists(connection, previous(schema)):
            statements += _revoke_everyone(connection, previous(schema))
    statements += [
        sql.SQL("grant usage on schema {} to {}").format(
            sql.Identifier(MARTS_SCHEMA), sql.Identifier(role)
        ),
        sql.SQL("grant select on all tables in schema {} to {}").format(
            sql.Identifier(MARTS_SCHEMA), sql.Identifier(role)
        ),
        sql.SQL("comment on schema {} is {}").format(
            sql.Identifier(MARTS_SCHEMA), sql.Literal(label)
        ),
    ]
    return statements


def _release_schemas(*suffixes: str) -> list[str]:
    """The schemas a swap changes: the current and previous release's, and the
    scratch schemas of the build being published."""
    return [
        *RELEASE_SCHEMAS,
        *(previous(schema) for schema in RELEASE_SCHEMAS),
        *(scratch(schema, suffix) for suffix in suffixes for schema in RELEASE_SCHEMAS),
    ]


def publish(
    connection: Any,
    suffix: str,
    readers: Readers,
    label: str,
    say: Callable[[str], None],
) -> list[Session]:
    """Swap the build's scratch schemas in, in one transaction: the current
    release becomes the previous one (the one before it is dropped), the scratch
    schemas become the current release, and the role may read its marts. Return
    the BI sessions that were ended because they held the marts past the grace."""
    role = check_identifier(readers.role, "The BI role")
    if not schema_exists(connection, scratch(MARTS_SCHEMA, suffix)):
        raise ReleaseError(f"the build made no schema {scratch(MARTS_SCHEMA, suffix)}")

    def plan(transaction: Any) -> list[sql.Composable]:
        # Every statement below only changes the catalogue: a rename leaves each
        # table and view where it is, and views refer to tables by their id, so
        # the staging views of a release keep reading that release's raw tables.
        statements: list[sql.Composable] = [
            sql.SQL("drop schema if exists {} cascade").format(
                sql.Identifier(previous(schema))
            )
            for schema in RELEASE_SCHEMAS
        ]
        for schema in RELEASE_SCHEMAS:
            if schema_exists(transaction, schema):
                statements.append(_rename(schema, previous(schema)))
        for schema in RELEASE_SCHEMAS:
            if schema_exists(transaction, scratch(schema, suffix)):
                statements.append(_rename(scratch(schema, suffix), schema))
        return statements

    def rights_after(transaction: Any) -> list[sql.Composable]:
        return _reader_rights(transaction, role, label)

    return _swap(
        connection, _then(plan, rights_after), readers, _release_schemas(suffix), say
    )


def roll_back(
    connection: Any, readers: Readers, say: Callable[[str], None]
) -> list[Session]:
    """Make the previous release current again, and the current one previous (so
    a second rollback undoes the first), in one transaction. Return the BI
    sessions that were ended because they held the marts past the grace."""
    role = check_identifier(readers.role, "The BI role")
    if not schema_exists(connection, previous(MARTS_SCHEMA)):
        raise ReleaseError(
            f"there is no previous release (no schema {previous(MARTS_SCHEMA)}) to "
            "return to"
        )

    def plan(transaction: Any) -> list[sql.Composable]:
        current = [s for s in RELEASE_SCHEMAS if schema_exists(transaction, s)]
        before = [s for s in RELEASE_SCHEMAS if schema_exists(transaction, previous(s))]
        aside = {s: check_identifier(s + _ROLLBACK_SUFFIX, "A schema") for s in current}
        return [
            *(_rename(schema, aside[schema]) for schema in current),
            *(_rename(previous(schema), schema) for schema in before),
            *(_rename(aside[schema], previous(schema)) for schema in current),
        ]

    def rights_after(transaction: Any) -> list[sql.Composable]:
        label = release_label(transaction) or "an unlabelled release"
        return _reader_rights(transaction, role, label)

    return _swap(
        connection, _then(plan, rights_after), readers, _release_schemas(), say
    )


def _then(
    first: Callable[[Any], list[sql.Composable]],
    second: Callable[[Any], list[sql.Composable]],
) -> Callable[[Any], list[sql.Composable]]:
    """A plan that runs `first`'s statements, then computes and runs `second`'s
    (which may look at what `first` changed)."""

    def plan(transaction: Any) -> list[sql.Composable]:
        for statement in first(transaction):
            _execute(transaction, statement)
        return second(transaction)

    return plan
