"""A connection as an Ibis backend, for the semantic engine to run model queries where the data is.

The session is read-only and bounded before any query runs: PostgreSQL starts with
``default_transaction_read_only`` and a ``statement_timeout`` (server options of the session),
MySQL/MariaDB is set ``SESSION TRANSACTION READ ONLY`` with its statement time limit
(MariaDB ``max_statement_time``, MySQL ``max_execution_time``). Nothing the engine sends can
change data, and no statement outlives the timeout. The password goes to the driver only.
"""

from __future__ import annotations

from typing import Any

import ibis

from .errors import ConnectionFailed, RemoteQueryCancelled, RemoteQueryFailed
from .spec import ConnectionSpec, _driver_installed


def open_ibis(spec: ConnectionSpec, timeout_seconds: float) -> ibis.BaseBackend:
    """An Ibis backend on ``spec``, read-only, each statement stopped after ``timeout_seconds``.

    Raises
    ------
    ConnectionFailed
        The server could not be reached or refused the sign-in (see :func:`.check.classify`).
    """
    from .check import classify

    _driver_installed(spec)
    millis = max(1, int(timeout_seconds * 1000))
    try:
        if spec.kind == "postgres":
            return ibis.postgres.connect(
                host=spec.host, port=spec.port, user=spec.user, password=spec.password or None,
                database=spec.database, connect_timeout=max(1, round(spec.connect_timeout)),
                sslmode=spec.tls, application_name="datapilot",
                options=f"-c default_transaction_read_only=on -c statement_timeout={millis}",
            )  # fmt: skip
        con: Any = ibis.mysql.connect(
            host=spec.host, port=spec.port, user=spec.user, password=spec.password,
            database=spec.database, connect_timeout=max(1, round(spec.connect_timeout)),
            ssl_mode=_ssl_mode(spec), charset="utf8mb4",
        )  # fmt: skip
    except ConnectionFailed:
        raise
    except Exception as exc:
        raise classify(spec, exc) from None
    try:
        _limit_mysql(con, spec, timeout_seconds)
    except BaseException:
        con.disconnect()
        raise
    return con


def _ssl_mode(spec: ConnectionSpec) -> str:
    return str(spec.connect_args()["ssl_mode"])


def _limit_mysql(con: Any, spec: ConnectionSpec, timeout_seconds: float) -> None:
    """Read-only session with a statement time limit; TLS checked when required."""
    cursor = con.con.cursor()
    try:
        if spec.tls in ("require", "verify-full"):
            cursor.execute("SHOW SESSION STATUS LIKE 'Ssl_cipher'")
            row = cursor.fetchone()
            if not row or not row[1]:
                raise ConnectionFailed(
                    "tls",
                    f"The server at {spec.host}:{spec.port} does not encrypt the connection, "
                    f"and the TLS mode “{spec.tls}” requires it.",
                )
        cursor.execute("SELECT version()")
        version = str(cursor.fetchone()[0]).lower()
        if "mariadb" in version:
            cursor.execute(f"SET SESSION max_statement_time = {max(0.001, timeout_seconds):.3f}")
        else:
            cursor.execute(
                f"SET SESSION max_execution_time = {max(1, int(timeout_seconds * 1000))}"
            )
        cursor.execute("SET SESSION TRANSACTION READ ONLY")
    finally:
        cursor.close()


_TIMEOUT_CODES = frozenset({1317, 1969, 3024})  # MySQL interrupted, MariaDB/MySQL time limits


def driver_error(
    exc: BaseException, timeout_seconds: float
) -> RemoteQueryFailed | RemoteQueryCancelled | ConnectionFailed | None:
    """The pipeline's error for a driver error raised through Ibis (None: not a driver's)."""
    if type(exc).__module__.split(".")[0] not in ("psycopg", "MySQLdb"):
        return None
    args: tuple[Any, ...] = tuple(getattr(exc, "args", ()))
    number = args[0] if args and isinstance(args[0], int) else None
    if getattr(exc, "sqlstate", None) == "57014" or number in _TIMEOUT_CODES:
        return RemoteQueryCancelled(
            "timeout", f"The query was stopped after the time limit of {timeout_seconds:g} seconds."
        )
    if type(exc).__name__ == "OperationalError" and (number is None or number >= 2000):
        return ConnectionFailed("other", "The connection to the database was lost; try again.")
    text = str(args[1]) if number is not None and len(args) > 1 else str(exc)
    first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    return RemoteQueryFailed(first)
