"""Running SQL on a connection: read-only transaction, statement timeout, row cap, cancel.

Every statement DataPilot sends to a connection (the user's guarded SQL, previews, sampled
profiles) runs here:

* PostgreSQL: ``SET TRANSACTION READ ONLY`` and ``SET LOCAL statement_timeout``; rows stream
  one by one (psycopg's single-row mode, one statement only), so a row cap never loads more;
  cancel is psycopg's cancel request on the query's own connection.
* MySQL/MariaDB: ``START TRANSACTION READ ONLY`` after the session's statement time limit
  (MariaDB ``max_statement_time``, MySQL ``max_execution_time``) and ``sql_select_limit``;
  rows stream from an unbuffered cursor; cancel is ``KILL QUERY`` on a separate connection.

The database refuses writes in the read-only transaction even if the guard let one through.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from pipelines.query.results import json_value

from .check import connect
from .errors import RemoteQueryCancelled, RemoteQueryFailed
from .spec import ConnectionSpec, open_control_engine

_MYSQL_TIMEOUT_CODES = frozenset({1969, 3024})  # MariaDB max_statement_time, MySQL 5.7+
_MYSQL_INTERRUPTED = 1317
_PG_CANCELED = "57014"


@dataclass(frozen=True)
class RemoteResult:
    """Rows of a query on a connection (at most the cap; ``truncated`` when there were more)."""

    columns: tuple[str, ...]
    types: tuple[str, ...]
    rows: list[list[Any]]
    truncated: bool
    elapsed_ms: float

    def as_json(self) -> dict[str, Any]:
        """``{columns, types, rows, truncated, elapsed_ms}`` with JSON-safe values."""
        return {
            "columns": list(self.columns),
            "types": list(self.types),
            "rows": [[json_value(v) for v in row] for row in self.rows],
            "truncated": self.truncated,
            "elapsed_ms": round(self.elapsed_ms, 3),
        }


@dataclass
class _Running:
    """A query in flight: what its canceller needs."""

    driver: Any = None
    backend_id: int | None = None
    cancelled: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)


class ReadOnlyRunner:
    """Runs statements on one connection's engine, each in its own read-only transaction.

    Parameters
    ----------
    spec, engine
        The connection and its pool.
    timeout_seconds
        Default statement timeout.
    """

    def __init__(self, spec: ConnectionSpec, engine: Engine, timeout_seconds: float) -> None:
        self.spec = spec
        self.engine = engine
        self.timeout_seconds = timeout_seconds
        self._running: dict[str, _Running] = {}
        self._lock = threading.Lock()
        self._control: Engine | None = None
        self._timeout_var: str | None = None

    def running(self) -> list[str]:
        with self._lock:
            return list(self._running)

    def dispose(self) -> None:
        self.engine.dispose()
        if self._control is not None:
            self._control.dispose()

    # -- running ----------------------------------------------------------------------------------
    def execute(
        self,
        statement: str | sa.Executable,
        *,
        max_rows: int,
        query_id: str | None = None,
        timeout_seconds: float | None = None,
    ) -> RemoteResult:
        """Run one statement read-only and return at most ``max_rows`` rows.

        ``statement`` is SQL text the caller has already checked (see
        :func:`pipelines.connections.guard.check_remote_sql`) or a SQLAlchemy statement built
        from catalog names. This does not guard; the read-only transaction still refuses
        writes.

        Raises
        ------
        RemoteQueryFailed
            The database refused or failed it (its own message).
        RemoteQueryCancelled
            :meth:`cancel` stopped it (reason ``user``) or the timeout did (``timeout``).
        ConnectionFailed
            The server could not be reached.
        ValueError
            ``query_id`` is already running.
        """
        timeout = self.timeout_seconds if timeout_seconds is None else timeout_seconds
        handle = _Running()
        if query_id is not None:
            with self._lock:
                if query_id in self._running:
                    raise ValueError(f"query {query_id!r} is already running")
                self._running[query_id] = handle
        started = time.perf_counter()
        try:
            with connect(self.engine, self.spec) as conn:
                try:
                    with self._errors(handle, timeout):
                        self._begin(conn, handle, timeout, max_rows)
                        columns, rows = self._fetch(conn, statement, max_rows + 1)
                        conn.rollback()
                finally:
                    if self.spec.kind == "mysql":
                        self._reset_session(conn)
            if handle.cancelled:  # a cancel that came as the last row did (or SLEEP's 1)
                raise RemoteQueryCancelled("user", "The query was cancelled.")
        finally:
            if query_id is not None:
                with self._lock:
                    self._running.pop(query_id, None)
        elapsed = (time.perf_counter() - started) * 1000
        truncated = len(rows) > max_rows
        rows = rows[:max_rows]
        return RemoteResult(tuple(columns), _types(rows, len(columns)), rows, truncated, elapsed)

    def cancel(self, query_id: str) -> bool:
        """Stop the running query ``query_id``; False when none runs under that id."""
        with self._lock:
            handle = self._running.get(query_id)
        if handle is None:
            return False
        with handle.lock:
            handle.cancelled = True
            driver, backend_id = handle.driver, handle.backend_id
        if self.spec.kind == "postgres" and driver is not None:
            getattr(driver, "cancel_safe", driver.cancel)()
        elif backend_id is not None:
            with self._control_engine().connect() as conn:
                conn.exec_driver_sql(f"KILL QUERY {int(backend_id)}")
        return True

    # -- parts ------------------------------------------------------------------------------------
    def _begin(self, conn: Connection, handle: _Running, timeout: float, cap: int) -> None:
        driver = conn.connection.driver_connection
        if self.spec.kind == "postgres":
            conn.exec_driver_sql("SET TRANSACTION READ ONLY")
            conn.exec_driver_sql(f"SET LOCAL statement_timeout = {max(1, int(timeout * 1000))}")
            backend_id = None
        else:
            for setting in self._mysql_settings(conn, timeout, cap + 1):
                conn.exec_driver_sql(setting)
            conn.exec_driver_sql("START TRANSACTION READ ONLY")
            backend_id = int(driver.thread_id())  # type: ignore[union-attr]
        with handle.lock:
            if handle.cancelled:
                raise RemoteQueryCancelled("user", "The query was cancelled.")
            handle.driver, handle.backend_id = driver, backend_id

    def _mysql_settings(self, conn: Connection, timeout: float, rows: int) -> list[str]:
        limit = (
            f"SET SESSION max_statement_time = {max(0.001, timeout):.3f}"
            if self._timeout_variable(conn) == "max_statement_time"
            else f"SET SESSION max_execution_time = {max(1, int(timeout * 1000))}"
        )
        return [limit, f"SET SESSION sql_select_limit = {int(rows)}"]

    def _timeout_variable(self, conn: Connection) -> str:
        """MariaDB's ``max_statement_time`` or MySQL's ``max_execution_time`` (asked once)."""
        if self._timeout_var is None:
            version = str(conn.exec_driver_sql("SELECT version()").scalar())
            mariadb = "mariadb" in version.lower()
            self._timeout_var = "max_statement_time" if mariadb else "max_execution_time"
        return self._timeout_var

    def _reset_session(self, conn: Connection) -> None:
        """Put the pooled MySQL session's row cap and time limit back (they are per session:
        left set, the next user of the connection, such as the catalog, would inherit them)."""
        try:
            conn.rollback()
            conn.exec_driver_sql(
                f"SET SESSION sql_select_limit = DEFAULT, {self._timeout_variable(conn)} = DEFAULT"
            )
            conn.rollback()
        except Exception:  # a broken session is not handed out again
            conn.invalidate()

    def _fetch(
        self, conn: Connection, statement: str | sa.Executable, count: int
    ) -> tuple[list[str], list[list[Any]]]:
        if not isinstance(statement, str):
            result = conn.execute(statement)
            return list(result.keys()), [list(r) for r in result.fetchmany(count)]
        driver: Any = conn.connection.driver_connection
        if self.spec.kind == "postgres":
            cursor = driver.cursor()
            try:
                rows = []
                stream = cursor.stream(statement)
                for row in stream:
                    rows.append(list(row))
                    if len(rows) >= count:
                        break
                stream.close()
                return _names(cursor.description), rows
            finally:
                cursor.close()
        from MySQLdb.cursors import SSCursor  # type: ignore[import-untyped]

        cursor = driver.cursor(SSCursor)
        try:
            cursor.execute(statement)
            rows = [list(r) for r in cursor.fetchmany(count)]
            return _names(cursor.description), rows
        finally:
            cursor.close()

    @contextmanager
    def _errors(self, handle: _Running, timeout: float) -> Iterator[None]:
        try:
            yield
        except sa.exc.DBAPIError as exc:
            raise self._translate(exc.orig or exc, handle, timeout) from None
        except (RemoteQueryCancelled, RemoteQueryFailed):
            raise
        except Exception as exc:  # the driver's own errors, raised from its cursor directly
            if type(exc).__module__.split(".")[0] in ("psycopg", "MySQLdb"):
                raise self._translate(exc, handle, timeout) from None
            raise

    def _translate(self, orig: BaseException, handle: _Running, timeout: float) -> Exception:
        code = getattr(orig, "sqlstate", None)
        args: tuple[Any, ...] = tuple(getattr(orig, "args", ()))
        number = args[0] if args and isinstance(args[0], int) else None
        interrupted = code == _PG_CANCELED or number in (_MYSQL_INTERRUPTED, *_MYSQL_TIMEOUT_CODES)
        if interrupted:
            if handle.cancelled:
                return RemoteQueryCancelled("user", "The query was cancelled.")
            return RemoteQueryCancelled(
                "timeout", f"The query was stopped after the time limit of {timeout:g} seconds."
            )
        text = str(args[1]) if number is not None and len(args) > 1 else str(orig)
        return RemoteQueryFailed(text.strip().splitlines()[0] if text.strip() else repr(orig))

    def _control_engine(self) -> Engine:
        with self._lock:
            if self._control is None:
                self._control = open_control_engine(self.spec)
            return self._control


def _names(description: Sequence[Any] | None) -> list[str]:
    return [str(d[0]) for d in description or ()]


def _types(rows: list[list[Any]], width: int) -> tuple[str, ...]:
    """The logical type of each result column, from its first non-empty value."""
    import datetime as dt
    import decimal

    found = []
    for index in range(width):
        value = next((r[index] for r in rows if r[index] is not None), None)
        if isinstance(value, bool):
            found.append("boolean")
        elif isinstance(value, int):
            found.append("integer")
        elif isinstance(value, float | decimal.Decimal):
            found.append("decimal")
        elif isinstance(value, dt.datetime):
            found.append("timestamp")
        elif isinstance(value, dt.date):
            found.append("date")
        else:
            found.append("text")
    return tuple(found)
