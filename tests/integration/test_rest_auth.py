"""REST authentication over real HTTP: tokens, rotation, reuse detection, errors, throttling."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import STRONG_PASSWORD, RunningServer, start_server
from tests.integration.conftest import (
    API,
    ApiUser,
    assert_problem,
    login_api_user,
    register_api_user,
)

PUBLIC_OPERATIONS = {
    ("GET", "/health"),
    ("POST", f"{API}/auth/register"),
    ("POST", f"{API}/auth/login"),
    ("POST", f"{API}/auth/refresh"),
    ("GET", f"{API}/openapi.json"),
}


def refresh(client: httpx.Client, token: str) -> httpx.Response:
    return client.post(f"{API}/auth/refresh", json={"refresh_token": token})


def me(client: httpx.Client, access_token: str) -> httpx.Response:
    return client.get(f"{API}/me", headers={"Authorization": f"Bearer {access_token}"})


# -- sign-up, sign-in, the caller ---------------------------------------------------------------------


def test_register_returns_201_and_a_token_pair(client: httpx.Client, unique_email: str) -> None:
    response = client.post(
        f"{API}/auth/register",
        json={"name": "Ada", "email": unique_email, "password": STRONG_PASSWORD},
    )
    assert response.status_code == 201
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] > 0
    assert body["access_token"] and body["refresh_token"]
    assert body["access_token"] != body["refresh_token"]


def test_register_with_a_taken_email_is_409(client: httpx.Client, api_user: ApiUser) -> None:
    response = client.post(
        f"{API}/auth/register",
        json={"name": "Copy", "email": api_user.email.upper(), "password": STRONG_PASSWORD},
    )
    assert "already exists" in assert_problem(response, 409)["detail"]


def test_register_with_a_weak_password_is_422_naming_the_field(
    client: httpx.Client, unique_email: str
) -> None:
    response = client.post(
        f"{API}/auth/register", json={"name": "Ada", "email": unique_email, "password": "abc"}
    )
    body = assert_problem(response, 422)
    assert "Password" in body["detail"]
    assert body["errors"][0]["field"] == "password"


def test_login_returns_tokens_for_the_right_password(
    client: httpx.Client, api_user: ApiUser
) -> None:
    signed_in = login_api_user(client, api_user.email, api_user.password)
    assert me(client, signed_in.access_token).json()["email"] == api_user.email


def test_login_with_a_wrong_password_is_401(client: httpx.Client, api_user: ApiUser) -> None:
    response = client.post(
        f"{API}/auth/login", json={"email": api_user.email, "password": "not-the-password"}
    )
    assert "not correct" in assert_problem(response, 401)["detail"]


def test_me_describes_the_caller(client: httpx.Client) -> None:
    user = register_api_user(client, "Grace", organisation="Hopper Labs")
    response = me(client, user.access_token)
    assert response.status_code == 200
    body = response.json()
    assert (body["email"], body["display_name"], body["role"], body["tenant_name"]) == (
        user.email,
        "Grace",
        "admin",
        "Hopper Labs",
    )
    assert uuid.UUID(body["user_id"]) and uuid.UUID(body["tenant_id"])


# -- refresh tokens ------------------------------------------------------------------------------------


def test_refresh_returns_a_new_refresh_token(client: httpx.Client, api_user: ApiUser) -> None:
    response = refresh(client, api_user.refresh_token)
    assert response.status_code == 200
    rotated = response.json()
    assert rotated["refresh_token"] != api_user.refresh_token
    assert me(client, rotated["access_token"]).status_code == 200


def test_a_spent_refresh_token_no_longer_refreshes(client: httpx.Client, api_user: ApiUser) -> None:
    assert refresh(client, api_user.refresh_token).status_code == 200
    assert_problem(refresh(client, api_user.refresh_token), 401)


def test_reusing_a_spent_refresh_token_revokes_the_whole_family(
    client: httpx.Client, api_user: ApiUser
) -> None:
    second = refresh(client, api_user.refresh_token).json()["refresh_token"]
    newest = refresh(client, second).json()["refresh_token"]
    reuse = refresh(client, api_user.refresh_token)
    assert "already used" in assert_problem(reuse, 401)["detail"]
    # The legitimate newest token of that family is dead too: everyone must sign in again.
    assert_problem(refresh(client, newest), 401)


def test_reuse_leaves_other_sign_ins_working(client: httpx.Client, api_user: ApiUser) -> None:
    other = login_api_user(client, api_user.email, api_user.password)
    refresh(client, api_user.refresh_token)
    assert_problem(refresh(client, api_user.refresh_token), 401)
    assert refresh(client, other.refresh_token).status_code == 200


def test_unknown_refresh_token_is_401(client: httpx.Client) -> None:
    assert_problem(refresh(client, "made-up-token"), 401)


def test_logout_revokes_the_refresh_family(client: httpx.Client, api_user: ApiUser) -> None:
    rotated = refresh(client, api_user.refresh_token).json()
    response = client.post(
        f"{API}/auth/logout",
        json={"refresh_token": rotated["refresh_token"]},
        headers={"Authorization": f"Bearer {rotated['access_token']}"},
    )
    assert response.status_code == 204
    assert response.content == b""
    assert_problem(refresh(client, rotated["refresh_token"]), 401)


def test_logout_with_another_users_refresh_token_leaves_that_sign_in_alone(
    client: httpx.Client, api_user: ApiUser
) -> None:
    other = register_api_user(client, "Bea")
    response = client.post(
        f"{API}/auth/logout", json={"refresh_token": other.refresh_token}, headers=api_user.headers
    )
    assert response.status_code == 204  # like an unknown token: no oracle for whose it is
    assert refresh(client, other.refresh_token).status_code == 200
    assert refresh(client, api_user.refresh_token).status_code == 200  # nor was the caller's


def test_logout_requires_an_access_token(client: httpx.Client, api_user: ApiUser) -> None:
    response = client.post(f"{API}/auth/logout", json={"refresh_token": api_user.refresh_token})
    assert_problem(response, 401)
    assert refresh(client, api_user.refresh_token).status_code == 200


# -- errors are problem details ------------------------------------------------------------------------


def test_missing_access_token_is_401_problem(client: httpx.Client) -> None:
    response = client.get(f"{API}/me")
    body = assert_problem(response, 401)
    assert "Bearer" in body["detail"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header",
    ["Bearer not-a-jwt", "Bearer", "Basic dXNlcjpwYXNz", "bearer eyJhbGciOiJub25lIn0.e30."],
)
def test_bad_access_token_is_401_problem(client: httpx.Client, header: str) -> None:
    assert_problem(client.get(f"{API}/me", headers={"Authorization": header}), 401)


def test_tampered_access_token_is_401(client: httpx.Client, api_user: ApiUser) -> None:
    head, payload, signature = api_user.access_token.split(".")
    flipped = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")
    assert_problem(me(client, f"{head}.{payload}.{flipped}"), 401)


def test_missing_field_is_422_naming_the_field(client: httpx.Client) -> None:
    response = client.post(f"{API}/auth/login", json={"password": "x"})
    body = assert_problem(response, 422)
    assert "email" in body["detail"]
    assert [e["field"] for e in body["errors"]] == ["email"]


def test_wrong_field_type_is_422_naming_the_field(client: httpx.Client) -> None:
    response = client.post(f"{API}/auth/login", json={"email": "a@example.com", "password": 42})
    assert "password" in assert_problem(response, 422)["detail"]


def test_body_that_is_not_json_is_422(client: httpx.Client) -> None:
    response = client.post(
        f"{API}/auth/login",
        content=b"email=a@example.com",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert "JSON" in assert_problem(response, 422)["detail"]


def test_malformed_json_is_422(client: httpx.Client) -> None:
    response = client.post(
        f"{API}/auth/login", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert "not valid JSON" in assert_problem(response, 422)["detail"]


def test_unknown_api_route_is_404_problem(client: httpx.Client) -> None:
    body = assert_problem(client.get(f"{API}/xyz"), 404)
    assert f"{API}/xyz" in body["detail"]


def test_wrong_method_is_405_problem_with_allow(client: httpx.Client) -> None:
    response = client.put(f"{API}/auth/login", json={})
    assert_problem(response, 405)
    assert response.headers["Allow"] == "POST"


def test_health_is_public(client: httpx.Client) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


# -- every route but the public ones needs a token -------------------------------------------------------


def _operations(client: httpx.Client, user: ApiUser) -> list[tuple[str, str, dict[str, object]]]:
    document = client.get(f"{API}/openapi.json", headers=user.headers).json()
    return [
        (method.upper(), path, op)
        for path, item in document["paths"].items()
        for method, op in item.items()
    ]


def _concrete(path: str) -> str:
    return re.sub(r"\{\w+\}", str(uuid.uuid4()), path)


def test_public_operations_are_exactly_health_register_login_refresh(
    client: httpx.Client, api_user: ApiUser
) -> None:
    public = {(m, p) for m, p, op in _operations(client, api_user) if op.get("security") == []}
    assert public == PUBLIC_OPERATIONS


def test_every_other_operation_answers_401_without_a_token(
    client: httpx.Client, api_user: ApiUser
) -> None:
    operations = _operations(client, api_user)
    protected = [(m, p) for m, p, _op in operations if (m, p) not in PUBLIC_OPERATIONS]
    assert len(protected) >= 7
    for method, path in protected:
        response = client.request(method, _concrete(path), json={})
        assert "access token" in assert_problem(response, 401)["detail"], (method, path)


def test_every_other_operation_answers_401_with_a_forged_token(
    client: httpx.Client, api_user: ApiUser
) -> None:
    forged = {"Authorization": "Bearer " + api_user.access_token[:-4] + "abcd"}
    for method, path, _op in _operations(client, api_user):
        if (method, path) in PUBLIC_OPERATIONS:
            continue
        assert_problem(client.request(method, _concrete(path), json={}, headers=forged), 401)


def test_public_operations_answer_without_a_token(client: httpx.Client) -> None:
    for method, path in PUBLIC_OPERATIONS:
        response = client.request(method, path, json={})
        assert response.status_code in (200, 422), (method, path, response.status_code)


# -- login throttling ------------------------------------------------------------------------------------


def _login(client: httpx.Client, email: str, password: str) -> httpx.Response:
    return client.post(f"{API}/auth/login", json={"email": email, "password": password})


def _login_once_unthrottled(
    client: httpx.Client, email: str, password: str, timeout: float = 15
) -> httpx.Response:
    """Poll the login until it is no longer throttled; returns that first other answer."""
    deadline = time.monotonic() + timeout
    while (response := _login(client, email, password)).status_code == 429:
        assert time.monotonic() < deadline, "the login throttle did not lift"
        time.sleep(0.25)
    return response


@pytest.fixture(scope="module")
def account_throttled_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = start_server(
        tmp_path_factory.mktemp("throttle-account"),
        settings={
            "auth": {
                "login_throttle": {
                    "max_failures_per_account": 3,
                    "max_failures_per_address": 50,
                    "window_seconds": 3,
                }
            }
        },
        demo=False,
    )
    yield running
    running.stop()


@pytest.fixture(scope="module")
def address_throttled_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = start_server(
        tmp_path_factory.mktemp("throttle-address"),
        settings={
            "auth": {
                "login_throttle": {
                    "max_failures_per_account": 50,
                    "max_failures_per_address": 3,
                    "window_seconds": 3,
                }
            }
        },
        demo=False,
    )
    yield running
    running.stop()


def test_account_throttling_engages_and_lifts(account_throttled_server: RunningServer) -> None:
    with account_throttled_server.client() as client:
        user = register_api_user(client)
        for _ in range(3):
            assert_problem(_login(client, user.email, "wrong-password!"), 401)
        blocked = _login(client, user.email, user.password)
        body = assert_problem(blocked, 429)
        retry_after = int(blocked.headers["Retry-After"])
        assert 1 <= retry_after <= 4
        assert re.search(r"this account\. Try again in \d+ seconds", body["detail"]), body
        started = time.monotonic()
        lifted = _login_once_unthrottled(client, user.email, user.password)
        assert lifted.status_code == 200
        assert time.monotonic() - started <= retry_after + 2


def test_account_throttling_also_blocks_the_sign_in_form(
    account_throttled_server: RunningServer,
) -> None:
    with account_throttled_server.client() as client:
        user = register_api_user(client)
        for _ in range(3):
            assert_problem(_login(client, user.email, "wrong-password!"), 401)
        page = client.get("/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert csrf
        response = client.post(
            "/login", data={"email": user.email, "password": user.password, "csrf": csrf.group(1)}
        )
        assert response.status_code == 429
        assert int(response.headers["Retry-After"]) >= 1
        assert "Try again in" in response.text
        assert "dp_session" not in response.cookies


def test_address_throttling_engages_and_lifts(address_throttled_server: RunningServer) -> None:
    with address_throttled_server.client() as client:
        user = register_api_user(client)
        for n in range(3):
            assert_problem(_login(client, f"guess-{n}@example.com", "wrong-password!"), 401)
        blocked = _login(client, user.email, user.password)
        body = assert_problem(blocked, 429)
        assert int(blocked.headers["Retry-After"]) >= 1
        assert "your address" in body["detail"] and "Try again in" in body["detail"]
        assert _login_once_unthrottled(client, user.email, user.password).status_code == 200


def test_throttled_attempts_do_not_extend_the_block(
    account_throttled_server: RunningServer,
) -> None:
    with account_throttled_server.client() as client:
        user = register_api_user(client)
        for _ in range(3):
            _login(client, user.email, "wrong-password!")
        first = _login(client, user.email, "wrong-password!")
        assert first.status_code == 429
        # Hammering while blocked is not counted: the block lifts on the original schedule.
        timeout = int(first.headers["Retry-After"]) + 2
        assert (
            _login_once_unthrottled(client, user.email, "still-wrong!", timeout).status_code == 401
        )
