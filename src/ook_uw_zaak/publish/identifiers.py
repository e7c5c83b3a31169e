"""PostgreSQL names from the command line, the environment or the configuration are
checked here before they reach SQL: the same rule as macros/validate_identifier.sql."""

from __future__ import annotations

import re

_UNQUOTED_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")
MAX_IDENTIFIER_BYTES = 63
IDENTIFIER_RULE = (
    "PostgreSQL's unquoted-identifier rule: a lowercase letter or underscore first, "
    "then only lowercase letters, digits and underscores, at most 63 bytes"
)


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
            f"{source} is {name!r}, which breaks {IDENTIFIER_RULE}. Nothing was run "
            "on the server; choose a name such as bi_reader or ook_uw_zaak."
        )
    assert isinstance(name, str)
    return name
