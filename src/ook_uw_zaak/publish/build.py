"""`ook-uw-zaak build`: its options, and the engine it publishes on.

The steps are the publishing pipeline's (publish/pipeline.py); what differs by
engine is in publish/duckdb.py, postgres.py and spark.py.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ook_uw_zaak.project import POSTGRES_TARGET, SPARK_TARGET
from ook_uw_zaak.publish import pipeline, postgres, spark
from ook_uw_zaak.publish.duckdb import DuckDB

ENGINES: dict[str, type[pipeline.Engine]] = {
    "duckdb": DuckDB,
    POSTGRES_TARGET: postgres.PostgreSQL,
    SPARK_TARGET: spark.Spark,
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--project-dir",
        type=Path,
        default=Path("."),
        help="the dbt project to build (default: the current folder)",
    )
    parser.add_argument(
        "--show-dbt-output",
        action="store_true",
        help="show what dbt prints while it runs (it is always saved with the build)",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="build and publish a new release even when nothing changed since the "
        "published one",
    )
    parser.add_argument(
        "--target",
        choices=tuple(ENGINES),
        default="duckdb",
        help="where to publish: the DuckDB file (default), the PostgreSQL database "
        "of the PG* variables (see postgres.py) or the Spark of the profile's spark "
        "target (see spark.py)",
    )
    postgres.add_arguments(parser)


def run(args: argparse.Namespace) -> int:
    return pipeline.publish(ENGINES[args.target], args)
