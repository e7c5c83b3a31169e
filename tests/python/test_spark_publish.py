"""`ook-uw-zaak build --target spark` and `ook-uw-zaak rollback --target spark`, run
as a user runs them, in a temporary copy of the project, on an in-process Spark
(method session) whose metastore and warehouse live in a temporary folder.

One sequence, shared by the tests (each step costs a Spark build or start):
a good build publishes release A; a build whose seed holds a negative count (it
passes the pre-flight check, a dbt data test fails) publishes nothing; a second
good build publishes release C; a rollback returns to A. After each step a reader
of its own (support/spark_reader.py) reads the views of raw, staging and marts and
every row of every mart, as a reader would, through Spark SQL.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conftest import copy_project
from support import spark_reader
from test_spark import _skip_without_spark

# Three Spark builds (minutes on two cores): run by `make spark-test`,
# not by `make test`, which builds on Spark once.
pytestmark = pytest.mark.spark

# A negative count, in the seed and in the source document it is checked against
# (so that the pre-flight check lets it through and a dbt data test fails).
NEGATIVE_COUNT = {
    Path("seeds") / "answer" / "answer_info_sessions.csv": (
        "\nOVL,2018,25,853,2\n",
        "\nOVL,2018,-25,853,2\n",
    ),
    Path("docs") / "source" / "parliamentary_answer.txt": (
        "\nOVL 25 853 ",
        "\nOVL -25 853 ",
    ),
}
READER = Path(spark_reader.__file__)


@dataclass(frozen=True)
class Step:
    exit_code: int
    output: str
    seen: dict[str, Any]  # what the reader saw after the step

    def sources(self) -> set[str]:
        """The scratch schemas the readers' views read, without their schema."""
        return {source.split("__", 1)[1] for source in self.seen["views"].values()}


@dataclass(frozen=True)
class Releases:
    first: Step  # a good build: release A
    failed: Step  # the build with a negative count
    second: Step  # a good build again: release C
    rolled_back: Step  # the rollback, back to A
    schemas_after_second: list[str]


def _environment(project_dir: Path, spark_dir: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PG", "DBT_", "OOK_UW_ZAAK_"))
    }
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    env["OOK_UW_ZAAK_SPARK_DIR"] = str(spark_dir)
    return env


def _step(
    command: list[str], project_dir: Path, env: dict[str, str], spark_dir: Path
) -> Step:
    result = subprocess.run(
        [sys.executable, "-m", "ook_uw_zaak.cli", *command, "--target", "spark"],
        cwd=project_dir,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seen_file = spark_dir.parent / "seen.json"
    read = subprocess.run(
        [sys.executable, str(READER), str(spark_dir), str(seen_file)],
        cwd=spark_dir.parent,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    output = result.stdout + result.stderr
    assert read.returncode == 0, output[-3000:] + read.stderr[-3000:]
    return Step(result.returncode, output, json.loads(seen_file.read_text("utf-8")))


def write_negative_count(project_dir: Path) -> Callable[[], None]:
    """Write NEGATIVE_COUNT into the project; return what undoes it."""
    originals = {}
    for relative, (good, bad) in NEGATIVE_COUNT.items():
        path = project_dir / relative
        originals[path] = path.read_text("utf-8")
        assert good in originals[path], f"{relative} no longer holds {good!r}"
        path.write_text(originals[path].replace(good, bad, 1), "utf-8")

    def restore() -> None:
        for path, text in originals.items():
            path.write_text(text, "utf-8")

    return restore


@pytest.fixture(scope="module")
def releases(tmp_path_factory: pytest.TempPathFactory) -> Releases:
    _skip_without_spark()
    root = tmp_path_factory.mktemp("spark_publish")
    project_dir = copy_project(root / "project")
    spark_dir = root / "spark"
    env = _environment(project_dir, spark_dir)
    first = _step(["build"], project_dir, env, spark_dir)
    assert first.exit_code == 0, first.output[-4000:]
    restore = write_negative_count(project_dir)
    failed = _step(["build"], project_dir, env, spark_dir)
    restore()
    second = _step(["build"], project_dir, env, spark_dir)
    assert second.exit_code == 0, second.output[-4000:]
    schemas = sorted(
        path.name
        for path in (spark_dir / "warehouse").iterdir()
        if "__build_" in path.name
    )
    rolled_back = _step(["rollback"], project_dir, env, spark_dir)
    return Releases(first, failed, second, rolled_back, schemas)


def test_a_good_build_points_every_reader_view_at_its_release(
    releases: Releases,
) -> None:
    first = releases.first
    assert len(first.sources()) == 1, first.seen["views"]
    (release,) = first.sources()
    assert first.seen["state"] == {"ook_uw_zaak_release": release}
    schemas = {name.split(".")[0] for name in first.seen["views"]}
    assert schemas == {"raw", "staging", "marts"}
    assert first.seen["rows"], "readers see no mart"
    assert all(first.seen["rows"].values()), "a mart that readers see is empty"


def test_a_failed_build_leaves_what_readers_see_identical(releases: Releases) -> None:
    failed = releases.failed
    assert failed.exit_code == 1, failed.output[-4000:]
    assert "a count below zero in column sess" in failed.output, failed.output[-4000:]
    assert "Nothing was published. What readers see is unchanged." in failed.output
    # The same views, reading the same release, and every mart row for row.
    assert failed.seen == releases.first.seen


def test_the_next_good_build_repoints_the_views_and_keeps_one_release_back(
    releases: Releases,
) -> None:
    first, second = releases.first, releases.second
    assert len(second.sources()) == 1, second.seen["views"]
    assert second.sources() != first.sources()
    (release,) = second.sources()
    (previous,) = first.sources()
    assert second.seen["state"] == {
        "ook_uw_zaak_release": release,
        "ook_uw_zaak_previous": previous,
    }
    assert second.seen["views"].keys() == first.seen["views"].keys()
    assert second.seen["rows"] == first.seen["rows"]
    # The previous release's schemas are kept, the failed build's dropped.
    assert {name.split("__", 1)[1] for name in releases.schemas_after_second} == {
        f"{release}.db",
        f"{previous}.db",
    }, releases.schemas_after_second


def test_rollback_returns_readers_to_the_previous_release(releases: Releases) -> None:
    back = releases.rolled_back
    assert back.exit_code == 0, back.output[-4000:]
    assert back.seen["views"] == releases.first.seen["views"]
    assert back.seen["rows"] == releases.first.seen["rows"]
    assert back.seen["state"] == {
        "ook_uw_zaak_release": next(iter(releases.first.sources())),
        "ook_uw_zaak_previous": next(iter(releases.second.sources())),
    }
