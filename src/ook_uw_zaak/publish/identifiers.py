"""PostgreSQL names from the command line, the environment or the configuration are
checked here before they reach SQL.

This is the rule's one home. dbt checks the names it reads (vars, the profile) with
the macro validate_identifier, while it parses the project, before it connects;
that macro reads the rule from macros/generated_rules.sql, which is written from
the constants here (dbt/generated_macros.py; a test fails while the two differ).
"""

from __future__ import annotations

import re

IDENTIFIER_PATTERN = "[a-z_][a-z0-9_]*"
MAX_IDENTIFIER_BYTES = 63
IDENTIFIER_RULE = (
    "PostgreSQL's unquoted-identifier rule: a lowercase letter or underscore first, "
    "then only lowercase letters, digits and underscores, at most 63 bytes"
)
# What a refused name's message ends with.
IDENTIFIER_ADVICE = (
    "Nothing was run on the server; choose a name such as bi_reader or ook_uw_zaak."
)
_UNQUOTED_IDENTIFIER = re.compile(IDENTIFIER_PATTERN)


class IdentifierError(ValueError):
    """A name that may not reach SQL; the message names its source and the rule."""


def is_identifier(name: object) -> bool:
    """Whether `name` is a string that PostgreSQL reads as the same name unquoted
    (so it needs no quoting, and no character of it can end a statement)."""
    return (
        isinstance(name, str)
        and _UNQUOTED_IDENTIFIER.fullmatch(name) is not None
        and len(name.encode("utf-8")) <= MAX_IDENTIFIER_BYTES
    )


def check_identifier(name: object, source: str) -> str:
    """Return `name` if it follows the rule; else raise IdentifierError naming
    `source` (such as 'PGDATABASE' or 'the option --bi-role')."""
    if not is_identifier(name):
        raise IdentifierError(
            f"{source} is {name!r}, which breaks {IDENTIFIER_RULE}. {IDENTIFIER_ADVICE}"
        )
    assert isinstance(name, str)
    return name
