"""A snapshot of a connection's table: its rows streamed, batch by batch, into a Parquet file.

The table is named through the catalog and SQLAlchemy like a preview; the rows come through a
server-side cursor (PostgreSQL: a named cursor; MySQL: an unbuffered one) inside the runner's
read-only transaction with its statement timeout, ``batch_rows`` at a time, each batch written
as a Parquet row group before the next is read: memory holds one batch, never the table.
The Parquet schema comes from the catalog's types (decimals keep their precision and scale).
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import sqlalchemy as sa

from .catalog import RemoteColumn, RemoteTable, table_clause
from .check import connect
from .errors import RemoteQueryCancelled
from .runner import ReadOnlyRunner, _Running

BATCH_ROWS = 10_000
_NO_CAP = 10**15
_DECIMAL = re.compile(r"(?:NUMERIC|DECIMAL)\((\d+),\s*(\d+)\)", re.IGNORECASE)


def arrow_type(column: RemoteColumn) -> pa.DataType:
    """The Parquet column type of a catalog column."""
    server = column.server_type.upper()
    if column.type == "integer":
        return pa.int64()
    if column.type == "boolean":
        return pa.bool_()
    if column.type == "date":
        return pa.date32()
    if column.type == "timestamp":
        zoned = "WITH TIME ZONE" in server or "TIMESTAMPTZ" in server
        return pa.timestamp("us", tz="UTC" if zoned else None)
    if column.type == "decimal":
        found = _DECIMAL.search(server)
        if found and 0 < int(found.group(1)) <= 38:
            return pa.decimal128(int(found.group(1)), int(found.group(2)))
        return pa.float64()
    return pa.string()


def _cell(value: Any, kind: pa.DataType) -> Any:
    if value is None:
        return None
    if pa.types.is_string(kind) and not isinstance(value, str):
        return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    if pa.types.is_floating(kind):
        return float(value)
    if pa.types.is_boolean(kind):
        return bool(value)
    if pa.types.is_timestamp(kind) and kind.tz and isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return value


def export_parquet(
    runner: ReadOnlyRunner,
    table: RemoteTable,
    columns: list[RemoteColumn],
    dest: Path,
    *,
    batch_rows: int = BATCH_ROWS,
    timeout_seconds: float | None = None,
    cancel: threading.Event | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write every row of ``table`` to ``dest`` (Parquet), ``batch_rows`` at a time; the rows.

    Raises
    ------
    RemoteQueryCancelled
        ``cancel`` was set (reason ``user``) or the timeout stopped the query.
    RemoteQueryFailed, ConnectionFailed
        As :meth:`ReadOnlyRunner.execute`.
    """
    schema = pa.schema([pa.field(c.name, arrow_type(c)) for c in columns])
    source = table_clause(table, columns)
    statement = sa.select(*source.columns).select_from(source)
    timeout = runner.timeout_seconds if timeout_seconds is None else timeout_seconds
    handle = _Running()
    written = 0
    with connect(runner.engine, runner.spec) as conn:
        sql = str(statement.compile(dialect=conn.dialect))
        try:
            with runner._errors(handle, timeout), pq.ParquetWriter(dest, schema) as writer:
                runner._begin(conn, handle, timeout, _NO_CAP)
                for batch in _batches(runner, conn, sql, batch_rows):
                    if cancel is not None and cancel.is_set():
                        raise RemoteQueryCancelled("user", "The snapshot was cancelled.")
                    data = {
                        f.name: [_cell(row[i], f.type) for row in batch]
                        for i, f in enumerate(schema)
                    }
                    writer.write_table(pa.Table.from_pydict(data, schema=schema))
                    written += len(batch)
                    if progress is not None:
                        progress(written)
                conn.rollback()
        finally:
            if runner.spec.kind == "mysql":
                runner._reset_session(conn)
    return written


def _batches(runner: ReadOnlyRunner, conn: Any, sql: str, size: int) -> Any:
    driver: Any = conn.connection.driver_connection
    if runner.spec.kind == "postgres":
        cursor = driver.cursor(name="datapilot_snapshot")
    else:
        from MySQLdb.cursors import SSCursor  # type: ignore[import-untyped]

        cursor = driver.cursor(SSCursor)
    try:
        cursor.execute(sql)
        while True:
            rows = cursor.fetchmany(size)
            if not rows:
                return
            yield rows
    finally:
        cursor.close()
