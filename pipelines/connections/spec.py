"""What a live database connection is: :class:`ConnectionSpec`, and the engine it opens.

An engine has a bounded pool (``pool_size`` connections, no overflow) and a short connect
timeout; PostgreSQL goes through psycopg 3, MySQL and MariaDB through mysqlclient (MySQLdb).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine

from .errors import ConnectionFailed

Kind = Literal["postgres", "mysql"]
TlsMode = Literal["disable", "prefer", "require", "verify-full"]

KINDS: tuple[Kind, ...] = ("postgres", "mysql")
TLS_MODES: tuple[TlsMode, ...] = ("disable", "prefer", "require", "verify-full")
DEFAULT_PORTS: dict[Kind, int] = {"postgres": 5432, "mysql": 3306}

_MYSQL_SSL_MODES: dict[TlsMode, str] = {
    "disable": "DISABLED",
    "prefer": "PREFERRED",
    "require": "REQUIRED",
    "verify-full": "VERIFY_IDENTITY",
}


@dataclass(frozen=True)
class ConnectionSpec:
    """Where a database is and how to sign in to it.

    Parameters
    ----------
    kind
        ``postgres`` or ``mysql`` (MySQL and MariaDB).
    host, port, database, user, password
        The server and the account; the password is never part of ``repr``.
    tls
        ``disable``, ``prefer``, ``require`` or ``verify-full`` (the certificate and host name
        are checked).
    schema
        The schema browsed first; None: ``public`` on PostgreSQL, the database on MySQL.
    connect_timeout
        Seconds a connection attempt may take.
    """

    kind: Kind
    host: str
    port: int
    database: str
    user: str
    password: str = field(default="", repr=False)
    tls: TlsMode = "prefer"
    schema: str | None = None
    connect_timeout: float = 5.0

    @property
    def dialect(self) -> str:
        """The sqlglot dialect of the server's SQL."""
        return "postgres" if self.kind == "postgres" else "mysql"

    @property
    def default_schema(self) -> str:
        if self.schema:
            return self.schema
        return "public" if self.kind == "postgres" else self.database

    @property
    def where(self) -> str:
        """``host:port/database`` for messages."""
        return f"{self.host}:{self.port}/{self.database}"

    def with_password(self, password: str) -> ConnectionSpec:
        return replace(self, password=password)

    def url(self) -> URL:
        driver = "postgresql+psycopg" if self.kind == "postgres" else "mysql+mysqldb"
        return URL.create(
            driver,
            username=self.user,
            password=self.password or None,
            host=self.host,
            port=self.port,
            database=self.database,
        )

    def connect_args(self) -> dict[str, Any]:
        seconds = max(1, round(self.connect_timeout))
        if self.kind == "postgres":
            return {
                "connect_timeout": seconds,
                "sslmode": self.tls,
                "application_name": "datapilot",
            }
        return {
            "connect_timeout": seconds,
            "ssl_mode": _MYSQL_SSL_MODES[self.tls],
            "charset": "utf8mb4",
            # One statement per call: a second one can never slip past the read-only guard.
            "multi_statements": False,
        }


def _driver_installed(spec: ConnectionSpec) -> None:
    """MySQL's driver is optional (``pip install datapilot[mysql]``): say so, not ImportError."""
    if spec.kind != "mysql":
        return
    try:
        importlib.import_module("MySQLdb")
    except ImportError:
        pass
    else:
        return
    raise ConnectionFailed(
        "other",
        "MySQL and MariaDB connections need the mysqlclient driver, which this server does not "
        "have: install it with pip install 'datapilot[mysql]' (it builds against libmariadb-dev "
        "on Debian and Ubuntu), then restart DataPilot.",
    )


def open_engine(spec: ConnectionSpec, pool_size: int = 2, pool_timeout: float = 10.0) -> Engine:
    """An engine over ``spec`` with at most ``pool_size`` connections (no overflow)."""
    _driver_installed(spec)
    engine = sa.create_engine(
        spec.url(),
        connect_args=spec.connect_args(),
        pool_size=pool_size,
        max_overflow=0,
        pool_timeout=pool_timeout,
        pool_pre_ping=True,
        pool_recycle=1800,
    )
    _enforce_tls(engine, spec)
    return engine


def _enforce_tls(engine: Engine, spec: ConnectionSpec) -> None:
    """Refuse an unencrypted MySQL session when TLS is required.

    The MariaDB client library accepts ``ssl_mode=REQUIRED`` and still connects in plain text
    to a server without TLS; every new session is therefore asked for its cipher.
    """
    if spec.kind != "mysql" or spec.tls not in ("require", "verify-full"):
        return

    def check(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("SHOW SESSION STATUS LIKE 'Ssl_cipher'")
            row = cursor.fetchone()
        finally:
            cursor.close()
        if not row or not row[1]:
            dbapi_connection.close()
            raise ConnectionFailed(
                "tls",
                f"The server at {spec.host}:{spec.port} does not encrypt the connection, and "
                f"the TLS mode “{spec.tls}” requires it: enable TLS on the server or choose "
                "“prefer”.",
            )

    sa.event.listen(engine, "connect", check)


def open_control_engine(spec: ConnectionSpec) -> Engine:
    """An unpooled engine for short side calls (``KILL QUERY``), outside the bounded pool."""
    _driver_installed(spec)
    engine = sa.create_engine(
        spec.url(), connect_args=spec.connect_args(), poolclass=sa.pool.NullPool
    )
    _enforce_tls(engine, spec)
    return engine
