"""From nothing to answers in a real browser: on an empty model the Suggestions card offers the
workspace's sources as tables, "Accept all" builds the model (tables, keys, the join), and
"Try it" answers a question over the join straight away.

Sources are uploaded over the REST API, as in tests/ui/test_model.py, whose data and page
helpers this journey reuses.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.conftest import RunningServer
from tests.ui.conftest import Account, api_account, sign_in
from tests.ui.test_model import (
    ORDERS,
    Api,
    choose,
    customers_csv,
    node,
    open_model,
    order_amount,
    order_customer,
    orders_csv,
    result_cell,
    run_query,
    segment,
)


@pytest.fixture
def editor(page: Any, server: RunningServer) -> Account:
    account = api_account(server, name="Nora Newcomer", workspaces=["Shop"])
    sign_in(page, account.email, account.password)
    return account


@pytest.fixture
def api(server: RunningServer, editor: Account) -> Api:
    api = Api(server, editor)
    for source_id in (
        api.upload("customers.csv", customers_csv()),
        api.upload("orders.csv", orders_csv()),
    ):
        api.wait_ready(source_id)
    return api


def number(text: str) -> float:
    """A shown number without its currency sign and thousands separators."""
    return float(re.sub(r"[^\d.\-]", "", text))


def test_accept_all_builds_the_model_from_the_sources_and_try_it_answers(
    page: Any, api: Api
) -> None:
    open_model(page)
    card = page.locator(".dp-card-suggestions")
    expect(card.locator(".dp-suggestion")).to_have_count(3)
    expect(card.locator(".dp-suggestion").nth(0)).to_contain_text("as table customers")
    expect(card.locator(".dp-suggestion").nth(1)).to_contain_text("as table orders")
    expect(card.locator(".dp-suggestion").nth(2)).to_contain_text(
        "orders.customer_id looks like a key to customers"
    )

    card.locator(".dp-suggestions-apply-all button").click()

    expect(node(page, "orders")).to_be_visible()
    expect(node(page, "customers")).to_be_visible()
    expect(page.locator(".react-flow__edge-text")).to_have_text("N:1 \u00b7 left")
    expect(card).to_contain_text("Nothing to suggest right now.")
    expect(page.locator(".dp-model-state")).to_have_text("Unsaved changes")

    # The model as accepted answers at once: amount by the customers' segment, over the join.
    choose(page, "dp-try-measures", "amount (sum)")
    choose(page, "dp-try-dimensions", "segment")
    run_query(page, "amount (sum)", "by customers \u00b7 segment")
    retail = [i for i in range(1, ORDERS + 1) if segment(order_customer(i)) == "Retail"]
    amount = result_cell(page, "Retail", 1)
    expect(amount).to_have_text(re.compile(r"\d"))
    assert number(amount.inner_text()) == pytest.approx(sum(order_amount(i) for i in retail))
    expect(page.locator(".dp-try-sql")).to_contain_text("JOIN")

    page.locator(".dp-model-save button").click()
    expect(page.locator(".dp-model-state")).to_have_text("Saved")
    stored = api.model()
    assert stored["version"] == 1
    assert sorted(t["name"] for t in stored["model"]["tables"]) == ["customers", "orders"]
    (join,) = stored["model"]["joins"]
    assert (join["left_table"], join["right_table"]) == ("orders", "customers")
