"""Isolation pairs for every source route: tenant A uploads, tenant B tries each route with A's
ids and gets 404 (never 403, never data), and A's source is unchanged."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.api.sources import api  # the v1 API with the source operations declared
from tests.conftest import RunningServer
from tests.integration.conftest import API, ApiUser, assert_problem, register_api_user
from tests.integration.sources_api import (
    ORDERS,
    create_workspace,
    post_file,
    source_folder,
    source_url,
    sources_url,
    tenant_id,
    upload_ready,
)

WORKSPACE_PATH = f"{API}/workspaces/{{workspace_id}}"


@dataclass
class Owned:
    """Tenant A's user, workspace and ready source, with what B must never see."""

    user: ApiUser
    workspace: str
    source: dict[str, Any]
    folder: Path

    def snapshot(self, client: httpx.Client) -> dict[str, Any]:
        detail = client.get(
            source_url(self.workspace, self.source["id"]), headers=self.user.headers
        )
        assert detail.status_code == 200
        files = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in self.folder.iterdir()}
        listed = client.get(sources_url(self.workspace), headers=self.user.headers).json()
        return {"detail": detail.json(), "files": files, "list": listed}


@pytest.fixture
def owned(server: RunningServer, client: httpx.Client) -> Owned:
    alice = register_api_user(client, "Alice", organisation="Alice Secret Org")
    workspace = create_workspace(client, alice, "Alice payroll")
    source = upload_ready(client, alice, workspace, "payroll-secret.csv", ORDERS.encode())
    folder = source_folder(server, tenant_id(client, alice), workspace, source["id"])
    return Owned(alice, workspace, source, folder)


@pytest.fixture
def bob(client: httpx.Client) -> ApiUser:
    return register_api_user(client, "Bob", organisation="Bob Org")


Call = Callable[[httpx.Client, ApiUser, str, str], httpx.Response]

ROUTES: dict[tuple[str, str], Call] = {
    ("GET", "/sources"): lambda c, u, w, s: c.get(sources_url(w), headers=u.headers),
    ("POST", "/sources"): lambda c, u, w, s: post_file(
        c, sources_url(w), "mine.csv", ORDERS.encode(), u.headers
    ),
    ("GET", "/sources/{source_id}"): lambda c, u, w, s: c.get(source_url(w, s), headers=u.headers),
    ("GET", "/sources/{source_id}/preview"): lambda c, u, w, s: c.get(
        source_url(w, s) + "/preview", params={"sort": "amount:desc"}, headers=u.headers
    ),
    ("PATCH", "/sources/{source_id}"): lambda c, u, w, s: c.patch(
        source_url(w, s), json={"name": "Bob's now"}, headers=u.headers
    ),
    ("DELETE", "/sources/{source_id}"): lambda c, u, w, s: c.delete(
        source_url(w, s), headers=u.headers
    ),
    ("POST", "/sources/{source_id}/retry"): lambda c, u, w, s: c.post(
        source_url(w, s) + "/retry",
        json={"overrides": {"shipped": {"type": "date", "format": "D%d%m%Y"}}},
        headers=u.headers,
    ),
    ("POST", "/sources/{source_id}/replace"): lambda c, u, w, s: post_file(
        c, source_url(w, s) + "/replace", "orders.csv", ORDERS.encode(), u.headers
    ),
}


def test_the_pairs_cover_every_declared_source_route() -> None:
    declared = {
        (op.method, op.path.removeprefix(WORKSPACE_PATH))
        for op in api.operations
        if op.path.startswith(WORKSPACE_PATH + "/sources")
    }
    assert len(declared) >= 8
    assert declared == set(ROUTES), "add an isolation pair for each new source route"


def assert_nothing_leaked(response: httpx.Response, owned: Owned) -> None:
    problem = assert_problem(response, 404)
    for secret in (owned.source["id"], "payroll-secret", "Customer", "Alice"):
        assert secret not in problem["detail"]


@pytest.mark.parametrize("route", list(ROUTES), ids=[f"{m} {p}" for m, p in ROUTES])
def test_other_tenant_gets_404_with_the_owners_workspace_and_source(
    client: httpx.Client, owned: Owned, bob: ApiUser, route: tuple[str, str]
) -> None:
    before = owned.snapshot(client)

    response = ROUTES[route](client, bob, owned.workspace, owned.source["id"])

    assert_nothing_leaked(response, owned)
    assert owned.snapshot(client) == before


@pytest.mark.parametrize(
    "route",
    [r for r in ROUTES if "{source_id}" in r[1]],
    ids=[f"{m} {p}" for m, p in ROUTES if "{source_id}" in p],
)
def test_other_tenant_gets_404_with_its_own_workspace_and_the_owners_source(
    client: httpx.Client, owned: Owned, bob: ApiUser, route: tuple[str, str]
) -> None:
    before = owned.snapshot(client)
    own_workspace = create_workspace(client, bob, "Bob's")

    response = ROUTES[route](client, bob, own_workspace, owned.source["id"])

    assert_nothing_leaked(response, owned)
    assert owned.snapshot(client) == before


def test_other_tenant_lists_only_its_own_sources(
    client: httpx.Client, owned: Owned, bob: ApiUser
) -> None:
    own_workspace = create_workspace(client, bob, "Bob's")
    upload_ready(client, bob, own_workspace, "bob.csv", b"a,b\n1,2\n")
    listed = client.get(sources_url(own_workspace), headers=bob.headers).json()["items"]
    assert [s["name"] for s in listed] == ["bob"]


def test_other_tenant_upload_into_the_owners_workspace_stores_nothing(
    server: RunningServer, client: httpx.Client, owned: Owned, bob: ApiUser
) -> None:
    workspace_folder = owned.folder.parent
    folders = sorted(p.name for p in workspace_folder.iterdir())
    bob_tenant = server.data_dir / tenant_id(client, bob)

    response = ROUTES[("POST", "/sources")](client, bob, owned.workspace, "")

    assert_problem(response, 404)
    assert sorted(p.name for p in workspace_folder.iterdir()) == folders
    assert not (bob_tenant / owned.workspace).exists()
