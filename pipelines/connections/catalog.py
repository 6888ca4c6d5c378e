"""Browsing a connection: schemas, tables with the catalog's row estimates, typed columns.

Row counts come from the server's statistics (``pg_class.reltuples``,
``information_schema.tables.table_rows``), never from ``COUNT(*)``: a 100 M-row table is
listed as fast as an empty one. Tables are only ever named to the server as this catalog
lists them (:func:`find_table`), quoted by SQLAlchemy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pipelines.ingest.models import ColumnType

from .errors import UnknownTable
from .spec import Kind

_SYSTEM_SCHEMAS = ("information_schema", "mysql", "performance_schema", "sys")


@dataclass(frozen=True)
class RemoteTable:
    """A table or view of a connection, with its estimated row count (None: not known)."""

    schema: str
    name: str
    kind: str
    row_estimate: int | None

    def as_json(self) -> dict[str, Any]:
        return {
            "schema": self.schema,
            "name": self.name,
            "kind": self.kind,
            "row_estimate": self.row_estimate,
        }


@dataclass(frozen=True)
class RemoteColumn:
    """A column with its server type and the project's logical type (see ``ColumnType``)."""

    name: str
    type: ColumnType
    server_type: str
    nullable: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "server_type": self.server_type,
            "nullable": self.nullable,
        }


def list_schemas(conn: Connection, kind: Kind) -> list[str]:
    """The schemas (MySQL: databases) the user may use, system ones left out."""
    if kind == "postgres":
        sql = (
            "SELECT nspname FROM pg_namespace WHERE nspname <> 'information_schema' "
            "AND nspname NOT LIKE 'pg\\_%' AND has_schema_privilege(oid, 'USAGE') ORDER BY 1"
        )
        return [str(s) for s in conn.execute(sa.text(sql)).scalars()]
    rows = conn.execute(
        sa.text("SELECT schema_name FROM information_schema.schemata ORDER BY 1")
    ).scalars()
    return [str(s) for s in rows if str(s).lower() not in _SYSTEM_SCHEMAS]


def list_tables(conn: Connection, kind: Kind, schema: str) -> list[RemoteTable]:
    """The tables and views of ``schema`` the user may read, with estimated row counts."""
    if kind == "postgres":
        sql = (
            "SELECT c.relname, c.relkind, c.reltuples FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = :s "
            "AND c.relkind IN ('r', 'p', 'v', 'm', 'f') "
            "AND has_table_privilege(c.oid, 'SELECT') ORDER BY c.relname"
        )
        kinds = {"r": "table", "p": "table", "v": "view", "m": "view", "f": "table"}
        found = []
        for name, relkind, tuples in conn.execute(sa.text(sql), {"s": schema}).all():
            estimate = None if tuples is None or tuples < 0 or relkind == "v" else int(tuples)
            found.append(RemoteTable(schema, str(name), kinds[str(relkind)], estimate))
        return found
    sql = (
        "SELECT table_name, table_type, table_rows FROM information_schema.tables "
        "WHERE table_schema = :s ORDER BY table_name"
    )
    return [
        RemoteTable(
            schema,
            str(name),
            "view" if "VIEW" in str(kind_).upper() else "table",
            None if rows is None else int(rows),
        )
        for name, kind_, rows in conn.execute(sa.text(sql), {"s": schema}).all()
    ]


def find_table(conn: Connection, kind: Kind, schema: str, name: str) -> RemoteTable:
    """The catalog's entry for ``schema.name`` (exact names), else :class:`UnknownTable`."""
    for table in list_tables(conn, kind, schema):
        if table.name == name:
            return table
    raise UnknownTable(schema, name)


def list_columns(conn: Connection, table: RemoteTable) -> list[RemoteColumn]:
    """The columns of a catalog table, in order, with logical types."""
    inspector = sa.inspect(conn)
    return [
        RemoteColumn(
            str(c["name"]),
            logical_type(c["type"]),
            str(c["type"]),
            bool(c.get("nullable", True)),
        )
        for c in inspector.get_columns(table.name, schema=table.schema)
    ]


def primary_key(conn: Connection, table: RemoteTable) -> list[str]:
    """The primary key's columns (empty for a view or a table without one)."""
    if table.kind != "table":
        return []
    found = sa.inspect(conn).get_pk_constraint(table.name, schema=table.schema)
    return [str(c) for c in found.get("constrained_columns") or []]


def logical_type(server_type: Any) -> ColumnType:
    """The project's logical type of a SQLAlchemy column type (``text`` when unsure)."""
    if isinstance(server_type, sa.Boolean):
        return "boolean"
    if isinstance(server_type, sa.Integer):
        # MySQL's BOOLEAN is TINYINT(1)
        if (
            type(server_type).__name__ == "TINYINT"
            and getattr(server_type, "display_width", 0) == 1
        ):
            return "boolean"
        return "integer"
    if isinstance(server_type, sa.Numeric | sa.Float):
        return "decimal"
    if isinstance(server_type, sa.DateTime):
        return "timestamp"
    if isinstance(server_type, sa.Date):
        return "date"
    return "text"


def table_clause(table: RemoteTable, columns: list[RemoteColumn]) -> sa.TableClause:
    """A SQLAlchemy table for a catalog table (names quoted by the dialect)."""
    return sa.table(table.name, *[sa.column(c.name) for c in columns], schema=table.schema)
