"""Writes macros/generated_rules.sql: the rules that both Python and dbt's macros
apply, from their one home in Python, as macros that return them.

    python -m ook_uw_zaak.dbt.generated_macros      (make macros)

The rules: PostgreSQL's identifier rule (publish/identifiers.py) and what makes a
role more than a reader (publish/postgres_role.py). dbt needs them while it parses
the project, before Python could be asked; Python needs them before dbt starts.
tests/python/test_postgres_names.py fails while the file differs from what this
writes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ook_uw_zaak import files
from ook_uw_zaak.publish.identifiers import (
    IDENTIFIER_ADVICE,
    IDENTIFIER_PATTERN,
    IDENTIFIER_RULE,
    MAX_IDENTIFIER_BYTES,
)
from ook_uw_zaak.publish.postgres_role import (
    MORE_THAN_READING,
    MORE_THAN_READING_WORDS,
    RESERVED_ROLE_PREFIX,
)

GENERATED_FILE = Path("macros") / "generated_rules.sql"


def _value(value: object) -> str:
    """A Jinja literal of a str or int (JSON's literals are Jinja's)."""
    return json.dumps(value, ensure_ascii=False)


def _macro(name: str, description: str, values: dict[str, object]) -> str:
    body = ",\n".join(f"        {_value(k)}: {_value(v)}" for k, v in values.items())
    return (
        f"{{#- {description} -#}}\n"
        f"{{% macro {name}() -%}}\n"
        f"    {{{{ return({{\n{body}\n    }}) }}}}\n"
        "{%- endmacro %}\n"
    )


def generated_text() -> str:
    return "\n\n".join(
        [
            "{#- Written by `make macros` (python -m ook_uw_zaak.dbt.generated_macros)"
            "\n    from the rules' one home in Python: change them there, never here."
            " -#}",
            _macro(
                "identifier_rule",
                "PostgreSQL's unquoted-identifier rule "
                "(src/ook_uw_zaak/publish/identifiers.py).",
                {
                    "pattern": IDENTIFIER_PATTERN,
                    "max_bytes": MAX_IDENTIFIER_BYTES,
                    "words": IDENTIFIER_RULE,
                    "advice": IDENTIFIER_ADVICE,
                },
            ),
            _macro(
                "reader_role_rule",
                "What a BI role may not be: a condition on pg_catalog.pg_roles as "
                "roles,\n    and its words (src/ook_uw_zaak/publish/postgres_role.py).",
                {
                    "reserved_prefix": RESERVED_ROLE_PREFIX,
                    "more_than_reading": MORE_THAN_READING,
                    "words": MORE_THAN_READING_WORDS,
                },
            ),
        ]
    )


def main() -> int:
    files.replace_text(GENERATED_FILE, generated_text())
    print(f"Wrote {GENERATED_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
