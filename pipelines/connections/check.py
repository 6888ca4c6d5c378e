""" "Test connection": can the server be reached and signed in to, and can the user write?

Reading is all DataPilot does with a connection, so a user that can change data is reported
clearly (``this user can write to …``): the read-only transaction still protects every query,
but a read-only account is the safer setting.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from .errors import ConnectionFailed, FailureKind
from .spec import ConnectionSpec, open_engine

WRITE_PRIVILEGES = frozenset(
    {
        "ALL",
        "ALL PRIVILEGES",
        "INSERT",
        "UPDATE",
        "DELETE",
        "CREATE",
        "DROP",
        "ALTER",
        "INDEX",
        "CREATE VIEW",
        "CREATE ROUTINE",
        "ALTER ROUTINE",
        "CREATE TEMPORARY TABLES",
        "TRIGGER",
        "EVENT",
        "FILE",
        "SUPER",
        "DELETE HISTORY",
    }
)
"""MySQL/MariaDB privileges that change data or schema."""

_MYSQL_CODES: dict[int, FailureKind] = {
    1044: "unknown_database",  # access denied to the database: it is hidden as if missing
    1045: "auth",
    1049: "unknown_database",
    2002: "refused",
    2003: "refused",
    2005: "unknown_host",
    2013: "timeout",
    2026: "tls",
}
_GRANT = re.compile(r"^GRANT (?P<privs>.+?) ON (?P<target>\S+) TO ", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class ConnectionCheck:
    """The outcome of :func:`test_connection`.

    ``ok`` says whether DataPilot could sign in; ``read_only`` whether the user cannot change
    anything DataPilot saw (``writes`` lists what it can change); ``message`` is the sentence
    to show.
    """

    ok: bool
    message: str
    kind: FailureKind | None = None
    read_only: bool | None = None
    writes: tuple[str, ...] = ()
    server_version: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "message": self.message,
            "kind": self.kind,
            "read_only": self.read_only,
            "writes": list(self.writes),
            "server_version": self.server_version,
        }


def classify(spec: ConnectionSpec, exc: BaseException) -> ConnectionFailed:
    """The :class:`ConnectionFailed` for a driver error raised while connecting."""
    orig = getattr(exc, "orig", exc)
    text = str(orig).strip()
    low = text.lower()
    kind: FailureKind = "other"
    if spec.kind == "mysql":
        code = orig.args[0] if getattr(orig, "args", None) else None
        kind = _MYSQL_CODES.get(code, "other") if isinstance(code, int) else "other"
        if kind == "refused" and ("unknown" in low or "name or service" in low):
            kind = "unknown_host"
    elif (
        "password authentication failed" in low
        or "no password supplied" in low
        or ("role" in low and "does not exist" in low)
    ):
        kind = "auth"
    elif "database" in low and "does not exist" in low:
        kind = "unknown_database"
    elif "could not translate host name" in low or "name or service not known" in low:
        kind = "unknown_host"
    elif "connection refused" in low:
        kind = "refused"
    elif "timeout expired" in low or "timed out" in low:
        kind = "timeout"
    elif "ssl" in low or "certificate" in low:
        kind = "tls"
    return ConnectionFailed(kind, _message(spec, kind, text))


def _message(spec: ConnectionSpec, kind: FailureKind, text: str) -> str:
    where = f"{spec.host}:{spec.port}"
    first = text.splitlines()[0] if text else "no reason given"
    if spec.password:
        first = first.replace(spec.password, "…")
    return {
        "refused": f"Nothing answers at {where}: check the host and port, and that the server "
        "accepts connections from this machine.",
        "unknown_host": f"The host “{spec.host}” is unknown: check its spelling.",
        "auth": f"The server at {where} refused the user “{spec.user}”: check the user name "
        "and password.",
        "unknown_database": f"The server at {where} has no database “{spec.database}” that "
        f"“{spec.user}” may use: check its name.",
        "tls": f"The encrypted connection to {where} failed ({first}); check the TLS mode "
        "and the server's certificate.",
        "timeout": f"The server at {where} did not answer within {spec.connect_timeout:g} seconds.",
        "other": f"Could not connect to {where}: {first}",
    }[kind]


def connect(engine: Engine, spec: ConnectionSpec) -> Connection:
    """A connection from ``engine``, its driver errors turned into :class:`ConnectionFailed`."""
    try:
        return engine.connect()
    except sa.exc.TimeoutError:
        raise ConnectionFailed(
            "timeout", f"All connections to {spec.where} are busy; try again in a moment."
        ) from None
    except sa.exc.DBAPIError as exc:
        raise classify(spec, exc) from None


def test_connection(spec: ConnectionSpec, engine: Engine | None = None) -> ConnectionCheck:
    """Sign in to ``spec`` and find whether its user can write (no exception: the result says).

    Parameters
    ----------
    engine
        The pool to use; a one-connection engine is opened (and disposed) when None.
    """
    own = engine is None
    used = open_engine(spec, pool_size=1) if engine is None else engine
    try:
        with connect(used, spec) as conn:
            version = str(conn.exec_driver_sql("SELECT version()").scalar())
            if spec.kind == "postgres":
                writes = postgres_writes(conn, spec.default_schema)
            else:
                writes = mysql_writes(conn, spec.default_schema)
            conn.rollback()
    except ConnectionFailed as exc:
        return ConnectionCheck(False, exc.message, exc.kind)
    except sa.exc.DBAPIError as exc:
        failed = classify(spec, exc)
        return ConnectionCheck(False, failed.message, failed.kind)
    finally:
        if own:
            used.dispose()
    if writes:
        shown = ", ".join(writes[:5]) + (f" and {len(writes) - 5} more" if len(writes) > 5 else "")
        message = (
            f"Connected as “{spec.user}”, but this user can write to {shown}. DataPilot only "
            "reads (every query runs in a read-only transaction); a read-only user is safer."
        )
        return ConnectionCheck(True, message, None, False, tuple(writes), version)
    message = f"Connected as “{spec.user}”: the user is read-only."
    return ConnectionCheck(True, message, None, True, (), version)


def postgres_writes(conn: Connection, schema: str) -> list[str]:
    """What the current PostgreSQL user can change in ``schema`` (empty: read-only)."""
    superuser = conn.execute(
        sa.text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    ).scalar()
    if superuser:
        return ["everything (the user is a superuser)"]
    found: list[str] = []
    if conn.execute(
        sa.text("SELECT has_database_privilege(current_database(), 'CREATE')")
    ).scalar():
        found.append("the database (it may create schemas)")
    exists = conn.execute(
        sa.text("SELECT count(*) FROM pg_namespace WHERE nspname = :s"), {"s": schema}
    ).scalar()
    if (
        exists
        and conn.execute(
            sa.text("SELECT has_schema_privilege(:s, 'CREATE')"), {"s": schema}
        ).scalar()
    ):
        found.append(f"schema {schema} (it may create tables)")
    tables = conn.execute(
        sa.text(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = :s AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND ("
            "has_table_privilege(c.oid, 'INSERT') OR has_table_privilege(c.oid, 'UPDATE') OR "
            "has_table_privilege(c.oid, 'DELETE') OR has_table_privilege(c.oid, 'TRUNCATE')) "
            "ORDER BY c.relname"
        ),
        {"s": schema},
    ).scalars()
    found.extend(f"table {schema}.{name}" for name in tables)
    return found


def mysql_writes(conn: Connection, database: str) -> list[str]:
    """What the current MySQL/MariaDB user can change in ``database`` (from SHOW GRANTS)."""
    grants = [str(row[0]) for row in conn.exec_driver_sql("SHOW GRANTS").all()]
    return writes_in_grants(grants, database)


def writes_in_grants(grants: Sequence[str], database: str) -> list[str]:
    """The targets covering ``database`` that ``grants`` (SHOW GRANTS lines) may write to."""
    found: list[str] = []
    for line in grants:
        match = _GRANT.match(line.strip())
        if match is None or match["privs"].upper().startswith("PROXY"):
            continue
        target = match["target"].replace("`", "")
        db, _, table = target.partition(".")
        if db != "*" and db.replace("\\_", "_").lower() != database.lower():
            continue
        privileges = {p.strip().split("(")[0].strip().upper() for p in _split(match["privs"])}
        if privileges & WRITE_PRIVILEGES:
            if db == "*":
                found.append("every database (global privileges)")
            elif table == "*":
                found.append(f"database {database}")
            else:
                found.append(f"table {database}.{table}")
    return found


def _split(privileges: str) -> list[str]:
    """``SELECT (a, b), INSERT`` -> ``["SELECT (a, b)", "INSERT"]`` (commas in columns kept)."""
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for char in privileges:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


test_connection.__test__ = False  # type: ignore[attr-defined]  # a function, not a pytest test
