"""Hardened read access to the published warehouse, for notebooks, scripts and BI.

A plain read-only DuckDB connection still reaches the machine: it can read any file
(`read_csv('/etc/passwd')`), write files with `COPY ... TO`, attach another database
read-write, and switch all of that back on. A hardened connection opens the file
read-only with external access disabled, no extension loaded or installed behind
the user's back, and the configuration locked, so no SQL can undo it.

DuckDB still lets a connection write to the files of the database it opened (its
own file and its write-ahead log) with `COPY ... TO ... (use_tmp_file false)`.
Where SQL can run right after opening (this module, the command line, R), the
local file system is switched off as well, which closes that too. The forms that
only pass settings (SQLAlchemy URIs and connect_args) cannot do that; there the
published release being read-only on disk (see publish/releases.py) is what refuses it,
for every user but root.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlencode

import duckdb
import duckdb_engine
import sqlalchemy
import sqlalchemy.pool

from ook_uw_zaak.files import sql_literal
from ook_uw_zaak.project import PUBLISHED_FILE_NAME

# Settings given when the database is opened (DuckDB accepts them there).
OPEN_SETTINGS: dict[str, bool] = {
    "enable_external_access": False,
    "autoload_known_extensions": False,
    "autoinstall_known_extensions": False,
}
# Run right after opening, in this order: switching the local file system off
# cannot be done at open (the database file itself is opened through it), and the
# lock must come last, since it refuses every later SET.
AFTER_OPEN_STATEMENTS: tuple[str, ...] = (
    "set disabled_filesystems = 'LocalFileSystem'",
    "set lock_configuration = true",
)


class WarehouseNotFoundError(FileNotFoundError):
    """There is no published warehouse at the path given."""


def _existing(database: str | Path | None) -> Path:
    path = Path(database) if database is not None else Path(PUBLISHED_FILE_NAME)
    if not path.is_file():
        raise WarehouseNotFoundError(
            f"{path} does not exist: run `make build` in the project first, or pass "
            "the path of the published ook_uw_zaak.duckdb"
        )
    return path


def connect(database: str | Path | None = None) -> duckdb.DuckDBPyConnection:
    """A hardened, read-only connection to the published warehouse.

    `database` defaults to ook_uw_zaak.duckdb in the current folder; it is
    followed to the release it names now, so a call after a rebuild reads the
    new release. The connection reads every schema (query the tables of `marts`);
    it cannot write, read or write other files, attach databases, load
    extensions, or change its own settings.

    Call it as often as you like: DuckDB keeps one instance per file in a
    process, so a second call joins the instance the first one hardened. After an
    engine from sqlalchemy_uri() opened the file in this process, it joins that
    engine's instance (locked, no external access; the local file system stays
    on there, and the release being read-only on disk refuses writes to its own
    files). The other way round, use engine() beside connect().
    """
    release_file = _existing(database).resolve()
    try:
        connection = duckdb.connect(
            str(release_file), read_only=True, config=dict(OPEN_SETTINGS)
        )
    except duckdb.ConnectionException as error:
        if "different configuration" not in str(error):
            raise
        return duckdb.connect(str(release_file), config=_engine_config())
    try:
        if not _hardened_already(connection, release_file):
            for statement in AFTER_OPEN_STATEMENTS:
                connection.execute(statement)
    except BaseException:
        connection.close()
        raise
    return connection


def _hardened_already(
    connection: duckdb.DuckDBPyConnection, release_file: Path
) -> bool:
    """Whether the instance this connection joined was hardened by an earlier
    connect(); an instance locked some other way is refused. (DuckDB reports
    disabled_filesystems as empty once set, so the file system is probed: listing
    the database's own file, harmless where it is allowed.)"""
    locked = connection.execute("select current_setting('lock_configuration')")
    if not (locked.fetchone() or (False,))[0]:
        return False
    try:
        connection.execute(f"select count(*) from glob({sql_literal(release_file)})")
    except duckdb.PermissionException as error:
        if "LocalFileSystem" in str(error):
            return True
    raise duckdb.InvalidInputException(
        "This file is already open in this process with its settings locked but "
        "its local file system on: close that connection, then connect() again."
    )


def engine(database: str | Path | None = None) -> sqlalchemy.Engine:
    """A SQLAlchemy engine on the published warehouse (for pandas.read_sql and
    notebooks), whose every connection is a connect(): hardened, sharing the
    process's instance, and opened afresh for each use, so it reads the newest
    release after a rebuild."""
    path = _existing(database)
    return sqlalchemy.create_engine(
        "duckdb://",
        creator=lambda: duckdb_engine.ConnectionWrapper(connect(path)),
        poolclass=sqlalchemy.pool.NullPool,
    )


def _sqlalchemy_settings() -> dict[str, bool]:
    return {**OPEN_SETTINGS, "lock_configuration": True}


def _engine_config() -> dict[str, str]:
    """The configuration duckdb-engine opens a file with from sqlalchemy_uri():
    DuckDB shares an instance only with exactly the same configuration, the user
    agent duckdb-engine adds included."""
    config = {"access_mode": "read_only"}
    config.update({k: str(v).lower() for k, v in _sqlalchemy_settings().items()})
    if duckdb_engine.supports_user_agent:
        config["custom_user_agent"] = (
            f"duckdb_engine/{duckdb_engine.__version__}"
            f"(sqlalchemy/{sqlalchemy.__version__})"
        )
    return config


def sqlalchemy_uri(database: str | Path) -> str:
    """The duckdb-engine URI of a hardened, read-only connection (every setting in
    the URI, for tools that take a URI alone, such as Superset's form). It names
    the file by the path given, made absolute but not resolved: through the
    published name, each new connection opens the newest release."""
    query = {"access_mode": "read_only"}
    query.update({k: str(v).lower() for k, v in _sqlalchemy_settings().items()})
    return f"duckdb:///{os.path.abspath(database)}?{urlencode(query)}"


def sqlalchemy_connect_args() -> dict[str, object]:
    """The `connect_args` of a hardened, read-only duckdb-engine connection, for
    `sqlalchemy.create_engine("duckdb:///<path>", connect_args=...)` (Superset's
    "Engine parameters" take the same as JSON)."""
    return {"read_only": True, "config": _sqlalchemy_settings()}


def init_sql() -> str:
    """The hardening as an init file of SQL statements, for tools that run one
    after opening the file (Harlequin's --init-path, Evidence's initialize.sql):
    `python -m ook_uw_zaak.connect > initialize.sql`."""
    settings = [f"set {name} = {str(v).lower()};" for name, v in OPEN_SETTINGS.items()]
    return "\n".join([*settings, *(f"{s};" for s in AFTER_OPEN_STATEMENTS)]) + "\n"


def cli_arguments(database: str | Path) -> list[str]:
    """The duckdb command line's arguments for a hardened, read-only session."""
    arguments = ["-readonly", "-no-init"]
    settings = [f"set {name} = {str(v).lower()}" for name, v in OPEN_SETTINGS.items()]
    for statement in (*settings, *AFTER_OPEN_STATEMENTS):
        arguments += ["-cmd", statement]
    return [*arguments, str(database)]


if __name__ == "__main__":
    print(init_sql(), end="")
