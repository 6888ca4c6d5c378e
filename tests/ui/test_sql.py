"""The SQL page in a real browser: completion, run, results as table and chart, cancel, errors.

Sources are uploaded over the real REST API and ingested by the server; the queries are typed
with the keyboard into the Ace editor and run by the server's sandbox.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from typing import Any

import duckdb
import pytest
from playwright.sync_api import expect

from components.sql.results import KIND_LABELS
from tests.conftest import RunningServer
from tests.ui.conftest import (
    Account,
    WorkspaceApi,
    add_member_in_settings,
    api_account,
    guard_of,
    sign_in,
    wait_for_shell,
)
from tests.unit.query.workspace_data import numbers

ORDERS = 40
CUSTOMERS = 7
# 40^8 (about 6.5 * 10^12) combinations: runs far longer than the test waits for anything (the
# time limit is 30 s). Only workspace tables may be read, so the cross join is of orders.
# amount is stored as DECIMAL(18, 2): DuckDB keeps a product of DECIMALs at the inputs' width,
# so eight of them would overflow at the first row; one DOUBLE factor makes the product DOUBLE.
LONG_SQL = (
    "SELECT sum(CAST(a.amount AS DOUBLE) * b.amount * c.amount * d.amount * e.amount * f.amount "
    "* g.amount * h.amount) AS total FROM orders a, orders b, orders c, orders d, orders e, "
    "orders f, orders g, orders h"
)


# -- data ----------------------------------------------------------------------------------------
def amount(i: int) -> float:
    return round(10 + i * 1.5, 2)


def orders_csv() -> bytes:
    rows = "".join(
        f"{i},Customer {i % CUSTOMERS},{amount(i):.2f},2024-{i % 12 + 1:02d}-{i % 27 + 1:02d}\n"
        for i in range(1, ORDERS + 1)
    )
    return ("order_id,customer,amount,order_date\n" + rows).encode()


def revenue(customer: int) -> float:
    return round(sum(amount(i) for i in range(1, ORDERS + 1) if i % CUSTOMERS == customer), 2)


class Api(WorkspaceApi):
    """The REST API as the test's user, to arrange sources."""

    def upload_ready(self, filename: str, data: bytes) -> None:
        self.wait_ready(self.upload(filename, data))

    def delete_sources(self) -> None:
        with self.client() as client:
            url = f"/api/v1/workspaces/{self.workspace_id}/sources"
            for source in client.get(url).json()["items"]:
                reply = client.delete(f"{url}/{source['id']}")
                assert reply.status_code == 204, reply.text

    def save_query(self, name: str, sql: str) -> None:
        with self.client() as client:
            reply = client.post(
                f"/api/v1/workspaces/{self.workspace_id}/queries", json={"name": name, "sql": sql}
            )
        assert reply.status_code == 201, reply.text

    def saved_names(self) -> list[str]:
        with self.client() as client:
            reply = client.get(f"/api/v1/workspaces/{self.workspace_id}/queries")
        assert reply.status_code == 200, reply.text
        return [item["name"] for item in reply.json()["items"]]

    def suggested_chart(self, sql: str) -> dict[str, Any]:
        """The chart the REST API suggests for ``sql`` (the page must preselect the same)."""
        with self.client() as client:
            reply = client.post(f"/api/v1/workspaces/{self.workspace_id}/sql", json={"sql": sql})
        assert reply.status_code == 200, reply.text
        return dict(reply.json()["chart"])


@pytest.fixture
def editor(page: Any, server: RunningServer) -> Account:
    account = api_account(server, name="Sam Querier", workspaces=["Sales"])
    sign_in(page, account.email, account.password)
    return account


@pytest.fixture
def orders(server: RunningServer, editor: Account) -> Api:
    api = Api(server, editor)
    api.upload_ready("orders.csv", orders_csv())
    return api


# -- page helpers --------------------------------------------------------------------------------
def open_sql(page: Any) -> None:
    page.goto("/sql")
    wait_for_shell(page)
    expect(page.locator(".dp-sql-editor .ace_content")).to_be_visible()


def focus_editor(page: Any) -> None:
    page.locator(".dp-sql-editor .ace_text-input").focus()


def put_sql(page: Any, sql: str) -> None:
    """Replace the editor's text (pasted, as a user would, without completion popups)."""
    focus_editor(page)
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(sql)
    close_popup(page)


def close_popup(page: Any) -> None:
    popup = page.locator(".ace_autocomplete")
    if popup.count() and popup.first.is_visible():
        page.keyboard.press("Escape")
        expect(popup.first).to_be_hidden()


def editor_text(page: Any) -> Any:
    return page.locator(".dp-sql-editor .ace_content")


def result_rows(page: Any) -> Any:
    return page.locator(".dp-result .dp-paged-table .tabulator-row")


def cell(page: Any, first: str, column: int) -> Any:
    """The cell in ``column`` of the result row whose first cell reads ``first``."""
    key = page.locator(
        ".tabulator-cell[tabulator-field='c0']", has_text=re.compile(f"^{re.escape(first)}$")
    )
    return (
        result_rows(page).filter(has=key).locator(f".tabulator-cell[tabulator-field='c{column}']")
    )


def message(page: Any) -> Any:
    return page.locator(".dp-sql-message .dp-sql-note")


def side_tab(page: Any, name: str) -> None:
    page.locator(".dp-sql-side .bk-tab").filter(has_text=name).click()


# -- tests ---------------------------------------------------------------------------------------
def test_complete_a_column_run_with_ctrl_enter_and_chart_it(page: Any, orders: Api) -> None:
    open_sql(page)
    # The schema lists the table and its columns.
    schema = page.locator(".dp-sql-schema")
    expect(schema.locator(".sb-table[data-table='orders'] .sb-name")).to_have_text("orders")
    expect(schema.locator(".sb-col[data-column='customer']")).to_contain_text("text")

    # Type the start of a column name; the completion popup offers the column; accept it.
    focus_editor(page)
    page.keyboard.type("SELECT cust", delay=40)
    selected = page.locator(".ace_autocomplete .ace_selected")
    expect(selected).to_contain_text("customer")
    expect(selected).to_contain_text("text · orders")
    page.keyboard.press("Enter")
    expect(editor_text(page)).to_have_text("SELECT customer")
    rest = ", round(sum(amount), 2) AS revenue FROM orders GROUP BY customer ORDER BY customer"
    page.keyboard.insert_text(rest)
    close_popup(page)
    page.keyboard.press("Control+Enter")

    # The rows, paged by the server.
    expect(page.locator(".dp-result-summary")).to_contain_text(f"{CUSTOMERS} rows")
    expect(result_rows(page)).to_have_count(CUSTOMERS)
    expect(cell(page, "Customer 3", 1)).to_have_text(re.compile(rf"^{revenue(3):g}"))
    expect(page.locator(".dp-result-truncated")).to_be_hidden()

    # Switch to the chart: the suggested kind is preselected, with its reason, drawn by Bokeh.
    suggested = orders.suggested_chart("SELECT customer" + rest)
    page.locator(".dp-result-toggle button").filter(has_text="Chart").click()
    expect(page.locator(".dp-chart-kind select")).to_have_value(KIND_LABELS[suggested["kind"]])
    expect(page.locator(".dp-chart-reason")).to_have_text(suggested["reason"])
    expect(page.locator(".dp-result-chart .bk-Canvas").first).to_be_visible()
    # Other kinds from the picker.
    other = "Bar" if suggested["kind"] != "bar" else "Pie"
    page.locator(".dp-chart-kind select").select_option(other)
    expect(page.locator(".dp-result-chart .bk-Canvas").first).to_be_visible()
    page.locator(".dp-chart-kind select").select_option("Table")
    expect(page.locator(".dp-result-chart .tabulator").first).to_be_visible()

    # The query is in the history; the SQL text is still in the editor.
    side_tab(page, "History")
    expect(page.locator(".dp-sql-history .ql-item").first).to_contain_text("SELECT customer")
    expect(page.locator(".dp-sql-history .ql-item").first).to_contain_text(f"{CUSTOMERS} rows")
    expect(editor_text(page)).to_contain_text("GROUP BY customer")


def test_alias_dot_completes_that_tables_columns_and_schema_click_inserts(
    page: Any, orders: Api
) -> None:
    open_sql(page)
    put_sql(page, " FROM orders o")
    # Before the FROM clause, "o." completes with that table's columns only.
    page.keyboard.press("Control+Home")
    page.keyboard.type("SELECT o.", delay=40)
    popup = page.locator(".ace_autocomplete")
    expect(popup).to_be_visible()
    expect(popup).to_contain_text("order_date")
    expect(popup).not_to_contain_text("keyword")
    page.keyboard.type("amo", delay=40)
    expect(page.locator(".ace_autocomplete .ace_selected")).to_contain_text("amount")
    page.keyboard.press("Tab")
    expect(editor_text(page)).to_have_text("SELECT o.amount FROM orders o")

    # A click on a column in the schema inserts its name at the cursor.
    page.keyboard.press("End")
    page.keyboard.insert_text(" ORDER BY ")
    close_popup(page)
    page.locator(".dp-sql-schema .sb-col[data-column='order_id']").click()
    expect(editor_text(page)).to_have_text("SELECT o.amount FROM orders o ORDER BY order_id")


def test_a_long_query_shows_elapsed_time_and_is_cancelled_from_the_page(
    page: Any, orders: Api
) -> None:
    open_sql(page)
    put_sql(page, LONG_SQL)
    page.locator(".dp-sql-run button").click()
    running = page.locator(".dp-running")
    expect(running).to_contain_text("Running")
    elapsed = page.locator(".dp-elapsed")
    first = elapsed.inner_text()
    expect(elapsed).not_to_have_text(first)  # the indicator counts up while it runs
    expect(page.locator(".dp-sql-run button")).to_be_disabled()

    page.locator(".dp-sql-cancel button").click()
    expect(message(page)).to_contain_text("cancelled")
    expect(message(page)).to_have_class(re.compile(r"\bcancelled\b"))
    expect(running).to_have_count(0)
    expect(page.locator(".dp-sql-cancel")).to_be_hidden()
    expect(page.locator(".dp-sql-run button")).to_be_enabled()
    expect(editor_text(page)).to_have_text(LONG_SQL)  # nothing lost

    # The page works on: the next query runs.
    put_sql(page, "SELECT count(*) AS n FROM orders")
    page.keyboard.press("Control+Enter")
    expect(cell(page, str(ORDERS), 0)).to_have_text(str(ORDERS))
    expect(message(page)).to_be_hidden()


def test_a_refused_query_shows_its_line_and_column_beside_the_editor(
    page: Any, orders: Api
) -> None:
    open_sql(page)
    sql = "SELECT *\nFROM read_csv('/etc/passwd')"
    put_sql(page, sql)
    page.keyboard.press("Control+Enter")
    note = message(page)
    expect(note).to_contain_text("not run")
    expect(note.locator(".dp-sql-where")).to_have_text("Line 2, column 6")
    expect(note).to_contain_text("read_csv")
    # The editor marks the spot: a gutter annotation and an underline.
    expect(page.locator(".dp-sql-editor .ace_gutter-cell.ace_error")).to_have_text("2")
    expect(page.locator(".dp-sql-editor .dp-sql-error-mark")).to_have_count(1)
    expect(editor_text(page)).to_contain_text("read_csv('/etc/passwd')")
    expect(page.locator(".dp-result")).to_be_hidden()

    # A failing query (DuckDB) also says where.
    put_sql(page, "SELECT nope FROM orders")
    page.keyboard.press("Control+Enter")
    expect(message(page)).to_contain_text("nope")
    expect(message(page).locator(".dp-sql-where")).to_contain_text("Line 1")
    # Fixing it clears the mark.
    put_sql(page, "SELECT order_id FROM orders WHERE order_id = 3")
    page.keyboard.press("Control+Enter")
    expect(cell(page, "3", 0)).to_have_text("3")
    expect(page.locator(".dp-sql-editor .dp-sql-error-mark")).to_have_count(0)


def test_a_result_over_the_display_limit_says_which_limit_it_hit(page: Any, orders: Api) -> None:
    open_sql(page)
    # 10,000 rows of 10 KB: 100 MB, twice the default 50 MB display limit.
    put_sql(page, f"SELECT repeat('x', 10000) || i AS s FROM {numbers(10_000)}")
    page.keyboard.press("Control+Enter")
    note = message(page)
    expect(note).to_contain_text("The result is too large.")
    expect(note).to_contain_text("larger than the 50 MB display limit; add a LIMIT")
    expect(page.locator(".dp-result")).to_be_hidden()


def test_save_a_query_reload_it_and_rerun_from_history(page: Any, orders: Api) -> None:
    open_sql(page)
    put_sql(page, "SELECT customer, count(*) AS n FROM orders GROUP BY customer")
    page.locator(".dp-sql-run button").click()
    expect(result_rows(page)).to_have_count(CUSTOMERS)

    page.locator(".dp-sql-save-open button").click()
    name = page.locator(".dp-sql-save-name input")
    name.fill("Orders per customer")
    name.press("Enter")
    saved = page.locator(".dp-sql-saved .ql-item")
    expect(saved).to_have_count(1)
    expect(saved.locator(".ql-title")).to_have_text("Orders per customer")
    expect(page.locator(".dp-sql-save-form")).to_be_hidden()

    # Load the saved query into an emptied editor.
    put_sql(page, "SELECT 1")
    saved.locator(".ql-load").click()
    expect(editor_text(page)).to_have_text(
        "SELECT customer, count(*) AS n FROM orders GROUP BY customer"
    )

    # A second query, then re-run the first from the history.
    put_sql(page, "SELECT max(amount) AS top FROM orders")
    page.keyboard.press("Control+Enter")
    expect(result_rows(page)).to_have_count(1)
    side_tab(page, "History")
    items = page.locator(".dp-sql-history .ql-item")
    expect(items).to_have_count(2)
    items.filter(has_text="count(*)").locator(".ql-act.run").click()
    expect(result_rows(page)).to_have_count(CUSTOMERS)
    expect(editor_text(page)).to_contain_text("count(*) AS n")
    expect(items).to_have_count(3)


def test_deleting_a_saved_query_asks_first(page: Any, orders: Api) -> None:
    orders.save_query("Orders per customer", "SELECT customer, count(*) FROM orders GROUP BY 1")
    orders.save_query("Top order", "SELECT max(amount) AS top FROM orders")
    open_sql(page)
    side_tab(page, "Saved")
    saved = page.locator(".dp-sql-saved .ql-item")
    expect(saved).to_have_count(2)
    ask = page.locator(".dp-sql-delete-ask")
    expect(ask).to_be_hidden()

    # Delete asks, naming the query; Cancel keeps it.
    top = saved.filter(has_text="Top order")
    top.locator(".ql-act.delete").click()
    expect(ask).to_be_visible()
    expect(ask).to_contain_text("Delete saved query “Top order”?")
    ask.locator(".dp-sql-delete-no button").click()
    expect(ask).to_be_hidden()
    expect(saved).to_have_count(2)
    assert sorted(orders.saved_names()) == ["Orders per customer", "Top order"]

    # Confirming removes it, on the page and in the store.
    top.locator(".ql-act.delete").click()
    expect(ask).to_contain_text("“Top order”")
    ask.locator(".dp-sql-delete-yes button").click()
    expect(saved).to_have_count(1)
    expect(saved.locator(".ql-title")).to_have_text("Orders per customer")
    expect(ask).to_be_hidden()
    assert orders.saved_names() == ["Orders per customer"]


def run_for_download(page: Any, sql: str, rows: int) -> None:
    open_sql(page)
    put_sql(page, sql)
    page.keyboard.press("Control+Enter")
    expect(page.locator(".dp-result-summary")).to_contain_text(f"{rows:,} rows")


def download_button(page: Any, fmt: str) -> Any:
    return page.locator(f".dp-result-downloads button.dp-download-{fmt}")


def test_download_the_whole_result_as_csv(page: Any, orders: Api) -> None:
    run_for_download(page, "SELECT order_id, amount FROM orders ORDER BY order_id", ORDERS)
    # The browser fetches the REST route itself (session cookie + CSRF header): no websocket.
    with page.expect_request("**/sql/download") as sent, page.expect_download() as info:
        download_button(page, "csv").click()
    assert sent.value.method == "POST" and sent.value.headers.get("x-csrf-token")
    assert "authorization" not in sent.value.headers
    download = info.value
    assert re.fullmatch(r"query-\d{8}-\d{6}\.csv", download.suggested_filename)
    text = download.path().read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["order_id", "amount"]
    assert len(rows) == ORDERS + 1
    assert [int(r[0]) for r in rows[1:]] == list(range(1, ORDERS + 1))
    assert float(rows[5][1]) == amount(5)
    saved = f"Saved {download.suggested_filename}"
    expect(page.locator(".dp-result-downloads .sd-status")).to_contain_text(saved)
    expect(download_button(page, "csv")).to_be_enabled()


def test_download_the_whole_truncated_result_as_parquet(page: Any, orders: Api) -> None:
    sql = (
        "SELECT a.order_id AS a, b.order_id AS b, c.order_id AS c, a.amount AS amount "
        "FROM orders a, orders b, orders c"
    )
    run_for_download(page, sql, 10_000)  # the page shows the display limit ...
    with page.expect_download() as info:
        download_button(page, "parquet").click()
    assert info.value.suggested_filename.endswith(".parquet")
    ((count, distinct, total),) = duckdb.sql(  # ... the file holds all 40^3 rows.
        "SELECT count(*), count(DISTINCT (a, b, c)), sum(amount) FROM read_parquet(?)",
        params=[str(info.value.path())],
    ).fetchall()
    assert (count, distinct) == (ORDERS**3, ORDERS**3)
    assert float(total) == pytest.approx(ORDERS**2 * sum(amount(i) for i in range(1, ORDERS + 1)))


def test_a_failed_download_shows_the_servers_reason(page: Any, orders: Api, base_url: str) -> None:
    run_for_download(page, "SELECT customer, amount FROM orders", ORDERS)
    orders.delete_sources()  # the table the query reads is gone when the file is asked for
    url = f"{base_url}/api/v1/workspaces/{orders.workspace_id}/sql/download"
    guard_of(page).allow_client_error(url)
    saved: list[Any] = []
    page.on("download", lambda download: saved.append(download))
    with page.expect_response("**/sql/download") as answer:
        download_button(page, "csv").click()
    assert answer.value.status == 422
    # The detail of the server's problem answer, across the result, naming the table.
    error = page.locator(".dp-download-error .rv-error")
    expect(error).to_contain_text("The CSV download failed.")
    expect(error).to_contain_text(answer.value.json()["detail"])
    expect(error).to_contain_text("'orders'")
    expect(error).to_have_attribute("role", "alert")
    expect(download_button(page, "csv")).to_be_enabled()
    assert saved == []


def test_results_say_when_they_are_truncated_or_empty(page: Any, orders: Api) -> None:
    open_sql(page)
    put_sql(
        page,
        "SELECT a.order_id, b.order_id AS b, c.order_id AS c FROM orders a, orders b, orders c",
    )
    page.keyboard.press("Control+Enter")
    note = page.locator(".dp-result-truncated")
    expect(note).to_contain_text("Truncated: showing the first 10,000 rows")
    expect(page.locator(".dp-page-rows")).to_contain_text("of 10,000")

    put_sql(page, "SELECT order_id FROM orders WHERE amount < 0")
    page.keyboard.press("Control+Enter")
    expect(page.locator(".dp-result-empty")).to_contain_text("returned no rows")
    expect(page.locator(".dp-result-summary")).to_contain_text("0 rows")
    expect(page.locator(".dp-result-truncated")).to_be_hidden()
    expect(page.locator(".dp-result-toggle")).to_be_hidden()


def test_viewer_can_run_but_cannot_save(
    page: Any, orders: Api, new_page: Any, base_url: str
) -> None:
    page.goto("/settings")
    wait_for_shell(page)
    email = f"viewer-{uuid.uuid4().hex[:8]}@example.com"
    password = add_member_in_settings(page, email, "Vic Viewer", "viewer")
    viewer = new_page(base_url=base_url)
    sign_in(viewer, email, password)
    open_sql(viewer)
    expect(viewer.locator(".dp-sql-schema .sb-table[data-table='orders']")).to_be_visible()
    expect(viewer.locator(".dp-sql-save-open")).to_be_hidden()
    put_sql(viewer, "SELECT count(*) AS n FROM orders")
    viewer.keyboard.press("Control+Enter")
    expect(cell(viewer, str(ORDERS), 0)).to_have_text(str(ORDERS))
    side_tab(viewer, "Saved")
    expect(viewer.locator(".dp-sql-saved .ql-empty")).to_contain_text("editors")


def test_without_sources_the_page_points_to_the_sources_page(page: Any, editor: Account) -> None:
    page.goto("/sql")
    wait_for_shell(page)
    expect(page.get_by_role("heading", name="No tables to query yet")).to_be_visible()
    page.get_by_role("link", name="Go to Sources").click()
    page.wait_for_url("**/sources")
