"""Isolation pairs for every Explore route: tenant A asks questions, rates an answer and keeps a
verified example; tenant B tries each route with A's workspace (and A's ids in its own
workspace) and gets 404 — never 403, never data — and A's conversations and examples are
unchanged."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from app.api.explore import api  # the v1 API with the Explore operations declared
from tests.integration.conftest import API, ApiUser, Store, assert_problem, register_api_user
from tests.integration.explore_api import QUERY, ai_url, seed_turn
from tests.integration.sources_api import create_workspace

WORKSPACE_PATH = f"{API}/workspaces/{{workspace_id}}"


@dataclass
class Owned:
    """Tenant A's user, workspace, conversation (with its answer) and verified example."""

    user: ApiUser
    workspace: str
    conversation: str
    message: str
    example: str

    def snapshot(self, client: httpx.Client) -> dict[str, Any]:
        headers = self.user.headers
        reads = {
            "conversations": client.get(ai_url(self.workspace, "/conversations"), headers=headers),
            "conversation": client.get(
                ai_url(self.workspace, f"/conversations/{self.conversation}"), headers=headers
            ),
            "examples": client.get(ai_url(self.workspace, "/examples"), headers=headers),
        }
        assert all(r.status_code == 200 for r in reads.values())
        return {name: r.json() for name, r in reads.items()}


@pytest.fixture
def owned(client: httpx.Client, server_store: Store) -> Owned:
    alice = register_api_user(client, "Alice", organisation="Alice Secret Org")
    workspace = create_workspace(client, alice, "Alice payroll")
    turn = seed_turn(server_store, alice, workspace, "Payroll secret by customer")
    example = client.post(
        ai_url(workspace, "/examples"),
        json={"question": "Payroll secret total", "semantic_query": QUERY},
        headers=alice.headers,
    )
    assert example.status_code == 201, example.text
    return Owned(
        alice, workspace, turn["conversation_id"], turn["message_id"], example.json()["id"]
    )


@pytest.fixture
def bob(client: httpx.Client) -> ApiUser:
    return register_api_user(client, "Bob", organisation="Bob Org")


Call = Callable[[httpx.Client, ApiUser, str, Owned], httpx.Response]

ROUTES: dict[tuple[str, str], Call] = {
    ("POST", "/ai/query"): lambda c, u, w, o: c.post(
        ai_url(w, "/query"),
        json={"question": "Payroll?", "conversation_id": o.conversation},
        headers=u.headers,
    ),
    ("GET", "/ai/conversations"): lambda c, u, w, o: c.get(
        ai_url(w, "/conversations"), headers=u.headers
    ),
    ("GET", "/ai/conversations/{conversation_id}"): lambda c, u, w, o: c.get(
        ai_url(w, f"/conversations/{o.conversation}"), headers=u.headers
    ),
    ("DELETE", "/ai/conversations/{conversation_id}"): lambda c, u, w, o: c.delete(
        ai_url(w, f"/conversations/{o.conversation}"), headers=u.headers
    ),
    ("POST", "/ai/messages/{message_id}/feedback"): lambda c, u, w, o: c.post(
        ai_url(w, f"/messages/{o.message}/feedback"), json={"value": -1}, headers=u.headers
    ),
    ("GET", "/ai/examples"): lambda c, u, w, o: c.get(ai_url(w, "/examples"), headers=u.headers),
    ("POST", "/ai/examples"): lambda c, u, w, o: c.post(
        ai_url(w, "/examples"),
        json={"question": "Bob's now", "semantic_query": QUERY},
        headers=u.headers,
    ),
    ("PUT", "/ai/examples/{example_id}"): lambda c, u, w, o: c.put(
        ai_url(w, f"/examples/{o.example}"),
        json={"question": "Bob's now", "semantic_query": QUERY},
        headers=u.headers,
    ),
    ("DELETE", "/ai/examples/{example_id}"): lambda c, u, w, o: c.delete(
        ai_url(w, f"/examples/{o.example}"), headers=u.headers
    ),
}

# Routes on ids below the workspace: also tried with A's ids inside B's own workspace.
BY_ID = [route for route in ROUTES if "{" in route[1]] + [("POST", "/ai/query")]
SECRETS = ("Payroll", "payroll", "Alice", "orders.amount", "Customer")


def test_the_pairs_cover_every_declared_ai_route() -> None:
    declared = {
        (op.method, op.path.removeprefix(WORKSPACE_PATH))
        for op in api.operations
        if op.path.startswith(f"{WORKSPACE_PATH}/ai")
    }
    assert len(declared) >= 9
    assert declared == set(ROUTES), "add an isolation pair for each new Explore route"


@pytest.mark.parametrize("route", list(ROUTES), ids=[f"{m} {p}" for m, p in ROUTES])
def test_other_tenant_gets_404_on_the_owners_workspace(
    client: httpx.Client, owned: Owned, bob: ApiUser, route: tuple[str, str]
) -> None:
    before = owned.snapshot(client)

    response = ROUTES[route](client, bob, owned.workspace, owned)

    problem = assert_problem(response, 404)
    assert problem["detail"] == "No such workspace."
    for secret in SECRETS:
        assert secret not in response.text, secret
    assert owned.snapshot(client) == before


@pytest.mark.parametrize("route", BY_ID, ids=[f"{m} {p}" for m, p in BY_ID])
def test_other_tenant_gets_404_on_the_owners_ids_in_its_own_workspace(
    client: httpx.Client, owned: Owned, bob: ApiUser, route: tuple[str, str]
) -> None:
    own = create_workspace(client, bob, "Bob's")
    before = owned.snapshot(client)

    response = ROUTES[route](client, bob, own, owned)

    problem = assert_problem(response, 404)
    assert problem["detail"].startswith("No such")
    for secret in SECRETS:
        assert secret not in response.text, secret
    assert owned.snapshot(client) == before


def test_other_tenant_sees_only_its_own_conversations_and_examples(
    client: httpx.Client, owned: Owned, bob: ApiUser
) -> None:
    own = create_workspace(client, bob, "Bob's")
    assert client.get(ai_url(own, "/conversations"), headers=bob.headers).json() == {"items": []}
    assert client.get(ai_url(own, "/examples"), headers=bob.headers).json() == {"items": []}
