"""Isolation pairs for every connection route: tenant A adds a connection, tenant B tries each
route with A's ids and gets 404 (never 403, never data), and A's connection is unchanged and
still works."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from app.api.connections import api  # the v1 API with the connection operations declared
from tests.integration.conftest import API, ApiUser, assert_problem, register_api_user
from tests.integration.connections_api import (
    connection_body,
    connection_url,
    connections_url,
    create_connection,
)
from tests.integration.live_databases import LiveDatabase
from tests.integration.sources_api import create_workspace

WORKSPACE_PATH = f"{API}/workspaces/{{workspace_id}}"
TABLE = {"table": "flights"}


@dataclass
class Owned:
    """Tenant A's user, workspace and connection."""

    user: ApiUser
    workspace: str
    connection: dict[str, Any]

    def snapshot(self, client: httpx.Client) -> dict[str, Any]:
        url = connection_url(self.workspace, self.connection["id"])
        detail = client.get(url, headers=self.user.headers)
        assert detail.status_code == 200
        listed = client.get(connections_url(self.workspace), headers=self.user.headers).json()
        return {"detail": detail.json(), "list": listed}


@pytest.fixture
def owned(client: httpx.Client, live_db: LiveDatabase) -> Owned:
    alice = register_api_user(client, "Alice", organisation="Alice Secret Org")
    workspace = create_workspace(client, alice, "Alice flights")
    connection = create_connection(client, alice, workspace, live_db, name="Alice secret DB")
    return Owned(alice, workspace, connection)


@pytest.fixture
def bob(client: httpx.Client) -> ApiUser:
    return register_api_user(client, "Bob", organisation="Bob Org")


Call = Callable[[httpx.Client, ApiUser, str, str, LiveDatabase], httpx.Response]


def _url(w: str, c: str, tail: str = "") -> str:
    return connection_url(w, c) + tail


ROUTES: dict[tuple[str, str], Call] = {
    ("GET", "/connections"): lambda h, u, w, c, d: h.get(connections_url(w), headers=u.headers),
    ("POST", "/connections"): lambda h, u, w, c, d: h.post(
        connections_url(w), json=connection_body(d, name="Bob's"), headers=u.headers
    ),
    ("POST", "/connections/test"): lambda h, u, w, c, d: h.post(
        connections_url(w) + "/test", json=connection_body(d), headers=u.headers
    ),
    ("GET", "/connections/{connection_id}"): lambda h, u, w, c, d: h.get(
        _url(w, c), headers=u.headers
    ),
    ("PATCH", "/connections/{connection_id}"): lambda h, u, w, c, d: h.patch(
        _url(w, c), json={"host": "evil.example", "name": "Bob's now"}, headers=u.headers
    ),
    ("DELETE", "/connections/{connection_id}"): lambda h, u, w, c, d: h.delete(
        _url(w, c), headers=u.headers
    ),
    ("POST", "/connections/{connection_id}/test"): lambda h, u, w, c, d: h.post(
        _url(w, c, "/test"), headers=u.headers
    ),
    ("GET", "/connections/{connection_id}/schemas"): lambda h, u, w, c, d: h.get(
        _url(w, c, "/schemas"), headers=u.headers
    ),
    ("GET", "/connections/{connection_id}/tables"): lambda h, u, w, c, d: h.get(
        _url(w, c, "/tables"), headers=u.headers
    ),
    ("GET", "/connections/{connection_id}/columns"): lambda h, u, w, c, d: h.get(
        _url(w, c, "/columns"), params=TABLE, headers=u.headers
    ),
    ("GET", "/connections/{connection_id}/preview"): lambda h, u, w, c, d: h.get(
        _url(w, c, "/preview"), params=TABLE, headers=u.headers
    ),
    ("GET", "/connections/{connection_id}/profile"): lambda h, u, w, c, d: h.get(
        _url(w, c, "/profile"), params=TABLE, headers=u.headers
    ),
    ("POST", "/connections/{connection_id}/sql"): lambda h, u, w, c, d: h.post(
        _url(w, c, "/sql"), json={"sql": "SELECT * FROM airlines"}, headers=u.headers
    ),
    ("POST", "/connections/{connection_id}/sql/{query_id}/cancel"): lambda h, u, w, c, d: h.post(
        _url(w, c, "/sql/q1/cancel"), headers=u.headers
    ),
    ("POST", "/connections/{connection_id}/snapshot"): lambda h, u, w, c, d: h.post(
        _url(w, c, "/snapshot"), json={"table": "airlines"}, headers=u.headers
    ),
}


def test_the_pairs_cover_every_declared_connection_route() -> None:
    declared = {
        (op.method, op.path.removeprefix(WORKSPACE_PATH))
        for op in api.operations
        if op.path.startswith(WORKSPACE_PATH + "/connections")
    }
    assert len(declared) >= 14
    assert declared == set(ROUTES), "add an isolation pair for each new connection route"


def assert_nothing_leaked(response: httpx.Response, owned: Owned, live_db: LiveDatabase) -> None:
    problem = assert_problem(response, 404)
    for secret in (owned.connection["id"], "Alice", live_db.database, "American Airlines"):
        assert secret not in problem["detail"]
    for secret in ("Alice", live_db.database, live_db.reader, "American Airlines"):
        assert secret not in response.text  # the path in "instance" is the caller's own


@pytest.mark.parametrize("route", list(ROUTES), ids=[f"{m} {p}" for m, p in ROUTES])
def test_other_tenant_gets_404_with_the_owners_workspace_and_connection(
    client: httpx.Client, owned: Owned, bob: ApiUser, live_db: LiveDatabase, route: tuple[str, str]
) -> None:
    before = owned.snapshot(client)
    response = ROUTES[route](client, bob, owned.workspace, owned.connection["id"], live_db)
    assert_nothing_leaked(response, owned, live_db)
    assert owned.snapshot(client) == before


@pytest.mark.parametrize(
    "route",
    [r for r in ROUTES if "{connection_id}" in r[1]],
    ids=[f"{m} {p}" for m, p in ROUTES if "{connection_id}" in p],
)
def test_other_tenant_gets_404_with_its_own_workspace_and_the_owners_connection(
    client: httpx.Client, owned: Owned, bob: ApiUser, live_db: LiveDatabase, route: tuple[str, str]
) -> None:
    before = owned.snapshot(client)
    own_workspace = create_workspace(client, bob, "Bob's")
    response = ROUTES[route](client, bob, own_workspace, owned.connection["id"], live_db)
    assert_nothing_leaked(response, owned, live_db)
    assert owned.snapshot(client) == before


def test_the_owner_still_queries_after_the_other_tenant_tried(
    client: httpx.Client, owned: Owned, bob: ApiUser, live_db: LiveDatabase
) -> None:
    for call in ROUTES.values():
        call(client, bob, owned.workspace, owned.connection["id"], live_db)
    response = client.post(
        _url(owned.workspace, owned.connection["id"], "/sql"),
        json={"sql": "SELECT count(*) AS n FROM airlines"},
        headers=owned.user.headers,
    )
    assert response.status_code == 200 and response.json()["rows"] == [[3]]
    own_workspace = create_workspace(client, bob, "Bob's")
    listed = client.get(connections_url(own_workspace), headers=bob.headers).json()["items"]
    assert listed == []
