"""Explore's steps progress live in a real browser while a language model works.

The tenant's provider is OpenAI-compatible: a local server speaking the OpenAI wire format
(called through the official SDK) answers the question with a semantic query at once, then
holds the summary request. While it is held the browser must show the query done and
"Preparing the result…" running; released, the answer replaces the steps.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.conftest import RunningServer
from tests.ui.conftest import Account, api_account, sign_in, wait_for_shell
from tests.ui.test_explore import Api
from tests.ui.test_sql import CUSTOMERS
from tests.unit.ai.servers import OpenAIServer, Reply, openai_completion


@pytest.fixture(scope="module")
def llm() -> Iterator[OpenAIServer]:
    server = OpenAIServer().start()
    yield server
    server.stop()


@pytest.fixture
def asker(page: Any, server: RunningServer, llm: OpenAIServer) -> tuple[Account, str]:
    """A signed-in admin whose workspace has orders, their model and a language model; and
    the model's orders table."""
    account = api_account(server, name="Ada Analyst", workspaces=["Sales"])
    api = Api(server, account)
    api.orders_with_model()
    with api.client() as client:
        added = client.post(
            "/api/v1/ai/providers",
            json={"provider": "openai_compatible", "model": "gpt-test-1", "base_url": llm.api_url},
        )
        assert added.status_code == 201, added.text
        model = client.get(f"/api/v1/workspaces/{api.workspace_id}/model").json()["model"]
    sign_in(page, account.email, account.password)
    return account, model["tables"][0]["name"]


def test_the_running_step_moves_on_while_the_language_model_works(
    page: Any, asker: tuple[Account, str], llm: OpenAIServer
) -> None:
    _, table = asker
    query = {"measures": [f"{table}.count"], "dimensions": [f"{table}.customer"]}
    llm.reset()
    llm.script(
        openai_completion(tool_calls=[("call_1", "run_semantic_query", json.dumps(query))]),
        Reply(hang=True),  # the summary: held until the test releases it
    )
    page.goto("/explore")
    wait_for_shell(page)
    box = page.locator("textarea")
    expect(box).to_be_visible()
    box.fill("Orders per customer")
    box.press("Enter")

    answer = page.locator(".dp-explore-message").last
    running = answer.locator(".dp-step.running")
    expect(running).to_have_count(1)
    expect(running).to_contain_text(re.compile(r"^Preparing the result…"))
    expect(answer.locator(".dp-step.done")).to_have_count(2)
    expect(answer.locator(".dp-explore-table")).to_have_count(0)

    llm.reset()  # releases the held request; the summary is skipped or answered
    expect(answer.locator(".dp-step.done")).to_have_count(3, timeout=30_000)
    expect(answer.locator(".dp-explore-table .tabulator-row")).to_have_count(CUSTOMERS)
