"""Isolation pairs for every model route: tenant A saves a model, tenant B tries each route with
A's workspace and gets 404 (never 403, never data), and A's model and history are unchanged."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from app.api.model import api  # the v1 API with the model operations declared
from tests.integration.conftest import API, ApiUser, assert_problem, register_api_user
from tests.integration.model_api import model_url, orders_document, query_url
from tests.integration.sources_api import ORDERS, create_workspace, upload_ready

WORKSPACE_PATH = f"{API}/workspaces/{{workspace_id}}"


@dataclass
class Owned:
    """Tenant A's user, workspace, ready source and saved model (two versions)."""

    user: ApiUser
    workspace: str
    source: dict[str, Any]
    document: dict[str, Any]

    def snapshot(self, client: httpx.Client) -> dict[str, Any]:
        model = client.get(model_url(self.workspace), headers=self.user.headers)
        versions = client.get(f"{model_url(self.workspace)}/versions", headers=self.user.headers)
        assert model.status_code == versions.status_code == 200
        return {"model": model.json(), "versions": versions.json()}


@pytest.fixture
def owned(client: httpx.Client) -> Owned:
    alice = register_api_user(client, "Alice", organisation="Alice Secret Org")
    workspace = create_workspace(client, alice, "Alice payroll")
    source = upload_ready(client, alice, workspace, "payroll-secret.csv", ORDERS.encode())
    document = orders_document(source["id"], label="Payroll secret")
    for version in (0, 1):
        response = client.put(
            model_url(workspace),
            json={"version": version, "model": document},
            headers=alice.headers,
        )
        assert response.status_code == 200, response.text
    return Owned(alice, workspace, source, document)


@pytest.fixture
def bob(client: httpx.Client) -> ApiUser:
    return register_api_user(client, "Bob", organisation="Bob Org")


Call = Callable[[httpx.Client, ApiUser, str, Owned], httpx.Response]

ROUTES: dict[tuple[str, str], Call] = {
    ("GET", "/model"): lambda c, u, w, o: c.get(model_url(w), headers=u.headers),
    ("PUT", "/model"): lambda c, u, w, o: c.put(
        model_url(w), json={"version": 2, "model": {"tables": []}}, headers=u.headers
    ),
    ("GET", "/model/versions"): lambda c, u, w, o: c.get(
        f"{model_url(w)}/versions", headers=u.headers
    ),
    ("GET", "/model/versions/{version}"): lambda c, u, w, o: c.get(
        f"{model_url(w)}/versions/1", headers=u.headers
    ),
    ("POST", "/model/versions/{version}/restore"): lambda c, u, w, o: c.post(
        f"{model_url(w)}/versions/1/restore", json={"version": 2}, headers=u.headers
    ),
    ("GET", "/model/suggestions"): lambda c, u, w, o: c.get(
        f"{model_url(w)}/suggestions", headers=u.headers
    ),
    ("POST", "/model/suggestions/apply"): lambda c, u, w, o: c.post(
        f"{model_url(w)}/suggestions/apply", json={"ids": "all", "version": 2}, headers=u.headers
    ),
    ("POST", "/query"): lambda c, u, w, o: c.post(
        query_url(w),
        json={"measures": ["orders.amount"], "dimensions": ["orders.customer"]},
        headers=u.headers,
    ),
    ("POST", "/model/query"): lambda c, u, w, o: c.post(
        f"{model_url(w)}/query",
        json={"measures": ["orders.amount"], "dimensions": ["orders.customer"]},
        headers=u.headers,
    ),
}


def test_the_pairs_cover_every_declared_model_route() -> None:
    declared = {
        (op.method, op.path.removeprefix(WORKSPACE_PATH))
        for op in api.operations
        if op.path.startswith((f"{WORKSPACE_PATH}/model", f"{WORKSPACE_PATH}/query"))
    }
    assert len(declared) >= 8
    assert declared == set(ROUTES), "add an isolation pair for each new model route"


@pytest.mark.parametrize("route", list(ROUTES), ids=[f"{m} {p}" for m, p in ROUTES])
def test_other_tenant_gets_404_on_the_owners_workspace(
    client: httpx.Client, owned: Owned, bob: ApiUser, route: tuple[str, str]
) -> None:
    before = owned.snapshot(client)

    response = ROUTES[route](client, bob, owned.workspace, owned)

    problem = assert_problem(response, 404)
    for secret in ("Payroll", "payroll", owned.source["id"], "Customer", "Alice", "orders"):
        assert secret not in response.text, secret
    assert problem["detail"] == "No such workspace."
    assert owned.snapshot(client) == before


def test_other_tenant_cannot_put_the_owners_source_in_its_own_model(
    client: httpx.Client, owned: Owned, bob: ApiUser
) -> None:
    own = create_workspace(client, bob, "Bob's")

    response = client.put(
        model_url(own), json={"version": 0, "model": owned.document}, headers=bob.headers
    )

    problem = assert_problem(response, 422)
    assert "not in this workspace" in problem["detail"]
    assert "payroll" not in problem["detail"].lower()
    assert client.get(model_url(own), headers=bob.headers).json()["version"] == 0


def test_other_tenant_sees_only_its_own_model(
    client: httpx.Client, owned: Owned, bob: ApiUser
) -> None:
    own = create_workspace(client, bob, "Bob's")
    body = client.get(model_url(own), headers=bob.headers).json()
    assert (body["version"], body["model"]["tables"]) == (0, [])
    versions = client.get(f"{model_url(own)}/versions", headers=bob.headers).json()
    assert versions == {"items": []}


def test_other_tenant_is_offered_only_its_own_sources(
    client: httpx.Client, owned: Owned, bob: ApiUser
) -> None:
    own = create_workspace(client, bob, "Bob's")
    upload_ready(client, bob, own, "bob.csv", ORDERS.encode())

    items = client.get(f"{model_url(own)}/suggestions", headers=bob.headers).json()["items"]
    accepted = client.post(
        f"{model_url(own)}/suggestions/apply",
        json={"ids": [f"table:{owned.source['id']}"], "version": 0},
        headers=bob.headers,
    )

    assert [i["new_table"]["label"] for i in items if i["kind"] == "table"] == ["bob"]
    assert owned.source["id"] not in str(items)
    problem = assert_problem(accepted, 422)
    assert "payroll" not in problem["detail"].lower()
    assert client.get(model_url(own), headers=bob.headers).json()["version"] == 0
