"""The ERD's picker offers the tables of database connections next to the files: labels,
what is already in the model, adding one through ``load_table`` (run in a worker thread), a
refusal shown as the editor's message, and the canvas's database marker."""

from __future__ import annotations

import asyncio

import pytest

from components.model import graph as erd_graph
from components.model.erd import ErdEditor
from pipelines.semantic import Column, SemanticModel, SourceColumn, SourceSchema, Table
from pipelines.semantic.model import ConnectionTable

FLIGHTS = ConnectionTable(connection_id="c1", schema_name="public", table="flights")
AIRLINES = ConnectionTable(connection_id="c1", schema_name="public", table="airlines")
CHOICES = [
    ("Warehouse \u00b7 public.airlines", AIRLINES),
    ("Warehouse \u00b7 public.flights", FLIGHTS),
]
TARGETS = SourceSchema(
    source_id="s-targets", name="Targets", row_count=3,
    columns=(SourceColumn("carrier", "carrier", "text"),),
)  # fmt: skip


class Unreachable(Exception):
    """A domain error as the services raise them (it carries an HTTP status)."""

    status = 502


def live_table(ref: ConnectionTable, taken: set[str]) -> Table:
    """What the model service builds: the table named after the database's, avoiding ``taken``."""
    name = ref.table if ref.table not in taken else f"{ref.table}_2"
    return Table(
        name=name, connection=ref, label=ref.table,
        columns=[Column(name="carrier", type="text"), Column(name="distance", type="integer")],
    )  # fmt: skip


def editor(**params: object) -> ErdEditor:
    params = {"load_table": live_table, **params}
    return ErdEditor(model=SemanticModel(), sources=[TARGETS], connection_tables=CHOICES, **params)


def test_the_picker_offers_files_then_the_connections_tables() -> None:
    erd = editor()
    assert erd._source_select.options == {
        "Targets": "s-targets",
        "Warehouse \u00b7 public.airlines": AIRLINES.key,
        "Warehouse \u00b7 public.flights": FLIGHTS.key,
    }
    assert not erd._add.disabled


def test_adding_a_connection_table_puts_it_in_the_model_and_out_of_the_picker() -> None:
    erd = editor()
    assert asyncio.run(erd.add_connection_table(FLIGHTS))
    table = erd.model.table("flights")
    assert table is not None and table.connection == FLIGHTS and table.source_id == ""
    assert table.position is not None  # placed on the grid like a file's table
    assert FLIGHTS.key not in erd._source_select.options.values()
    assert AIRLINES.key in erd._source_select.options.values()
    assert erd.can_undo and not erd.adding


def test_the_add_button_adds_the_picked_connection_table() -> None:
    erd = editor()
    erd._source_select.value = AIRLINES.key
    asyncio.run(erd._add_clicked())
    assert [t.name for t in erd.model.tables] == ["airlines"]


def test_add_all_sources_adds_only_the_files() -> None:
    erd = editor()
    assert erd.add_all_sources()
    assert [t.source_key for t in erd.model.tables] == ["s-targets"]
    assert erd._add_all.disabled and not erd._add.disabled  # connection tables still offered


def test_a_table_that_cannot_be_read_is_refused_with_the_reason() -> None:
    def unreachable(ref: ConnectionTable, taken: set[str]) -> Table:
        raise Unreachable("the database “Warehouse” cannot be reached: connection refused")

    erd = editor(load_table=unreachable)
    assert not asyncio.run(erd.add_connection_table(FLIGHTS))
    assert erd.message == (
        "The table public.flights could not be added: the database “Warehouse” cannot be "
        "reached: connection refused"
    )
    assert erd._notice.visible and erd.model.tables == []


def test_an_unexpected_failure_shows_no_internals(caplog: pytest.LogCaptureFixture) -> None:
    def broken(ref: ConnectionTable, taken: set[str]) -> Table:
        raise KeyError("secret internals")

    erd = editor(load_table=broken)
    assert not asyncio.run(erd.add_connection_table(FLIGHTS))
    assert "secret" not in erd.message and "has been logged" in erd.message
    assert "reading the connection table public.flights failed" in caplog.text


def test_notes_say_which_connections_are_not_listed_and_while_listing() -> None:
    erd = editor(listing_connections=True)
    assert erd._catalog.visible and "Listing the tables" in erd._catalog.object
    erd.param.update(
        listing_connections=False,
        connection_notes=["The tables of “Archive” could not be read: connection refused"],
    )
    assert "Listing" not in erd._catalog.object
    assert "“Archive” could not be read" in erd._catalog.object
    erd.connection_notes = []
    assert not erd._catalog.visible


def test_a_name_taken_meanwhile_gets_a_suffix() -> None:
    erd = editor()
    asyncio.run(erd.add_connection_table(FLIGHTS))
    erd.connection_tables = [*CHOICES, ("Other \u00b7 public.flights", FLIGHTS.model_copy(
        update={"connection_id": "c2"}))]  # fmt: skip
    asyncio.run(erd.add_connection_table(erd.connection_tables[-1][1]))
    assert [t.name for t in erd.model.tables] == ["flights", "flights_2"]


def test_a_connection_table_node_carries_the_database_marker() -> None:
    model = SemanticModel(tables=[live_table(FLIGHTS, set())])
    (node,) = erd_graph.table_nodes(model)
    assert node["label"] == f"{erd_graph.LIVE_MARK} flights"
