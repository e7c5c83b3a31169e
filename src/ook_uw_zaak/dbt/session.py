"""The publishing build's dbt process:
`python -m ook_uw_zaak.dbt.session [--no-docs] <dbt flags> [-- <build flags>]`.

It parses the project once, runs `dbt build` and, when every step passed (and
unless --no-docs: the PostgreSQL and Spark releases publish no page), `dbt docs
generate --static` for the release's documentation page, all through
dbt's programmatic entry point (dbtRunner) in this one process. Two separate dbt
commands would start dbt twice, parse the project twice and compile every node
twice; here the page is written from the very manifest the build ran (its compiled
SQL included), against the database it built, in well under a second.

The flags (project, profiles, target and log folders, log format, target, vars)
are given to each of the three commands; those after `--` (a selection) to `dbt
build` only. The exit code is dbt's: 0 when the build passed, 1 when a step
failed, 2 when dbt could not run. A documentation page that could not be written
does not change it: the release step finds the page missing and publishes nothing
(opendata/docs_page.py).
"""

from __future__ import annotations

import sys

# Where dbt writes the page, in its target folder.
DOCS_PAGE_NAME = "static_index.html"
# The first argument that leaves the documentation page out.
NO_DOCS = "--no-docs"


def main(arguments: list[str]) -> int:
    # Imported here, so that importing this module (for DOCS_PAGE_NAME) is cheap.
    from dbt.cli.main import dbtRunner

    docs = arguments[:1] != [NO_DOCS]
    if not docs:
        arguments = arguments[1:]
    at = arguments.index("--") if "--" in arguments else len(arguments)
    flags, build_only = arguments[:at], arguments[at + 1 :]

    parsed = dbtRunner().invoke(["parse", *flags])
    if not parsed.success:
        return 2
    runner = dbtRunner(manifest=parsed.result)
    built = runner.invoke(["build", *flags, *build_only])
    if not built.success:
        return 2 if built.exception is not None else 1
    if not docs:
        return 0
    # --no-compile: the build has compiled every node of this manifest already.
    runner.invoke(["docs", "generate", "--static", "--no-compile", *flags])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
