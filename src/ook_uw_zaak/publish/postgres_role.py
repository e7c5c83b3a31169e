"""The BI role on the server: it may do no more than read, and of the session
defaults it may change itself, it has those `dbt run-operation create_bi_role`
gives it, nothing else.

PostgreSQL lets every role change its own session defaults for every later session
(ALTER ROLE itself SET ..., for every database or one: a setting of the database-
and-role level set by the database's owner is no safer, the role may overwrite it),
and nothing stops it. So every publish compares those settings of the role
(pg_db_role_setting) with the project's, resets them where they differ, and says
so. Settings that only a superuser may set (such as temp_file_limit) the role
cannot have changed: they are the DBA's, and stay.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import psycopg2.errors
from psycopg2 import sql

from ook_uw_zaak.project import BI_STATEMENT_TIMEOUT_VAR, ProjectFileError, project_vars
from ook_uw_zaak.publish import postgres_sessions
from ook_uw_zaak.publish.postgres_schemas import ReleaseError
from ook_uw_zaak.publish.postgres_sessions import Readers, Session

# One setting of the role: (database, or None for every database; "name=value").
Setting = tuple[str | None, str]


def _execute(connection: Any, statement: Any, parameters: tuple[Any, ...] = ()) -> Any:
    cursor = connection.cursor()
    cursor.execute(statement, parameters)
    return cursor


# What a BI role may not be (create_bi_role refuses such a role, and every publish):
# one home for Python and the macro (macros/generated_rules.sql).
RESERVED_ROLE_PREFIX = "pg_"
MORE_THAN_READING = (
    "roles.rolsuper or roles.rolcreatedb or roles.rolcreaterole"
    " or roles.rolreplication or roles.rolbypassrls or exists ("
    "select 1 from pg_catalog.pg_auth_members as memberships"
    " where memberships.member = roles.oid)"
)
MORE_THAN_READING_WORDS = (
    "superuser, create databases or roles, replication, bypass row security, or "
    "member of another role"
)


def check_reader_role(connection: Any, role: str) -> None:
    """Raise ReleaseError unless the BI role exists and may do no more than read."""
    if role.startswith(RESERVED_ROLE_PREFIX):
        raise ReleaseError(
            f"{role} is a name PostgreSQL keeps for its own roles; choose another BI "
            "role with --bi-role"
        )
    # MORE_THAN_READING is a constant of this module; the role is a parameter.
    query = f"select {MORE_THAN_READING} from pg_catalog.pg_roles as roles"
    row = _execute(connection, query + " where rolname = %s", (role,)).fetchone()
    if row is None:
        raise ReleaseError(
            f"the BI role {role} does not exist in this database's server. Create it "
            "once, as a user allowed to create roles: dbt run-operation "
            f"create_bi_role --target postgres --vars '{{bi_role: {role}}}'"
        )
    if row[0]:
        raise ReleaseError(
            f"the role {role} may do more than read ({MORE_THAN_READING_WORDS}); a "
            "BI role must not. Have the DBA remove those rights, or choose another "
            "role with --bi-role"
        )


def approved_settings(project_dir: Path) -> dict[str, str]:
    """The role's session defaults, as create_bi_role sets them: its statement
    timeout, from dbt_project.yml (vars). The build has checked the value by the
    time this is called (macros/bi_access.sql, at parse time)."""
    try:
        seconds = project_vars(project_dir).get(BI_STATEMENT_TIMEOUT_VAR)
    except ProjectFileError as error:
        raise ReleaseError(str(error)) from error
    if not isinstance(seconds, int) or isinstance(seconds, bool):
        raise ReleaseError(
            f"dbt_project.yml gives no whole number of seconds as vars: "
            f"{BI_STATEMENT_TIMEOUT_VAR} (the BI role's statement timeout); put one "
            "back, such as 60"
        )
    return {"statement_timeout": f"{seconds}s"}


def own_settings(connection: Any, role: str) -> set[Setting]:
    """The role's session defaults that it may change itself (pg_settings context
    'user'). The others only a superuser can have set (temp_file_limit, for one, a
    DBA's limit on the role): they are left as they are."""
    rows = _execute(
        connection,
        "select d.datname, c.setting from pg_catalog.pg_db_role_setting as s"
        " join pg_catalog.pg_roles as r on r.oid = s.setrole"
        " left join pg_catalog.pg_database as d on d.oid = s.setdatabase"
        " cross join lateral unnest(s.setconfig) as c (setting)"
        " join pg_catalog.pg_settings as p"
        " on p.name = lower(split_part(c.setting, '=', 1))"
        " where r.rolname = %s and p.context = 'user'",
        (role,),
    ).fetchall()
    return {(database, setting) for database, setting in rows}


def describe(found: set[Setting]) -> str:
    """Say where each setting holds: 'a=1, b=2 in every database; c=3 in database x'."""
    if not found:
        return "no settings"
    by_database: dict[str | None, list[str]] = {}
    for database, setting in sorted(found, key=lambda item: (item[0] or "", item[1])):
        by_database.setdefault(database, []).append(setting)
    return "; ".join(
        ", ".join(values)
        + (" in every database" if database is None else f" in database {database}")
        for database, values in by_database.items()
    )


def _reset_statement(role: str, database: str | None, setting: str) -> Any:
    name = sql.Identifier(setting.split("=", 1)[0])
    if database is None:
        return sql.SQL("alter role {} reset {}").format(sql.Identifier(role), name)
    return sql.SQL("alter role {} in database {} reset {}").format(
        sql.Identifier(role), sql.Identifier(database), name
    )


def _reset(role: str, found: set[Setting], approved: Mapping[str, str]) -> Any:
    """An attempt that resets the settings found, then sets the approved."""
    statements = [
        _reset_statement(role, database, setting) for database, setting in found
    ]
    statements += [
        sql.SQL("alter role {} set {} = {}").format(
            sql.Identifier(role), sql.Identifier(name), sql.Literal(value)
        )
        for name, value in approved.items()
    ]

    def attempt(transaction: Any) -> None:
        for statement in statements:
            _execute(transaction, statement)

    return attempt


def restore_settings(
    connection: Any,
    readers: Readers,
    approved: Mapping[str, str],
    say: Callable[[str], None],
    complain: Callable[[str], None],
) -> list[Session]:
    """Reset the role's settings to `approved` where they differ, saying what it
    found; return the role's sessions it ended because they held the settings in
    an open transaction past the grace. A role's settings that cannot be reset
    are named with what to do, and the publish goes on."""
    role = readers.role
    found = own_settings(connection, role)
    wanted = {(None, f"{name}={value}") for name, value in approved.items()}
    if found == wanted:
        return []
    changed = (
        f"{role}'s settings had been changed (a role may change its own session "
        f"defaults, with ALTER ROLE {role} SET ...): it had {describe(found)}, "
        f"instead of {describe(wanted)}"
    )

    def on_wait(sessions: list[Session]) -> None:
        say(
            f"Waiting for sessions of {role} that hold its settings in an open "
            f"transaction ({postgres_sessions.describe(sessions)}); they will be "
            f"ended after {readers.grace_seconds:.0f} s..."
        )

    try:
        ended = postgres_sessions.run_past(
            connection,
            _reset(role, found, approved),
            readers,
            (),
            "its settings",
            on_wait,
        )
    except postgres_sessions.InTheWay as error:
        complain(f"{changed}. They could not be reset: {error}.")
        return []
    except psycopg2.errors.InsufficientPrivilege:
        complain(
            f"{changed}. They could not be reset: this user may not change the role "
            "(it needs CREATEROLE, and from PostgreSQL 16 the ADMIN option on "
            f"{role}). Have the DBA run `dbt run-operation create_bi_role --target "
            "postgres`, which resets them."
        )
        return []
    say(
        f"{changed}. Reset them to {describe(wanted)}; sessions opened before "
        "keep the settings they started with."
    )
    return ended
