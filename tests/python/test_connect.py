"""connect() and the SQLAlchemy routes in one process, as a notebook uses them:
any number of connections, beside an engine, and always the release that the
published name names now (a rebuild swaps it; a pruned release never breaks a
reader that opens anew)."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
import sqlalchemy
from sqlalchemy.pool import NullPool

from ook_uw_zaak import connect as warehouse
from ook_uw_zaak import files
from ook_uw_zaak.project import MARTS_SCHEMA, PUBLISHED_FILE_NAME
from ook_uw_zaak.publish.releases import RELEASE_LINK, RELEASES_FOLDER

TOTAL = f"select sum(participants) from {MARTS_SCHEMA}.fct_info_sessions_by_year"


def _hardened(connection: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    """The connection reads the marts and refuses a file and a setting."""
    assert connection.execute(TOTAL).fetchone() is not None
    secret = tmp_path / "secret.csv"
    secret.write_text("a\n1\n", "utf-8")
    with pytest.raises(duckdb.PermissionException):
        connection.execute(f"select * from read_csv('{secret}')")
    with pytest.raises(duckdb.Error):
        connection.execute("set lock_configuration = false")


@pytest.fixture
def project(tmp_path: Path, built_warehouse: Path) -> Path:
    """A project folder publishing release A (the built one) and holding release
    B, the same with 2019's participants raised by 1000, not yet published."""
    project = tmp_path / "project"
    source = built_warehouse.resolve()
    for name in ("20260101T000000Z-1", "20260101T000001Z-1"):
        folder = project / RELEASES_FOLDER / name
        folder.mkdir(parents=True)
        shutil.copyfile(source, folder / PUBLISHED_FILE_NAME)
    newer = project / RELEASES_FOLDER / "20260101T000001Z-1" / PUBLISHED_FILE_NAME
    with duckdb.connect(str(newer)) as connection:
        connection.execute(
            f"update {MARTS_SCHEMA}.fct_info_sessions_by_year "
            "set participants = participants + 1000 where calendar_year = 2019"
        )
    files.replace_with_link(
        project / RELEASE_LINK, f"{RELEASES_FOLDER}/20260101T000000Z-1"
    )
    files.replace_with_link(
        project / PUBLISHED_FILE_NAME, f"{RELEASE_LINK}/{PUBLISHED_FILE_NAME}"
    )
    return project


def _publish_newer(project: Path) -> None:
    files.replace_with_link(
        project / RELEASE_LINK, f"{RELEASES_FOLDER}/20260101T000001Z-1"
    )
    files.remove_tree(project / RELEASES_FOLDER / "20260101T000000Z-1")  # pruned


def test_connect_works_any_number_of_times(project: Path, tmp_path: Path) -> None:
    published = project / PUBLISHED_FILE_NAME
    first, second = warehouse.connect(published), warehouse.connect(published)
    for connection in (first, second):
        _hardened(connection, tmp_path)
    first.close()
    _hardened(warehouse.connect(published), tmp_path)  # after one was closed


def test_connect_after_an_engine_of_the_uri(project: Path, tmp_path: Path) -> None:
    published = project / PUBLISHED_FILE_NAME
    engine = sqlalchemy.create_engine(warehouse.sqlalchemy_uri(published))
    with engine.connect() as connection:
        before = connection.execute(sqlalchemy.text(TOTAL)).scalar()
        connected = warehouse.connect(published)
        _hardened(connected, tmp_path)
        assert connected.execute(TOTAL).fetchone() == (before,)
    engine.dispose()


def test_the_uri_keeps_the_published_name(project: Path) -> None:
    published = project / PUBLISHED_FILE_NAME
    uri = warehouse.sqlalchemy_uri(published)
    assert f"duckdb:///{published}?" in uri
    assert RELEASES_FOLDER not in uri


def test_readers_made_before_a_rebuild_read_the_newest_release(
    project: Path, tmp_path: Path
) -> None:
    published = project / PUBLISHED_FILE_NAME
    uri_engine = sqlalchemy.create_engine(
        warehouse.sqlalchemy_uri(published), poolclass=NullPool
    )
    shared_engine = warehouse.engine(published)

    def totals() -> list[object]:
        found = []
        for engine in (uri_engine, shared_engine):
            with engine.connect() as connection:
                found.append(connection.execute(sqlalchemy.text(TOTAL)).scalar())
        found.append(warehouse.connect(published).execute(TOTAL).fetchone()[0])
        return found

    assert totals() == [5129, 5129, 5129]
    _publish_newer(project)  # the release they read is gone
    assert totals() == [6129, 6129, 6129]
    with shared_engine.connect() as connection:
        unlocked = "select current_setting('lock_configuration')"
        assert connection.execute(sqlalchemy.text(unlocked)).scalar() is True
