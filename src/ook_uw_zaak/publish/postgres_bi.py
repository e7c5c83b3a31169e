"""How BI tools reach the published PostgreSQL marts: as the BI role, on the server
and database the libpq variables name (the ones the publishing build used).

`python -m ook_uw_zaak.publish.postgres_bi` prints the SQLAlchemy URI that
`make superset TARGET=postgres` registers in Superset. It holds no password: the
tool is given the BI role's own (PGPASSWORD is the publishing user's, never the
BI role's).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

from sqlalchemy.engine import URL

from ook_uw_zaak.project import DEFAULT_BI_ROLE
from ook_uw_zaak.publish.identifiers import check_identifier
from ook_uw_zaak.publish.postgres import connection_settings


def sqlalchemy_uri(environment: Mapping[str, str], role: str = DEFAULT_BI_ROLE) -> str:
    """The psycopg2 URI of `role` on the server and database of `environment`'s
    PGHOST, PGPORT, PGDATABASE and PGSSLMODE, with the publishing build's defaults.
    Raises ValueError for a port that is not a number, IdentifierError (a
    ValueError) for a database or role name that breaks the rule."""
    settings = connection_settings(environment)
    check_identifier(role, "The BI role")
    if not settings["port"].isdigit():
        raise ValueError(f"PGPORT is {settings['port']!r}, which is not a port number")
    query = {"sslmode": settings["sslmode"]}
    host: str | None = settings["host"]
    port: int | None = int(settings["port"])
    if host and host.startswith("/"):
        # A Unix socket's folder: libpq takes it, and the port, as parameters.
        query.update(host=host, port=str(port))
        host, port = None, None
    return URL.create(
        "postgresql+psycopg2",
        username=role,
        host=host,
        port=port,
        database=settings["dbname"],
        query=query,
    ).render_as_string(hide_password=False)


def main() -> int:
    try:
        print(sqlalchemy_uri(os.environ))
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
