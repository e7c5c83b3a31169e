"""The spark target's settings (profiles.yml): the local Spark is small, listens on
127.0.0.1 only and keeps its files under OOK_UW_ZAAK_SPARK_DIR; the README's cluster
recipe reaches the host and port its variables name, over TLS for HTTP, and sends a
cluster none of the local settings. No Java needed: dbt only tries to connect, to a
listener of the test's own on 127.0.0.1."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import REPO_ROOT, copy_project

LISTEN_SECONDS = 60
TOKEN = "token-from-the-environment-only"


def _rendered_spark_output(environment: dict[str, str]) -> dict[str, Any]:
    """The spark output of profiles.yml as dbt renders it under `environment`."""
    from dbt.config.renderer import ProfileRenderer
    from dbt_common.context import set_invocation_context

    set_invocation_context(environment)
    profiles = yaml.safe_load((REPO_ROOT / "profiles.yml").read_text("utf-8"))
    raw = profiles["ook_uw_zaak"]["outputs"]["spark"]
    return ProfileRenderer({}).render_data(raw)


def test_local_spark_is_small_private_and_in_its_own_folder(tmp_path: Path) -> None:
    output = _rendered_spark_output({"OOK_UW_ZAAK_SPARK_DIR": str(tmp_path)})
    settings = output["server_side_parameters"]
    assert output["method"] == "session"
    assert settings["spark.master"] == "local[2]"
    assert settings["spark.driver.memory"] == "512m"
    assert settings["spark.driver.bindAddress"] == "127.0.0.1"
    assert settings["spark.driver.host"] == "127.0.0.1"
    assert settings["spark.ui.enabled"] == "false"
    assert settings["spark.sql.warehouse.dir"] == f"{tmp_path}/warehouse"
    assert settings["spark.local.dir"] == f"{tmp_path}/scratch"
    assert (
        f"databaseName={tmp_path}/metastore_db;"
        in (settings["spark.hadoop.javax.jdo.option.ConnectionURL"])
    )


@pytest.mark.parametrize("folder", ["/srv/spark work", "/srv/spark;create=false"])
def test_a_folder_that_would_split_the_settings_is_refused(folder: str) -> None:
    # A space would split the Java options, a semicolon the metastore's address.
    with pytest.raises(Exception, match="OOK_UW_ZAAK_SPARK_DIR holds a space or a"):
        _rendered_spark_output({"OOK_UW_ZAAK_SPARK_DIR": folder})


@pytest.mark.parametrize("method", ["thrift", "http"])
def test_a_cluster_gets_none_of_the_local_settings(method: str) -> None:
    output = _rendered_spark_output(
        {
            "OOK_UW_ZAAK_SPARK_METHOD": method,
            "OOK_UW_ZAAK_SPARK_HOST": "spark.example.org",
            "OOK_UW_ZAAK_SPARK_PORT": "10001",
            "OOK_UW_ZAAK_SPARK_TOKEN": TOKEN,
        }
    )
    assert output["method"] == method
    assert (output["host"], output["port"], output["token"]) == (
        "spark.example.org",
        10001,
        TOKEN,
    )
    assert output["server_side_parameters"] == {}


def test_no_secret_is_written_in_the_profile() -> None:
    # Without the variables, the target has no token, user or cluster of its own.
    output = _rendered_spark_output({})
    assert (output["token"], output["user"], output["cluster"]) == ("", "", "")


@contextmanager
def _listener() -> Iterator[tuple[int, list[bytes]]]:
    """A TCP listener on a free port of 127.0.0.1 that records the first bytes of
    every connection, then closes it; it stops after LISTEN_SECONDS at most."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    server.settimeout(LISTEN_SECONDS)
    received: list[bytes] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except OSError:
                return
            with connection:
                connection.settimeout(5)
                try:
                    received.append(connection.recv(65536))
                except OSError:
                    received.append(b"")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1], received
    finally:
        stop.set()
        server.close()
        thread.join(timeout=10)


def test_the_cluster_recipe_reaches_the_host_and_port_it_names(tmp_path: Path) -> None:
    # The HTTP endpoint recipe (the Thrift one differs only in the method's name:
    # its settings are checked above).
    method = "http"
    if find_spec("pyhive") is None:
        pytest.skip("PyHive is missing: `uv sync --extra spark-cluster` installs it")
    project_dir = copy_project(tmp_path / "project")
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DBT_", "OOK_UW_ZAAK_"))
    }
    with _listener() as (port, received):
        environment.update(
            {
                "DBT_PROFILES_DIR": str(project_dir),
                "OOK_UW_ZAAK_SPARK_METHOD": method,
                "OOK_UW_ZAAK_SPARK_HOST": "127.0.0.1",
                "OOK_UW_ZAAK_SPARK_PORT": str(port),
                "OOK_UW_ZAAK_SPARK_USER": "warehouse_builder",
                "OOK_UW_ZAAK_SPARK_CLUSTER": "0123-456789-abcdefgh",
                "OOK_UW_ZAAK_SPARK_TOKEN": TOKEN,
            }
        )
        result = subprocess.run(
            [sys.executable, "-m", "dbt.cli.main", "debug", "--target", "spark"],
            cwd=project_dir,
            env=environment,
            capture_output=True,
            text=True,
            check=False,
            timeout=240,
        )
    output = result.stdout + result.stderr
    # No Spark listens there: dbt connects, then reports that it could not.
    assert result.returncode != 0, output[-3000:]
    assert received, f"dbt did not connect to 127.0.0.1:{port}:\n{output[-3000:]}"
    assert all(TOKEN.encode() not in data for data in received)
    # A TLS handshake (record type 22), never the token in clear text.
    assert all(data[:1] == b"\x16" for data in received), received[0][:20]
