"""Set up Superset on the published warehouse and serve it on this machine.

Run by `make superset` with the interpreter of Superset's own environment, and with
SUPERSET_HOME (the project's .superset/ folder), SUPERSET_CONFIG_PATH (the
configuration beside this file) and the database's URI in OOK_UW_ZAAK_DATABASE_URI:
the DuckDB file's hardened URI, or (TARGET=postgres) the PostgreSQL marts' as the
BI role, without a password (BI_READER_PASSWORD gives it one, kept encrypted in
the metadata database; else libpq reads PGPASSFILE or ~/.pgpass).
Each run keeps what is there: it upgrades Superset's metadata database, creates the
`admin` user only once (its password in .superset/admin-password), imports the
shipped dashboard over its earlier import (same uuids; on PostgreSQL a copy with
uuids of its own, beside the DuckDB one), sets the shipped database's connection
to this run's with every way of writing through it off, checks that Superset
reads the datasets' tables through it, and leaves every other chart and dashboard
as the user made them.
"""

from __future__ import annotations

import io
import os
import re
import secrets
import sys
import uuid
import zipfile
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
DASHBOARD = HERE / "dashboard"
ADMIN = "admin"
# The BI role's password, for TARGET=postgres: read once, never printed, stored only
# by Superset (encrypted with its secret key); the server started after has it not.
PASSWORD_VARIABLE = "BI_READER_PASSWORD"
# The PostgreSQL route's copy of the dashboard sits beside the DuckDB one: its
# database, datasets, charts and dashboard have uuids of their own (derived from the
# shipped ones, the same on every run), and its names and slug say PostgreSQL.
POSTGRES_NAME = " (PostgreSQL)"
POSTGRES_SLUG = "-postgresql"
UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")


def _private_file(path: Path, text: str) -> None:
    """Write a file only its owner can read, never with wider rights in between."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(text)
    path.chmod(0o600)


def ensure_secret_key(home: Path) -> None:
    key = home / "secret-key"
    if not key.exists():
        _private_file(key, secrets.token_urlsafe(48) + "\n")


def is_postgres(database_uri: str) -> bool:
    return database_uri.split(":", 1)[0].split("+", 1)[0] == "postgresql"


def _postgres_uuid(match: re.Match[str]) -> str:
    return str(uuid.uuid5(uuid.UUID(match.group()), "postgresql"))


def _for_postgres(folder: str, config: dict) -> None:
    """The PostgreSQL copy's names. Its datasets keep schema `marts` (the published
    schema's name on both engines) and no catalog: a catalog would tie them to one
    PostgreSQL database, while the connection follows PGDATABASE. Their columns'
    types (INTEGER, FLOAT, VARCHAR, DATE) and the charts' SQL (max, count) read the
    same on both engines."""
    if folder == "databases":
        config["database_name"] += POSTGRES_NAME
    elif folder == "dashboards":
        config["slug"] += POSTGRES_SLUG
        config["dashboard_title"] += POSTGRES_NAME
        config["position"]["HEADER_ID"]["meta"]["text"] = config["dashboard_title"]


def dashboard_bundle(database_uri: str) -> bytes:
    """The shipped dashboard as the zip Superset imports, with the database's
    URI replaced by this machine's; for a PostgreSQL URI, its PostgreSQL copy."""
    postgres = is_postgres(database_uri)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        for path in sorted(DASHBOARD.rglob("*.yaml")):
            text = path.read_text()
            folder = path.parent.name
            if postgres:
                text = UUID.sub(_postgres_uuid, text)
            if folder == "databases" or (postgres and folder == "dashboards"):
                config = yaml.safe_load(text)
                if folder == "databases":
                    config["sqlalchemy_uri"] = database_uri
                if postgres:
                    _for_postgres(folder, config)
                text = yaml.safe_dump(config, sort_keys=False, allow_unicode=True)
            name = f"ook_uw_zaak_dashboard/{path.relative_to(DASHBOARD)}"
            bundle.writestr(name, text)
    return buffer.getvalue()


def _shipped(contents: dict[str, str], folder: str) -> list[dict]:
    return [
        yaml.safe_load(text)
        for name, text in contents.items()
        if name.startswith(f"{folder}/")
    ]


def _without(text: str, secret: str | None) -> str:
    return text.replace(secret, "***") if secret else text


def register_database(config: dict, database_uri: str, password: str | None) -> Any:
    """Set the shipped database's connection to this run's (the dashboard's import
    leaves an existing database as it was), with `password`, or else the one
    stored earlier, and switch off every way of writing through it."""
    from superset.databases.utils import make_url_safe
    from superset.extensions import db
    from superset.models.core import Database

    database = (
        db.session.query(Database).filter_by(uuid=uuid.UUID(config["uuid"])).one()
    )
    url = make_url_safe(database_uri).set(password=password or database.password)
    database.set_sqlalchemy_uri(str(url))  # stores the password apart, encrypted
    database.allow_dml = False
    database.allow_ctas = False
    database.allow_cvas = False
    database.allow_file_upload = False
    return database


def check_database(database: Any, datasets: list[dict], password: str | None) -> None:
    """Stop, saying why, unless Superset reads every dataset's table through the
    database as registered."""
    from sqlalchemy import inspect

    postgres = is_postgres(database.sqlalchemy_uri)
    try:
        with database.get_sqla_engine() as engine:
            inspector = inspect(engine)
            missing = [
                f"{each['schema']}.{each['table_name']}"
                for each in datasets
                if not inspector.has_table(each["table_name"], schema=each["schema"])
            ]
    except Exception as error:  # any driver's error: said, and stopped on
        reason = str(error).strip().splitlines()[0]
        reason = _without(reason, password or database.password)
        if not postgres:
            raise SystemExit(f"Superset cannot open the warehouse: {reason}") from None
        url = database.url_object
        kept = (
            "It used the password Superset kept from an earlier run. "
            if database.password and not password
            else ""
        )
        raise SystemExit(
            f"Superset cannot connect to PostgreSQL as {url.username} "
            f"({url.host or url.query.get('host')}, database {url.database}): "
            f"{reason}\n{kept}Give the role's password in {PASSWORD_VARIABLE} "
            "(Superset keeps it, encrypted, for later runs), or in a line "
            f"`host:port:{url.database}:{url.username}:password` of ~/.pgpass "
            f"(or PGPASSFILE). {url.username} has no password until a DBA gives it "
            "one (docs/postgresql.md)."
        ) from None
    if missing:
        build = "make build TARGET=postgres" if postgres else "make build"
        raise SystemExit(
            f"Superset finds no {', '.join(missing)} in the warehouse: run {build} "
            "first."
        )


def set_up(home: Path, database_uri: str, reader_password: str | None) -> None:
    from flask import g
    from flask_migrate import upgrade
    from superset.app import create_app

    app = create_app()
    with app.app_context():
        print("Superset: upgrading its metadata database", flush=True)
        upgrade()

        from superset.extensions import db

        from superset import appbuilder, security_manager

        print("Superset: setting up roles and permissions", flush=True)
        appbuilder.add_permissions(update_perms=True)
        security_manager.sync_role_definitions()

        password_file = home / "admin-password"
        user = security_manager.find_user(username=ADMIN)
        if user is None or not password_file.exists():
            password = secrets.token_urlsafe(18)
            if user is None:
                security_manager.add_user(
                    ADMIN,
                    "Admin",
                    "User",
                    "admin@localhost",
                    security_manager.find_role("Admin"),
                    password=password,
                )
            else:
                security_manager.reset_password(user.id, password)
            _private_file(password_file, password + "\n")
            db.session.commit()

        if not (DASHBOARD / "metadata.yaml").exists():
            return
        print("Superset: importing the dashboard and its database", flush=True)
        from superset.commands.dashboard.importers.dispatcher import (
            ImportDashboardsCommand,
        )
        from superset.commands.importers.v1.utils import get_contents_from_bundle

        with app.test_request_context():
            g.user = security_manager.find_user(username=ADMIN)
            with zipfile.ZipFile(io.BytesIO(dashboard_bundle(database_uri))) as zipped:
                contents = get_contents_from_bundle(zipped)
            (config,) = _shipped(contents, "databases")
            passwords = {
                name: reader_password
                for name in contents
                if reader_password and name.startswith("databases/")
            }
            ImportDashboardsCommand(contents, overwrite=True, passwords=passwords).run()
            database = register_database(config, database_uri, reader_password)
            db.session.commit()
            print(f"Superset: checking it reads {config['database_name']}", flush=True)
            check_database(database, _shipped(contents, "datasets"), reader_password)


def main() -> int:
    home = Path(os.environ["SUPERSET_HOME"])
    database_uri = os.environ["OOK_UW_ZAAK_DATABASE_URI"]
    # Never in the server's environment: the BI role's password, which Superset
    # keeps encrypted once given, and PGPASSWORD, the publishing user's, which
    # libpq would otherwise send as the BI role's in place of ~/.pgpass's.
    reader_password = os.environ.pop(PASSWORD_VARIABLE, "") or None
    os.environ.pop("PGPASSWORD", None)
    port = os.environ.get("SUPERSET_PORT", "8088")
    os.umask(0o077)  # the metadata database holds the password's hash
    home.mkdir(mode=0o700, exist_ok=True)
    home.chmod(0o700)
    ensure_secret_key(home)
    set_up(home, database_uri, reader_password)
    address = f"http://127.0.0.1:{port}/"
    print(
        f"\nSuperset serves the warehouse at {address} (stop it with Ctrl-C).\n"
        f"Log in as `{ADMIN}`; the password is in {home / 'admin-password'}.\n",
        flush=True,
    )
    gunicorn = Path(sys.executable).with_name("gunicorn")
    os.execv(
        gunicorn,
        [
            str(gunicorn),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--worker-class",
            "gthread",
            "--threads",
            "8",
            "--no-control-socket",
            "--timeout",
            "120",
            "--limit-request-line",
            "0",
            "--limit-request-field_size",
            "0",
            "superset.app:create_app()",
        ],
    )


if __name__ == "__main__":
    sys.exit(main())
