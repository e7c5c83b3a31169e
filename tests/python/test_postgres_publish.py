"""Publishing on PostgreSQL (`ook-uw-zaak build --target postgres`) as readers live
it: a failed or killed build changes nothing they see, row for row; during a
publish, every query of eight concurrent readers succeeds and sees one release
only; two builds started together both publish, one after the other; a rollback
returns to the previous release. The BI role cannot hold a publish up: not with an
advisory lock, nor by holding the marts past the grace (its session is named and
ended; another role's is named and the publish stops), nor by lifting its own
limits for later sessions (the publish resets them and says so).

Against the session's throwaway server (postgres_warehouse.py); skipped where
PostgreSQL is not installed.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import secrets
import signal
import subprocess
import threading
import time
from contextlib import closing
from pathlib import Path
from typing import Any

import psycopg2
import psycopg2.errors
import pytest

from ook_uw_zaak.dbt.runner import parse_cache, publishing_command
from ook_uw_zaak.publish import postgres_sessions
from ook_uw_zaak.publish.postgres import PostgreSQL
from support.postgres_warehouse import (
    BI_ROLE,
    DATABASE,
    MARTS,
    PUBLISHING_LOCK,
    Warehouse,
    cli_command,
    everything,
    loosen_own_limits,
    marts_query,
    project_variant,
    relations_of,
    release_fingerprint,
    role_settings,
    run_cli,
    schemas_like,
    show,
    with_dba_limit,
    without_dba_limit,
)

READERS = 8
# A pause between a reader's queries: eight readers still make hundreds of queries
# during one build, without keeping the server (and the machine's cores, which the
# other tests share) busy with them, or flooding the server's statement log.
READER_PAUSE_SECONDS = 0.1
WAIT_SECONDS = 600
# How long a publish may take while a BI session tries to hold it: well above what
# a build takes on a busy machine, far below the waits an attack used to cause.
ATTACKED_PUBLISH_SECONDS = 240
# The grace the attack tests give readers that hold the marts (--reader-grace).
SHORT_GRACE_SECONDS = 3
# The advisory-lock key the publishing lock used to be, which the BI role could take.
FORMER_LOCK_KEY = int.from_bytes(
    hashlib.sha256(b"ook_uw_zaak publish").digest()[:8], "big", signed=True
)


class Publisher:
    """`ook-uw-zaak build --target postgres` started in the background, its output
    collected line by line."""

    def __init__(self, warehouse: Warehouse, project_dir: Path) -> None:
        self.process = subprocess.Popen(
            cli_command("build", "--target", "postgres"),
            cwd=project_dir,
            env=warehouse.environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._collect, daemon=True)
        self._reader.start()

    def _collect(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def wait_for_line(self, text: str, timeout: float = WAIT_SECONDS) -> None:
        deadline = time.monotonic() + timeout
        while not any(text in line for line in self.lines):
            assert self.process.poll() is None or any(
                text in line for line in self.lines
            ), f"the build ended before printing {text!r}:\n{self.output[-4000:]}"
            assert time.monotonic() < deadline, f"no {text!r}:\n{self.output[-4000:]}"
            time.sleep(0.05)

    def finish(self) -> int:
        code = self.process.wait(timeout=WAIT_SECONDS)
        self._reader.join(timeout=10)
        return code

    def kill(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self._reader.join(timeout=10)


def _marts(warehouse: Warehouse) -> list[str]:
    with closing(warehouse.admin()) as admin:
        return relations_of(admin, MARTS)


def _state(warehouse: Warehouse) -> tuple[dict[str, str], tuple[str, ...]]:
    """What the superuser finds in every release schema, and what the BI role
    reads from every mart."""
    marts = _marts(warehouse)
    with closing(warehouse.admin()) as admin, closing(warehouse.reader()) as reader:
        return everything(admin), release_fingerprint(reader, marts)


def _other_sessions(warehouse: Warehouse) -> list[tuple[Any, ...]]:
    with closing(warehouse.admin()) as admin:
        cursor = admin.cursor()
        cursor.execute(
            "select pid, application_name, state, query from pg_stat_activity"
            " where datname = current_database() and pid <> pg_backend_pid()"
            " and backend_type = 'client backend'"
        )
        return cursor.fetchall()


def _wait_until_alone(warehouse: Warehouse, seconds: float = 30) -> None:
    """Wait until no other session is connected (the killed build's dbt
    process, if it outlived its parent, would still be)."""
    deadline = time.monotonic() + seconds
    while _other_sessions(warehouse):
        assert time.monotonic() < deadline, (
            f"sessions still connected after the build was killed: "
            f"{_other_sessions(warehouse)}"
        )
        time.sleep(0.2)


def _break_seeds(project_dir: Path) -> None:
    """A negative count, a changed province name and a changed fact: the seed
    files stay well-formed and match the source document (changed with them, so
    the pre-flight check passes), but dbt's tests fail."""
    replacements = {
        "seeds/answer/answer_info_sessions.csv": (
            "ANT,2018,13,536,",
            "ANT,2018,13,-536,",
        ),
        "docs/source/parliamentary_answer.txt": ("\nANT 13 536 ", "\nANT 13 -536 "),
        "seeds/reference/reference_provinces.csv": (",Antwerp,", ",Antwerp (new),"),
        "seeds/answer/answer_programme_facts.csv": (
            "ran until the end of 2020",
            "ran until the end of 2021",
        ),
    }
    for name, (old, new) in replacements.items():
        path = project_dir / name
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{name} changed its content"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_failed_build_leaves_readers_and_every_schema_unchanged(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    before = _state(warehouse)
    project = project_variant(tmp_path / "project", population_change=0)
    _break_seeds(project)
    result = run_cli(project, warehouse.environment(), "build", "--target", "postgres")
    output = result.stdout + result.stderr
    assert result.returncode == 1, output[-4000:]
    assert "The build failed" in output, output[-4000:]
    assert "What readers see is unchanged" in output
    # The same failure report as on DuckDB: the offending rows dbt stored in the
    # scratch schema, with their line in the seed file.
    assert "offending rows" in output, output[-4000:]
    assert "deeln=-536" in output, output[-4000:]
    assert "seeds/answer/answer_info_sessions.csv, line" in output, output[-4000:]
    assert "the offending rows are not shown" not in output, output[-4000:]
    assert _state(warehouse) == before
    # dbt started from the parse cache of the warehouse's earlier build (the
    # project variant has it, as a project that published before does), and keeps
    # it for the next build.
    failed = list((project / ".publish" / "postgres").glob("failed-*"))
    assert len(failed) == 1, failed
    dbt_output = (failed[0] / "dbt-output.txt").read_text(encoding="utf-8")
    assert "Running with dbt" in dbt_output
    assert "Unable to do partial parsing" not in dbt_output, dbt_output[:2000]
    assert parse_cache(project, "postgres").is_file()
    with closing(warehouse.admin()) as admin:
        # The failed build's scratch schemas are kept to inspect; the bad value
        # is there, not in the release.
        scratch = schemas_like(admin, "raw\\_\\_build\\_%")
        assert len(scratch) == 1, scratch
        cursor = admin.cursor()
        cursor.execute(
            f"select count(*) from {scratch[0]}.answer_info_sessions where deeln < 0"
        )
        assert cursor.fetchone() == (1,)


def test_every_build_asks_dbt_for_the_same_project(tmp_path: Path) -> None:
    """dbt's parse cache serves the next build only when the vars (and so the
    scratch schemas' names) are those of the build before: two builds, a second
    apart, ask the same of dbt, by the same command."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "dbt_project.yml").write_text("name: x\n", encoding="utf-8")
    args = argparse.Namespace(
        project_dir=project, bi_role=BI_ROLE, reader_grace=120, show_dbt_output=False
    )
    commands = []
    for _ in range(2):
        planned = PostgreSQL(project, args).plan(None)
        commands.append(publishing_command(project, project / "out", planned.build))
        time.sleep(1.1)
    assert commands[0] == commands[1]
    assert "release_schema_suffix" in " ".join(commands[0])
    assert "--no-docs" in commands[0]


def test_build_killed_while_dbt_runs_changes_nothing(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    before = _state(warehouse)
    project = project_variant(tmp_path / "project", population_change=7)
    publisher = Publisher(warehouse, project)
    deadline = time.monotonic() + WAIT_SECONDS
    with closing(warehouse.admin()) as admin:
        # Kill it once dbt has written tables into the scratch schemas.
        while True:
            scratch = schemas_like(admin, "raw\\_\\_build\\_%")
            new = [s for s in scratch if f"{s[5:]}" in publisher.output]
            if new and len(relations_of(admin, new[0])) >= 3:
                break
            assert publisher.process.poll() is None, publisher.output[-4000:]
            assert time.monotonic() < deadline
            time.sleep(0.1)
    publisher.kill()
    _wait_until_alone(warehouse)
    assert _state(warehouse) == before


def test_build_killed_while_it_waits_to_swap_changes_nothing(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    """A reader holds a mart (its transaction is open), so the swap waits for it;
    the reader keeps reading its release; the build is killed there."""
    before = _state(warehouse)
    marts = _marts(warehouse)
    project = project_variant(tmp_path / "project", population_change=11)
    with closing(warehouse.reader()) as reader:
        reader.autocommit = False
        cursor = reader.cursor()
        cursor.execute(f"select count(*) from {MARTS}.{marts[0]}")
        publisher = Publisher(warehouse, project)
        publisher.wait_for_line("Waiting for readers' queries")
        assert release_fingerprint(reader, marts) == before[1]
        publisher.kill()
        assert release_fingerprint(reader, marts) == before[1]
        reader.commit()
    _wait_until_alone(warehouse)
    assert _state(warehouse) == before


class ReaderLoop(threading.Thread):
    """One BI session on the loopback address, querying every mart in one
    statement, again and again, until told to stop."""

    def __init__(self, warehouse: Warehouse, query: str, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.warehouse = warehouse
        self.query = query
        self.stop = stop
        self.seen: list[tuple[str, ...]] = []
        self.errors: list[str] = []

    def run(self) -> None:
        # Bounded by time, not by a number of queries: on a busy machine the builds
        # take longer, and the readers must still be there for the last release.
        deadline = time.monotonic() + WAIT_SECONDS
        try:
            with closing(self.warehouse.reader()) as reader:
                cursor = reader.cursor()
                while not self.stop.is_set() and time.monotonic() < deadline:
                    cursor.execute(self.query)
                    self.seen.append(tuple(cursor.fetchone()))
                    time.sleep(READER_PAUSE_SECONDS)
        except psycopg2.Error as error:
            self.errors.append(str(error))


def test_readers_during_two_publishing_builds_started_together(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    """Eight readers query every mart while two builds, started together, publish
    one after the other (the second waits for the first's lock). Every query
    succeeds and sees exactly one release; no reader goes back to an older one;
    a query already running when the swap comes finishes on its release."""
    marts = _marts(warehouse)
    with closing(warehouse.reader()) as reader:
        first = release_fingerprint(reader, marts)
    projects = [
        project_variant(tmp_path / "b", population_change=100),
        project_variant(tmp_path / "c", population_change=200),
    ]
    stop = threading.Event()
    readers = [ReaderLoop(warehouse, marts_query(marts), stop) for _ in range(READERS)]
    for loop in readers:
        loop.start()
    with closing(warehouse.reader()) as holder:
        # A reader in the middle of its work when the first swap comes.
        holder.autocommit = False
        holder.cursor().execute(f"select count(*) from {MARTS}.{marts[-1]}")
        publishers = [Publisher(warehouse, project) for project in projects]
        deadline = time.monotonic() + WAIT_SECONDS
        while not any("Waiting for readers" in p.output for p in publishers):
            assert time.monotonic() < deadline
            assert all(p.process.poll() is None for p in publishers), "\n".join(
                p.output[-3000:] for p in publishers
            )
            time.sleep(0.05)
        assert release_fingerprint(holder, marts) == first
        holder.commit()
        codes = [p.finish() for p in publishers]
    with closing(warehouse.admin()) as admin:
        newest = release_fingerprint(admin, marts)
    # The readers query the last release a while (on a busy machine they may need
    # more than a moment to come round to it).
    deadline = time.monotonic() + WAIT_SECONDS
    while not any(newest in loop.seen for loop in readers):
        assert time.monotonic() < deadline, "no reader queried the last release"
        assert any(loop.is_alive() for loop in readers), (
            "every reader stopped before it queried the last release: "
            + "; ".join(error for loop in readers for error in loop.errors)
        )
        time.sleep(0.05)
    stop.set()
    for loop in readers:
        loop.join(timeout=60)
    outputs = [p.output for p in publishers]
    assert codes == [0, 0], "\n".join(o[-4000:] for o in outputs)
    assert sum("waiting for it" in o for o in outputs) == 1, outputs

    with closing(warehouse.admin()) as admin:
        last = release_fingerprint(admin, marts)
        second = release_fingerprint(admin, marts, schema=f"{MARTS}__previous")
        assert schemas_like(admin, "%\\_\\_build\\_%") == []
    assert len({first, second, last}) == 3
    order = {first: 0, second: 1, last: 2}
    errors = [error for loop in readers for error in loop.errors]
    assert not errors, errors
    for loop in readers:
        assert loop.seen, "a reader made no query"
        mixed = [seen for seen in loop.seen if seen not in order]
        assert not mixed, f"{len(mixed)} queries saw a mix of releases"
        positions = [order[seen] for seen in loop.seen]
        assert positions == sorted(positions), "a reader went back to a release"
    seen = {order[s] for loop in readers for s in loop.seen}
    assert seen == {0, 1, 2}, f"the readers saw releases {seen} only"


def test_rollback_returns_to_the_previous_release_and_back(
    warehouse: Warehouse,
) -> None:
    marts = _marts(warehouse)
    with closing(warehouse.admin()) as admin:
        current = release_fingerprint(admin, marts)
        previous = release_fingerprint(admin, marts, schema=f"{MARTS}__previous")
        everything_before = everything(admin)
    assert current != previous
    for expected in (previous, current):
        result = run_cli(
            warehouse.project_dir,
            warehouse.environment(),
            "rollback",
            "--target",
            "postgres",
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert "Readers now see ook_uw_zaak release" in result.stdout
        with closing(warehouse.reader()) as reader:
            assert release_fingerprint(reader, marts) == expected
            try:
                release_fingerprint(reader, marts, schema=f"{MARTS}__previous")
            except psycopg2.errors.InsufficientPrivilege:
                pass
            else:
                raise AssertionError("the BI role could read the previous release")
        with closing(warehouse.admin()) as admin:
            # The staging views of each release read that release's raw tables.
            cursor = admin.cursor()
            cursor.execute(
                "select distinct dependent.nspname, referenced.nspname"
                " from pg_depend as d"
                " join pg_rewrite as r on r.oid = d.objid"
                " join pg_class as v on v.oid = r.ev_class"
                " join pg_namespace as dependent on dependent.oid = v.relnamespace"
                " join pg_class as t on t.oid = d.refobjid"
                " join pg_namespace as referenced on referenced.oid = t.relnamespace"
                " where d.classid = 'pg_rewrite'::regclass and t.oid <> v.oid"
                " and dependent.nspname ~ %s order by 1, 2",
                ("^(raw|staging|intermediate|marts)(__previous)?$",),
            )
            pairs = cursor.fetchall()
            assert ("staging", "raw") in pairs
            assert ("staging__previous", "raw__previous") in pairs
            crossing = [
                (view, table)
                for view, table in pairs
                if view.endswith("__previous") != table.endswith("__previous")
            ]
            assert not crossing, f"views read another release's tables: {crossing}"
    with closing(warehouse.admin()) as admin:
        assert everything(admin) == everything_before


def _publish_attacked(
    warehouse: Warehouse, project: Path, *options: str
) -> tuple[int, str]:
    result = run_cli(
        project,
        warehouse.environment(),
        "build",
        "--target",
        "postgres",
        *options,
        timeout=ATTACKED_PUBLISH_SECONDS,
    )
    return result.returncode, result.stdout + result.stderr


def _readers_see_the_newest_release(
    warehouse: Warehouse, marts: list[str], before: tuple[str, ...]
) -> None:
    with closing(warehouse.admin()) as admin:
        newest = release_fingerprint(admin, marts)
    with closing(warehouse.reader()) as reader:
        assert release_fingerprint(reader, marts) == newest != before


def test_publish_resets_the_limits_the_bi_role_loosened(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    """The BI role lifts its own limits for every later session (ALTER ROLE ...
    SET, role-wide and for the warehouse database) and holds its settings in an
    open transaction, so that resetting them has to wait for it: the publish
    names and ends that session, resets the limits, says so, and publishes. A
    limit that only a superuser may set (the DBA's) stays."""
    marts = _marts(warehouse)
    with closing(warehouse.admin()) as admin:
        expected = with_dba_limit(warehouse, role_settings(admin, BI_ROLE))
    with closing(warehouse.reader()) as reader:
        before = release_fingerprint(reader, marts)
    project = project_variant(tmp_path / "project", population_change=13)
    try:
        loosen_own_limits(warehouse)
        with closing(warehouse.reader("red team settings")) as holder:
            holder.autocommit = False
            holder.cursor().execute(f"alter role {BI_ROLE} set work_mem = '2GB'")
            pid = holder.get_backend_pid()
            code, output = _publish_attacked(
                warehouse, project, "--reader-grace", str(SHORT_GRACE_SECONDS)
            )
        with closing(warehouse.admin()) as admin:
            after = role_settings(admin, BI_ROLE)
    finally:
        without_dba_limit(warehouse)
    assert code == 0, output[-4000:]
    assert f"{BI_ROLE}'s settings had been changed" in output, output[-4000:]
    for found in ("statement_timeout=0", "work_mem=1GB", f"in database {DATABASE}"):
        assert found in output, (found, output[-4000:])
    assert f"pid {pid} ({BI_ROLE}, red team settings" in output, output[-4000:]
    assert after == expected
    with closing(warehouse.reader()) as reader:
        assert show(reader, "statement_timeout") == "1min"
        assert show(reader, "work_mem") == "4MB"
    _readers_see_the_newest_release(warehouse, marts, before)


def test_no_lock_the_bi_role_can_take_holds_a_publish(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    """The BI role holds the advisory lock that publishing used to take, and may
    not lock the table whose lock publishing takes now: the publish does not
    wait for it."""
    marts = _marts(warehouse)
    with closing(warehouse.reader()) as reader:
        before = release_fingerprint(reader, marts)
    project = project_variant(tmp_path / "project", population_change=17)
    with closing(warehouse.reader("red team lock")) as attacker:
        cursor = attacker.cursor()
        cursor.execute("select pg_advisory_lock(%s)", (FORMER_LOCK_KEY,))
        cursor.execute("begin")
        try:
            cursor.execute(f"lock table {PUBLISHING_LOCK} in access share mode")
        except psycopg2.errors.InsufficientPrivilege:
            pass
        else:
            raise AssertionError("the BI role could lock the publishing lock's table")
        finally:
            cursor.execute("rollback")
        code, output = _publish_attacked(warehouse, project)
        assert code == 0, output[-4000:]
        assert "waiting for it" not in output, output[-4000:]
        _readers_see_the_newest_release(warehouse, marts, before)


def test_bi_session_holding_the_marts_past_the_grace_is_named_and_ended(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    """A BI session lifts its own statement timeout and keeps reading the marts
    in one transaction: after the grace, the publish names it, ends it, and
    publishes."""
    marts = _marts(warehouse)
    project = project_variant(tmp_path / "project", population_change=19)
    errors: list[str] = []
    with closing(warehouse.reader("red team notebook")) as holder:
        before = release_fingerprint(holder, marts)
        pid = holder.get_backend_pid()
        holder.cursor().execute("set statement_timeout = 0")
        holder.autocommit = False
        holder.cursor().execute(f"select count(*) from {MARTS}.{marts[0]}")

        def keep_reading() -> None:
            try:
                holder.cursor().execute("select pg_sleep(3600)")
            except psycopg2.Error as error:
                errors.append(str(error))

        reading = threading.Thread(target=keep_reading, daemon=True)
        reading.start()
        code, output = _publish_attacked(
            warehouse, project, "--reader-grace", str(SHORT_GRACE_SECONDS)
        )
        reading.join(timeout=30)
        if reading.is_alive():  # not ended: stop it, or closing would wait for it
            holder.cancel()
            reading.join(timeout=30)
            errors.clear()
    assert code == 0, output[-4000:]
    assert f"pid {pid} ({BI_ROLE}, red team notebook" in output, output[-4000:]
    assert "Ended" in output, output[-4000:]
    assert errors, "the session that held the marts was not ended"
    _readers_see_the_newest_release(warehouse, marts, before)


def test_other_role_holding_the_marts_past_the_grace_stops_the_publish_named(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    """A session of another role (here the DBA's) holds the marts: it is never
    ended; after the grace the publish stops, names it, and changes nothing."""
    before = _state(warehouse)
    marts = _marts(warehouse)
    project = project_variant(tmp_path / "project", population_change=23)
    with closing(warehouse.admin()) as dba:
        dba.cursor().execute("set application_name = 'dba console'")
        pid = dba.get_backend_pid()
        dba.autocommit = False
        dba.cursor().execute(f"select count(*) from {MARTS}.{marts[0]}")
        code, output = _publish_attacked(
            warehouse, project, "--reader-grace", str(SHORT_GRACE_SECONDS)
        )
        dba.rollback()
    assert code == 1, output[-4000:]
    assert f"pid {pid} ({warehouse.server.superuser}, dba console" in output, output
    assert "a publish never ends those" in output, output[-4000:]
    assert "What readers see is unchanged" in output, output[-4000:]
    assert _state(warehouse) == before


def test_a_publisher_that_may_not_end_a_session_names_it_and_what_to_do(
    warehouse: Warehouse,
) -> None:
    """A publishing user without pg_signal_backend (nor superuser) may not end the
    BI session that holds the marts past the grace: it names the session and says
    what to do, and the session goes on."""
    marts = _marts(warehouse)
    publisher, password = "publisher_without_signal", secrets.token_urlsafe(16)
    mart = f"{MARTS}.{marts[0]}"
    with closing(warehouse.admin()) as admin:
        cursor = admin.cursor()
        cursor.execute(f"create role {publisher} login password %s", (password,))
        cursor.execute(f"grant usage on schema {MARTS} to {publisher}")
        cursor.execute(f"grant truncate on {mart} to {publisher}")
    try:
        with (
            closing(warehouse.reader("red team")) as holder,
            closing(
                warehouse.server.connect(DATABASE, user=publisher, password=password)
            ) as connection,
        ):
            holder.autocommit = False
            holder.cursor().execute(f"select count(*) from {mart}")

            def attempt(transaction: Any) -> None:
                transaction.cursor().execute(
                    f"lock table {mart} in access exclusive mode"
                )

            with pytest.raises(postgres_sessions.InTheWay) as raised:
                postgres_sessions.run_past(
                    connection,
                    attempt,
                    postgres_sessions.Readers(BI_ROLE, 1),
                    [MARTS],
                    "the marts",
                    lambda sessions: None,
                )
            message = str(raised.value)
            assert f"pid {holder.get_backend_pid()} ({BI_ROLE}, red team" in message
            assert f"{publisher} may not end them" in message, message
            assert f"grant pg_signal_backend to {publisher}" in message, message
            holder.cursor().execute("select 1")  # the session goes on
            holder.rollback()
    finally:
        with closing(warehouse.admin()) as admin:
            admin.cursor().execute(f"drop owned by {publisher}")
            admin.cursor().execute(f"drop role {publisher}")
