"""Picking a connection's tables for the model (the Model page's "Add table" picker), through
the model service on a real PostgreSQL / MariaDB: the tables listed with their labels, a note
for a connection that cannot be reached, and a model table built from the catalog that saves
and answers with the generated data's numbers."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from app.pages.model import ModelView
from app.services.errors import NotFound
from app.services.model_catalog import catalog_tables, has_connections, model_table
from app.services.workspaces import WorkspaceService
from pipelines.semantic import SemanticModel, SemanticQuery
from pipelines.semantic.model import ConnectionTable, Join
from tests.integration import test_model_connections as shared
from tests.integration.live_databases import LiveDatabase
from tests.integration.model_connections_data import TARGETS_CSV, distance_by_airline
from tests.integration.test_model_connections import Bench, rows
from tests.integration.test_model_page import wait_until

bench = shared.bench  # the fixture: one workspace with the connection “Warehouse”


def run(coroutine: Any) -> Any:
    """``asyncio.run`` in a thread of its own: the browser suite's Playwright keeps an event loop
    running in the main thread when it ran first in the same process."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def test_the_connections_tables_are_listed_with_a_note_for_one_that_cannot_be_reached(
    bench: Bench, live_db: LiveDatabase
) -> None:
    service = bench.connections.service(bench.admin)
    service.create(
        bench.workspace_id, name="Archive", kind=bench.connection.kind, host="127.0.0.1",
        port=1, database="old", user="nobody", password="x", tls="disable",
    )  # fmt: skip

    found = catalog_tables(service, bench.workspace_id)

    labels = [label for label, _ in found.tables]
    assert f"Warehouse \u00b7 {bench.schema}.flights" in labels
    assert f"Warehouse \u00b7 {bench.schema}.airlines" in labels
    assert not any(label.startswith("Archive") for label in labels)
    assert len(found.notes) == 1 and found.notes[0].startswith(
        "The tables of “Archive” could not be read:"
    )
    ref = dict(found.tables)[f"Warehouse \u00b7 {bench.schema}.flights"]
    assert ref == ConnectionTable(
        connection_id=str(bench.connection.id), schema_name=bench.schema, table="flights"
    )


def test_a_workspace_without_connections_lists_nothing(bench: Bench) -> None:
    empty = WorkspaceService(bench.store.db, bench.admin, bench.files).create("Empty")
    service = bench.connections.service(bench.admin)
    assert has_connections(service, bench.workspace_id)
    assert not has_connections(service, empty.id) and not has_connections(None, empty.id)
    assert catalog_tables(service, empty.id) == catalog_tables(None, empty.id)
    assert catalog_tables(None, empty.id).tables == []


def test_a_table_built_from_the_catalog_saves_and_answers(bench: Bench) -> None:
    models = bench.models()
    service = bench.connections.service(bench.admin)
    ref = {
        name: ConnectionTable(
            connection_id=str(bench.connection.id), schema_name=bench.schema, table=name
        )
        for name in ("flights", "airlines")
    }
    flights = model_table(service, bench.workspace_id, ref["flights"], set())
    airlines = model_table(service, bench.workspace_id, ref["airlines"], {"flights"})

    assert (flights.name, flights.source_id, flights.connection) == ("flights", "", ref["flights"])
    assert {"id", "carrier", "origin", "distance", "dep_delay"} <= {c.name for c in flights.columns}
    assert airlines.connection == ref["airlines"] and airlines.primary_key == "carrier"
    # a name already taken gets a suffix
    again = model_table(service, bench.workspace_id, ref["flights"], {"flights"})
    assert again.name == "flights_2"

    model = SemanticModel(
        tables=[flights, airlines],
        joins=[
            Join.model_validate(
                {
                    "id": "flights_airlines",
                    "left_table": "flights",
                    "right_table": "airlines",
                    "on": [{"left": "carrier", "right": "carrier"}],
                }
            )
        ],
    )
    saved = models.save(bench.workspace_id, model, 0)
    assert [t.connection for t in saved.tables] == [ref["flights"], ref["airlines"]]
    distance = flights.column("distance")
    assert distance is not None and distance.role == "measure"
    result = models.query(
        bench.workspace_id,
        SemanticQuery(measures=["flights.distance"], dimensions=["airlines.name"]),
    )
    assert rows(result) == distance_by_airline()


def test_a_table_of_a_connection_not_in_the_workspace_is_refused(bench: Bench) -> None:
    ref = ConnectionTable(connection_id=str(bench.workspace_id), schema_name="x", table="y")
    with pytest.raises(NotFound):
        model_table(bench.connections.service(bench.admin), bench.workspace_id, ref, set())


# -- the Model page (ModelView over the real services, no browser) -----------------------------------
def model_view(bench: Bench) -> ModelView:
    info = WorkspaceService(bench.store.db, bench.admin, bench.files).get(bench.workspace_id)
    return ModelView(service=bench.models(), workspace=info, can_edit=True)


def test_the_model_page_offers_the_connections_tables_and_adds_one(bench: Bench) -> None:
    view = model_view(bench)  # no file, no model: the connection is enough to start modelling

    assert view.phase == "ready"
    wait_until(lambda: not view.editor.listing_connections)
    offered = view.editor._source_select.options
    assert offered[f"Warehouse \u00b7 {bench.schema}.flights"] == (
        f"connection:{bench.connection.id}:{bench.schema}.flights"
    )
    flights = dict(view.editor.connection_tables)[f"Warehouse \u00b7 {bench.schema}.flights"]

    assert run(view.editor.add_connection_table(flights))

    table = view.editor.model.table("flights")
    assert table is not None and table.connection == flights and view.dirty
    assert {"carrier", "distance"} <= {c.name for c in table.columns}
    wait_until(lambda: not view.checking)
    assert not [i for i in view.issues if i.level == "error"], view.issues
    assert view.save() and view.saved is not None and view.saved.tables[0].connection == flights


def test_the_model_page_of_a_workspace_without_connections_lists_none(bench: Bench) -> None:
    empty = WorkspaceService(bench.store.db, bench.admin, bench.files).create("Empty")
    view = ModelView(service=bench.models(), workspace=empty, can_edit=True)

    assert view.phase == "no_sources"
    view.shown_again()
    assert view.editor.connection_tables == [] and not view.editor.listing_connections
    assert not view.editor._catalog.visible


def test_try_it_mixing_a_connection_table_and_a_file_shows_the_refusal(bench: Bench) -> None:
    targets = shared.upload(bench, "targets.csv", TARGETS_CSV)
    bench.models().save(bench.workspace_id, bench.model(str(targets.id)), 0)
    view = model_view(bench)
    try_it = view._try
    try_it._measures.value = ["flights.distance", "targets.target"]
    try_it._dimensions.value = ["airlines.name"]

    assert run(try_it.execute()) is None

    assert try_it.error.startswith(
        "flights is in the database “Warehouse” and targets is an uploaded file: a query reads "
        "one engine; import a snapshot of flights"
    )
    assert try_it._error.visible and "Traceback" not in try_it._error.object
