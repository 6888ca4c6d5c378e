"""Compiled semantic queries: built once per engine and query, then only run.

Compiling a query (resolving its fields, building the Ibis expression, generating the SQL)
costs milliseconds, about as much as a small query takes to run; a dashboard or a notebook asks
the same questions again and again. :class:`SemanticEngine` keeps what it compiled here, keyed
by the query's full content, and runs the SQL on a cursor of its own connection, so queries on
one engine run side by side and rows come straight from DuckDB (no pandas in between).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from pipelines.ingest.sql import ident, literal

from .query import QueryResult, SemanticQuery

__all__ = [
    "MAX_COMPILED",
    "CompiledQueries",
    "CompiledQuery",
    "fetch_rows",
    "query_key",
    "register_view",
    "share_session",
]

MAX_COMPILED = 256
"""Compiled queries an engine keeps (least recently used dropped first)."""

Kind = Literal["dimension", "measure"]


@dataclass(frozen=True)
class CompiledQuery:
    """One query as the engine runs it: its Ibis expression, SQL and column description."""

    expr: ir.Table
    sql: str
    columns: tuple[str, ...]
    labels: Mapping[str, str]
    kinds: Mapping[str, Kind]
    types: Mapping[str, str]

    def result(self, rows: list[list[Any]]) -> QueryResult:
        """The query's result with ``rows`` (fresh containers: callers may change them)."""
        return QueryResult(
            list(self.columns),
            rows,
            self.sql,
            dict(self.labels),
            dict(self.kinds),
            dict(self.types),
        )


def query_key(query: SemanticQuery) -> str:
    """Everything that makes two queries differ, as text.

    ``repr`` of the dumped query keeps value types apart (``1`` and ``'1'``, a date and its ISO
    text), so two queries share a key only when they would compile to the same expression.
    """
    return repr(query.model_dump())


class CompiledQueries:
    """A thread-safe, bounded, least-recently-used map of query key to compiled query."""

    def __init__(self, max_entries: int = MAX_COMPILED) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self.max_entries = max_entries
        self._entries: OrderedDict[str, CompiledQuery] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str) -> CompiledQuery | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key: str, compiled: CompiledQuery) -> None:
        with self._lock:
            self._entries[key] = compiled
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)


def share_session(con: ibis.BaseBackend) -> None:
    """Make the session time zone of a DuckDB connection global, so its cursors use it too
    (Ibis sets the time zone per session, and a cursor starts from the global settings)."""
    raw = getattr(con, "con", None) if con.name == "duckdb" else None
    if raw is None:
        return
    row = raw.execute("SELECT current_setting('TimeZone')").fetchone()
    if row is not None:
        zone = str(row[0]).replace("'", "''")
        raw.execute(f"SET GLOBAL TimeZone = '{zone}'")


def register_view(con: ibis.BaseBackend, name: str, path: Path) -> ir.Table:
    """A view named ``name`` over the Parquet file ``path``: on DuckDB a plain (not temporary)
    view, which the cursors queries run on can see."""
    raw = getattr(con, "con", None) if con.name == "duckdb" else None
    if raw is None:
        return con.read_parquet(path, table_name=name)
    # The name and the path are quoted by ident() and literal().
    view = f"{ident(name)} AS SELECT * FROM read_parquet({literal(path)})"  # noqa: S608
    raw.execute(f"CREATE OR REPLACE VIEW {view}")
    return con.table(name)


def fetch_rows(
    con: ibis.BaseBackend, compiled: CompiledQuery, lock: threading.Lock
) -> list[list[Any]]:
    """Run ``compiled`` on ``con`` and return its rows as lists of Python values.

    On DuckDB each call runs on its own cursor (cursors of one connection share its views and
    may run at the same time); other backends run one query at a time under ``lock``, and
    their values are typed as the expression's schema says.
    """
    raw = getattr(con, "con", None) if con.name == "duckdb" else None
    if raw is not None:
        cursor = raw.cursor()
        try:
            return [list(row) for row in cursor.execute(compiled.sql).fetchall()]
        finally:
            cursor.close()
    if con.name == "postgres":
        # Ibis fetches PostgreSQL results through a server-side cursor, which never runs in
        # parallel (half the speed on two cores): the rows are read off a plain cursor, then
        # typed as Ibis types them.
        struct = compiled.expr.schema().as_struct().to_pyarrow()
        with lock:
            cursor = con.raw_sql(compiled.sql)
            try:
                rows = cursor.fetchall()
            finally:
                cursor.close()
        return [list(row.values()) for row in pa.array(rows, type=struct).to_pylist()]
    with lock:
        arrow = con.to_pyarrow(compiled.expr)
    return [list(row.values()) for row in arrow.to_pylist()]
