"""Journeys through nginx (``deploy/nginx/``) in front of two ``datapilot serve`` processes over
one PostgreSQL store and one data directory: sign-in over REST and the form, an upload ready
from the other process, a model save and queries on both, SQL, the node cookie keeping a
browser's page and websocket on one process, and a real browser running a query over the proxy.
"""

from __future__ import annotations

import asyncio
import re
import ssl
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import httpx
import pytest
from playwright.sync_api import expect

from tests.deploy.stack import NODES, Stack
from tests.integration.conftest import API, browser_login, register_api_user
from tests.integration.model_api import ORDERS_TOTAL, model_url, orders_document, query_url
from tests.integration.sources_api import ORDERS, create_workspace, upload, wait_settled
from tests.integration.sql_api import run_sql
from tests.ui.conftest import sign_in, wait_for_shell

T = TypeVar("T")
NODE = "x-datapilot-node"
CHROMIUM = "/usr/bin/chromium"


def in_own_thread(work: Callable[[], T]) -> T:
    """Run ``work`` in a new thread: asyncio.run and Playwright's sync API refuse to run where
    the browser suite's Playwright already keeps an event loop (the main thread)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work).result()


TOKEN = re.compile(r'"token":\s*"([^"]+)"')


def through_nginx(stack: Stack) -> httpx.Client:
    """A client of the public HTTPS address, trusting the test certificate."""
    trust = ssl.create_default_context(cafile=str(stack.nginx.cert))
    return httpx.Client(base_url=stack.nginx.https_url, verify=trust, timeout=60)


def direct(stack: Stack, node: str) -> httpx.Client:
    """A client of one process, bypassing nginx."""
    return httpx.Client(base_url=stack.servers[node].base_url, timeout=60)


def test_plain_http_is_redirected_to_https(stack: Stack) -> None:
    response = httpx.get(f"{stack.nginx.http_url}/sources?workspace=1")

    assert response.status_code == 301
    assert response.headers["location"] == "https://127.0.0.1/sources?workspace=1"


def test_requests_without_the_node_cookie_reach_both_processes(stack: Stack) -> None:
    with through_nginx(stack) as http:
        nodes = {http.get("/health").headers[NODE] for _ in range(8)}

    assert nodes == set(NODES)


def test_rest_journey_upload_model_and_sql_across_processes(stack: Stack) -> None:
    with through_nginx(stack) as http:
        user = register_api_user(http)
        workspace = create_workspace(http, user)
        uploaded = upload(http, user, workspace, "orders.csv", ORDERS.encode())
        assert uploaded.status_code == 202, uploaded.text
        source = uploaded.json()["id"]
        other = next(node for node in NODES if node != uploaded.headers[NODE])

        # The other process sees the job through the shared store and the file in the shared
        # data directory.
        with direct(stack, other) as there:
            settled = wait_settled(there, user, workspace, source)
        assert settled["status"] == "ready", settled

        saved = http.put(
            model_url(workspace),
            json={"version": 0, "model": orders_document(source)},
            headers=user.headers,
        )
        assert saved.status_code == 200, saved.text
        assert saved.json()["version"] == 1

        query = {"measures": ["orders.amount", "order_count"]}
        for node in NODES:
            with direct(stack, node) as there:
                answer = there.post(query_url(workspace), json=query, headers=user.headers)
            assert answer.status_code == 200, (node, answer.text)
            assert answer.json()["rows"] == [[pytest.approx(ORDERS_TOTAL), 120]]

        nodes = set()
        for _ in range(4):
            ran = run_sql(http, user, workspace, "SELECT count(*) AS n FROM orders")
            assert ran.status_code == 200, ran.text
            assert ran.json()["rows"] == [[120]]
            nodes.add(ran.headers[NODE])
        assert nodes == set(NODES)  # REST is not pinned: both processes answered

        # Signed in on one process, the refresh token works on the other.
        refreshed = http.post(f"{API}/auth/refresh", json={"refresh_token": user.refresh_token})
        assert refreshed.status_code == 200, refreshed.text


def test_a_form_sign_in_stays_on_one_process_for_pages_and_the_websocket(stack: Stack) -> None:
    with through_nginx(stack) as http:
        user = register_api_user(http)
    with through_nginx(stack) as browser:
        first = browser.get("/login")
        node = first.headers[NODE]
        pinned = [c for c in first.headers.get_list("set-cookie") if c.startswith("dp_node=")]
        # Secure: nginx says X-Forwarded-Proto https and the app trusts 127.0.0.1 as its proxy.
        assert pinned == [f"dp_node={node}; Path=/; HttpOnly; SameSite=Lax; Secure"]

        signed_in = browser_login(browser, user.email, user.password)
        assert signed_in.status_code in (302, 303), signed_in.text
        assert signed_in.headers[NODE] == node
        pages = [browser.get("/sources") for _ in range(4)]
        assert [p.status_code for p in pages] == [200] * 4
        assert {p.headers[NODE] for p in pages} == {node}
        assert not any("dp_node=" in c for p in pages for c in p.headers.get_list("set-cookie"))

        match = TOKEN.search(pages[-1].text)
        assert match, "the page has no Bokeh session token"
        cookies = "; ".join(f"{name}={value}" for name, value in browser.cookies.items())
        token = match.group(1)
        handshake = in_own_thread(
            lambda: asyncio.run(open_websocket(stack, "/sources/ws", cookies, token))
        )
        assert handshake["node"] == node
        assert '"msgtype":"ACK"' in handshake["first"].replace(" ", "")


def test_a_browser_pinned_to_a_node_is_routed_there_and_a_stale_pin_is_replaced(
    stack: Stack,
) -> None:
    for node in NODES:
        with through_nginx(stack) as browser:
            browser.cookies.set("dp_node", node)
            answers = [browser.get("/login") for _ in range(3)]
        assert {a.headers[NODE] for a in answers} == {node}
        assert not any("dp_node=" in a.headers.get("set-cookie", "") for a in answers)

    with through_nginx(stack) as browser:
        browser.cookies.set("dp_node", "app9")  # a process that no longer exists
        answer = browser.get("/login")
    assert answer.headers[NODE] in NODES
    assert f"dp_node={answer.headers[NODE]};" in answer.headers["set-cookie"]


async def open_websocket(stack: Stack, path: str, cookies: str, token: str) -> dict[str, Any]:
    """Open Panel's websocket through nginx as Bokeh's client does; the answering node and the
    first message."""
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    url = stack.nginx.https_url.replace("https://", "wss://") + path
    request = HTTPRequest(
        url,
        headers={"Cookie": cookies, "Origin": stack.nginx.https_url},
        ssl_options=ssl.create_default_context(cafile=str(stack.nginx.cert)),
    )
    connection = await websocket_connect(request, subprotocols=["bokeh", token])
    try:
        first = await asyncio.wait_for(connection.read_message(), 20)
        return {"node": connection.headers.get(NODE), "first": str(first)}
    finally:
        connection.close()


@pytest.mark.ui
def test_a_browser_signs_in_through_nginx_and_runs_a_sql_query(stack: Stack) -> None:
    with through_nginx(stack) as http:
        user = register_api_user(http)
        workspace = create_workspace(http, user, "Sales")  # the first: the page opens on it
        uploaded = upload(http, user, workspace, "orders.csv", ORDERS.encode())
        assert wait_settled(http, user, workspace, uploaded.json()["id"])["status"] == "ready"
    in_own_thread(lambda: _sql_through_nginx(stack, user))


def _sql_through_nginx(stack: Stack, user: Any) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            context = browser.new_context(base_url=stack.nginx.https_url, ignore_https_errors=True)
            context.set_default_timeout(30_000)
            _run_sql(stack, context.new_page(), user)
        finally:
            browser.close()


def _run_sql(stack: Stack, page: Any, user: Any) -> None:
    sockets: list[str] = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    sign_in(page, user.email, user.password)
    page.goto("/sql")
    wait_for_shell(page)
    expect(page.locator(".dp-sql-editor .ace_content")).to_be_visible()
    page.locator(".dp-sql-editor .ace_text-input").focus()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text("SELECT customer, count(*) AS n FROM orders GROUP BY customer")
    page.keyboard.press("Escape")
    page.keyboard.press("Control+Enter")

    expect(page.locator(".dp-result-summary")).to_contain_text("7 rows")
    wss = stack.nginx.https_url.replace("https://", "wss://")
    assert sockets and all(url.startswith(wss) for url in sockets), sockets
    pinned = {c["name"]: c for c in page.context.cookies()}["dp_node"]
    assert pinned["value"] in NODES
    assert (pinned["httpOnly"], pinned["secure"], pinned["sameSite"]) == (True, True, "Lax")
