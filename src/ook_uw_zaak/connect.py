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

from pathlib import Path
from urllib.parse import urlencode

import duckdb

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

    `database` defaults to ook_uw_zaak.duckdb in the current folder. The
    connection reads every schema (query the tables of `marts`); it cannot write,
    read or write other files, attach databases, load extensions, or change its
    own settings.
    """
    path = _existing(database)
    connection = duckdb.connect(str(path), read_only=True, config=dict(OPEN_SETTINGS))
    try:
        for statement in AFTER_OPEN_STATEMENTS:
            connection.execute(statement)
    except BaseException:
        connection.close()
        raise
    return connection


def _sqlalchemy_settings() -> dict[str, bool]:
    return {**OPEN_SETTINGS, "lock_configuration": True}


def sqlalchemy_uri(database: str | Path) -> str:
    """The duckdb-engine URI of a hardened, read-only connection (every setting in
    the URI, for tools that take a URI alone, such as Superset's form)."""
    query = {"access_mode": "read_only"}
    query.update({k: str(v).lower() for k, v in _sqlalchemy_settings().items()})
    return f"duckdb:///{Path(database).resolve()}?{urlencode(query)}"


def sqlalchemy_connect_args() -> dict[str, object]:
    """The `connect_args` of a hardened, read-only duckdb-engine connection, for
    `sqlalchemy.create_engine("duckdb:///<path>", connect_args=...)` (Superset's
    "Engine parameters" take the same as JSON)."""
    return {"read_only": True, "config": _sqlalchemy_settings()}


def cli_arguments(database: str | Path) -> list[str]:
    """The duckdb command line's arguments for a hardened, read-only session."""
    arguments = ["-readonly", "-no-init"]
    settings = [f"set {name} = {str(v).lower()}" for name, v in OPEN_SETTINGS.items()]
    for statement in (*settings, *AFTER_OPEN_STATEMENTS):
        arguments += ["-cmd", statement]
    return [*arguments, str(database)]
