"""Moving between pages in a real browser: one document for the whole visit, pages drawn ahead
while the browser is idle and kept as the user left them, the address, Back and Forward
following (see ``app/pages/shell/router.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.conftest import RunningServer, start_server
from tests.ui.conftest import api_account, sign_in, wait_for_shell
from tests.ui.test_sql import Api, orders_csv, put_sql, result_rows

MARK = "window.__dpSameDocument"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A server that draws the sidebar's pages ahead (``server.prefetch_pages``, off by
    default)."""
    running = start_server(
        tmp_path_factory.mktemp("prefetch"), settings={"server": {"prefetch_pages": True}}
    )
    yield running
    running.stop()


def go(page: Any, label: str, slug: str) -> None:
    page.locator(".dp-nav-link", has_text=label).click()
    page.wait_for_url(f"**/{slug}")
    expect(page.locator(".dp-nav-link.active")).to_have_attribute("href", f"/{slug}")
    expect(page.locator(".dp-page-title")).to_have_text(label)


def test_pages_switch_in_one_document_and_keep_what_the_user_left(
    page: Any, server: RunningServer
) -> None:
    account = api_account(server, name="Nav Igator", workspaces=["Sales"])
    api = Api(server, account)
    api.upload_ready("orders.csv", orders_csv())
    sign_in(page, account.email, account.password)
    page.evaluate(f"{MARK} = true")

    # Once the first page is on screen and the browser is idle, the sidebar's other pages are
    # drawn ahead, hidden: the SQL editor is in the document before the first visit to SQL.
    ahead = page.locator(".dp-page-sql .dp-sql-editor .ace_content").first
    expect(ahead).to_be_attached(timeout=40_000)
    expect(ahead).to_be_hidden()
    expect(page.locator(".dp-page-title")).to_have_text("Sources")

    # The SQL page: a query typed and run.
    go(page, "SQL", "sql")
    sql = "SELECT customer, count(*) AS n FROM orders GROUP BY customer ORDER BY customer"
    put_sql(page, sql)
    page.keyboard.press("Control+Enter")
    expect(result_rows(page)).to_have_count(7)

    # Away to the Model page and back from the sidebar: the text and the result are still there,
    # and a source added meanwhile (here by the REST API) is in the schema.
    go(page, "Model", "model")
    expect(page.locator(".dp-sql-editor")).to_be_hidden()
    api.upload_ready("regions.csv", b"region,label\nN,North\nS,South\n")
    go(page, "SQL", "sql")
    expect(page.locator(".dp-sql-editor .ace_content")).to_contain_text("GROUP BY customer")
    expect(result_rows(page)).to_have_count(7)
    schema = page.locator(".dp-sql-schema")
    expect(schema.locator(".sb-table[data-table='regions'] .sb-name")).to_have_text("regions")

    # Back returns to the Model page, Forward to SQL; the account menu's Settings link too.
    page.go_back()
    page.wait_for_url("**/model")
    expect(page.locator(".dp-page-title")).to_have_text("Model")
    expect(page.locator(".dp-sql-editor")).to_be_hidden()
    page.go_forward()
    page.wait_for_url("**/sql")
    expect(page.locator(".dp-sql-editor .ace_content")).to_contain_text("GROUP BY customer")
    page.locator(".dp-user-button").click()
    page.locator(".dp-user-popover a", has_text="Settings").click()
    page.wait_for_url("**/settings")
    expect(page.locator(".dp-page-title")).to_have_text("Settings")
    expect(page.locator(".dp-user-popover")).to_be_hidden()

    # All of that happened in the one document the sign-in opened.
    assert page.evaluate(MARK) is True

    # An address opened directly is the same app, opened on that page; a reload starts afresh.
    page.goto("/model")
    wait_for_shell(page)
    expect(page.locator(".dp-page-title")).to_have_text("Model")
    go(page, "SQL", "sql")
    expect(page.locator(".dp-sql-editor .ace_content")).not_to_contain_text("GROUP BY")
