"""Set up Superset on the published warehouse and serve it on this machine.

Run by `make superset` with the interpreter of Superset's own environment, and with
SUPERSET_HOME (the project's .superset/ folder), SUPERSET_CONFIG_PATH (the
configuration beside this file) and the database's URI in OOK_UW_ZAAK_DATABASE_URI.
Each run keeps what is there: it upgrades Superset's metadata database, creates the
`admin` user only once (its password in .superset/admin-password), registers the
warehouse and imports the shipped dashboard over its earlier import (same uuids),
leaving every other chart and dashboard as the user made them.
"""

from __future__ import annotations

import io
import os
import secrets
import sys
import zipfile
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
DASHBOARD = HERE / "dashboard"
ADMIN = "admin"


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


def dashboard_bundle(database_uri: str) -> bytes:
    """The shipped dashboard as the zip Superset imports, with the database's
    URI replaced by this machine's."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        for path in sorted(DASHBOARD.rglob("*.yaml")):
            text = path.read_text()
            if path.parent.name == "databases":
                config = yaml.safe_load(text)
                config["sqlalchemy_uri"] = database_uri
                text = yaml.safe_dump(config, sort_keys=False, allow_unicode=True)
            name = f"ook_uw_zaak_dashboard/{path.relative_to(DASHBOARD)}"
            bundle.writestr(name, text)
    return buffer.getvalue()


def set_up(home: Path, database_uri: str) -> None:
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
            ImportDashboardsCommand(contents, overwrite=True).run()
            db.session.commit()


def main() -> int:
    home = Path(os.environ["SUPERSET_HOME"])
    database_uri = os.environ["OOK_UW_ZAAK_DATABASE_URI"]
    port = os.environ.get("SUPERSET_PORT", "8088")
    os.umask(0o077)  # the metadata database holds the password's hash
    home.mkdir(mode=0o700, exist_ok=True)
    home.chmod(0o700)
    ensure_secret_key(home)
    set_up(home, database_uri)
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
