"""Explore in a real browser: a starter question answered with a chart and a table, added to a
new dashboard ("Add to dashboard…"), then the same rows in the SQL editor after "Open in SQL
editor".

The source is uploaded over the real REST API and the model built by "accept all" (as the Model
page's button does); the server answers with its default offline answerer.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.conftest import RunningServer
from tests.ui.conftest import Account, WorkspaceApi, api_account, sign_in, wait_for_shell
from tests.ui.test_sql import CUSTOMERS, orders_csv, side_tab


class Api(WorkspaceApi):
    """The REST API as the test's user: a source and the model "accept all" builds from it."""

    def orders_with_model(self) -> None:
        self.wait_ready(self.upload("orders.csv", orders_csv()))
        with self.client() as client:
            reply = client.post(
                f"/api/v1/workspaces/{self.workspace_id}/model/suggestions/apply",
                json={"ids": "all", "version": 0},
            )
        assert reply.status_code == 200, reply.text


@pytest.fixture
def analyst(page: Any, server: RunningServer) -> Account:
    account = api_account(server, name="Ada Analyst", workspaces=["Sales"])
    Api(server, account).orders_with_model()
    sign_in(page, account.email, account.password)
    return account


def table_rows(page: Any, scope: str) -> list[list[str]]:
    """The cells of every row of the paged table under ``scope``, as shown."""
    rows = page.locator(f"{scope} .dp-paged-table .tabulator-row")
    return [
        [c.strip() for c in row.locator(".tabulator-cell").all_inner_texts()] for row in rows.all()
    ]


def assert_on_dashboard(server: RunningServer, account: Account, dashboard_id: str) -> None:
    """The dashboard holds one semantic widget: the query of the user's (only) answer."""
    api = Api(server, account)
    with api.client() as client:
        ai = f"/api/v1/workspaces/{api.workspace_id}/ai/conversations"
        [conversation] = client.get(ai).json()["items"]
        messages = client.get(f"{ai}/{conversation['id']}").json()["messages"]
        [answered] = [m for m in messages if m["role"] == "assistant"]
        url = f"/api/v1/workspaces/{api.workspace_id}/dashboards/{dashboard_id}"
        dashboard = client.get(url).json()
    [widget] = dashboard["document"]["widgets"]
    assert (dashboard["name"], widget["title"]) == ("Customer board", answered["question"])
    assert widget["query"]["source"] == "semantic"
    assert widget["query"]["answer_id"] == answered["id"]
    stored = {k: v for k, v in widget["query"]["semantic"].items() if v not in (None, [])}
    asked = {k: v for k, v in answered["answer"]["semantic_query"].items() if v not in (None, [])}
    assert stored == asked


def test_a_starter_question_is_charted_and_opens_with_the_same_rows_in_sql(
    page: Any, analyst: Account, server: RunningServer
) -> None:
    page.goto("/explore")
    wait_for_shell(page)
    starter = page.locator(".dp-explore-starter button").filter(
        has_text=re.compile(r"^Number of orders by customer$")
    )
    expect(starter).to_be_visible()
    starter.click()

    # The question, then the answer: its steps done, the explanation, chart and table.
    answer = page.locator(".dp-explore-message").last
    expect(answer.locator(".dp-step.done")).to_have_count(3)
    expect(answer.locator(".dp-explore-explanation")).to_contain_text("customer")
    expect(answer.locator(".dp-explore-chart .bk-Canvas").first).to_be_visible()
    rows = answer.locator(".dp-explore-table .dp-paged-table .tabulator-row")
    expect(rows).to_have_count(CUSTOMERS)
    explored = table_rows(page, ".dp-explore-table")
    # Starter chips are for an empty conversation; the conversation is now listed.
    expect(page.locator(".dp-explore-starters")).to_be_hidden()
    expect(page.locator(".dp-explore-conversation button")).to_have_text(
        "Number of orders by customer"
    )

    # "Show query" shows the semantic query and the SQL that ran.
    answer.locator(".dp-explore-show-query .bk-btn").click()
    expect(answer.locator(".dp-query-sql")).to_contain_text("SELECT")

    # "Add to dashboard…" puts the answer's semantic query on a new dashboard.
    answer.locator(".dp-explore-add-dashboard button").click()
    form = answer.locator(".dp-add-form")
    form.locator(".dp-add-target select").select_option(label="New dashboard…")
    form.locator(".dp-add-name input").fill("Customer board")
    form.locator(".dp-add-submit button").click()
    expect(answer.locator(".dp-add-message.done")).to_contain_text("Added to “Customer board”")
    link = answer.locator("a.dp-add-open")
    expect(link).to_have_attribute("href", re.compile(r"^/dashboards\?id=[0-9a-f-]{36}$"))
    expect(form).to_be_hidden()
    assert_on_dashboard(server, analyst, str(link.get_attribute("href")).split("=")[1])

    answer.locator(".dp-explore-open-sql button").click()
    page.wait_for_url(re.compile(r"/sql\?handoff="))
    wait_for_shell(page)
    expect(page.locator(".dp-sql-editor .ace_content")).to_contain_text("SELECT")
    expect(page.locator(".dp-result .dp-paged-table .tabulator-row")).to_have_count(CUSTOMERS)
    assert sorted(table_rows(page, ".dp-result")) == sorted(explored)

    # The handoff is used once: reloading the address does not bring the SQL back.
    page.reload()
    wait_for_shell(page)
    expect(page.locator(".dp-sql-editor .ace_content")).to_be_visible()
    expect(page.locator(".dp-sql-editor .ace_content")).not_to_contain_text("SELECT")


def test_a_follow_up_answer_stacks_below_the_first_and_its_actions_work(
    page: Any, analyst: Account, server: RunningServer
) -> None:
    """Two answers in one conversation: each has its own space (nothing drawn over the other),
    👍 saves a verified example and "Save query…" saves the answer's SQL under a name."""
    page.goto("/explore")
    wait_for_shell(page)
    # No verified example yet: the list says how one is made.
    expect(page.locator(".dp-explore-examples")).to_contain_text("None yet")
    page.locator(".dp-explore-starter button").filter(
        has_text=re.compile(r"^Number of orders by customer$")
    ).click()
    answers = page.locator(".dp-explore-message")
    expect(answers.first.locator(".dp-explore-table .tabulator-row")).to_have_count(CUSTOMERS)

    # The chat takes a new question once the first answer's callback has returned; until then
    # Enter is ignored and the text stays in the box.
    box = page.locator("textarea")
    for _ in range(10):
        box.fill("top 3")
        box.press("Enter")
        try:
            expect(box).to_have_value("", timeout=3000)
            break
        except AssertionError:
            continue
    expect(answers).to_have_count(2)
    second = answers.nth(1)
    expect(second.locator(".dp-explore-table .tabulator-row")).to_have_count(3)
    expect(second.locator(".dp-explore-chart .bk-Canvas").first).to_be_visible()
    # Each message holds its whole answer: the first answer's actions end above the follow-up
    # question, and every message of the chat lies below the one before it.
    messages = [m.bounding_box() for m in page.locator(".chat-message").all()]
    spans = [(b["y"], b["y"] + b["height"]) for b in messages if b]
    assert len(spans) == 4
    for (_, bottom), (top, _) in itertools.pairwise(spans):
        assert top >= bottom - 1, f"a message starts at {top}, above the previous end {bottom}"
    actions = answers.first.locator(".dp-explore-actions").bounding_box()
    assert actions is not None
    assert actions["y"] + actions["height"] <= spans[2][0], "the first answer overflows"

    second.locator(".dp-explore-up button").click()
    expect(second.locator(".dp-explore-note")).to_contain_text("example")
    api = Api(server, analyst)
    with api.client() as client:
        examples = client.get(f"/api/v1/workspaces/{api.workspace_id}/ai/examples").json()
    assert [e["semantic_query"]["limit"] for e in examples["items"]] == [3]

    # The example is listed beside the conversations; an editor renames it, then deletes it.
    example = page.locator(".dp-explore-example")
    expect(example).to_have_count(1)
    expect(example.locator(".dp-example-query")).to_contain_text("top 3")
    example.locator(".dp-example-edit button").click()
    example.locator(".dp-example-edit-box input").fill("Best 3 customers")
    example.locator(".dp-example-save button").click()
    expect(example.locator(".dp-example-question")).to_have_text("Best 3 customers")
    example.locator(".dp-example-delete button").click()
    example.locator(".dp-example-delete-yes button").click()
    expect(page.locator(".dp-explore-example")).to_have_count(0)
    with api.client() as client:
        examples = client.get(f"/api/v1/workspaces/{api.workspace_id}/ai/examples").json()
    assert examples["items"] == []

    second.locator(".dp-explore-save-open button").click()
    second.locator(".dp-explore-save-name input").fill("Top 3 customers")
    second.locator(".dp-explore-save button").click()
    expect(second.locator(".dp-explore-note")).to_contain_text("Top 3 customers")
    page.goto("/sql")
    wait_for_shell(page)
    side_tab(page, "Saved")
    expect(page.locator(".dp-sql-saved .ql-item")).to_have_text([re.compile("Top 3 customers")])
