"""BI tools, notebooks and the command line open the published ook_uw_zaak.duckdb the
way the README tells them to: read-only and hardened (external access disabled,
no extension autoloading, configuration locked). Through every form that runs on
this machine (the package's connect(), SQLAlchemy/duckdb-engine with the settings
in the URI and in connect_args, the duckdb command line, R where Debian packages
it) each mart lists and reads, and reading a file, writing one with COPY ... TO,
attaching a database and switching external access back on are all refused.

Every mart is declared as a dependency of the exposures that BI tools stand for.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
import sqlalchemy
import sqlalchemy.exc
import yaml

from conftest import REPO_ROOT
from ook_uw_zaak.connect import (
    AFTER_OPEN_STATEMENTS,
    cli_arguments,
    connect,
    sqlalchemy_connect_args,
    sqlalchemy_uri,
)
from ook_uw_zaak.files import make_read_only
from support.publish_helpers import sha256

MARTS_SCHEMA = "marts"
MART_FILES = sorted((REPO_ROOT / "models" / "marts").rglob("*.sql"))
EXPOSURES_FILE = REPO_ROOT / "models" / "marts" / "_marts__exposures.yml"
WRITES = (
    "create table {schema}.written_by_bi (id integer)",
    "create schema written_by_bi",
    "insert into {relation} select * from {relation}",
    "delete from {relation}",
    "drop table {relation}",
)


def expected_marts() -> list[str]:
    return sorted(path.stem for path in MART_FILES)


@dataclass
class Outcome:
    refused: bool
    message: str
    rows: list[tuple[object, ...]]


# One hardened session: run(statement) -> Outcome; close() at the end.
@dataclass
class Session:
    run: Callable[[str], Outcome]
    close: Callable[[], None]
    # Whether the local file system is switched off too (see connect.py); the
    # forms that only pass settings rely on the release being read-only on disk.
    file_system_off: bool


def _python_session(database: Path) -> Session:
    connection = connect(database)

    def run(statement: str) -> Outcome:
        try:
            return Outcome(False, "", connection.execute(statement).fetchall())
        except duckdb.Error as error:
            return Outcome(True, str(error), [])

    return Session(run, connection.close, file_system_off=True)


def _sqlalchemy_session(engine: sqlalchemy.Engine) -> Session:
    connection = engine.connect()

    def run(statement: str) -> Outcome:
        try:
            rows = [tuple(r) for r in connection.execute(sqlalchemy.text(statement))]
            return Outcome(False, "", rows)
        except sqlalchemy.exc.DBAPIError as error:
            connection.rollback()
            return Outcome(True, str(error.orig), [])

    def close() -> None:
        connection.close()
        engine.dispose()

    return Session(run, close, file_system_off=False)


def _cli() -> str:
    found = Path(sys.executable).with_name("duckdb")
    if not found.exists():
        pytest.fail("the duckdb command line is missing: run `make` (duckdb-cli)")
    return str(found)


def _cli_session(database: Path) -> Session:
    command = [_cli(), "-csv", "-noheader", *cli_arguments(database)]

    def run(statement: str) -> Outcome:
        result = subprocess.run(
            [*command, "-c", statement],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        rows = [tuple(line.split(",")) for line in result.stdout.splitlines()]
        return Outcome(result.returncode != 0, result.stderr, rows)

    return Session(run, lambda: None, file_system_off=True)


SESSIONS: dict[str, Callable[[Path], Session]] = {
    "python-connect": _python_session,
    "sqlalchemy-uri": lambda path: _sqlalchemy_session(
        sqlalchemy.create_engine(sqlalchemy_uri(path))
    ),
    "sqlalchemy-connect-args": lambda path: _sqlalchemy_session(
        sqlalchemy.create_engine(
            f"duckdb:///{path}", connect_args=sqlalchemy_connect_args()
        )
    ),
    "duckdb-command-line": _cli_session,
}


@pytest.fixture(params=sorted(SESSIONS))
def session(request: pytest.FixtureRequest, built_warehouse: Path) -> Iterator[Session]:
    opened = SESSIONS[request.param](built_warehouse)
    try:
        yield opened
    finally:
        opened.close()


def _attacks(tmp_path: Path, published: Path) -> dict[str, str]:
    """What a BI user with a SQL editor could try, each to be refused."""
    secret = tmp_path / "secret.csv"
    secret.write_text("user,password\nalice,s3cret\n")
    other = tmp_path / "other.duckdb"
    if not other.exists():
        with duckdb.connect(str(other)) as connection:
            connection.execute("create table kept as select 1 as x")
    return {
        "read_csv": f"select * from read_csv('{secret}')",
        "read_text": f"select * from read_text('{secret}')",
        "glob": f"select * from glob('{tmp_path}/*')",
        "copy-to-a-new-file": f"copy (select 'x') to '{tmp_path / 'out.csv'}'",
        "copy-over-the-published-file": (
            f"copy (select 'x') to '{published}' (format csv)"
        ),
        "attach-read-write": f"attach '{other}' as other (read_write)",
        "external-access-on": "set enable_external_access = true",
        "unlock": "set lock_configuration = false",
        "install-extension": "install httpfs",
    }


def _own_file_attacks(published: Path) -> dict[str, str]:
    """Writing straight into the opened database's own files: DuckDB allows it
    even with external access disabled, unless the file system is off or the
    release is read-only on disk."""
    own = published.resolve()
    return {
        "copy-into-the-own-file": (
            f"copy (select 'x') to '{own}' (format csv, use_tmp_file false)"
        ),
        "copy-into-the-own-log": (
            f"copy (select 'x') to '{own}.wal' (format csv, use_tmp_file false)"
        ),
    }


def test_every_mart_lists_and_reads(session: Session) -> None:
    listed = session.run(
        "select table_name from information_schema.tables where table_schema = "
        f"'{MARTS_SCHEMA}' and table_type = 'BASE TABLE' order by 1"
    )
    assert not listed.refused, listed.message
    assert [row[0] for row in listed.rows] == expected_marts()
    for mart in expected_marts():
        counted = session.run(f"select count(*) from {MARTS_SCHEMA}.{mart}")
        assert not counted.refused, (mart, counted.message)
        assert int(str(counted.rows[0][0])) > 0, mart
        read = session.run(f"select * from {MARTS_SCHEMA}.{mart}")
        assert not read.refused, (mart, read.message)
        assert len(read.rows) == int(str(counted.rows[0][0])), mart
    # The staging views read their own database's tables: they work too.
    staged = session.run("select count(*) from staging.stg_reference__provinces")
    assert not staged.refused, staged.message


def test_files_writes_attach_and_settings_are_refused(
    session: Session, built_warehouse: Path, tmp_path: Path
) -> None:
    before = sha256(built_warehouse)
    attacks = _attacks(tmp_path, built_warehouse)
    other_before = sha256(tmp_path / "other.duckdb")
    if session.file_system_off:
        attacks.update(_own_file_attacks(built_warehouse))
    allowed = {
        name: statement
        for name, statement in attacks.items()
        if not session.run(statement).refused
    }
    assert not allowed, f"a hardened connection could run: {allowed}"
    mart = f"{MARTS_SCHEMA}.{expected_marts()[0]}"
    writes = [w.format(schema=MARTS_SCHEMA, relation=mart) for w in WRITES]
    assert all(session.run(w).refused for w in writes), writes
    assert not (tmp_path / "out.csv").exists()
    assert sha256(tmp_path / "other.duckdb") == other_before
    assert sha256(built_warehouse) == before
    # Still locked and still reading after every refusal.
    settings = session.run(
        "select current_setting('enable_external_access'), "
        "current_setting('lock_configuration')"
    )
    assert [str(v).lower() for v in settings.rows[0]] == ["false", "true"]


def _run_unprivileged() -> list[str] | None:
    """The command prefix that runs a program as user nobody, or None."""
    setpriv = shutil.which("setpriv")
    if os.geteuid() != 0 or setpriv is None:
        return None
    return [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]


# Run as an unprivileged user: open the file through the URI alone, try to write
# into the database's own files, print what DuckDB said for each.
_OWN_FILE_ATTACK = """
import json, sys
import sqlalchemy
engine = sqlalchemy.create_engine(sys.argv[1])
outcomes = {}
with engine.connect() as connection:
    for name, statement in json.loads(sys.argv[2]).items():
        try:
            connection.execute(sqlalchemy.text(statement))
            outcomes[name] = "allowed"
        except sqlalchemy.exc.DBAPIError as error:
            outcomes[name] = str(error.orig).splitlines()[0]
            connection.rollback()
print(json.dumps(outcomes))
"""


def test_settings_only_forms_cannot_write_the_read_only_release(
    built_warehouse: Path, tmp_path: Path
) -> None:
    """SQLAlchemy URIs and connect_args cannot switch the file system off, so
    DuckDB would let them write into the opened file itself; the release is
    read-only on disk, which refuses it for every user but root."""
    prefix = _run_unprivileged()
    if prefix is None:
        pytest.skip("needs root and setpriv to run the reader as an unprivileged user")
    release = tmp_path / "release"
    release.mkdir()
    shutil.copyfile(built_warehouse.resolve(), release / built_warehouse.name)
    make_read_only(release)
    # Let user nobody reach the file: traverse (not list) the temporary folders.
    for folder in [tmp_path, *tmp_path.parents]:
        if folder == Path(tempfile.gettempdir()) or folder == Path("/"):
            break
        folder.chmod(stat.S_IMODE(folder.stat().st_mode) | stat.S_IXOTH)
    database = release / built_warehouse.name
    before = sha256(database)
    result = subprocess.run(
        [*prefix, sys.executable, "-c", _OWN_FILE_ATTACK, sqlalchemy_uri(database)]
        + [json.dumps(_own_file_attacks(database))],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    outcomes = json.loads(result.stdout)
    assert outcomes and all(o != "allowed" for o in outcomes.values()), outcomes
    assert sha256(database) == before
    assert not (release / (built_warehouse.name + ".wal")).exists()


def test_sqlalchemy_reflects_the_columns_of_every_mart(built_warehouse: Path) -> None:
    """What Superset does when a mart is added as a dataset: reflect its columns,
    through both hardened forms."""
    for engine in (
        sqlalchemy.create_engine(sqlalchemy_uri(built_warehouse)),
        sqlalchemy.create_engine(
            f"duckdb:///{built_warehouse}", connect_args=sqlalchemy_connect_args()
        ),
    ):
        try:
            inspector = sqlalchemy.inspect(engine)
            assert f"ook_uw_zaak.{MARTS_SCHEMA}" in inspector.get_schema_names()
            tables = sorted(inspector.get_table_names(schema=MARTS_SCHEMA))
            assert tables == expected_marts()
            with engine.connect() as connection:
                for mart in expected_marts():
                    reflected = [
                        column["name"]
                        for column in inspector.get_columns(mart, schema=MARTS_SCHEMA)
                    ]
                    query = f"select * from {MARTS_SCHEMA}.{mart} limit 0"
                    queried = list(connection.execute(sqlalchemy.text(query)).keys())
                    assert reflected == queried, mart
        finally:
            engine.dispose()


_R_SCRIPT = """
args <- commandArgs(trailingOnly = TRUE)
con <- DBI::dbConnect(duckdb::duckdb(), dbdir = args[1], read_only = TRUE,
  config = list(enable_external_access = "false",
                autoload_known_extensions = "false",
                autoinstall_known_extensions = "false"))
DBI::dbExecute(con, "set disabled_filesystems = 'LocalFileSystem'")
DBI::dbExecute(con, "set lock_configuration = true")
cat(DBI::dbGetQuery(con, "select count(*) as n from marts.dim_province")$n, "\n")
refused <- tryCatch({DBI::dbGetQuery(con, "select * from read_csv('/etc/passwd')");
  FALSE}, error = function(e) TRUE)
cat(refused, "\n")
"""


def test_r_reads_and_is_refused_files(built_warehouse: Path) -> None:
    rscript = shutil.which("Rscript")
    if rscript is None:
        pytest.skip(
            "R is not installed; Debian packages r-cran-dbi but not r-cran-duckdb"
        )
    check = subprocess.run(
        [rscript, "-e", "library(duckdb)"], capture_output=True, check=False
    )
    if check.returncode != 0:
        pytest.skip("the R package duckdb is not installed (Debian has no package)")
    result = subprocess.run(
        [rscript, "-e", _R_SCRIPT, str(built_warehouse)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["5", "TRUE"]


def test_several_bi_tools_read_the_file_at_once(built_warehouse: Path) -> None:
    """Read-only opens share the file: while a dashboard holds it open, a notebook
    in another process opens it too and reads the same figures."""
    mart = f"{MARTS_SCHEMA}.{expected_marts()[0]}"
    notebook = (
        "import sys\n"
        "from ook_uw_zaak.connect import connect\n"
        "connection = connect(sys.argv[1])\n"
        f"print(connection.execute('select count(*) from {mart}').fetchone()[0])\n"
    )
    engine = sqlalchemy.create_engine(sqlalchemy_uri(built_warehouse))
    try:
        with engine.connect() as superset:
            (from_superset,) = superset.execute(
                sqlalchemy.text(f"select count(*) from {mart}")
            ).one()
            result = subprocess.run(
                [sys.executable, "-c", notebook, str(built_warehouse)],
                capture_output=True,
                text=True,
                check=False,
            )
            assert result.returncode == 0, result.stderr
            assert int(result.stdout) == from_superset
    finally:
        engine.dispose()


def test_connect_names_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="run `make build`"):
        connect(tmp_path / "ook_uw_zaak.duckdb")


def test_every_mart_is_an_exposure_dependency() -> None:
    exposures = yaml.safe_load(EXPOSURES_FILE.read_text())["exposures"]
    assert exposures, f"{EXPOSURES_FILE.name} declares no exposure"
    depended_on: set[str] = set()
    for exposure in exposures:
        owner = exposure.get("owner") or {}
        assert owner.get("name"), f"exposure {exposure['name']} has no owner name"
        assert exposure.get("type") in ("dashboard", "analysis"), exposure["name"]
        for dependency in exposure["depends_on"]:
            match = re.fullmatch(r"ref\('([a-z0-9_]+)'\)", dependency)
            assert match, f"{exposure['name']}: unexpected dependency {dependency}"
            depended_on.add(match.group(1))
    missing = sorted(set(expected_marts()) - depended_on)
    unknown = sorted(depended_on - set(expected_marts()))
    assert not missing, f"marts that no exposure depends on: {missing}"
    assert not unknown, f"exposures depend on what is not a mart: {unknown}"


def test_readme_recipes_are_the_tested_ones() -> None:
    """The URI, connect_args and command line in the README are exactly those the
    tests above open the file with."""
    readme = (REPO_ROOT / "docs" / "querying.md").read_text(encoding="utf-8")
    example = Path("/srv/warehouse/ook_uw_zaak.duckdb")
    assert sqlalchemy_uri(example) in readme
    assert json.dumps(sqlalchemy_connect_args()) in readme
    arguments = cli_arguments(Path("ook_uw_zaak.duckdb"))
    assert "duckdb " + " ".join(arguments[:2]) in readme  # -readonly -no-init
    for flag, statement in zip(arguments[2:-1:2], arguments[3:-1:2], strict=True):
        assert f'{flag} "{statement}"' in readme, statement
    for statement in AFTER_OPEN_STATEMENTS:
        assert statement + ";" in readme  # Evidence's initialize.sql
