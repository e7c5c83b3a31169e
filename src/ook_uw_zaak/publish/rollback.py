"""`ook-uw-zaak rollback --target postgres|spark`: readers return to the previous
release, and the release they leave becomes the previous one (a second rollback
undoes the first). PostgreSQL swaps schemas in one transaction
(publish/postgres_schemas.py); Spark repoints the readers' views
(macros/spark_release.sql)."""

from __future__ import annotations

import argparse
from pathlib import Path

from ook_uw_zaak.project import POSTGRES_TARGET, SPARK_TARGET
from ook_uw_zaak.publish import postgres, spark


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--target",
        choices=(POSTGRES_TARGET, SPARK_TARGET),
        required=True,
        help="the published warehouse to roll back: the PostgreSQL database of the "
        "PG* variables, or the Spark of the profile's spark target",
    )
    parser.add_argument(
        "--project-dir",
        type=Path,
        default=Path("."),
        help="Spark only: the dbt project (default: the current folder)",
    )
    postgres.add_arguments(parser)


def run(args: argparse.Namespace) -> int:
    if args.target == SPARK_TARGET:
        return spark.run_rollback(args)
    return postgres.run_rollback(args)
