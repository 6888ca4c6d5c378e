"""Isolation pairs: tenant A creates, tenant B tries every route and page and sees nothing."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from bokeh.client.websocket import WebSocketClientConnectionWrapper
from bokeh.protocol import Protocol
from bokeh.protocol.receiver import Receiver
from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

from app.pages.shell import ShellState
from tests.conftest import RunningServer
from tests.integration.conftest import (
    API,
    ApiUser,
    Store,
    assert_problem,
    browser_login,
    register_api_user,
)

WORKSPACES = f"{API}/workspaces"
PAGES = ["/sources", "/model", "/explore", "/sql", "/dashboards", "/settings", "/welcome"]


@dataclass
class Tenant:
    user: ApiUser
    organisation: str
    workspaces: list[dict[str, Any]]

    @property
    def names(self) -> list[str]:
        return [w["name"] for w in self.workspaces]


def make_tenant(client: httpx.Client, label: str, *names: str) -> Tenant:
    organisation = f"{label} Org {uuid.uuid4().hex[:6]}"
    user = register_api_user(client, label, organisation=organisation)
    created = []
    for name in names:
        response = client.post(WORKSPACES, json={"name": name}, headers=user.headers)
        assert response.status_code == 201
        created.append(response.json())
    return Tenant(user, organisation, created)


@pytest.fixture
def tenant_a(client: httpx.Client) -> Tenant:
    tag = uuid.uuid4().hex[:6]
    return make_tenant(client, "Alice", f"Alpha secret {tag}", f"Payroll secret {tag}")


@pytest.fixture
def tenant_b(client: httpx.Client) -> Tenant:
    return make_tenant(client, "Bob", f"Bob's own {uuid.uuid4().hex[:6]}")


def snapshot(client: httpx.Client, tenant: Tenant) -> list[dict[str, Any]]:
    response = client.get(WORKSPACES, headers=tenant.user.headers)
    assert response.status_code == 200
    return response.json()["items"]


# -- REST ---------------------------------------------------------------------------------------------


def test_other_tenant_gets_404_on_every_workspace_route(
    client: httpx.Client, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    before = snapshot(client, tenant_a)
    headers = tenant_b.user.headers
    for ws in tenant_a.workspaces:
        url = f"{WORKSPACES}/{ws['id']}"
        for response in (
            client.get(url, headers=headers),
            client.patch(url, json={"name": "Hijacked"}, headers=headers),
            client.patch(url, json={"description": "Hijacked"}, headers=headers),
            client.delete(url, headers=headers),
        ):
            body = assert_problem(response, 404)
            assert body["detail"] == "No such workspace."
            assert ws["name"] not in response.text
    assert snapshot(client, tenant_a) == before


def test_other_tenants_404_is_the_same_as_for_a_missing_id(
    client: httpx.Client, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    headers = tenant_b.user.headers
    theirs = client.get(f"{WORKSPACES}/{tenant_a.workspaces[0]['id']}", headers=headers)
    missing = client.get(f"{WORKSPACES}/{uuid.uuid4()}", headers=headers)
    assert theirs.status_code == missing.status_code == 404
    strip = {"instance"}
    assert {k: v for k, v in theirs.json().items() if k not in strip} == {
        k: v for k, v in missing.json().items() if k not in strip
    }


def test_other_tenants_list_excludes_the_workspaces(
    client: httpx.Client, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    listed = snapshot(client, tenant_b)
    assert [w["name"] for w in listed] == tenant_b.names
    ids = {w["id"] for w in listed}
    assert not ids & {w["id"] for w in tenant_a.workspaces}


def test_same_name_in_another_tenant_does_not_touch_the_first(
    client: httpx.Client, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    before = snapshot(client, tenant_a)
    response = client.post(
        WORKSPACES, json={"name": tenant_a.names[0]}, headers=tenant_b.user.headers
    )
    assert response.status_code == 201
    assert response.json()["id"] not in {w["id"] for w in tenant_a.workspaces}
    assert snapshot(client, tenant_a) == before


def test_me_shows_only_the_callers_tenant(
    client: httpx.Client, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    body = client.get(f"{API}/me", headers=tenant_b.user.headers).json()
    assert body["tenant_name"] == tenant_b.organisation


# -- pages ---------------------------------------------------------------------------------------------


async def _pull_document(ws_url: str, token: str, cookie: str, origin: str) -> dict[str, Any]:
    """Open the page's Bokeh websocket like the browser does and pull the session's document."""
    request = HTTPRequest(ws_url, headers={"Cookie": cookie, "Origin": origin})
    socket = await websocket_connect(request, subprotocols=["bokeh", token])
    conn = WebSocketClientConnectionWrapper(socket)
    protocol = Protocol()
    receiver = Receiver(protocol)

    async def next_message() -> Any:
        while True:
            fragment = await conn.read_message()
            if fragment is None:
                raise ConnectionError("the server closed the page's websocket")
            message = await receiver.consume(fragment)
            if message is not None:
                return message

    try:
        ack = await next_message()
        assert ack.msgtype == "ACK"
        await protocol.create("PULL-DOC-REQ").send(conn)
        while (message := await next_message()).msgtype != "PULL-DOC-REPLY":
            assert message.msgtype != "ERROR", message.content
        return message.content  # type: ignore[no-any-return]
    finally:
        conn.close()


def page_document(server: RunningServer, client: httpx.Client, path: str) -> str:
    """Everything a page shows this browser session, as JSON text (HTML plus Bokeh document)."""
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    match = re.search(r'"token":\s*"([^"]+)"', response.text)
    assert match, f"{path} has no Bokeh session token"
    page = path.split("?")[0]
    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    ws_url = server.base_url.replace("http://", "ws://") + f"{page}/ws"
    content = asyncio.run(_pull_document(ws_url, match.group(1), cookie, server.base_url))
    return response.text + json.dumps(content)


@pytest.fixture
def browser_b(server: RunningServer, tenant_b: Tenant) -> Iterator[httpx.Client]:
    """Tenant B signed in through the /login form, with its session cookie."""
    with server.client() as client:
        response = browser_login(client, tenant_b.user.email, tenant_b.user.password)
        assert response.status_code == 302
        yield client


@pytest.mark.parametrize("path", PAGES)
def test_pages_never_show_another_tenants_workspaces(
    server: RunningServer,
    browser_b: httpx.Client,
    tenant_a: Tenant,
    tenant_b: Tenant,
    path: str,
) -> None:
    shown = page_document(server, browser_b, path)
    # B's own workspace is there, so the page really rendered B's data ...
    assert tenant_b.names[0] in shown
    # ... and nothing of A's.
    for secret in [*tenant_a.names, tenant_a.organisation, tenant_a.user.email]:
        assert secret not in shown, f"{path} shows {secret!r} to another tenant"


@pytest.mark.parametrize("param", ["workspace", "workspace_id", "ws"])
def test_page_urls_with_another_tenants_id_show_nothing_of_it(
    server: RunningServer,
    browser_b: httpx.Client,
    tenant_a: Tenant,
    tenant_b: Tenant,
    param: str,
) -> None:
    shown = page_document(server, browser_b, f"/sources?{param}={tenant_a.workspaces[0]['id']}")
    assert tenant_b.names[0] in shown
    for secret in [*tenant_a.names, tenant_a.organisation]:
        assert secret not in shown


def test_shell_state_lists_only_the_sessions_tenant(
    server_store: Store, client: httpx.Client, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    from app.context import AppContext

    me = client.get(f"{API}/me", headers=tenant_b.user.headers).json()
    principal = server_store.accounts.principal_for(
        uuid.UUID(me["user_id"]), uuid.UUID(me["tenant_id"])
    )
    assert principal is not None
    ctx = AppContext(server_store.settings)
    try:
        state = ShellState(ctx, principal, csrf="unused")
        assert [w.name for w in state.workspaces] == tenant_b.names
        assert state.workspace is not None and state.workspace.name == tenant_b.names[0]
    finally:
        ctx.db.dispose()
