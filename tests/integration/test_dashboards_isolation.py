"""Isolation pairs for every dashboard route: tenant A keeps a dashboard; tenant B tries each
route with A's workspace, and with A's dashboard id in its own workspace, and gets 404 — never
403, never data — and A's dashboard is unchanged. A's own dashboard id under A's other
workspace is missing too."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from app.api.dashboards import api  # the v1 API with the dashboard operations declared
from app.services.explore import ExploreService, Question
from tests.integration.conftest import API, ApiUser, Store, assert_problem, register_api_user
from tests.integration.sources_api import create_workspace
from tests.integration.sql_api import queries_url

WORKSPACE_PATH = f"{API}/workspaces/{{workspace_id}}"
SECRET_DOCUMENT = {"widgets": [{"id": "payroll", "kind": "text", "text": "Payroll secret"}]}


@dataclass
class Owned:
    user: ApiUser
    workspace: str
    dashboard: str
    saved_query: str
    answer: str

    def snapshot(self, client: httpx.Client) -> dict[str, Any]:
        url = f"{API}/workspaces/{self.workspace}/dashboards"
        listed = client.get(url, headers=self.user.headers)
        one = client.get(f"{url}/{self.dashboard}", headers=self.user.headers)
        assert listed.status_code == one.status_code == 200
        return {"list": listed.json(), "one": one.json()}


def save_query(client: httpx.Client, user: ApiUser, workspace: str, name: str) -> str:
    saved = client.post(
        queries_url(workspace), json={"name": name, "sql": "SELECT 1 AS one"}, headers=user.headers
    )
    assert saved.status_code == 201, saved.text
    return str(saved.json()["id"])


def seed_answer(store: Store, user: ApiUser, workspace: str) -> str:
    def answerer(_question: Question) -> Mapping[str, Any]:
        return {"kind": "sql", "sql": "SELECT 1 AS one", "rows": [], "columns": []}

    principal = store.accounts.principal_from_access_token(user.access_token)
    explore = ExploreService(store.db, principal, store.settings.ai.limits)
    return str(explore.ask(workspace, "Payroll totals", answerer)["message_id"])


@pytest.fixture
def owned(client: httpx.Client, server_store: Store) -> Owned:
    alice = register_api_user(client, "Alice", organisation="Alice Secret Org")
    workspace = create_workspace(client, alice, "Alice payroll")
    made = client.post(
        f"{API}/workspaces/{workspace}/dashboards",
        json={"name": "Payroll board", "document": SECRET_DOCUMENT},
        headers=alice.headers,
    )
    assert made.status_code == 201, made.text
    saved = save_query(client, alice, workspace, "Payroll query")
    return Owned(
        alice, workspace, made.json()["id"], saved, seed_answer(server_store, alice, workspace)
    )


@pytest.fixture
def bob(client: httpx.Client) -> ApiUser:
    return register_api_user(client, "Bob", organisation="Bob Org")


def _url(workspace: str, rest: str = "") -> str:
    return f"{API}/workspaces/{workspace}/dashboards{rest}"


Call = Callable[[httpx.Client, ApiUser, str, Owned], httpx.Response]

ROUTES: dict[tuple[str, str], Call] = {
    ("GET", "/dashboards"): lambda c, u, w, o: c.get(_url(w), headers=u.headers),
    ("POST", "/dashboards"): lambda c, u, w, o: c.post(
        _url(w), json={"name": "Payroll board"}, headers=u.headers
    ),
    ("GET", "/dashboards/{dashboard_id}"): lambda c, u, w, o: c.get(
        _url(w, f"/{o.dashboard}"), headers=u.headers
    ),
    ("PUT", "/dashboards/{dashboard_id}"): lambda c, u, w, o: c.put(
        _url(w, f"/{o.dashboard}"), json={"version": 1, "name": "Bob's"}, headers=u.headers
    ),
    ("DELETE", "/dashboards/{dashboard_id}"): lambda c, u, w, o: c.delete(
        _url(w, f"/{o.dashboard}"), headers=u.headers
    ),
    ("POST", "/dashboards/{dashboard_id}/duplicate"): lambda c, u, w, o: c.post(
        _url(w, f"/{o.dashboard}/duplicate"), json={}, headers=u.headers
    ),
    ("GET", "/dashboards/{dashboard_id}/data"): lambda c, u, w, o: c.get(
        _url(w, f"/{o.dashboard}/data"), headers=u.headers
    ),
    ("POST", "/dashboards/automatic"): lambda c, u, w, o: c.post(
        _url(w, "/automatic"), json={}, headers=u.headers
    ),
    ("POST", "/dashboards/widgets"): lambda c, u, w, o: c.post(
        _url(w, "/widgets"),
        json={"dashboard_id": o.dashboard, "from": {"saved_query_id": o.saved_query}},
        headers=u.headers,
    ),
}
BY_ID = [route for route in ROUTES if "{" in route[1]]
SECRETS = ("Payroll", "payroll", "Alice")


def test_the_pairs_cover_every_declared_dashboard_route() -> None:
    declared = {
        (op.method, op.path.removeprefix(WORKSPACE_PATH))
        for op in api.operations
        if op.path.startswith(f"{WORKSPACE_PATH}/dashboards")
    }
    assert len(declared) == 9
    assert declared == set(ROUTES), "add an isolation pair for each new dashboard route"


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
def test_other_tenant_gets_404_on_the_owners_dashboard_in_its_own_workspace(
    client: httpx.Client, owned: Owned, bob: ApiUser, route: tuple[str, str]
) -> None:
    own = create_workspace(client, bob, "Bob's")
    before = owned.snapshot(client)

    response = ROUTES[route](client, bob, own, owned)

    problem = assert_problem(response, 404)
    assert problem["detail"] == "No such dashboard."
    for secret in SECRETS:
        assert secret not in response.text, secret
    assert owned.snapshot(client) == before


@pytest.mark.parametrize("route", BY_ID, ids=[f"{m} {p}" for m, p in BY_ID])
def test_a_dashboard_is_missing_under_another_workspace_of_its_tenant(
    client: httpx.Client, owned: Owned, route: tuple[str, str]
) -> None:
    other = create_workspace(client, owned.user, "Alice other")
    before = owned.snapshot(client)

    response = ROUTES[route](client, owned.user, other, owned)

    assert assert_problem(response, 404)["detail"] == "No such dashboard."
    assert owned.snapshot(client) == before


def test_other_tenant_lists_only_its_own_dashboards(
    client: httpx.Client, owned: Owned, bob: ApiUser
) -> None:
    own = create_workspace(client, bob, "Bob's")
    assert client.get(_url(own), headers=bob.headers).json() == {"items": []}


FOREIGN = {
    "dashboard": "No such dashboard.",
    "saved_query": "No such saved query in this workspace.",
    "answer": "No such answer of yours in this workspace.",
}


@pytest.mark.parametrize("foreign", list(FOREIGN))
def test_adding_a_widget_with_another_tenants_id_is_404(
    client: httpx.Client, owned: Owned, bob: ApiUser, server_store: Store, foreign: str
) -> None:
    """Bob adds to his own workspace, naming one of Alice's ids (the others are his own)."""
    own = create_workspace(client, bob, "Bob's")
    mine = {
        "dashboard": client.post(_url(own), json={"name": "Bob board"}, headers=bob.headers).json()[
            "id"
        ],
        "saved_query": save_query(client, bob, own, "Bob query"),
        "answer": seed_answer(server_store, bob, own),
    }
    theirs = {
        "dashboard": owned.dashboard,
        "saved_query": owned.saved_query,
        "answer": owned.answer,
    }
    ids = {**mine, foreign: theirs[foreign]}
    origin = "answer" if foreign == "answer" else "saved_query"
    body = {
        "dashboard_id": ids["dashboard"],
        "from": {"answer_message_id": ids["answer"]}
        if origin == "answer"
        else {"saved_query_id": ids["saved_query"]},
    }
    before = owned.snapshot(client)

    response = client.post(_url(own, "/widgets"), json=body, headers=bob.headers)

    assert assert_problem(response, 404)["detail"] == FOREIGN[foreign]
    for secret in SECRETS:
        assert secret not in response.text, secret
    assert owned.snapshot(client) == before
    bobs = client.get(_url(own, f"/{mine['dashboard']}"), headers=bob.headers).json()
    assert (bobs["version"], bobs["document"]["widgets"]) == (1, [])
