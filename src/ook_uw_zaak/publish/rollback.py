"""`ook-uw-zaak rollback --target postgres`: readers return to the previous release,
and the release they leave becomes the previous one (a second rollback undoes the
first). The swap is one transaction, like publishing (publish/postgres_schemas.py)."""

from __future__ import annotations

import argparse

from ook_uw_zaak.project import POSTGRES_TARGET
from ook_uw_zaak.publish import postgres


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--target",
        choices=(POSTGRES_TARGET,),
        required=True,
        help="the published warehouse to roll back: the PostgreSQL database of the "
        "PG* variables",
    )
    postgres.add_arguments(parser)


def run(args: argparse.Namespace) -> int:
    return postgres.run_rollback(args)
