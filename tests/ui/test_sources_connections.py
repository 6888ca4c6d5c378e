"""Live database connections on the Sources page, in a real browser against a real PostgreSQL.

One journey on one server: an editor connects a database as a read-only user (tested before
saving), another as a user who can write (warned), changes the first one keeping its password,
browses to a table and pages its rows, runs SQL (rows; a refused statement shows why and dims
the previous result; a long one is cancelled), and deletes a connection after typing its name.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.conftest import RunningServer, start_server
from tests.integration.live_databases import FLIGHT_ROWS, LiveDatabase, postgres_database
from tests.ui.conftest import WorkspaceApi, api_account, sign_in, wait_for_shell
from tests.ui.test_sql import put_sql


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = start_server(tmp_path_factory.mktemp("connections"))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def live_db() -> Iterator[LiveDatabase]:
    """A database with airlines, airports and flights, a reader and a writer (dropped after)."""
    yield from postgres_database()


class Api(WorkspaceApi):
    def connections(self) -> list[dict[str, Any]]:
        with self.client() as client:
            reply = client.get(f"/api/v1/workspaces/{self.workspace_id}/connections")
        assert reply.status_code == 200, reply.text
        return list(reply.json()["items"])


def field(page: Any, name: str) -> Any:
    return page.locator(f".cf-{name} input")


def fill_form(page: Any, live_db: LiveDatabase, name: str, who: str) -> None:
    field(page, "name").fill(name)
    field(page, "host").fill(live_db.host)
    field(page, "port").fill(str(live_db.port))
    field(page, "database").fill(live_db.database)
    field(page, "user").fill(live_db.reader if who == "reader" else live_db.writer)
    field(page, "password").fill(live_db.password)
    page.locator(".cf-tls select").select_option(label="Disable (unencrypted)")


def card(page: Any, name: str) -> Any:
    return page.locator(".dp-connection-card").filter(has=page.locator(".cc-name", has_text=name))


def test_connect_test_browse_query_and_delete_a_database(
    page: Any, server: RunningServer, live_db: LiveDatabase
) -> None:
    account = api_account(server, name="Dana Base", workspaces=["Flights"])
    api = Api(server, account)
    sign_in(page, account.email, account.password)
    expect(page.get_by_text("Connect a PostgreSQL or MySQL database")).to_be_visible()

    # A new connection: the check names the empty fields, nothing is saved.
    page.locator(".dp-connection-add button").click()
    field(page, "name").fill("Warehouse")
    page.locator(".cf-save button").click()
    expect(page.locator(".cf-error-host")).to_contain_text("Host: Give the host name")
    expect(page.locator(".cf-error-user")).to_contain_text("User:")
    expect(field(page, "name")).to_have_value("Warehouse")
    assert api.connections() == []

    # The read-only user, tested before saving, then saved with Enter.
    fill_form(page, live_db, "Warehouse", "reader")
    page.locator(".cf-test button").click()
    result = page.locator(".cf-check-result")
    expect(result).to_contain_text("Connected · read-only.")
    expect(result).to_contain_text(live_db.reader)
    field(page, "password").press("Enter")
    reader_card = card(page, "Warehouse")
    expect(reader_card.locator(".cc-status")).to_have_text("Read-only")
    expect(reader_card).to_contain_text(f"{live_db.host}:{live_db.port}/{live_db.database}")
    expect(page.locator(".cf-form")).to_be_hidden()
    saved = api.connections()
    assert [(c["name"], c["user"], c["password_set"]) for c in saved] == [
        ("Warehouse", live_db.reader, True)
    ]

    # The same name again is refused next to the name; Escape closes the form unsaved.
    page.locator(".dp-connection-add button").click()
    fill_form(page, live_db, "Warehouse", "writer")
    field(page, "database").press("Enter")
    expect(page.locator(".cf-error-name")).to_contain_text("already has a connection")
    expect(field(page, "user")).to_have_value(live_db.writer)
    field(page, "name").press("Escape")
    expect(page.locator(".cf-form")).to_be_hidden()

    # A user who can write: saved untested, then its card's Test warns.
    page.locator(".dp-connection-add button").click()
    fill_form(page, live_db, "Writer", "writer")
    page.locator(".cf-save button").click()
    writer_card = card(page, "Writer")
    expect(writer_card.locator(".cc-status")).to_have_text("Not tested yet")
    writer_card.locator(".cc-test button").click()
    expect(writer_card.locator(".cc-status")).to_have_text("Can write")
    expect(writer_card.locator(".cc-note-can-write")).to_contain_text("this user can write to")
    expect(writer_card.locator(".cc-note-can-write")).to_contain_text("flights")

    # Changing the reader keeps its password when the field is left blank.
    reader_card.locator(".cc-edit button").click()
    expect(page.locator(".cf-password-hint")).to_contain_text("Password set")
    expect(field(page, "password")).to_have_value("")
    field(page, "name").fill("Flights warehouse")
    field(page, "name").press("Enter")
    reader_card = card(page, "Flights warehouse")
    reader_card.locator(".cc-test button").click()
    expect(reader_card.locator(".cc-status")).to_have_text("Read-only")
    assert {c["name"] for c in api.connections() if c["password_set"]} == {
        "Flights warehouse",
        "Writer",
    }

    # Browse: schema → tables with estimates → a table's rows and columns.
    reader_card.locator(".cc-name").click()
    page.wait_for_url("**/sources?connection=*")
    wait_for_shell(page)
    expect(page.locator(".dp-conn-header .dp-detail-name")).to_have_text("Flights warehouse")
    expect(page.locator(".dp-conn-header .cc-status")).to_have_text("Read-only")  # kept
    tables = page.locator(".dp-conn-tables .tabulator-row")
    expect(tables).to_have_count(3)
    flights = tables.filter(has_text="flights")
    expect(flights).to_contain_text(f"~{FLIGHT_ROWS}")
    flights.locator(".tabulator-cell[tabulator-field='name']").click()
    expect(page.locator(".dp-conn-table-name")).to_have_text("public.flights")
    preview = page.locator(".dp-preview .dp-paged-table .tabulator-row")
    expect(preview).to_have_count(50)
    expect(page.locator(".dp-preview .dp-page-rows")).to_contain_text(f"of {FLIGHT_ROWS}")
    expect(preview.first.locator(".tabulator-cell[tabulator-field='c0']")).to_have_text("1")
    page.locator(".dp-preview .dp-page-next button").click()
    expect(preview.first.locator(".tabulator-cell[tabulator-field='c0']")).to_have_text("51")
    page.locator(".dp-conn-table-tabs .bk-tab").filter(has_text="Profile").click()
    expect(page.locator(".dp-conn-profile-note")).to_contain_text(f"all {FLIGHT_ROWS} rows")
    expect(page.locator(".dp-conn-profile")).to_contain_text("dep_delay")

    # SQL: rows, then a refused statement is said and the previous result dimmed.
    page.locator(".dp-conn-tabs .bk-tab").filter(has_text="SQL").click()
    expect(page.locator(".dp-conn-sql-editor .ace_content")).to_be_visible()
    put_sql(page, "SELECT carrier, count(*) AS n FROM flights GROUP BY carrier ORDER BY carrier")
    page.locator(".dp-conn-sql-run button").click()
    rows = page.locator(".dp-conn-sql .dp-result .dp-paged-table .tabulator-row")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("AA")
    expect(rows.first).to_contain_text("200")
    put_sql(page, "DELETE FROM flights")
    page.keyboard.press("Control+Enter")
    note = page.locator(".dp-conn-sql-message .dp-conn-sql-note")
    expect(note).to_contain_text("This query was not run.")
    expect(page.locator(".dp-conn-sql .dp-result-stale-note")).to_be_visible()
    expect(rows).to_have_count(3)

    # A long query is stopped with Cancel, in the database.
    put_sql(page, "SELECT pg_sleep(30) AS slept")
    page.locator(".dp-conn-sql-run button").click()
    cancel = page.locator(".dp-conn-sql-cancel button")
    expect(page.locator(".dp-conn-sql .dp-running")).to_contain_text("Running")
    cancel.click()
    expect(note).to_contain_text("Cancelled.")
    expect(cancel).to_be_hidden()

    # Delete the writer after typing its name; the database is not touched.
    page.locator(".dp-back").first.click()
    page.wait_for_url("**/sources")
    writer_card = card(page, "Writer")
    writer_card.locator(".cc-delete button").click()
    confirm = writer_card.locator(".dp-confirm")
    expect(confirm).to_contain_text("Delete connection “Writer”?")
    expect(confirm.locator(".dp-confirm-delete button")).to_be_disabled()
    confirm.locator(".dp-confirm-input input").fill("Writer")
    confirm.locator(".dp-confirm-delete button").click()
    expect(writer_card).to_have_count(0)
    expect(card(page, "Flights warehouse")).to_be_visible()
    assert [c["name"] for c in api.connections()] == ["Flights warehouse"]
