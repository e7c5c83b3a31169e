"""A throwaway PostgreSQL server for the tests: initdb and pg_ctl in a temporary
folder, listening on a free port of 127.0.0.1, stopped and removed afterwards.

PostgreSQL refuses to run as root. When the tests run as root (as CI does), the
server runs as an unprivileged system user instead (`postgres`, which the Debian
package creates, or else `nobody`) through `runuser`, in a folder owned by it.

Tests that use the `postgres_server` fixture are skipped, with the reason, only
where PostgreSQL is not installed (`.ci/install-postgres` installs it).
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg2
import pytest

# The users the server may run as when the tests run as root, in order of choice.
SERVER_USERS_WHEN_ROOT = ("postgres", "nobody")
SUPERUSER = "postgres"
START_TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class PostgresServer:
    """How to reach a running server, as its superuser or as another role."""

    host: str
    port: int
    superuser: str
    superuser_password: str
    # The server's log: every connection and every statement is logged, so a test
    # can tell that nothing reached the server.
    log_file: Path

    def libpq_environment(
        self,
        database: str,
        user: str | None = None,
        password: str | None = None,
    ) -> dict[str, str]:
        """The PG* variables that libpq (and the project's dbt profile) read."""
        return {
            "PGHOST": self.host,
            "PGPORT": str(self.port),
            "PGUSER": user or self.superuser,
            "PGPASSWORD": self.superuser_password if password is None else password,
            "PGDATABASE": database,
            "PGSSLMODE": "disable",
        }

    def connect(
        self,
        database: str = "postgres",
        user: str | None = None,
        password: str | None = None,
    ) -> Any:
        """An autocommit psycopg2 connection (superuser unless `user` is given)."""
        connection = psycopg2.connect(
            host=self.host,
            port=self.port,
            user=user or self.superuser,
            password=self.superuser_password if password is None else password,
            dbname=database,
            connect_timeout=10,
            sslmode="disable",
        )
        connection.autocommit = True
        return connection


def find_postgres_bin_dir() -> Path | None:
    """The folder holding initdb and pg_ctl: on PATH, else the newest Debian one."""
    initdb = shutil.which("initdb")
    if initdb:
        bin_dir = Path(initdb).resolve().parent
        if (bin_dir / "pg_ctl").exists():
            return bin_dir
    candidates = sorted(
        (Path(path).parent for path in glob.glob("/usr/lib/postgresql/*/bin/initdb")),
        key=lambda bin_dir: _major_version(bin_dir.parent.name),
    )
    for bin_dir in reversed(candidates):
        if (bin_dir / "pg_ctl").exists():
            return bin_dir
    return None


def _major_version(name: str) -> int:
    return int(name) if name.isdigit() else -1


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _server_user_when_root() -> pwd.struct_passwd:
    for name in SERVER_USERS_WHEN_ROOT:
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise RuntimeError(
        "the tests run as root, where PostgreSQL refuses to start, and none of the "
        f"unprivileged users {', '.join(SERVER_USERS_WHEN_ROOT)} exists to run it"
    )


class _Runner:
    """Runs the PostgreSQL programs as the current user, or as an unprivileged
    user through runuser when the current user is root."""

    def __init__(self, bin_dir: Path, work_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.work_dir = work_dir
        self.user: pwd.struct_passwd | None = None
        if os.geteuid() == 0:
            self.user = _server_user_when_root()
            if shutil.which("runuser") is None:
                raise RuntimeError(
                    "the tests run as root and `runuser` (util-linux) is missing, so "
                    f"PostgreSQL cannot be started as the user {self.user.pw_name}"
                )

    def hand_over(self, path: Path) -> None:
        """Give a file or folder to the user the server runs as."""
        if self.user is not None:
            os.chown(path, self.user.pw_uid, self.user.pw_gid)

    def run(self, program: str, *args: str) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin_dir / program), *args]
        if self.user is not None:
            command = ["runuser", "-u", self.user.pw_name, "--", *command]
        return subprocess.run(
            command,
            cwd=self.work_dir,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
            timeout=START_TIMEOUT_SECONDS * 2,
        )


def _check(result: subprocess.CompletedProcess[str], what: str, log: Path) -> None:
    if result.returncode == 0:
        return
    server_log = log.read_text(errors="replace")[-4000:] if log.exists() else ""
    raise RuntimeError(
        f"{what} failed (exit code {result.returncode}):\n"
        f"{result.stdout[-4000:]}{result.stderr[-4000:]}\n"
        f"server log:\n{server_log}"
    )


@contextmanager
def running_postgres_server(bin_dir: Path) -> Iterator[PostgresServer]:
    """Create a cluster in a temporary folder, start it, yield it, then stop it
    and remove the folder."""
    # Not under pytest's own temporary folder: that one is private to the current
    # user, and the server may run as another.
    work_dir = Path(tempfile.mkdtemp(prefix="ook_uw_zaak_pg_"))
    runner = _Runner(bin_dir, work_dir)
    data_dir = work_dir / "data"
    log_file = work_dir / "server.log"
    password = secrets.token_urlsafe(24)
    password_file = work_dir / "superuser_password"
    started = False
    try:
        runner.hand_over(work_dir)
        password_file.write_text(password + "\n")
        password_file.chmod(0o600)
        runner.hand_over(password_file)
        _check(
            runner.run(
                "initdb",
                "--pgdata",
                str(data_dir),
                "--username",
                SUPERUSER,
                "--pwfile",
                str(password_file),
                "--auth",
                "scram-sha-256",
                "--encoding",
                "UTF8",
                "--locale",
                "C",
                "--no-sync",
            ),
            "initdb",
            log_file,
        )
        password_file.unlink()
        last_error = ""
        for _attempt in range(3):
            port = _free_port()
            options = (
                f"-c listen_addresses=127.0.0.1 -c port={port} "
                f"-c unix_socket_directories={work_dir} "
                "-c fsync=off -c full_page_writes=off -c synchronous_commit=off "
                "-c log_connections=on -c log_statement=all"
            )
            result = runner.run(
                "pg_ctl",
                "--pgdata",
                str(data_dir),
                "--log",
                str(log_file),
                "--options",
                options,
                "--wait",
                "--timeout",
                str(START_TIMEOUT_SECONDS),
                "start",
            )
            if result.returncode == 0:
                started = True
                break
            # Most likely another process took the port in the meantime: retry.
            last_error = result.stdout + result.stderr
            time.sleep(0.5)
        if not started:
            server_log = (
                log_file.read_text(errors="replace") if log_file.exists() else ""
            )
            raise RuntimeError(
                f"pg_ctl start failed three times:\n{last_error}\n"
                f"server log:\n{server_log[-4000:]}"
            )
        yield PostgresServer(
            host="127.0.0.1",
            port=port,
            superuser=SUPERUSER,
            superuser_password=password,
            log_file=log_file,
        )
    finally:
        if started:
            runner.run(
                "pg_ctl", "--pgdata", str(data_dir), "--mode", "fast", "--wait", "stop"
            )
        shutil.rmtree(work_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server of the test session's own; skipped where PostgreSQL is
    not installed."""
    bin_dir = find_postgres_bin_dir()
    if bin_dir is None:
        pytest.skip(
            "PostgreSQL is not installed: no initdb and pg_ctl on PATH or in "
            "/usr/lib/postgresql/*/bin (on Debian, run .ci/install-postgres)"
        )
    with running_postgres_server(bin_dir) as server:
        yield server
