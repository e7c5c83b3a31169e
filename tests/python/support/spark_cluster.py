"""A Spark standalone cluster on this machine, for the tests: a master, one worker
(1 core, a few hundred MB) and a Spark Thrift server that runs its queries on the
cluster, all started from the pyspark in the environment (its bin/spark-class and
the hive-thriftserver jar it ships), all listening on 127.0.0.1 only, with the
metastore, the warehouse, the logs and the scratch files in one folder.

The processes are started in sessions of their own; `spark_cluster` stops each
one it started (by its id), however the block ends. The cluster tests
(test_spark_cluster.py) and the benchmark (benchmarks/spark_bench.py) start it
here, and build through it with `thrift_environment`.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

HOST = "127.0.0.1"
START_SECONDS = 180.0
STOP_SECONDS = 20.0
WORKER_CORES = 1
WORKER_MEMORY = "768m"
EXECUTOR_MEMORY = "512m"
THRIFT_DRIVER_MEMORY = "512m"
THRIFT_SERVER = "org.apache.spark.sql.hive.thriftserver.HiveThriftServer2"


class ClusterError(RuntimeError):
    """The cluster did not start; the message names the process and its log."""


@dataclass(frozen=True)
class Cluster:
    folder: Path
    master_url: str
    thrift_port: int

    @property
    def warehouse(self) -> Path:
        return self.folder / "warehouse"


def thrift_environment(cluster: Cluster, base: Mapping[str, str]) -> dict[str, str]:
    """`base` with the profile's spark target pointed at the cluster's Thrift server
    (method thrift), and none of the Spark variables `base` had."""
    env = {
        key: value
        for key, value in base.items()
        if not key.startswith(("OOK_UW_ZAAK_SPARK_", "SPARK_", "PYSPARK_"))
    }
    env.update(
        OOK_UW_ZAAK_SPARK_METHOD="thrift",
        OOK_UW_ZAAK_SPARK_HOST=HOST,
        OOK_UW_ZAAK_SPARK_PORT=str(cluster.thrift_port),
        OOK_UW_ZAAK_SPARK_USER="warehouse_builder",
    )
    return env


def spark_home() -> Path:
    import pyspark

    return Path(pyspark.__file__).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def _environment(folder: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SPARK_", "PYSPARK_", "HIVE_"))
    }
    env.update(
        SPARK_HOME=str(spark_home()),
        SPARK_LOCAL_IP=HOST,  # every listener of every process, web UIs included
        SPARK_LOCAL_DIRS=str(folder / "scratch"),
        SPARK_WORKER_DIR=str(folder / "work"),
        SPARK_LOG_DIR=str(folder / "logs"),
        SPARK_CONF_DIR=str(folder / "conf"),
    )
    return env


def _thrift_settings(folder: Path) -> dict[str, str]:
    """The Thrift server's Spark settings: those of the profile's local Spark that
    a cluster keeps for itself (a Thrift server refuses to change them)."""
    return {
        "spark.cores.max": str(WORKER_CORES),
        "spark.executor.memory": EXECUTOR_MEMORY,
        "spark.driver.host": HOST,
        "spark.driver.bindAddress": HOST,
        "spark.ui.enabled": "false",
        "spark.sql.shuffle.partitions": "1",
        "spark.default.parallelism": "1",
        "spark.sql.adaptive.enabled": "false",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.legacy.createHiveTableByDefault": "false",
        "spark.sql.warehouse.dir": str(folder / "warehouse"),
        "spark.hadoop.javax.jdo.option.ConnectionURL": (
            f"jdbc:derby:;databaseName={folder / 'metastore_db'};create=true"
        ),
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={folder}",
    }


def _start(
    name: str, command: list[str], folder: Path, env: dict[str, str]
) -> subprocess.Popen[bytes]:
    log = (folder / "logs" / f"{name}.log").open("wb")
    try:
        return subprocess.Popen(
            command,
            cwd=folder,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, stopped as one
        )
    finally:
        log.close()


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a process we started and its children (its process group)."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(STOP_SECONDS)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _wait_for(
    what: str,
    ready: Callable[[], bool],
    processes: dict[str, subprocess.Popen[bytes]],
    folder: Path,
) -> None:
    deadline = time.monotonic() + START_SECONDS
    while not ready():
        for name, process in processes.items():
            if process.poll() is not None:
                raise ClusterError(
                    f"the Spark {name} stopped (exit code {process.returncode}) "
                    f"before {what}; see {folder / 'logs' / name}.log"
                )
        if time.monotonic() > deadline:
            raise ClusterError(f"{what} took more than {START_SECONDS:.0f} s")
        time.sleep(0.5)


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1.0)
        return probe.connect_ex((HOST, port)) == 0


def _logged(path: Path, text: str) -> bool:
    return path.is_file() and text in path.read_text("utf-8", errors="replace")


@contextlib.contextmanager
def spark_cluster(folder: Path) -> Iterator[Cluster]:
    """Start a master, a worker and a Thrift server; stop them at the end."""
    for name in ("logs", "scratch", "work", "conf"):
        (folder / name).mkdir(parents=True, exist_ok=True)
    env = _environment(folder)
    home = spark_home()
    spark_class = str(home / "bin" / "spark-class")
    master_port, thrift_port = free_port(), free_port()
    master_url = f"spark://{HOST}:{master_port}"
    processes: dict[str, subprocess.Popen[bytes]] = {}
    try:
        processes["master"] = _start(
            "master",
            [
                spark_class,
                "org.apache.spark.deploy.master.Master",
                "--host",
                HOST,
                "--port",
                str(master_port),
                "--webui-port",
                str(free_port()),
            ],
            folder,
            env,
        )
        _wait_for(
            "the master listened", lambda: _listening(master_port), processes, folder
        )
        processes["worker"] = _start(
            "worker",
            [
                spark_class,
                "org.apache.spark.deploy.worker.Worker",
                master_url,
                "--host",
                HOST,
                "--cores",
                str(WORKER_CORES),
                "--memory",
                WORKER_MEMORY,
                "--webui-port",
                str(free_port()),
                "--work-dir",
                str(folder / "work"),
            ],
            folder,
            env,
        )
        _wait_for(
            "the worker registered with the master",
            lambda: _logged(
                folder / "logs" / "worker.log", "Successfully registered with master"
            ),
            processes,
            folder,
        )
        settings = [
            argument
            for key, value in _thrift_settings(folder).items()
            for argument in ("--conf", f"{key}={value}")
        ]
        thrift_env = {
            **env,
            "HIVE_SERVER2_THRIFT_BIND_HOST": HOST,
            "HIVE_SERVER2_THRIFT_PORT": str(thrift_port),
        }
        processes["thrift-server"] = _start(
            "thrift-server",
            [
                spark_class,
                "org.apache.spark.deploy.SparkSubmit",
                "--master",
                master_url,
                "--class",
                THRIFT_SERVER,
                "--name",
                "ook_uw_zaak thrift server",
                "--driver-memory",
                THRIFT_DRIVER_MEMORY,
                *settings,
                "spark-internal",
            ],
            folder,
            thrift_env,
        )
        _wait_for(
            "the Thrift server listened",
            lambda: _listening(thrift_port),
            processes,
            folder,
        )
        yield Cluster(folder=folder, master_url=master_url, thrift_port=thrift_port)
    finally:
        for name in ("thrift-server", "worker", "master"):
            if name in processes:
                _stop(processes[name])
