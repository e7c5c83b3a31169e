"""The `ook-uw-zaak` command: one subcommand per job, each in its own module."""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
from types import FrameType

# subcommand -> (module that implements it, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "build": (
        "ook_uw_zaak.publish.build",
        "build and test the warehouse in a scratch file, then publish it atomically",
    ),
    "rollback": (
        "ook_uw_zaak.publish.rollback",
        "return readers to the previous release (--target postgres or spark)",
    ),
    "report": (
        "ook_uw_zaak.report",
        "write the report (Dutch and English) and its index page into reports/",
    ),
}


def _interrupted(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="ook-uw-zaak",
        description="The 'Het internet. Ook uw zaak.' data warehouse.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name, (module_name, help_text) in COMMANDS.items():
        module = importlib.import_module(module_name)
        subparser = subparsers.add_parser(name, help=help_text)
        module.add_arguments(subparser)
        subparser.set_defaults(run=module.run)
    args = parser.parse_args(argv)
    # SIGTERM (kill, a service manager, a CI time-out) stops a command as Ctrl-C
    # does: dbt is stopped with it, and it says what was and was not published.
    signal.signal(signal.SIGTERM, _interrupted)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
