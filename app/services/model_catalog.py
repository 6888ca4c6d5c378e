"""The connection tables a model can add: listed from each connection's catalog, and turned into
model tables with the catalog's columns.

Listing reaches every connection of the workspace (one catalog call per schema), so callers run
it off the event loop; a connection that cannot be read gives a note naming it instead of an
error, and the others are still listed.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from app.services.connections import ConnectionService
from app.services.errors import DomainError, NotFound
from app.services.model_live import names_of
from pipelines.connections import RemoteColumn, RemoteTable
from pipelines.semantic.model import ConnectionTable, Table
from pipelines.semantic.roles import table_from_source
from pipelines.semantic.sources import SourceColumn, SourceSchema

log = logging.getLogger("datapilot.model")
MAX_SCHEMAS = 20
"""Schemas listed per connection (a connection with a schema set lists only that one)."""
MAX_TABLES = 500
"""Tables listed per connection; the note says when there were more."""


@dataclass(frozen=True)
class CatalogTables:
    """The tables of the workspace's connections, each with its label for a picker
    (``Warehouse · public.flights``), and a note for each connection not (fully) listed."""

    tables: list[tuple[str, ConnectionTable]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def has_connections(connections: ConnectionService | None, workspace_id: uuid.UUID | str) -> bool:
    """Whether the workspace has database connections (a store read, no network)."""
    return bool(names_of(connections, workspace_id))


def catalog_tables(
    connections: ConnectionService | None, workspace_id: uuid.UUID | str
) -> CatalogTables:
    """Every table of the workspace's connections, by connection name then schema and table."""
    found = CatalogTables()
    if connections is None:
        return found
    for info in sorted(connections.list(workspace_id), key=lambda c: c.name.casefold()):
        try:
            schemas = [info.schema] if info.schema else connections.schemas(workspace_id, info.id)
            tables: list[RemoteTable] = []
            for schema in schemas[:MAX_SCHEMAS]:
                tables += connections.tables(workspace_id, info.id, schema)
                if len(tables) > MAX_TABLES:
                    break
        except DomainError as exc:
            found.notes.append(f"The tables of “{info.name}” could not be read: {exc}")
            continue
        except Exception:
            log.exception("listing the tables of connection %s failed", info.id)
            found.notes.append(f"The tables of “{info.name}” could not be read.")
            continue
        if len(tables) > MAX_TABLES or len(schemas) > MAX_SCHEMAS:
            found.notes.append(
                f"“{info.name}” has more tables than the picker lists; set the connection's "
                "schema on the Sources page to list only that one."
            )
        for table in tables[:MAX_TABLES]:
            ref = ConnectionTable(
                connection_id=str(info.id), schema_name=table.schema, table=table.name
            )
            found.tables.append((f"{info.name} \u00b7 {ref.display}", ref))
    return found


def catalog_schema(
    key: str,
    name: str,
    table: RemoteTable,
    columns: Sequence[RemoteColumn],
    primary_key: Sequence[str] = (),
) -> SourceSchema:
    """A connection table's columns as the schema the semantic layer reads (no file).

    The catalog has no value counts; a one-column primary key is given one distinct value per
    row, so the key guess of :func:`~pipelines.semantic.roles.table_from_source` picks it.
    """
    rows = max(table.row_estimate or 0, 1)
    unique = primary_key[0] if len(primary_key) == 1 else None
    return SourceSchema(
        source_id=key,
        name=name,
        row_count=rows,
        columns=tuple(
            SourceColumn(c.name, c.name, c.type, distinct_approx=rows if c.name == unique else 0)
            for c in columns
        ),
    )


def model_table(
    connections: ConnectionService | None,
    workspace_id: uuid.UUID | str,
    ref: ConnectionTable,
    taken: set[str],
) -> Table:
    """A new model table reading ``ref``: named after the table (avoiding ``taken``), its
    columns, primary key and suggested roles from the connection's catalog.

    Raises
    ------
    NotFound
        The connection is not in the workspace, or the table not in its catalog.
    ConnectionUnavailable
        The database cannot be reached.
    """
    if connections is None or ref.connection_id not in names_of(connections, workspace_id):
        raise NotFound("That database connection is not in this workspace any more.")
    found, columns, key = connections.describe(
        workspace_id, ref.connection_id, ref.schema_name, ref.table
    )
    table = table_from_source(catalog_schema(ref.key, found.name, found, columns, key), taken)
    return Table.model_validate(
        {**table.model_dump(), "source_id": "", "connection": ref.model_dump()}
    )
