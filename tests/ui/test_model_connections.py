"""Connection tables on the Model page and snapshots on the Sources page, in a real browser
against a real PostgreSQL database made for this module (dropped after).

One journey on one server: with a connection created over REST, an editor adds the database's
flights and airlines tables with the ERD's picker, joins them by dragging, tries distance by
airline name (checked against the generated rows), saves; then opens airlines on the Sources
page, imports a snapshot of it and sees the new source become ready.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.conftest import RunningServer, start_server
from tests.integration.live_databases import AIRLINES, LiveDatabase, postgres_database
from tests.integration.model_connections_data import distance_by_airline
from tests.ui.conftest import WorkspaceApi, api_account, sign_in, wait_for_shell
from tests.ui.test_model import (
    center,
    choose,
    column_row,
    drag,
    handle,
    node,
    result_cell,
    run_query,
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = start_server(tmp_path_factory.mktemp("model-connections"))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def live_db() -> Iterator[LiveDatabase]:
    """A database with airlines, airports and flights and a read-only user (dropped after)."""
    yield from postgres_database()


class Api(WorkspaceApi):
    def add_connection(self, live_db: LiveDatabase) -> str:
        spec = live_db.spec()
        with self.client() as client:
            reply = client.post(
                f"/api/v1/workspaces/{self.workspace_id}/connections",
                json={
                    "name": "Warehouse", "kind": spec.kind, "host": spec.host, "port": spec.port,
                    "database": spec.database, "user": spec.user, "password": spec.password,
                    "tls": "disable",
                },
            )  # fmt: skip
        assert reply.status_code == 201, reply.text
        return str(reply.json()["id"])

    def model(self) -> dict[str, Any]:
        with self.client() as client:
            reply = client.get(f"/api/v1/workspaces/{self.workspace_id}/model")
        assert reply.status_code == 200, reply.text
        return dict(reply.json())

    def sources(self) -> list[dict[str, Any]]:
        with self.client() as client:
            reply = client.get(f"/api/v1/workspaces/{self.workspace_id}/sources")
        assert reply.status_code == 200, reply.text
        return list(reply.json()["items"])


def add_table(page: Any, label: str) -> None:
    page.locator(".dp-erd-source select").select_option(label=label)
    page.locator(".dp-erd-add button").click()


def test_model_connection_tables_then_import_a_snapshot(
    page: Any, server: RunningServer, live_db: LiveDatabase
) -> None:
    account = api_account(server, name="Lin Live", workspaces=["Flights"])
    api = Api(server, account)
    connection_id = api.add_connection(live_db)
    sign_in(page, account.email, account.password)

    # The Model page: no file, but the connection's tables are offered by the picker.
    page.goto("/model")
    wait_for_shell(page)
    picker = page.locator(".dp-erd-source select")
    expect(picker.locator("option", has_text="Warehouse \u00b7 public.flights")).to_have_count(1)
    add_table(page, "Warehouse \u00b7 public.flights")
    expect(node(page, "flights")).to_contain_text("\u26c1 flights")
    add_table(page, "Warehouse \u00b7 public.airlines")
    expect(node(page, "airlines")).to_be_visible()
    expect(picker.locator("option", has_text="public.flights")).to_have_count(0)

    # Join flights.carrier to airlines.carrier by dragging between their handles.
    source = handle(page, "flights", "carrier", "right")
    target = handle(page, "airlines", "carrier", "left")
    drag(page, center(source.bounding_box()), center(target.bounding_box()))
    expect(page.locator(".react-flow__edge-text")).to_have_text("N:1 \u00b7 left")
    expect(column_row(page, "flights", "distance").locator(".dp-badge")).to_have_text("M")

    # Try it: total distance by airline name, answered by PostgreSQL.
    choose(page, "dp-try-measures", "distance (sum)")
    choose(page, "dp-try-dimensions", "airlines \u00b7 name")
    run_query(page, "distance (sum)", "by airlines \u00b7 name")
    for name, total in distance_by_airline().items():
        cell = result_cell(page, name, 1)
        expect(cell).not_to_have_text("")
        assert int(cell.inner_text().replace(",", "")) == total
    expect(page.locator(".dp-try-sql")).to_contain_text('"public"."flights"')

    page.locator(".dp-model-save button").click()
    expect(page.locator(".dp-model-state")).to_have_text("Saved")
    tables = api.model()["model"]["tables"]
    assert [(t["name"], t["connection"]["table"]) for t in tables] == [
        ("flights", "flights"),
        ("airlines", "airlines"),
    ]

    # The Sources page: airlines opened, a snapshot imported under the table's name.
    page.goto(f"/sources?connection={connection_id}")
    wait_for_shell(page)
    rows = page.locator(".dp-conn-tables .tabulator-row")
    rows.filter(has_text="airlines").locator(".tabulator-cell[tabulator-field='name']").click()
    expect(page.locator(".dp-conn-table-name")).to_have_text("public.airlines")
    expect(page.locator(".dp-snap-name input")).to_have_value("airlines")
    page.locator(".dp-snap-import button").click()
    state = page.locator(".dp-snap-state")
    expect(state).to_contain_text(f"is ready with {len(AIRLINES)} rows", timeout=60_000)
    (snapshot,) = api.sources()
    assert (snapshot["name"], snapshot["status"]) == ("airlines", "ready")

    state.locator("a.dp-snap-link").click()
    page.wait_for_url(f"**/sources?source={snapshot['id']}")
    wait_for_shell(page)
    expect(page.get_by_text("airlines").first).to_be_visible()
