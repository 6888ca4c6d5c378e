"""Isolation pairs for every SQL and saved-query route: tenant A runs and saves queries, tenant B
tries each route with A's workspace (404, never 403, never data) and with A's saved query ids in
its own workspace (404); A's history and saved queries are unchanged."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from app.api.sql import api  # the v1 API with the SQL operations declared
from tests.integration.conftest import API, ApiUser, assert_problem, register_api_user
from tests.integration.sources_api import ORDERS, create_workspace, upload_ready
from tests.integration.sql_api import queries_url, run_sql, sql_url

WORKSPACE_PATH = f"{API}/workspaces/{{workspace_id}}"
SECRET_SQL = "SELECT customer AS payroll_secret, sum(amount) AS total FROM payroll GROUP BY 1"


@dataclass
class Owned:
    """Tenant A's user, workspace (source ``payroll``), one query run and one saved query."""

    user: ApiUser
    workspace: str
    source: dict[str, Any]
    saved: dict[str, Any]

    def snapshot(self, client: httpx.Client) -> dict[str, Any]:
        headers = self.user.headers
        history = client.get(sql_url(self.workspace, "/history"), headers=headers)
        saved = client.get(queries_url(self.workspace), headers=headers)
        assert history.status_code == saved.status_code == 200
        return {"history": history.json(), "saved": saved.json()}


@pytest.fixture
def owned(client: httpx.Client) -> Owned:
    alice = register_api_user(client, "Alice", organisation="Alice Secret Org")
    workspace = create_workspace(client, alice, "Alice payroll")
    source = upload_ready(client, alice, workspace, "payroll.csv", ORDERS.encode())
    assert run_sql(client, alice, workspace, SECRET_SQL).status_code == 200
    response = client.post(
        queries_url(workspace),
        json={"name": "Payroll secret", "sql": SECRET_SQL, "description": "Alice only"},
        headers=alice.headers,
    )
    assert response.status_code == 201, response.text
    return Owned(alice, workspace, source, response.json())


@pytest.fixture
def bob(client: httpx.Client) -> ApiUser:
    return register_api_user(client, "Bob", organisation="Bob Org")


Call = Callable[[httpx.Client, ApiUser, str, Owned], httpx.Response]
SAVED_BODY = {"name": "Mine", "sql": "SELECT 1 AS one"}

ROUTES: dict[tuple[str, str], Call] = {
    ("POST", "/sql"): lambda c, u, w, o: run_sql(c, u, w, SECRET_SQL),
    ("POST", "/sql/{query_id}/cancel"): lambda c, u, w, o: c.post(
        sql_url(w, "/q1/cancel"), headers=u.headers
    ),
    ("POST", "/sql/download"): lambda c, u, w, o: c.post(
        sql_url(w, "/download"), json={"sql": SECRET_SQL, "format": "csv"}, headers=u.headers
    ),
    ("GET", "/sql/history"): lambda c, u, w, o: c.get(sql_url(w, "/history"), headers=u.headers),
    ("GET", "/sql/tables"): lambda c, u, w, o: c.get(sql_url(w, "/tables"), headers=u.headers),
    ("GET", "/queries"): lambda c, u, w, o: c.get(queries_url(w), headers=u.headers),
    ("POST", "/queries"): lambda c, u, w, o: c.post(
        queries_url(w), json=SAVED_BODY, headers=u.headers
    ),
    ("GET", "/queries/{query_id}"): lambda c, u, w, o: c.get(
        queries_url(w, f"/{o.saved['id']}"), headers=u.headers
    ),
    ("PUT", "/queries/{query_id}"): lambda c, u, w, o: c.put(
        queries_url(w, f"/{o.saved['id']}"), json=SAVED_BODY, headers=u.headers
    ),
    ("DELETE", "/queries/{query_id}"): lambda c, u, w, o: c.delete(
        queries_url(w, f"/{o.saved['id']}"), headers=u.headers
    ),
}
SAVED_ROUTES = [route for route in ROUTES if route[1] == "/queries/{query_id}"]
SECRETS = ("Payroll", "payroll", "Customer", "Alice", "secret")


def test_the_pairs_cover_every_declared_sql_route() -> None:
    declared = {
        (op.method, op.path.removeprefix(WORKSPACE_PATH))
        for op in api.operations
        if op.path.startswith((f"{WORKSPACE_PATH}/sql", f"{WORKSPACE_PATH}/queries"))
    }
    assert len(declared) >= 10
    assert declared == set(ROUTES), "add an isolation pair for each new SQL route"


@pytest.mark.parametrize("route", list(ROUTES), ids=[f"{m} {p}" for m, p in ROUTES])
def test_other_tenant_gets_404_on_the_owners_workspace(
    client: httpx.Client, owned: Owned, bob: ApiUser, route: tuple[str, str]
) -> None:
    before = owned.snapshot(client)

    response = ROUTES[route](client, bob, owned.workspace, owned)

    problem = assert_problem(response, 404)
    assert problem["detail"] == "No such workspace."
    for secret in (*SECRETS, owned.source["id"]):  # (the ids B sent come back in "instance")
        assert secret not in response.text, secret
    assert owned.snapshot(client) == before


@pytest.mark.parametrize("route", SAVED_ROUTES, ids=[f"{m} {p}" for m, p in SAVED_ROUTES])
def test_other_tenant_gets_404_for_the_owners_saved_query_in_its_own_workspace(
    client: httpx.Client, owned: Owned, bob: ApiUser, route: tuple[str, str]
) -> None:
    own = create_workspace(client, bob, "Bob's")
    before = owned.snapshot(client)

    response = ROUTES[route](client, bob, own, owned)

    problem = assert_problem(response, 404)
    assert problem["detail"] == "No such saved query in this workspace."
    for secret in SECRETS:
        assert secret not in response.text, secret
    assert owned.snapshot(client) == before


def test_other_tenant_sees_only_its_own_tables_history_and_saved_queries(
    client: httpx.Client, owned: Owned, bob: ApiUser
) -> None:
    own = create_workspace(client, bob, "Bob's")

    tables = client.get(sql_url(own, "/tables"), headers=bob.headers).json()
    history = client.get(sql_url(own, "/history"), headers=bob.headers).json()
    saved = client.get(queries_url(own), headers=bob.headers).json()
    refused = run_sql(client, bob, own, SECRET_SQL)

    assert (tables, history, saved) == ({"items": []}, {"items": []}, {"items": []})
    problem = assert_problem(refused, 422)
    assert "payroll" in problem["detail"]  # B's own SQL text, echoed: no table of that name
    assert "Customer" not in refused.text
