"""Explore's REST routes over real HTTP: asking (401, 404, 422, 429 past the tenant's rate),
conversations, feedback and verified examples with their roles. Every response is also checked
against the OpenAPI document (tests/openapi_contract.py). Answers themselves: test_explore_answers.py.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select

from app.store.models import AiCall
from tests.conftest import RunningServer, start_server
from tests.integration.conftest import ApiUser, Store, assert_problem, register_api_user
from tests.integration.explore_api import QUERY, ai_url, seed_turn
from tests.integration.sources_api import create_workspace
from tests.integration.test_rest_workspaces import add_member


@pytest.fixture
def workspace(client: httpx.Client, api_user: ApiUser) -> str:
    return create_workspace(client, api_user)


@pytest.fixture
def viewer(server_store: Store, client: httpx.Client, api_user: ApiUser) -> ApiUser:
    return add_member(server_store, client, api_user, "viewer")


def tenant_calls(store: Store, user: ApiUser) -> list[AiCall]:
    """The audit log of ``user``'s tenant, read from the server's store."""
    principal = store.accounts.principal_from_access_token(user.access_token)
    with store.db.transaction() as session:
        return list(session.scalars(select(AiCall).where(AiCall.tenant_id == principal.tenant_id)))


def ask(client: httpx.Client, user: ApiUser, workspace: str, body: object) -> httpx.Response:
    return client.post(ai_url(workspace, "/query"), json=body, headers=user.headers)


# -- asking -----------------------------------------------------------------------------------------
def test_asking_without_a_token_is_401(client: httpx.Client, workspace: str) -> None:
    assert_problem(client.post(ai_url(workspace, "/query"), json={"question": "Revenue"}), 401)


def test_asking_about_a_missing_workspace_is_404(client: httpx.Client, api_user: ApiUser) -> None:
    problem = assert_problem(ask(client, api_user, "no-such-workspace", {"question": "x"}), 404)
    assert problem["detail"] == "No such workspace."


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "question"),
        ({"question": ""}, "question"),
        ({"question": "x" * 2001}, "question"),
        ({"question": "Revenue", "conversation_id": "c" * 65}, "conversation_id"),
        ({"question": "Revenue", "extra": 1, "conversation_id": 5}, "conversation_id"),
    ],
)
def test_a_malformed_question_is_422_naming_the_field(
    client: httpx.Client, api_user: ApiUser, workspace: str, body: object, field: str
) -> None:
    problem = assert_problem(ask(client, api_user, workspace, body), 422)
    assert problem["errors"][0]["field"] == field


def test_a_blank_question_is_422(client: httpx.Client, api_user: ApiUser, workspace: str) -> None:
    problem = assert_problem(ask(client, api_user, workspace, {"question": "   "}), 422)
    assert problem["detail"] == "Type a question."


def test_a_workspace_without_a_model_gets_a_decline_saying_what_to_do_and_is_audited(
    client: httpx.Client, server_store: Store, viewer: ApiUser, workspace: str
) -> None:
    response = ask(client, viewer, workspace, {"question": "Revenue by customer"})

    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["kind"] == "decline"
    assert "no model yet" in answer["explanation"] and "Accept all" in answer["explanation"]
    assert answer["rows"] == []
    calls = tenant_calls(server_store, viewer)
    assert [(c.question, c.outcome) for c in calls] == [("Revenue by customer", "decline")]


def test_a_question_in_someone_elses_conversation_is_404(
    client: httpx.Client,
    server_store: Store,
    api_user: ApiUser,
    viewer: ApiUser,
    workspace: str,
) -> None:
    mine = seed_turn(server_store, api_user, workspace)
    body = {"question": "and by month", "conversation_id": mine["conversation_id"]}

    problem = assert_problem(ask(client, viewer, workspace, body), 404)

    assert "conversation" in problem["detail"]


# -- conversations and feedback -----------------------------------------------------------------------
def test_conversations_list_and_read_back_with_their_messages(
    client: httpx.Client, server_store: Store, viewer: ApiUser, workspace: str
) -> None:
    first = seed_turn(server_store, viewer, workspace, "Revenue by customer")
    seed_turn(server_store, viewer, workspace, "only 2024", first["conversation_id"])

    listed = client.get(ai_url(workspace, "/conversations"), headers=viewer.headers)
    read = client.get(
        ai_url(workspace, f"/conversations/{first['conversation_id']}"), headers=viewer.headers
    )

    assert listed.status_code == 200 and read.status_code == 200
    assert [(c["id"], c["title"]) for c in listed.json()["items"]] == [
        (first["conversation_id"], "Revenue by customer")
    ]
    messages = read.json()["messages"]
    assert [(m["role"], m["question"]) for m in messages] == [
        ("user", "Revenue by customer"),
        ("assistant", "Revenue by customer"),
        ("user", "only 2024"),
        ("assistant", "only 2024"),
    ]
    answer = messages[1]["answer"]
    assert (answer["kind"], answer["rows"], answer["semantic_query"]["measures"]) == (
        "semantic",
        [["Ada", 120.5], ["Grace", 80.0]],
        ["orders.amount"],
    )
    assert messages[1]["id"] == first["message_id"] and messages[0]["answer"] is None


def test_conversations_are_private_to_their_owner(
    client: httpx.Client, server_store: Store, api_user: ApiUser, viewer: ApiUser, workspace: str
) -> None:
    mine = seed_turn(server_store, api_user, workspace)
    url = ai_url(workspace, f"/conversations/{mine['conversation_id']}")

    assert client.get(ai_url(workspace, "/conversations"), headers=viewer.headers).json() == {
        "items": []
    }
    assert_problem(client.get(url, headers=viewer.headers), 404)
    assert_problem(client.delete(url, headers=viewer.headers), 404)
    feedback = ai_url(workspace, f"/messages/{mine['message_id']}/feedback")
    assert_problem(client.post(feedback, json={"value": 1}, headers=viewer.headers), 404)
    assert client.get(url, headers=api_user.headers).status_code == 200


def test_deleting_a_conversation(
    client: httpx.Client, server_store: Store, viewer: ApiUser, workspace: str
) -> None:
    mine = seed_turn(server_store, viewer, workspace)
    url = ai_url(workspace, f"/conversations/{mine['conversation_id']}")

    assert client.delete(url, headers=viewer.headers).status_code == 204

    assert_problem(client.get(url, headers=viewer.headers), 404)
    assert client.get(ai_url(workspace, "/conversations"), headers=viewer.headers).json() == {
        "items": []
    }


def test_thumbs_up_from_an_editor_saves_a_verified_example(
    client: httpx.Client, server_store: Store, api_user: ApiUser, workspace: str
) -> None:
    mine = seed_turn(server_store, api_user, workspace, "Revenue by customer")
    url = ai_url(workspace, f"/messages/{mine['message_id']}/feedback")

    response = client.post(url, json={"value": 1}, headers=api_user.headers)

    assert response.status_code == 200, response.text
    saved = response.json()
    assert (saved["feedback"], saved["note"]) == (1, None)
    examples = client.get(ai_url(workspace, "/examples"), headers=api_user.headers).json()["items"]
    assert [(e["id"], e["question"]) for e in examples] == [
        (saved["example_id"], "Revenue by customer")
    ]
    assert examples[0]["semantic_query"]["measures"] == QUERY["measures"]


def test_a_viewers_thumbs_up_and_thumbs_down_record_feedback_only(
    client: httpx.Client, server_store: Store, viewer: ApiUser, workspace: str
) -> None:
    mine = seed_turn(server_store, viewer, workspace)
    url = ai_url(workspace, f"/messages/{mine['message_id']}/feedback")

    up = client.post(url, json={"value": 1}, headers=viewer.headers).json()
    down = client.post(url, json={"value": -1}, headers=viewer.headers).json()

    assert up["example_id"] is None and "editors and admins" in up["note"]
    assert (down["feedback"], down["example_id"], down["note"]) == (-1, None, None)
    assert client.get(ai_url(workspace, "/examples"), headers=viewer.headers).json() == {
        "items": []
    }
    read = client.get(
        ai_url(workspace, f"/conversations/{mine['conversation_id']}"), headers=viewer.headers
    )
    assert read.json()["messages"][1]["feedback"] == -1


def test_feedback_is_one_or_minus_one(
    client: httpx.Client, server_store: Store, viewer: ApiUser, workspace: str
) -> None:
    mine = seed_turn(server_store, viewer, workspace)
    url = ai_url(workspace, f"/messages/{mine['message_id']}/feedback")
    problem = assert_problem(client.post(url, json={"value": 2}, headers=viewer.headers), 422)
    assert problem["errors"][0]["field"] == "value"


# -- verified examples ------------------------------------------------------------------------------
def test_editors_write_examples_and_viewers_read_them(
    client: httpx.Client, api_user: ApiUser, viewer: ApiUser, workspace: str
) -> None:
    examples = ai_url(workspace, "/examples")
    body = {"question": "Revenue by customer", "semantic_query": QUERY}

    created = client.post(examples, json=body, headers=api_user.headers)
    assert created.status_code == 201, created.text
    example = created.json()
    url = ai_url(workspace, f"/examples/{example['id']}")
    changed = client.put(
        url,
        json={"question": "Top customers", "semantic_query": {**QUERY, "limit": 5}},
        headers=api_user.headers,
    )

    assert changed.status_code == 200
    assert client.get(examples, headers=viewer.headers).json()["items"] == [changed.json()]
    assert changed.json()["semantic_query"]["limit"] == 5
    for response in (
        client.post(examples, json=body, headers=viewer.headers),
        client.put(url, json=body, headers=viewer.headers),
        client.delete(url, headers=viewer.headers),
    ):
        assert_problem(response, 403)
    assert client.delete(url, headers=api_user.headers).status_code == 204
    assert client.get(examples, headers=viewer.headers).json() == {"items": []}
    assert_problem(client.delete(url, headers=api_user.headers), 404)


def test_a_second_example_for_the_same_question_is_409(
    client: httpx.Client, api_user: ApiUser, workspace: str
) -> None:
    examples = ai_url(workspace, "/examples")
    body = {"question": "Revenue by customer", "semantic_query": QUERY}
    assert client.post(examples, json=body, headers=api_user.headers).status_code == 201

    again = {**body, "question": "revenue BY customer"}
    problem = assert_problem(client.post(examples, json=again, headers=api_user.headers), 409)

    assert "already has a verified example" in problem["detail"]


def test_an_example_without_a_semantic_query_is_422(
    client: httpx.Client, api_user: ApiUser, workspace: str
) -> None:
    body = {"question": "Revenue", "semantic_query": {"measures": "orders.amount"}}
    response = client.post(ai_url(workspace, "/examples"), json=body, headers=api_user.headers)
    problem = assert_problem(response, 422)
    assert problem["errors"][0]["field"].startswith("semantic_query")


# -- limits -----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def limited_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    limits = {"ai": {"limits": {"rate_per_minute": 2, "monthly_token_budget": 0}}}
    running = start_server(tmp_path_factory.mktemp("ai-limits"), settings=limits, demo=False)
    yield running
    running.stop()
    shutil.rmtree(running.data_dir, ignore_errors=True)


def test_past_the_tenants_rate_a_question_is_429_with_retry_after(
    limited_server: RunningServer,
) -> None:
    with limited_server.client() as client:
        user = register_api_user(client, "Rita")
        workspace = create_workspace(client, user)
        other = register_api_user(client, "Otto")
        elsewhere = create_workspace(client, other)
        body = {"question": "Revenue by customer"}

        first = [ask(client, user, workspace, body).status_code for _ in range(2)]
        refused = ask(client, user, workspace, body)
        unaffected = ask(client, other, elsewhere, body)

    assert first == [200, 200]
    problem = assert_problem(refused, 429)
    assert "2 questions in the last minute" in problem["detail"]
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert unaffected.status_code == 200
