"""Where each model table's data lives, and which engine a semantic query therefore runs on.

A table reads a source of the workspace (a Parquet file, queried on DuckDB) or a table of a
live connection (queried in that database through Ibis, nothing copied). One query runs on one
engine: the tables it names must all live in one place. A query naming an uploaded file and a
connection's table (or tables of two connections) is refused with the tables and their places
named; a table the join path needs on the way is refused the same way when the engine meets it
(:class:`~app.services.engine_lease.TablePaths` carries the message).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from pipelines.semantic.graph import node_tables
from pipelines.semantic.model import SemanticModel, Table
from pipelines.semantic.query import SemanticError, SemanticQuery

FILES = "files"


@dataclass(frozen=True)
class Home:
    """Where a table's data lives: ``key`` is ``files`` or a connection id."""

    key: str
    label: str
    """How messages name the place: ``an uploaded file``, ``the database “Warehouse”``."""

    @property
    def is_files(self) -> bool:
        return self.key == FILES


def home_of(table: Table, connection_names: Mapping[str, str]) -> Home:
    """The home of ``table``; a connection not in ``connection_names`` keeps its id as name."""
    if table.connection is None:
        return Home(FILES, "an uploaded file")
    found = table.connection.connection_id
    return Home(found, f"the database “{connection_names.get(found, found)}”")


def homes(model: SemanticModel, connection_names: Mapping[str, str]) -> dict[str, Home]:
    """The home of every table of ``model``, by table name."""
    return {t.name: home_of(t, connection_names) for t in model.tables}


def mixed_message(a: str, home_a: Home, b: str, home_b: Home) -> str:
    """Why a query reading ``a`` and ``b`` is refused, with what to do instead."""
    snapshot = a if home_b.is_files else b
    return (
        f"{a} {_where(home_a)} and {b} {_where(home_b)}: a query reads one engine; import a "
        f"snapshot of {snapshot} as a source of the workspace to join them, or query them "
        "separately."
    )


def _where(home: Home) -> str:
    return "is an uploaded file" if home.is_files else f"is in {home.label}"


def query_tables(model: SemanticModel, query: SemanticQuery) -> list[str]:
    """The model tables ``query`` names (aliases as their base table), in order of mention."""
    nodes = node_tables(model)
    found: list[str] = []
    for field in _fields(query):
        head = field.split(".", 1)[0]
        measure = model.measure(head) if "." not in field else None
        table = measure.table if measure is not None else nodes.get(head, head)
        if model.table(table) is not None and table not in found:
            found.append(table)
    return found


def _fields(query: SemanticQuery) -> Iterator[str]:
    yield from query.measures
    yield from query.dimensions
    yield from (f.field for f in query.filters)
    yield from (c.measure for c in query.compare)
    if query.over_time is not None:
        yield from (f for f in (query.over_time.start, query.over_time.end) if f)
    if query.first_seen is not None:
        yield from (f for f in (query.first_seen.entity, query.first_seen.date) if f)


def choose_home(
    model: SemanticModel, query: SemanticQuery, table_homes: Mapping[str, Home]
) -> tuple[str | None, Home]:
    """The table the query is anchored on and the home it runs in.

    Raises
    ------
    SemanticError
        Naming two tables of the query that live in different places.
    """
    named = query_tables(model, query)
    if not named:
        return None, Home(FILES, "an uploaded file")
    anchor = named[0]
    home = table_homes[anchor]
    for other in named[1:]:
        if table_homes[other].key != home.key:
            raise SemanticError(mixed_message(anchor, home, other, table_homes[other]), other)
    return anchor, home


def elsewhere_problems(
    anchor: str | None, home: Home, table_homes: Mapping[str, Home]
) -> dict[str, str]:
    """For each table not in ``home``: why this query cannot read it (for ``TablePaths``)."""
    return {
        name: mixed_message(anchor or name, home, name, other)
        for name, other in table_homes.items()
        if other.key != home.key
    }
