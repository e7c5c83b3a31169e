"""No name reaches SQL unchecked: hostile role, schema and database names given to
every entry point (`dbt run-operation create_bi_role`, `dbt build --vars`, the
environment, `ook-uw-zaak build --target postgres`, `ook-uw-zaak rollback`) are
refused with a message naming where the name came from and the rule, and nothing
reaches the server: no connection and no statement in its log, the canary schema
and role still there, no new role.

Against the session's throwaway server (postgres_warehouse.py); skipped where
PostgreSQL is not installed.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path
from subprocess import CompletedProcess

import pytest

from ook_uw_zaak.dbt.generated_macros import GENERATED_FILE, generated_text
from ook_uw_zaak.publish.identifiers import (
    IDENTIFIER_RULE,
    IdentifierError,
    check_identifier,
    is_identifier,
)
from ook_uw_zaak.publish.postgres_role import MORE_THAN_READING
from support.postgres_warehouse import (
    CANARY_ROLE,
    CANARY_SCHEMA,
    Database,
    everything,
    run_cli,
    run_dbt,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
# What an attacker or a careless maintainer might pass as a name.
HOSTILE = {
    "quote": 'y" superuser; drop schema canary cascade; create role "z',
    "semicolon": "bi_reader; drop schema canary cascade",
    "comment": "bi_reader -- drop role canary_role",
    "block comment": "bi_reader/**/",
    "single quote": "x'; drop role canary_role; --",
    "uppercase": "BI_Reader",
    "too long": "b" * 64,
    "newline": "bi_reader\n",
    "empty": "",
}
# Each dbt run parses the whole project first (seconds): every name goes to the
# ook-uw-zaak commands; these five kinds go to dbt as well, each to an entry point
# of its own, so that each meets the Jinja macro's rule once.
DBT_HOSTILE = {
    "var bi_role of run-operation create_bi_role": "quote",
    "var bi_role of dbt build": "semicolon",
    "var release_schema_suffix": "comment",
    "PGDATABASE": "uppercase",
    "OOK_UW_ZAAK_PG_SCHEMA": "too long",
}
# The same rule in words, in the Jinja macro's message and in Python's.
RULE_WORDS = "PostgreSQL's unquoted-identifier rule"
DBT_RULE = "breaks PostgreSQL's unquoted-identifier rule"


@pytest.mark.parametrize("name", ["bi_reader", "_x", "a" * 63, "ook_uw_zaak2"])
def test_valid_names_pass(name: str) -> None:
    assert is_identifier(name)
    assert check_identifier(name, "the option --bi-role") == name


@pytest.mark.parametrize("name", [*HOSTILE.values(), None, 5, "é", "1abc"])
def test_hostile_names_are_refused_naming_source_and_rule(name: object) -> None:
    assert not is_identifier(name)
    with pytest.raises(IdentifierError) as error:
        check_identifier(name, "the option --bi-role")
    assert "the option --bi-role" in str(error.value)
    assert IDENTIFIER_RULE in str(error.value)
    assert RULE_WORDS in IDENTIFIER_RULE


def test_the_macros_apply_the_rules_of_python() -> None:
    """dbt's macros read the identifier and reader-role rules from a file written
    from Python's; it is as `make macros` writes it (else run make macros)."""
    written = (REPO_ROOT / GENERATED_FILE).read_text(encoding="utf-8")
    assert written == generated_text(), "run make macros"
    assert IDENTIFIER_RULE in written and MORE_THAN_READING in written


def _server_state(database: Database) -> tuple[list[str], dict[str, str]]:
    with closing(database.admin()) as admin:
        cursor = admin.cursor()
        cursor.execute("select rolname from pg_roles order by 1")
        roles = [name for (name,) in cursor.fetchall()]
        cursor.execute(f"select alive from {CANARY_SCHEMA}.alive")
        assert cursor.fetchall() == [(1,)]
        return roles, everything(admin)


def _attempts(database: Database) -> list[tuple[str, str, CompletedProcess[str]]]:
    """Every entry point with hostile names; (what, expected source, result)."""
    project = database.project_dir

    def dbt(*args: str, **environment: str) -> CompletedProcess[str]:
        return run_dbt(project, database.environment(**environment), *args)

    def cli(*args: str, **environment: str) -> CompletedProcess[str]:
        return run_cli(project, database.environment(**environment), *args)

    jobs = []
    for label, name in HOSTILE.items():
        for command in ("build", "rollback"):
            jobs.append(
                (
                    f"ook-uw-zaak {command} --bi-role {label}",
                    "The option --bi-role",
                    lambda n=name, c=command: cli(
                        c, "--target", "postgres", "--bi-role", n
                    ),
                )
            )
            jobs.append(
                (
                    f"ook-uw-zaak {command}, PGDATABASE {label}",
                    "PGDATABASE",
                    lambda n=name, c=command: cli(
                        c, "--target", "postgres", PGDATABASE=n
                    ),
                )
            )

    def hostile(entry_point: str) -> str:
        return HOSTILE[DBT_HOSTILE[entry_point]]

    jobs.append(
        (
            "run-operation create_bi_role, bi_role",
            "The var bi_role",
            lambda: dbt(
                "run-operation",
                "create_bi_role",
                "--vars",
                json.dumps(
                    {"bi_role": hostile("var bi_role of run-operation create_bi_role")}
                ),
            ),
        )
    )
    jobs += [
        (
            "dbt build, bi_role",
            "The var bi_role",
            lambda: dbt(
                "build",
                "--vars",
                json.dumps({"bi_role": hostile("var bi_role of dbt build")}),
            ),
        ),
        (
            "dbt build, release_schema_suffix",
            "The var release_schema_suffix",
            lambda: dbt(
                "build",
                "--vars",
                json.dumps(
                    {"release_schema_suffix": hostile("var release_schema_suffix")}
                ),
            ),
        ),
        (
            "dbt build, PGDATABASE",
            "PGDATABASE",
            lambda: dbt("build", PGDATABASE=hostile("PGDATABASE")),
        ),
        (
            "dbt build, OOK_UW_ZAAK_PG_SCHEMA",
            "OOK_UW_ZAAK_PG_SCHEMA",
            lambda: dbt(
                "build", OOK_UW_ZAAK_PG_SCHEMA=hostile("OOK_UW_ZAAK_PG_SCHEMA")
            ),
        ),
        (
            "dbt build, PGUSER",
            "PGUSER",
            lambda: dbt("build", PGUSER="Alice; drop schema canary cascade"),
        ),
        (
            "dbt build, release_schema_suffix naming the previous release",
            "only into scratch schemas",
            lambda: dbt("build", "--vars", '{"release_schema_suffix": "previous"}'),
        ),
        (
            "run-operation create_bi_role, timeout",
            "bi_statement_timeout_seconds",
            lambda: dbt(
                "run-operation",
                "create_bi_role",
                "--vars",
                json.dumps({"bi_statement_timeout_seconds": "60s'; drop role x; --"}),
            ),
        ),
    ]
    # dbt spends its time parsing the project; a few at once.
    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = [(what, source, pool.submit(job)) for what, source, job in jobs]
        return [(what, source, future.result()) for what, source, future in futures]


def test_hostile_names_reach_no_entry_point_and_nothing_runs(
    database: Database,
) -> None:
    roles_before, before = _server_state(database)
    assert CANARY_ROLE in roles_before
    log = database.server.log_file
    log_start = log.stat().st_size
    results = _attempts(database)
    with log.open("rb") as server_log:
        server_log.seek(log_start)
        logged = server_log.read().decode(errors="replace")
    failures = []
    for what, source, result in results:
        output = result.stdout + result.stderr
        if result.returncode == 0:
            failures.append(f"{what}: accepted\n{output[-1500:]}")
        elif source not in output or (
            "timeout" not in what
            and "previous" not in what
            and RULE_WORDS not in output
        ):
            failures.append(f"{what}: no clear refusal\n{output[-1500:]}")
    assert not failures, "\n\n".join(failures)
    # Not one connection, not one statement reached the server.
    assert "connection received" not in logged, logged[-3000:]
    assert "statement:" not in logged, logged[-3000:]
    roles_after, after = _server_state(database)
    assert roles_after == roles_before
    assert after == before


def test_privileged_or_reserved_roles_are_refused_as_bi_role(
    database: Database,
) -> None:
    """A role that may do more than read, or a name PostgreSQL keeps for its own
    roles, is never made the BI role, and nothing is published for it."""
    with closing(database.admin()) as admin:
        admin.cursor().execute("create role member_of_canary in role canary_role")
        before = everything(admin)
    for role, expected in (
        ("postgres", "may do more than read"),
        ("member_of_canary", "member of another role"),
        ("pg_read_all_data", "keeps for its own roles"),
    ):
        result = run_cli(
            database.project_dir,
            database.environment(),
            "build",
            "--target",
            "postgres",
            "--bi-role",
            role,
        )
        output = result.stdout + result.stderr
        assert result.returncode == 1, output[-3000:]
        assert expected in output, output[-3000:]
    with closing(database.admin()) as admin:
        assert everything(admin) == before
