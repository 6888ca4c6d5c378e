"""Every response the server sends carries the security headers, Panel's and Bokeh's own included.

The routes are read from the Tornado rules of a server built in-process by ``app.server``, so a
route added later is requested here without anyone listing it.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

from app.context import AppContext
from tests.conftest import RunningServer, free_port, start_server
from tests.integration.conftest import (
    API,
    ApiUser,
    browser_login,
    make_settings,
    register_api_user,
)
from tests.integration.test_openapi import served_methods
from tests.integration.test_web_auth import PAGES

STATIC = Path(__file__).resolve().parents[2] / "app" / "static"
RESOURCE = re.compile(r'(?:src|href)="/?((?:static|components|dp-static)/[^"?#]+)')
BOKEH_TOKEN = re.compile(r'"token":"([^"]+)"')


def assert_security_headers(response: httpx.Response | Any, what: str) -> None:
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    directives = {d.strip() for d in csp.split(";")}
    for directive in ("default-src 'self'", "form-action 'self'", "frame-ancestors 'none'"):
        assert directive in directives, f"{what}: CSP {csp!r} lacks {directive!r}"
    assert "object-src 'none'" in directives and "base-uri 'self'" in directives, (what, csp)
    assert headers.get("X-Frame-Options") == "DENY", what
    assert headers.get("X-Content-Type-Options") == "nosniff", what
    assert headers.get("Referrer-Policy") in ("same-origin", "strict-origin-when-cross-origin"), (
        what
    )


# -- the route table -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Route:
    pattern: str
    handler: type

    @property
    def is_websocket(self) -> bool:
        return self.pattern.endswith("/ws$")


@pytest.fixture(scope="module")
def route_table(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Route]]:
    """Every Tornado rule of the app's server (pages, websockets, static, REST, auth)."""
    from app.server import build_server

    workdir = tmp_path_factory.mktemp("route-table")
    settings = make_settings(
        workdir, f"sqlite:///{workdir / 'store.db'}", server={"port": free_port()}
    )
    ctx = AppContext(settings)
    server = build_server(ctx)
    rules = server._tornado.wildcard_router.rules
    yield [Route(rule.matcher.regex.pattern, rule.target) for rule in rules]
    server.stop()
    ctx.db.dispose()


@dataclass
class Visitor:
    """A signed-in tenant admin: a browser session and a bearer token, with a workspace."""

    browser: httpx.Client
    user: ApiUser
    workspace_id: str


@pytest.fixture
def visitor(server: RunningServer, client: httpx.Client) -> Iterator[Visitor]:
    user = register_api_user(client)
    created = client.post(f"{API}/workspaces", json={"name": "Headers"}, headers=user.headers)
    assert created.status_code == 201, created.text
    with server.client() as browser:
        assert browser_login(browser, user.email, user.password).status_code == 302
        yield Visitor(browser, user, created.json()["id"])


def concrete(pattern: str, visitor: Visitor) -> str:
    """A requestable path for a rule: real workspace id, unknown other ids, real files."""
    path = pattern.removesuffix("$").removesuffix("/?").removesuffix("?")
    path = path.replace("(?P<workspace_id>[^/]+)", visitor.workspace_id)
    path = re.sub(r"\(\?P<\w+>\[\^/\]\+\)", str(uuid.uuid4()), path)
    path = path.replace("([a-z0-9_-]+)", "no-such-provider")
    if path == "/dp-static/(.*)":
        return "/dp-static/" + sorted(p.name for p in STATIC.glob("*.css"))[0]
    if path == f"{API}/.*":
        return f"{API}/no-such-route"
    path = path.replace("(.*)", "no-such-file.js")
    assert not re.search(r"[()\[\]*+?\\$]", path), f"cannot read route pattern {pattern!r}"
    return path or "/"


def test_every_route_answers_with_the_security_headers(
    route_table: list[Route], visitor: Visitor
) -> None:
    assert len(route_table) >= 60, route_table  # the enumeration itself found the routes
    bearer = visitor.user.headers
    requested: list[str] = []
    # Sign-out last, and DELETE only on an unknown workspace, so the session stays usable.
    for route in sorted(route_table, key=lambda r: ("logout" in r.pattern, r.pattern)):
        path = concrete(route.pattern, visitor)
        # Every method the handler implements; an undeclared one answers 405, checked too.
        for method in sorted(served_methods(route.handler, {}) or {"GET"}):
            url = path.replace(visitor.workspace_id, str(uuid.uuid4()), 1)
            url = url if method == "DELETE" else path
            body = {} if method in ("POST", "PUT", "PATCH") else None
            headers = bearer if url.startswith((API, "/health")) else {}
            response = visitor.browser.request(method, url, json=body, headers=headers)
            assert_security_headers(response, f"{method} {url} ({response.status_code})")
            requested.append(f"{method} {url}")
    assert {f"GET /{page.strip('/')}" for page in PAGES} <= set(requested)


def test_signed_in_pages_and_their_resources_carry_the_headers(visitor: Visitor) -> None:
    resources: set[str] = set()
    for page in PAGES:
        response = visitor.browser.get(page)
        assert response.status_code == 200, page
        assert_security_headers(response, page)
        resources.update(f"/{path}" for path in RESOURCE.findall(response.text))
    assert any(r.startswith("/static/extensions/panel/") for r in resources), resources
    for resource in sorted(resources):
        response = visitor.browser.get(resource)
        assert response.status_code == 200, resource
        assert_security_headers(response, resource)


def test_a_page_websocket_upgrade_carries_the_headers(
    server: RunningServer, visitor: Visitor
) -> None:
    page = visitor.browser.get("/sql")
    token = BOKEH_TOKEN.search(page.text)
    assert token, "the page embeds no Bokeh session token"
    cookies = "; ".join(f"{k}={v}" for k, v in visitor.browser.cookies.items())
    url = server.base_url.replace("http://", "ws://") + "/sql/ws"
    request = HTTPRequest(url, headers={"Cookie": cookies, "Origin": server.base_url})

    async def upgrade() -> Any:
        connection = await websocket_connect(request, subprotocols=["bokeh", token.group(1)])
        connection.close()
        return connection

    connection = asyncio.run(upgrade())
    assert_security_headers(connection, "/sql/ws upgrade (101)")


def test_not_found_pages_and_health_carry_the_headers(client: httpx.Client) -> None:
    for path in ("/no-such-page", f"{API}/no-such-route", "/static/no-such.js", "/health"):
        assert_security_headers(client.get(path), path)


# -- HSTS over HTTPS -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def proxied_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = start_server(
        tmp_path_factory.mktemp("tls-proxy"),
        settings={"server": {"trusted_proxies": ["127.0.0.1"], "hsts_seconds": 600}},
        demo=False,
    )
    yield running
    running.stop()


def test_hsts_on_every_response_that_arrived_over_https(proxied_server: RunningServer) -> None:
    paths = ["/sources", "/health", "/static/no-such.js", f"{API}/no-such-route", "/login"]
    with proxied_server.client() as client:
        for path in paths:
            tls = client.get(path, headers={"X-Forwarded-Proto": "https"})
            assert tls.headers.get("Strict-Transport-Security") == "max-age=600", path
            assert_security_headers(tls, path)
            plain = client.get(path, headers={"X-Forwarded-Proto": "http"})
            assert "Strict-Transport-Security" not in plain.headers, path


def test_hsts_needs_a_trusted_proxy(client: httpx.Client) -> None:
    response = client.get("/sources", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in response.headers
