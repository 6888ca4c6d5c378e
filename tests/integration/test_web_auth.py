"""The HTML sign-in pages over plain HTTP: forms, CSRF, sessions, redirects."""

from __future__ import annotations

import html
import time
import uuid
from collections.abc import Iterator
from urllib.parse import parse_qs, urljoin, urlparse

import httpx
import pytest

from tests.conftest import STRONG_PASSWORD, RunningServer, start_server
from tests.integration.conftest import ApiUser, browser_login, form_csrf, register_api_user

PAGES = ["/sources", "/model", "/explore", "/sql", "/dashboards", "/settings"]


@pytest.fixture
def browser(server: RunningServer) -> Iterator[httpx.Client]:
    """A cookie-keeping client that does not follow redirects, like a fresh browser tab."""
    with server.client() as client:
        yield client


def location(response: httpx.Response) -> str:
    """The redirect target as an absolute path with query."""
    target = urlparse(urljoin(str(response.request.url), response.headers["Location"]))
    return target.path + (f"?{target.query}" if target.query else "")


def set_cookie_headers(response: httpx.Response, name: str) -> list[str]:
    return [h for h in response.headers.get_list("set-cookie") if h.startswith(f"{name}=")]


def session_csrf(browser: httpx.Client) -> str:
    """The signed-in session's CSRF token, from the sign-out confirmation page."""
    page = browser.get("/logout")
    assert page.status_code == 200
    return form_csrf(page.text)


def is_signed_in(browser: httpx.Client) -> bool:
    return browser.get("/sources").status_code == 200


# -- sign-in -------------------------------------------------------------------------------------------


def test_unauthenticated_page_redirects_to_login_with_next(browser: httpx.Client) -> None:
    for page in PAGES:
        response = browser.get(page)
        assert response.status_code == 302
        target = urlparse(location(response))
        assert target.path == "/login"
        assert parse_qs(target.query)["next"] == [page]


def test_login_form_sets_a_session_cookie_and_redirects_home(
    browser: httpx.Client, api_user: ApiUser
) -> None:
    response = browser_login(browser, api_user.email, api_user.password)
    assert response.status_code == 302
    assert location(response) == "/sources"
    [cookie] = set_cookie_headers(response, "dp_session")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert is_signed_in(browser)


def test_login_follows_a_safe_next(browser: httpx.Client, api_user: ApiUser) -> None:
    page = browser.get("/login?next=/model")
    response = browser.post(
        "/login",
        data={
            "email": api_user.email,
            "password": api_user.password,
            "csrf": form_csrf(page.text),
            "next": "/model",
        },
    )
    assert location(response) == "/model"


@pytest.mark.parametrize(
    "target", ["//evil.com", "http://evil.com", "https://evil.com/sources", "/\\evil.com"]
)
def test_login_refuses_open_redirects(
    browser: httpx.Client, api_user: ApiUser, target: str
) -> None:
    page = browser.get("/login", params={"next": target})
    assert "evil.com" not in page.text
    response = browser.post(
        "/login",
        data={
            "email": api_user.email,
            "password": api_user.password,
            "csrf": form_csrf(page.text),
            "next": target,
        },
    )
    assert response.status_code == 302
    assert location(response) == "/sources"
    assert "evil.com" not in response.headers["Location"]


def test_login_without_the_csrf_field_is_400(browser: httpx.Client, api_user: ApiUser) -> None:
    browser.get("/login")
    response = browser.post("/login", data={"email": api_user.email, "password": STRONG_PASSWORD})
    assert response.status_code == 400
    assert "form expired" in response.text
    assert not set_cookie_headers(response, "dp_session")
    assert not is_signed_in(browser)


def test_login_with_a_csrf_field_from_another_browser_is_400(
    server: RunningServer, browser: httpx.Client, api_user: ApiUser
) -> None:
    with server.client() as other:
        foreign = form_csrf(other.get("/login").text)
    browser.get("/login")
    response = browser.post(
        "/login", data={"email": api_user.email, "password": STRONG_PASSWORD, "csrf": foreign}
    )
    assert response.status_code == 400
    assert not is_signed_in(browser)


def test_login_with_a_wrong_password_keeps_the_email(
    browser: httpx.Client, api_user: ApiUser
) -> None:
    response = browser_login(browser, api_user.email, "not-the-password")
    assert response.status_code == 401
    assert "not correct" in response.text
    assert f'value="{html.escape(api_user.email)}"' in response.text
    assert not set_cookie_headers(response, "dp_session")


def test_signed_in_user_visiting_login_goes_home(browser: httpx.Client, api_user: ApiUser) -> None:
    browser_login(browser, api_user.email, api_user.password)
    response = browser.get("/login")
    assert response.status_code == 302
    assert location(response) == "/sources"


# -- registration --------------------------------------------------------------------------------------


def register_form(browser: httpx.Client, **fields: str) -> httpx.Response:
    page = browser.get("/register")
    assert page.status_code == 200
    return browser.post("/register", data={"csrf": form_csrf(page.text), **fields})


def test_register_with_mismatched_confirmation_is_422_and_keeps_the_form(
    browser: httpx.Client, unique_email: str
) -> None:
    response = register_form(
        browser,
        name="Ada Lovelace",
        email=unique_email,
        organisation="Engines Ltd",
        password=STRONG_PASSWORD,
        confirm=STRONG_PASSWORD + "x",
    )
    assert response.status_code == 422
    assert "not the same" in response.text
    for kept in ("Ada Lovelace", unique_email, "Engines Ltd"):
        assert f'value="{kept}"' in response.text
    assert STRONG_PASSWORD not in response.text
    assert not set_cookie_headers(response, "dp_session")


def test_register_with_a_weak_password_is_422_with_the_reason(
    browser: httpx.Client, unique_email: str
) -> None:
    response = register_form(
        browser, name="Ada", email=unique_email, password="password1", confirm="password1"
    )
    assert response.status_code == 422
    assert "Password" in response.text
    assert f'value="{unique_email}"' in response.text


def test_register_without_csrf_is_400(browser: httpx.Client, unique_email: str) -> None:
    browser.get("/register")
    response = browser.post(
        "/register",
        data={
            "name": "Ada",
            "email": unique_email,
            "password": STRONG_PASSWORD,
            "confirm": STRONG_PASSWORD,
        },
    )
    assert response.status_code == 400
    assert not set_cookie_headers(response, "dp_session")


def test_register_signs_the_new_user_in_to_the_guided_setup(
    browser: httpx.Client, unique_email: str
) -> None:
    response = register_form(
        browser,
        name="Ada",
        email=unique_email,
        password=STRONG_PASSWORD,
        confirm=STRONG_PASSWORD,
    )
    assert response.status_code == 302
    assert location(response) == "/welcome"
    assert is_signed_in(browser)


# -- sign-out -------------------------------------------------------------------------------------------


def test_logout_get_only_asks(browser: httpx.Client, api_user: ApiUser) -> None:
    browser_login(browser, api_user.email, api_user.password)
    page = browser.get("/logout")
    assert page.status_code == 200
    assert 'method="post"' in page.text and api_user.email in page.text
    assert is_signed_in(browser)


def test_logout_post_without_the_session_csrf_is_refused(
    browser: httpx.Client, api_user: ApiUser
) -> None:
    browser_login(browser, api_user.email, api_user.password)
    form_token = browser.cookies["dp_form_csrf"]  # a valid token, but not the session's
    for data in ({}, {"csrf": "forged"}, {"csrf": form_token}):
        response = browser.post("/logout", data=data)
        assert response.status_code == 400
        assert is_signed_in(browser)


def test_logout_post_with_the_session_csrf_ends_the_session(
    browser: httpx.Client, api_user: ApiUser
) -> None:
    browser_login(browser, api_user.email, api_user.password)
    old_session = browser.cookies["dp_session"]
    response = browser.post("/logout", data={"csrf": session_csrf(browser)})
    assert response.status_code == 302
    assert location(response) == "/login?notice=logged-out"
    assert not is_signed_in(browser)
    assert "You are signed out" in browser.get("/login?notice=logged-out").text
    # The old cookie is dead on the server, not just forgotten by this browser.
    browser.cookies.set("dp_session", old_session)
    assert not is_signed_in(browser)


def test_auth_pages_send_security_headers(browser: httpx.Client) -> None:
    for page in ("/login", "/register"):
        headers = browser.get(page).headers
        assert headers["X-Frame-Options"] == "DENY"
        assert "default-src 'self'" in headers["Content-Security-Policy"]
        assert headers["Cache-Control"] == "no-store"


def test_register_refuses_a_password_made_of_the_users_own_details(
    browser: httpx.Client,
) -> None:
    email = f"userc-{uuid.uuid4().hex[:8]}@tenantc.example"
    fields = {"name": "User C", "email": email, "organisation": "Tenant C"}
    response = register_form(browser, **fields, password="Tenant c 2024", confirm="Tenant c 2024")
    assert response.status_code == 422
    assert "too easy to guess" in response.text
    assert not set_cookie_headers(response, "dp_session")


# -- behind a reverse proxy --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def proxied_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A server behind a proxy at 127.0.0.1, with quick sign-in waits to watch them grow."""
    running = start_server(
        tmp_path_factory.mktemp("proxied"),
        settings={
            "server": {"trusted_proxies": ["127.0.0.1"]},
            "auth": {
                "login_throttle": {
                    "max_failures_per_account": 2,
                    "lockout_seconds": 1,
                    "max_failures_per_address": 50,
                    "window_seconds": 60,
                }
            },
        },
        demo=False,
    )
    yield running
    running.stop()


def tls_login(server: RunningServer, user: ApiUser, proto: str) -> httpx.Response:
    """Sign in through the form as a proxy forwarding ``proto`` would.

    The cookie is sent by hand: a client talking plain HTTP to us keeps Secure cookies to itself.
    """
    with server.client() as client:
        client.headers["X-Forwarded-Proto"] = proto
        page = client.get("/login")
        [csrf_cookie] = set_cookie_headers(page, "dp_form_csrf")
        cookie = csrf_cookie.split(";")[0]
        response = client.post(
            "/login",
            data={"email": user.email, "password": user.password, "csrf": form_csrf(page.text)},
            headers={"Cookie": cookie},
        )
    assert response.status_code == 302, response.text
    return response


def cookie_flags(header: str) -> set[str]:
    return {part.strip().lower() for part in header.split(";")[1:]}


def test_cookies_are_secure_with_hsts_behind_a_trusted_https_proxy(
    proxied_server: RunningServer,
) -> None:
    with proxied_server.client() as client:
        user = register_api_user(client)
    response = tls_login(proxied_server, user, "https")
    [session] = set_cookie_headers(response, "dp_session")
    assert "secure" in cookie_flags(session)
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    with proxied_server.client() as client:
        page = client.get("/login", headers={"X-Forwarded-Proto": "https"})
    [csrf] = set_cookie_headers(page, "dp_form_csrf")
    assert "secure" in cookie_flags(csrf)
    assert "Strict-Transport-Security" in page.headers


def test_plain_http_through_a_trusted_proxy_keeps_cookies_usable(
    proxied_server: RunningServer,
) -> None:
    with proxied_server.client() as client:
        user = register_api_user(client)
    response = tls_login(proxied_server, user, "http")
    [session] = set_cookie_headers(response, "dp_session")
    assert "secure" not in cookie_flags(session)
    assert "Strict-Transport-Security" not in response.headers


def test_forwarded_proto_from_an_untrusted_address_is_ignored(
    server: RunningServer, api_user: ApiUser
) -> None:
    response = tls_login(server, api_user, "https")  # the shared server trusts no proxy
    [session] = set_cookie_headers(response, "dp_session")
    assert "secure" not in cookie_flags(session)
    assert "Strict-Transport-Security" not in response.headers


def form_login_from(server: RunningServer, address: str, email: str, password: str) -> int:
    """Sign in through the form from ``address`` (as forwarded by the proxy); the status."""
    with server.client() as client:
        client.headers["X-Forwarded-For"] = address
        response = browser_login(client, email, password)
        return (
            response.status_code
            if response.status_code != 429
            else -int(response.headers["Retry-After"])
        )


def test_an_attacker_elsewhere_cannot_lock_the_owner_out_and_waits_longer_each_time(
    proxied_server: RunningServer,
) -> None:
    with proxied_server.client() as client:
        alice = register_api_user(client, "Alice")
    attacker = "203.0.113.9"
    assert [form_login_from(proxied_server, attacker, alice.email, "guess-1!") for _ in "ab"] == [
        401,
        401,
    ]
    waits = []
    deadline = time.monotonic() + 20
    while len(waits) < 3:
        status = form_login_from(proxied_server, attacker, alice.email, "guess-2!")
        if status < 0 and (not waits or -status > waits[-1]):
            waits.append(-status)  # a new, longer wait after the last failure
        assert time.monotonic() < deadline, waits
        time.sleep(0.2)
    assert waits[0] < waits[1] < waits[2]
    # Even the right password is refused from the attacker's address for now ...
    assert form_login_from(proxied_server, attacker, alice.email, alice.password) < 0
    # ... while Alice, from her own address, signs in at once.
    assert form_login_from(proxied_server, "198.51.100.4", alice.email, alice.password) == 302
