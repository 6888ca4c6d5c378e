"""OIDC sign-in over real HTTP: DataPilot against a real OpenID provider on another port.

The provider (``tests.oidc_idp``) is ``oidc-provider-mock`` behind a gate that enforces S256 PKCE
as strict issuers do, so a sign-in only succeeds when DataPilot's verifier fits its challenge.
"""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.conftest import RunningServer, free_port, start_server
from tests.oidc_idp import (
    CLIENT_SECRET,
    DOMAIN,
    PROVIDER,
    Idp,
    oidc_settings,
    running_idp,
    s256,
    start_oidc_server,
    users_named,
)

CALLBACK = f"/auth/oidc/{PROVIDER}/callback"
pytestmark = pytest.mark.filterwarnings("ignore:get_jwt_config:DeprecationWarning")


@pytest.fixture(scope="module")
def idp() -> Iterator[Idp]:
    with running_idp() as running:
        yield running


@pytest.fixture(scope="module")
def app_server(tmp_path_factory: pytest.TempPathFactory, idp: Idp) -> Iterator[RunningServer]:
    server = start_oidc_server(tmp_path_factory.mktemp("oidc-http"), idp)
    yield server
    server.stop()


@pytest.fixture
def client(app_server: RunningServer) -> Iterator[httpx.Client]:
    with app_server.client() as http:
        yield http


def new_person(idp: Idp, *, domain: str = DOMAIN, verified: bool = True) -> tuple[str, str]:
    """A fresh subject at the provider; returns (sub, email)."""
    sub = f"sub-{uuid.uuid4().hex[:10]}"
    email = f"{sub}@{domain}"
    idp.set_user(sub, email, verified=verified, name=sub.title())
    return sub, email


def start_sign_in(client: httpx.Client, next_path: str | None = None) -> str:
    """DataPilot's redirect to the provider's authorization endpoint."""
    params = {"next": next_path} if next_path else {}
    response = client.get(f"/auth/oidc/{PROVIDER}/login", params=params)
    assert response.status_code == 302, response.text
    return response.headers["location"]


def authorize_at_idp(authorize_url: str, sub: str) -> str:
    """What the user does on the provider's page: submit ``sub``; returns the callback URL."""
    response = httpx.post(authorize_url, data={"sub": sub}, timeout=10)
    assert response.status_code == 302, response.text
    return response.headers["location"]


def callback_path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def signed_in_email(client: httpx.Client) -> str | None:
    """The email the sign-out page names, or None when the client has no session."""
    response = client.get("/logout")
    if response.status_code != 200:
        return None
    match = re.search(r"signed in as ([^<]+?)\.</p>", response.text)
    return match.group(1) if match else None


def refusal(client: httpx.Client, response: httpx.Response) -> str:
    """A refused sign-in: back to the login page without a session; returns its message."""
    assert response.status_code == 302, response.text
    assert response.headers["location"].startswith("/login")
    assert "dp_session=" not in response.headers.get("set-cookie", "")
    page = client.get(response.headers["location"])
    assert page.status_code == 200
    match = re.search(r'id="form-error">([^<]*)<', page.text)
    assert match, f"no error message on the login page:\n{page.text[:2000]}"
    return html.unescape(match.group(1))


def test_login_redirects_to_issuer_with_s256_challenge_nonce_and_state(
    client: httpx.Client, app_server: RunningServer, idp: Idp
) -> None:
    location = start_sign_in(client)

    assert location.startswith(f"{idp.issuer}/oauth2/authorize?")
    query = parse_qs(urlsplit(location).query)
    assert query["client_id"] == ["datapilot"]
    assert query["response_type"] == ["code"]
    assert query["redirect_uri"] == [f"{app_server.base_url}{CALLBACK}"]
    assert set(query["scope"][0].split()) >= {"openid", "email"}
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) == 43
    assert len(query["state"][0]) >= 22 and len(query["nonce"][0]) >= 22


def test_flow_cookie_is_http_only_and_hides_the_verifier(client: httpx.Client) -> None:
    response = client.get(f"/auth/oidc/{PROVIDER}/login")

    set_cookie = response.headers["set-cookie"]
    assert set_cookie.startswith("dp_oidc_flow=")
    assert "HttpOnly" in set_cookie and "SameSite=Lax" in set_cookie
    state = parse_qs(urlsplit(response.headers["location"]).query)["state"][0]
    assert state not in set_cookie  # encrypted, not merely signed


def test_sign_in_over_http_opens_a_session_for_the_verified_email(
    client: httpx.Client, idp: Idp
) -> None:
    sub, email = new_person(idp)
    back = authorize_at_idp(start_sign_in(client), sub)

    response = client.get(callback_path(back))

    assert response.status_code == 302
    assert response.headers["location"] == "/sources"
    assert "dp_session=" in response.headers["set-cookie"]
    assert signed_in_email(client) == email


def test_token_request_sends_the_verifier_of_the_challenge(client: httpx.Client, idp: Idp) -> None:
    sub, _ = new_person(idp)
    authorize = start_sign_in(client)
    challenge = parse_qs(urlsplit(authorize).query)["code_challenge"][0]
    back = authorize_at_idp(authorize, sub)
    code = parse_qs(urlsplit(back).query)["code"][0]

    client.get(callback_path(back))

    sent = [r for r in idp.gate.token_requests if r.get("code") == [code]]
    assert len(sent) == 1
    assert s256(sent[0]["code_verifier"][0]) == challenge
    assert code not in idp.gate.refused_codes


def test_code_from_another_sign_in_is_refused_by_pkce(app_server: RunningServer, idp: Idp) -> None:
    """An authorization code injected into someone else's sign-in carries the wrong verifier."""
    victim_sub, _ = new_person(idp)
    attacker_sub, _ = new_person(idp)
    with app_server.client() as victim, app_server.client() as attacker:
        victim_back = authorize_at_idp(start_sign_in(victim), victim_sub)
        attacker_back = authorize_at_idp(start_sign_in(attacker), attacker_sub)
        stolen_code = parse_qs(urlsplit(attacker_back).query)["code"][0]
        victim_state = parse_qs(urlsplit(victim_back).query)["state"][0]

        response = victim.get(CALLBACK, params={"code": stolen_code, "state": victim_state})

        assert refusal(victim, response) == (
            "The sign-in provider did not accept the sign-in; try again."
        )
        assert stolen_code in idp.gate.refused_codes
        assert signed_in_email(victim) is None


def test_callback_with_a_wrong_state_opens_no_session(client: httpx.Client, idp: Idp) -> None:
    sub, _ = new_person(idp)
    back = authorize_at_idp(start_sign_in(client), sub)
    code = parse_qs(urlsplit(back).query)["code"][0]

    response = client.get(CALLBACK, params={"code": code, "state": "forgéd-state"})

    assert refusal(client, response) == (
        "The sign-in response does not match the request; try again."
    )
    assert signed_in_email(client) is None
    assert not any(r.get("code") == [code] for r in idp.gate.token_requests)


def test_callback_without_a_started_sign_in_opens_no_session(
    client: httpx.Client, app_server: RunningServer, idp: Idp
) -> None:
    sub, _ = new_person(idp)
    with app_server.client() as other_browser:  # the sign-in was started elsewhere
        back = authorize_at_idp(start_sign_in(other_browser), sub)

    response = client.get(callback_path(back))

    assert refusal(client, response) == (
        "The sign-in took too long or was started elsewhere; try again."
    )
    assert signed_in_email(client) is None


def test_replayed_callback_opens_no_second_session(client: httpx.Client, idp: Idp) -> None:
    sub, _ = new_person(idp)
    back = callback_path(authorize_at_idp(start_sign_in(client), sub))
    assert client.get(back).status_code == 302
    client.cookies.delete("dp_session")

    response = client.get(back)

    assert refusal(client, response) == (
        "The sign-in took too long or was started elsewhere; try again."
    )
    assert signed_in_email(client) is None


def test_refusal_message_shows_only_once(client: httpx.Client) -> None:
    refusal(client, client.get("/auth/oidc/nosuch/login"))

    again = client.get("/login")

    assert again.status_code == 200
    assert 'id="form-error"' not in again.text


def test_next_page_is_kept_across_the_sign_in(client: httpx.Client, idp: Idp) -> None:
    sub, _ = new_person(idp)
    back = authorize_at_idp(start_sign_in(client, next_path="/model"), sub)

    response = client.get(callback_path(back))

    assert response.headers["location"] == "/model"


def test_repeat_sign_in_maps_to_the_same_user(
    client: httpx.Client, app_server: RunningServer, idp: Idp
) -> None:
    sub, email = new_person(idp)
    for _ in range(2):
        client.cookies.clear()
        back = authorize_at_idp(start_sign_in(client), sub)
        assert client.get(callback_path(back)).status_code == 302

    rows = users_named(app_server, email)
    assert len(rows) == 1
    assert rows[0].split()[0] == "acme" and rows[0].split()[2] == "editor"


def test_unknown_provider_is_a_clear_error(client: httpx.Client) -> None:
    response = client.get("/auth/oidc/nosuch/login")

    assert refusal(client, response) == "This sign-in provider is not configured on this server."


def test_forged_error_text_is_not_echoed(client: httpx.Client) -> None:
    start_sign_in(client)

    response = client.get(CALLBACK, params={"error": "Call +1 555 0100 to unlock your account"})

    message = refusal(client, response)
    assert "555" not in message
    assert message == "Mock SSO refused the sign-in (unknown_error); try again or ask an admin."


def test_codes_tokens_and_client_secret_stay_out_of_the_log(
    client: httpx.Client, app_server: RunningServer, idp: Idp
) -> None:
    sub, _ = new_person(idp)
    back = authorize_at_idp(start_sign_in(client), sub)
    code = parse_qs(urlsplit(back).query)["code"][0]
    state = parse_qs(urlsplit(back).query)["state"][0]
    response = client.get(callback_path(back))
    assert response.status_code == 302

    log = app_server.log()
    assert CALLBACK in log  # the request was logged, without its query
    assert code not in log and state not in log
    assert CLIENT_SECRET not in log
    assert client.cookies["dp_session"] not in log


def test_unreachable_issuer_is_a_clear_error(tmp_path: Path) -> None:
    dead_issuer = f"http://127.0.0.1:{free_port()}"
    server = start_server(tmp_path, settings=oidc_settings(dead_issuer), demo=False)
    try:
        with server.client() as http:
            response = http.get(f"/auth/oidc/{PROVIDER}/login")
            message = refusal(http, response)
    finally:
        server.stop()

    assert message == "The sign-in provider is not reachable right now; try again later."
