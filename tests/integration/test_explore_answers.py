"""Explore answers over real HTTP: a workspace built from an upload and "accept all" answers a
question with the offline answerer (rows checked against counts taken from the file), keeps
the conversation for a follow-up, and answers through a tenant's OpenAI-compatible provider (a
local server speaking the OpenAI wire format, called through the official SDK)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from tests.integration.conftest import API, ApiUser
from tests.integration.explore_api import ai_url
from tests.integration.model_api import model_url
from tests.integration.sources_api import ORDERS, create_workspace, upload_ready
from tests.unit.ai.servers import OpenAIServer, openai_completion, openai_error


@pytest.fixture(scope="module")
def llm() -> Iterator[OpenAIServer]:
    server = OpenAIServer().start()
    yield server
    server.stop()


@pytest.fixture
def workspace(client: httpx.Client, api_user: ApiUser) -> str:
    """A workspace with the orders file and the model "accept all" builds from it."""
    workspace = create_workspace(client, api_user)
    upload_ready(client, api_user, workspace)
    applied = client.post(
        f"{model_url(workspace)}/suggestions/apply",
        json={"ids": "all", "version": 0},
        headers=api_user.headers,
    )
    assert applied.status_code == 200, applied.text
    return workspace


def ask(client: httpx.Client, user: ApiUser, workspace: str, body: dict[str, object]) -> dict:
    response = client.post(ai_url(workspace, "/query"), json=body, headers=user.headers)
    assert response.status_code == 200, response.text
    return response.json()


def by_customer() -> dict[str, int]:
    """Orders per customer, counted from the uploaded text itself."""
    counts: dict[str, int] = {}
    for line in ORDERS.splitlines()[1:]:
        customer = line.split(";")[1]
        counts[customer] = counts.get(customer, 0) + 1
    return counts


def test_the_offline_answerer_answers_from_the_model_and_keeps_the_conversation(
    client: httpx.Client, api_user: ApiUser, workspace: str
) -> None:
    answer = ask(client, api_user, workspace, {"question": "How many orders by customer?"})

    assert answer["kind"] == "semantic", answer["explanation"]
    assert answer["provider"] == "offline"
    got = {row[0]: row[1] for row in answer["rows"]}
    assert got == by_customer()
    assert answer["sql"] and answer["chart_suggestion"]["kind"]
    assert "customer" in answer["explanation"].lower()

    follow = ask(
        client,
        api_user,
        workspace,
        {"question": "top 3", "conversation_id": answer["conversation_id"]},
    )
    assert follow["kind"] == "semantic", follow["explanation"]
    expected = sorted(by_customer().values(), reverse=True)[:3]
    assert [row[1] for row in follow["rows"]] == expected
    conversation = client.get(
        ai_url(workspace, f"/conversations/{answer['conversation_id']}"),
        headers=api_user.headers,
    ).json()
    assert [m["question"] for m in conversation["messages"] if m["role"] == "user"] == [
        "How many orders by customer?",
        "top 3",
    ]


def test_a_question_the_model_cannot_answer_is_declined_naming_what_it_knows(
    client: httpx.Client, api_user: ApiUser, workspace: str
) -> None:
    answer = ask(client, api_user, workspace, {"question": "What is the weather in Paris?"})
    assert answer["kind"] in ("decline", "clarify")
    assert answer["rows"] == []
    assert answer["explanation"]


def test_a_tenants_language_model_answers_with_a_semantic_query(
    client: httpx.Client, api_user: ApiUser, workspace: str, llm: OpenAIServer
) -> None:
    added = client.post(
        f"{API}/ai/providers",
        json={"provider": "openai_compatible", "model": "gpt-test-1", "base_url": llm.api_url},
        headers=api_user.headers,
    )
    assert added.status_code == 201, added.text
    model = client.get(model_url(workspace), headers=api_user.headers).json()["model"]
    table = model["tables"][0]["name"]
    measure = f"{table}.count"
    arguments = json.dumps({"measures": [measure], "dimensions": [f"{table}.customer"]})
    llm.reset()
    llm.script(
        openai_completion(tool_calls=[("call_1", "run_semantic_query", arguments)]),
        openai_completion("Customer 1 has the most orders."),
    )

    answer = ask(client, api_user, workspace, {"question": "Orders per customer"})

    assert answer["kind"] == "semantic", answer
    assert answer["provider"] == "openai_compatible" and answer["model"] == "gpt-test-1"
    assert {row[0]: row[1] for row in answer["rows"]} == by_customer()
    assert answer["usage"]["input_tokens"] > 0
    sent = json.dumps(llm.requests()[0].body)
    assert "customer" in sent and measure in sent

    llm.reset()
    llm.script(openai_error(401, "invalid_api_key", "Incorrect API key provided"))
    response = client.post(
        ai_url(workspace, "/query"), json={"question": "Orders"}, headers=api_user.headers
    )
    assert response.status_code == 502, response.text
    assert response.json()["provider_error"] == "auth"
