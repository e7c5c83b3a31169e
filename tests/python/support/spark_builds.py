"""The Spark tests' dbt builds, in one Python process, so that they share one
in-process Spark: Java and Spark start once, and dbt is imported once.

    python spark_builds.py BROKEN_PROJECT WAREHOUSE_PROJECT

The first build is of `+dim_province` in BROKEN_PROJECT, a copy whose
dim_province breaks its contract (no data or unit tests): it must fail. The
second is the whole `dbt build --target spark` of WAREHOUSE_PROJECT, the copy the
other tests read: it builds every table again, over what the first left in the
shared Spark warehouse (OOK_UW_ZAAK_SPARK_DIR). Each build's console output goes
to `dbt_output.txt` in its project folder; the tests judge both outcomes from that
and from each project's target folder. The exit code is 0 when both builds ran.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

OUTPUT_FILE = "dbt_output.txt"
BROKEN_BUILD = (
    "build",
    "--select",
    "+dim_province",
    "--exclude",
    "resource_type:test",
    "resource_type:unit_test",
)
WAREHOUSE_BUILD = ("build",)


def build(project_dir: Path, arguments: tuple[str, ...]) -> None:
    """One `dbt build --target spark` in `project_dir`, its console output
    written to OUTPUT_FILE there."""
    from dbt.cli.main import dbtRunner  # here: the tests import this module too

    with (
        open(project_dir / OUTPUT_FILE, "w", encoding="utf-8") as output,
        contextlib.redirect_stdout(output),
        contextlib.redirect_stderr(output),
    ):
        dbtRunner().invoke(
            [
                *arguments,
                "--target",
                "spark",
                "--project-dir",
                str(project_dir),
                "--profiles-dir",
                str(project_dir),
            ]
        )


def main(broken_project: Path, warehouse_project: Path) -> int:
    build(broken_project, BROKEN_BUILD)
    build(warehouse_project, WAREHOUSE_BUILD)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
