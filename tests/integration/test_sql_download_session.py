"""The SQL download route with the browser session over real HTTP: the session cookie plus the
session's CSRF header streams the file (what the SQL page's buttons do); without the header,
with a forged one or signed out it is refused; every other SQL route stays bearer-only; another
tenant's session finds no workspace; the OpenAPI document says so for that operation only."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import RunningServer
from tests.integration.conftest import (
    API,
    ApiUser,
    assert_problem,
    browser_login,
    form_csrf,
    register_api_user,
)
from tests.integration.model_api import ORDERS_TOTAL
from tests.integration.sources_api import create_workspace, upload_ready
from tests.integration.sql_api import sql_url
from tests.integration.test_sql_rest import UNAUTHENTICATED

CSRF = "X-CSRF-Token"
# 14,400 rows: more than the display limit, so the file is the whole result.
CROSS = (
    "SELECT a.order_id AS a, b.customer AS customer, a.amount * b.amount AS product "
    "FROM orders a, orders b ORDER BY a.order_id, b.order_id"
)


@pytest.fixture
def workspace(client: httpx.Client, api_user: ApiUser) -> str:
    """A workspace with the ORDERS source (120 rows), readable as table ``orders``."""
    workspace_id = create_workspace(client, api_user)
    upload_ready(client, api_user, workspace_id)
    return workspace_id


@pytest.fixture
def browser(server: RunningServer, api_user: ApiUser) -> Iterator[httpx.Client]:
    """A signed-in browser (cookie jar, no bearer token) of the api_user."""
    with server.client() as http:
        assert browser_login(http, api_user.email, api_user.password).status_code == 302
        yield http


def session_csrf(browser: httpx.Client) -> str:
    """The signed-in session's CSRF token (the one the pages are given)."""
    return form_csrf(browser.get("/logout").text)


def download(
    browser: httpx.Client, workspace_id: str, headers: dict[str, str], **body: Any
) -> httpx.Response:
    body.setdefault("format", "csv")
    return browser.post(sql_url(workspace_id, "/download"), json=body, headers=headers)


def test_the_session_with_its_csrf_header_streams_the_whole_result(
    browser: httpx.Client, workspace: str
) -> None:
    assert "authorization" not in {k.lower() for k in browser.headers}
    body = {"sql": CROSS, "format": "csv"}
    headers = {CSRF: session_csrf(browser)}
    with browser.stream(
        "POST", sql_url(workspace, "/download"), json=body, headers=headers
    ) as response:
        assert response.status_code == 200, response.read()
        assert "content-length" not in response.headers  # streamed as it is computed
        assert response.headers["content-type"].startswith("text/csv")
        disposition = response.headers["content-disposition"]
        text = b"".join(response.iter_bytes()).decode("utf-8")

    assert disposition.startswith("attachment;") and ".csv" in disposition
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["a", "customer", "product"]
    assert len(rows) == 14_400 + 1
    assert [int(r[0]) for r in rows[1:121]] == [1] * 120
    assert {r[1] for r in rows[1:]} == {f"Customer {i}" for i in range(7)}
    assert sum(float(r[2]) for r in rows[1:]) == pytest.approx(ORDERS_TOTAL**2)


def test_the_session_without_or_with_a_wrong_csrf_header_is_refused(
    browser: httpx.Client, workspace: str
) -> None:
    real = session_csrf(browser)
    for headers in ({}, {CSRF: ""}, {CSRF: "forged"}, {CSRF: real[:-1]}):
        response = download(browser, workspace, headers, sql="SELECT 1 AS one")
        assert CSRF in assert_problem(response, 403)["detail"]
        assert "content-disposition" not in response.headers


def test_a_signed_out_session_is_401_even_with_its_old_csrf_token(
    server: RunningServer, browser: httpx.Client, workspace: str
) -> None:
    csrf = session_csrf(browser)
    cookie = browser.cookies["dp_session"]
    browser.post("/logout", data={"csrf": csrf})
    with server.client() as stale:
        stale.cookies.set("dp_session", cookie)
        response = download(stale, workspace, {CSRF: csrf}, sql="SELECT 1 AS one")
    assert_problem(response, 401)


def test_a_guard_refusal_through_the_session_is_a_422_problem(
    browser: httpx.Client, workspace: str
) -> None:
    headers = {CSRF: session_csrf(browser)}
    sql = "SELECT * FROM read_csv('/etc/passwd')"
    response = download(browser, workspace, headers, sql=sql, format="parquet")
    problem = assert_problem(response, 422)
    assert "read_csv" in problem["detail"]
    assert problem["position"]["start"] == sql.index("read_csv")


@pytest.mark.parametrize(
    ("method", "path", "body"), [r for r in UNAUTHENTICATED if r[1] != "/sql/download"]
)
def test_every_other_sql_route_refuses_the_session_even_with_its_csrf_header(
    browser: httpx.Client, workspace: str, method: str, path: str, body: Any
) -> None:
    headers = {CSRF: session_csrf(browser)}
    url = f"{API}/workspaces/{workspace}{path}"
    assert_problem(browser.request(method, url, json=body, headers=headers), 401)


def test_another_tenants_session_finds_no_workspace(
    server: RunningServer, client: httpx.Client, workspace: str
) -> None:
    bob = register_api_user(client, "Bob", organisation=f"Bob Org {uuid.uuid4().hex[:6]}")
    with server.client() as bobs_browser:
        assert browser_login(bobs_browser, bob.email, bob.password).status_code == 302
        headers = {CSRF: session_csrf(bobs_browser)}
        theirs = download(bobs_browser, workspace, headers, sql="SELECT count(*) FROM orders")
        missing = download(bobs_browser, str(uuid.uuid4()), headers, sql="SELECT 1")

    assert_problem(theirs, 404)
    assert "content-disposition" not in theirs.headers
    # Exactly like a workspace that does not exist: nothing tells the two apart.
    assert theirs.json()["detail"] == missing.json()["detail"]


def test_openapi_documents_the_session_on_the_download_and_uploads_only(
    client: httpx.Client, api_user: ApiUser
) -> None:
    document = client.get(f"{API}/openapi.json", headers=api_user.headers).json()
    with_session = set()
    for path, item in document["paths"].items():
        for method, entry in item.items():
            security = entry["security"]
            assert security in ([], [{"bearer": []}], [{"bearer": []}, {"session": [], "csrf": []}])
            if len(security) == 2:
                with_session.add((method.upper(), path))
                upload = "multipart/form-data" in entry.get("requestBody", {}).get("content", {})
                assert upload or path.endswith("/sql/download"), path

    assert ("POST", f"{API}/workspaces/{{workspace_id}}/sql/download") in with_session
    assert ("POST", f"{API}/workspaces/{{workspace_id}}/sql") not in with_session
    assert "downloads" in document["components"]["securitySchemes"]["session"]["description"]
