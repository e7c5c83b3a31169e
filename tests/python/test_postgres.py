"""The warehouse on PostgreSQL: the publishing build passes every seed, model, data
test and unit test; every mart and seed holds the same rows as on DuckDB; the BI
role reads every mart of the current release and may do nothing else; development
builds stay out of the readers' schemas.

Against the session's throwaway server (postgres_warehouse.py); skipped where
PostgreSQL is not installed.
"""

from __future__ import annotations

import secrets
from contextlib import closing
from pathlib import Path
from typing import Any

import psycopg2
import psycopg2.errors
import pytest

from support.engine_marts import (
    BuiltProject,
    differences_from_duckdb,
    read_postgres_tables,
)
from support.postgres_warehouse import (
    BI_ROLE,
    CANARY_ROLE,
    DATABASE,
    MARTS,
    RELEASE_SCHEMAS,
    Warehouse,
    everything,
    loosen_own_limits,
    published_artifacts,
    relations_of,
    role_settings,
    run_dbt,
    schemas_like,
    with_dba_limit,
    without_dba_limit,
)

# What `dbt build` runs and must pass: seeds, models, data and unit tests, hooks.
CHECKED_RESOURCE_TYPES = ("seed", "model", "test", "unit_test", "operation")
HIDDEN_SCHEMAS = tuple(s for s in RELEASE_SCHEMAS if s != MARTS)


def _refused(connection: Any, statement: str, error: type[Exception]) -> bool:
    """Whether the statement fails with `error`. Success, or another error, is
    False; the connection is autocommit, so a failure leaves nothing behind."""
    try:
        with connection.cursor() as cursor:
            cursor.execute(statement)
    except error:
        return True
    except psycopg2.Error:
        return False
    return False


def _lacks_privilege(connection: Any, statement: str) -> bool:
    return _refused(connection, statement, psycopg2.errors.InsufficientPrivilege)


def _marts(warehouse: Warehouse) -> list[str]:
    with closing(warehouse.admin()) as admin:
        marts = relations_of(admin, MARTS)
    assert marts, "nothing is published in schema marts"
    return marts


def test_publishing_build_passes_every_node(warehouse: Warehouse) -> None:
    manifest, run_results = published_artifacts(warehouse.project_dir)
    results = {
        result["unique_id"]: result["status"]
        for result in run_results["results"]
        if result["unique_id"].split(".")[0] in CHECKED_RESOURCE_TYPES
    }
    not_passed = {k: v for k, v in results.items() if v not in ("success", "pass")}
    assert not not_passed, f"the build on PostgreSQL did not pass: {not_passed}"
    nodes = [*manifest["nodes"].values(), *manifest.get("unit_tests", {}).values()]
    for resource_type in ("seed", "model", "test", "unit_test"):
        expected = {
            node["unique_id"]
            for node in nodes
            if node["resource_type"] == resource_type
            and node["package_name"] == "ook_uw_zaak"
        }
        assert expected, f"the project has no {resource_type} nodes"
        missing = sorted(expected - results.keys())
        assert not missing, f"{resource_type} nodes not run on PostgreSQL: {missing}"
    published_marts = {
        node["alias"]
        for node in nodes
        if node["resource_type"] == "model" and node["fqn"][1] == "marts"
    }
    assert set(_marts(warehouse)) == published_marts


@pytest.mark.parametrize(
    ("schema", "resource_type"), [("marts", "model"), ("raw", "seed")]
)
def test_every_table_agrees_on_duckdb_and_postgres(
    warehouse: Warehouse, built_warehouse: Path, schema: str, resource_type: str
) -> None:
    """Every mart and every seed of the published release, row for row and value
    for value, against DuckDB's (tests/python/support/engine_marts.py)."""
    manifest, run_results = published_artifacts(warehouse.project_dir)
    built = BuiltProject(warehouse.project_dir, manifest, run_results)
    with closing(warehouse.admin()) as admin:
        differences = differences_from_duckdb(
            built,
            built_warehouse,
            schema,
            resource_type,
            "postgres",
            lambda tables: read_postgres_tables(admin, schema, tables),
        )
    assert not differences, "the engines disagree:\n" + "\n".join(differences)


def test_release_schemas_hold_every_seed_and_model(warehouse: Warehouse) -> None:
    """Seeds in raw, staging and intermediate views in their schemas, marts in
    marts: built in scratch schemas, then renamed into place."""
    manifest, _ = published_artifacts(warehouse.project_dir)
    expected: dict[str, set[str]] = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] not in ("seed", "model"):
            continue
        folder = "raw" if node["resource_type"] == "seed" else node["fqn"][1]
        release_schema, _, suffix = node["schema"].partition("__")
        assert release_schema == folder, node["unique_id"]
        assert suffix.startswith("build_"), node["schema"]
        expected.setdefault(release_schema, set()).add(node["alias"])
    assert set(expected) == set(RELEASE_SCHEMAS)
    with closing(warehouse.admin()) as admin:
        for schema, names in expected.items():
            assert set(relations_of(admin, schema)) == names, schema


def test_bi_role_holds_no_attribute_and_a_statement_timeout(
    warehouse: Warehouse,
) -> None:
    with closing(warehouse.admin()) as admin:
        cursor = admin.cursor()
        cursor.execute(
            "select rolcanlogin, rolsuper, rolcreatedb, rolcreaterole, rolreplication,"
            " rolbypassrls, rolinherit from pg_roles where rolname = %s",
            (BI_ROLE,),
        )
        assert cursor.fetchone() == (True, False, False, False, False, False, False)
        cursor.execute(
            "select count(*) from pg_auth_members as m join pg_roles as r"
            " on r.oid = m.member where r.rolname = %s",
            (BI_ROLE,),
        )
        assert cursor.fetchone() == (0,), f"{BI_ROLE} is a member of other roles"
    with closing(warehouse.reader()) as reader:
        cursor = reader.cursor()
        cursor.execute("show statement_timeout")
        assert cursor.fetchone() == ("1min",)


def test_statement_timeout_cancels_a_long_query(warehouse: Warehouse) -> None:
    """The role's timeout is a var; a role set up with a 1-second timeout (the
    same macro as bi_reader's 60 s) has a 3-second query cancelled."""
    role = "bi_quick"
    result = run_dbt(
        warehouse.project_dir,
        warehouse.environment(),
        "run-operation",
        "create_bi_role",
        "--vars",
        f"{{bi_role: {role}, bi_statement_timeout_seconds: 1}}",
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    password = secrets.token_urlsafe(16)
    with closing(warehouse.admin()) as admin:
        admin.cursor().execute(f"alter role {role} password %s", (password,))
    with closing(
        warehouse.server.connect(DATABASE, user=role, password=password)
    ) as quick:
        assert _refused(quick, "select pg_sleep(3)", psycopg2.errors.QueryCanceled)


def test_create_bi_role_resets_the_limits_the_bi_role_loosened(
    warehouse: Warehouse,
) -> None:
    """What the role changed of its own settings is reset and named; a limit that
    only a superuser may set (the DBA's) stays."""
    with closing(warehouse.admin()) as admin:
        expected = with_dba_limit(warehouse, role_settings(admin, BI_ROLE))
    try:
        loosen_own_limits(warehouse)
        output = _create_bi_role(warehouse)
        assert f"{BI_ROLE}'s settings had been changed" in output, output[-4000:]
        for found in ("statement_timeout=0", "work_mem=1GB", f"database {DATABASE}"):
            assert found in output, (found, output[-4000:])
        with closing(warehouse.admin()) as admin:
            assert role_settings(admin, BI_ROLE) == expected
    finally:
        without_dba_limit(warehouse)


def _create_bi_role(warehouse: Warehouse) -> str:
    """Run `dbt run-operation create_bi_role`, which must pass; what it printed."""
    environment = warehouse.environment()
    result = run_dbt(
        warehouse.project_dir, environment, "run-operation", "create_bi_role"
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    return output


def _may_connect(warehouse: Warehouse, database: str) -> bool:
    """Whether the BI role may connect to `database` and create a temporary
    table there."""
    try:
        connection = warehouse.server.connect(
            database, user=BI_ROLE, password=warehouse.bi_password
        )
    except psycopg2.OperationalError as error:
        assert "permission denied for database" in str(error), error
        return False
    with closing(connection):
        connection.cursor().execute("create temporary table made_by_bi (id integer)")
    return True


def test_bi_role_may_connect_to_the_warehouse_database_only(
    warehouse: Warehouse,
) -> None:
    """Databases made after the role was set up let it in through PUBLIC's
    default CONNECT; create_bi_role revokes that where its user owns the
    database, and names the others for their owners."""
    own, others = f"own_{secrets.token_hex(3)}", f"others_{secrets.token_hex(3)}"
    with closing(warehouse.server.connect()) as admin:
        admin.cursor().execute(f"create database {own}")
        admin.cursor().execute(f"create database {others} owner {CANARY_ROLE}")
    try:
        assert _may_connect(warehouse, own) and _may_connect(warehouse, others)
        output = _create_bi_role(warehouse)
        assert f"connect to {own}" in output, output[-4000:]
        assert f"revoke connect on database {others} from public" in output, output
        for database in ("postgres", "template1", own):
            assert not _may_connect(warehouse, database), database
        with closing(warehouse.admin()) as admin:
            cursor = admin.cursor()
            cursor.execute(
                "select has_database_privilege(%s, %s, 'TEMPORARY')",
                (BI_ROLE, DATABASE),
            )
            assert cursor.fetchone() == (False,)
    finally:
        with closing(warehouse.server.connect()) as admin:
            for database in (own, others):
                admin.cursor().execute(f"drop database if exists {database}")


def test_bi_role_reads_every_row_of_every_mart(warehouse: Warehouse) -> None:
    marts = _marts(warehouse)
    with closing(warehouse.admin()) as admin, closing(warehouse.reader()) as reader:
        reader_cursor = reader.cursor()
        reader_cursor.execute("select current_user")
        assert reader_cursor.fetchone() == (BI_ROLE,)
        # What the role sees in the catalogue, as a BI tool lists it.
        reader_cursor.execute(
            "select table_schema, table_name from information_schema.tables"
            " where table_schema not in ('pg_catalog', 'information_schema')"
            " order by 1, 2"
        )
        assert reader_cursor.fetchall() == [(MARTS, mart) for mart in marts]
        admin_cursor = admin.cursor()
        for mart in marts:
            admin_cursor.execute(f"select count(*) from {MARTS}.{mart}")
            (expected_rows,) = admin_cursor.fetchone()
            reader_cursor.execute(f"select * from {MARTS}.{mart}")
            assert len(reader_cursor.fetchall()) == expected_rows > 0, mart


def test_bi_role_cannot_write_create_or_drop_anything(warehouse: Warehouse) -> None:
    marts = _marts(warehouse)
    statements = []
    for mart in marts:
        relation = f"{MARTS}.{mart}"
        statements += [
            f"insert into {relation} select * from {relation}",
            f"delete from {relation}",
            f"truncate {relation}",
            f"alter table {relation} add column written_by_bi integer",
            f"drop table {relation}",
        ]
    with closing(warehouse.admin()) as admin:
        existing = schemas_like(admin, "%")
    for schema in (MARTS, "public", *HIDDEN_SCHEMAS, "canary"):
        if schema not in existing:
            continue
        statements += [
            f"create table {schema}.written_by_bi (id integer)",
            f"create view {schema}.written_by_bi as select 1 as id",
            f"drop schema {schema} cascade",
        ]
    statements += [
        "create schema written_by_bi",
        # PostgreSQL lets every role create temporary tables unless revoked.
        "create temporary table written_by_bi (id integer)",
        "create temporary view written_by_bi as select 1 as id",
        f"alter schema {MARTS} rename to renamed_by_bi",
        "create role made_by_bi",
        f"create database made_by_{secrets.token_hex(4)}",
    ]
    with closing(warehouse.admin()) as admin:
        before = everything(admin)
    with closing(warehouse.reader()) as reader:
        allowed = [s for s in statements if not _lacks_privilege(reader, s)]
    assert not allowed, f"the BI role was not refused: {allowed}"
    with closing(warehouse.admin()) as admin:
        assert everything(admin) == before
        cursor = admin.cursor()
        cursor.execute(
            "select has_database_privilege(%s, %s, 'CREATE'),"
            " has_database_privilege(%s, %s, 'TEMPORARY'),"
            " has_schema_privilege(%s, 'public', 'CREATE'),"
            " has_schema_privilege(%s, %s, 'CREATE')",
            (BI_ROLE, DATABASE, BI_ROLE, DATABASE, BI_ROLE, BI_ROLE, MARTS),
        )
        assert cursor.fetchone() == (False, False, False, False)


def test_bi_role_reads_no_other_schema(warehouse: Warehouse) -> None:
    """Not raw, staging or intermediate, nor a previous release, nor a failed or
    running build's scratch schemas, nor anyone's development schemas."""
    with closing(warehouse.admin()) as admin:
        cursor = admin.cursor()
        cursor.execute(
            "select nspname from pg_namespace where nspname not in"
            " ('marts', 'public', 'pg_catalog', 'information_schema', 'pg_toast')"
            " order by 1"
        )
        schemas = [name for (name,) in cursor.fetchall()]
        relations = [(s, name) for s in schemas for name in relations_of(admin, s)]
        cursor.execute(
            "select nspname from pg_namespace"
            " where has_schema_privilege(%s, oid, 'USAGE') order by 1",
            (BI_ROLE,),
        )
        usable = [name for (name,) in cursor.fetchall()]
    assert set(HIDDEN_SCHEMAS) <= set(schemas), schemas
    assert len(relations) > 20, relations
    assert usable == ["information_schema", MARTS, "pg_catalog", "public"]
    with closing(warehouse.reader()) as reader:
        readable = [
            f"{schema}.{name}"
            for schema, name in relations
            if not _lacks_privilege(reader, f"select * from {schema}.{name}")
        ]
    assert not readable, f"the BI role could read: {readable}"


def test_development_build_stays_out_of_the_readers_schemas(
    warehouse: Warehouse,
) -> None:
    """Plain `dbt build --target postgres` builds into <target schema>_<schema>
    (dbt_<PGUSER>_marts, ...) and grants the BI role nothing."""
    with closing(warehouse.admin()) as admin:
        before = everything(admin)
    result = run_dbt(
        warehouse.project_dir,
        warehouse.environment(),
        "build",
        "--select",
        "+dim_province",
        "--indirect-selection",
        "cautious",
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    user = warehouse.server.superuser
    with closing(warehouse.admin()) as admin:
        assert everything(admin) == before
        assert schemas_like(admin, f"dbt\\_{user}\\_%") == [
            f"dbt_{user}_{schema}"
            for schema in ("marts", "raw", "staging", "test_failures")
        ]
        assert relations_of(admin, f"dbt_{user}_marts") == ["dim_province"]
        cursor = admin.cursor()
        cursor.execute(
            "select count(*) from pg_namespace where nspname like 'dbt\\_%%'"
            " and has_schema_privilege(%s, oid, 'USAGE')",
            (BI_ROLE,),
        )
        assert cursor.fetchone() == (0,)


def test_development_build_refuses_a_release_schema_as_its_own(
    warehouse: Warehouse,
) -> None:
    result = run_dbt(
        warehouse.project_dir,
        warehouse.environment(OOK_UW_ZAAK_PG_SCHEMA=MARTS),
        "parse",
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-3000:]
    assert "a name kept for published releases" in output, output[-3000:]
