"""AI provider settings over real HTTP: every route, roles, isolation pairs, and a planted key
that appears in no response, no server log line and no stored row except encrypted."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select

from app.services.ai import KeyVault
from app.store.models import ApiKey
from tests.conftest import RunningServer
from tests.integration.conftest import (
    API,
    ApiUser,
    Store,
    assert_problem,
    login_api_user,
    register_api_user,
)
from tests.openai_models_server import ModelsServer, running

PROVIDERS = f"{API}/ai/providers"
PLANTED = f"sk-proj-PLANTED{uuid.uuid4().hex}Zq9w"
WRONG = f"sk-proj-WRONG{uuid.uuid4().hex}Xk3m"


@pytest.fixture(scope="module")
def models_server() -> Iterator[ModelsServer]:
    with running(ModelsServer(key=PLANTED)) as server:
        yield server


@pytest.fixture
def admin(client: httpx.Client) -> ApiUser:
    return register_api_user(client, "Ada", organisation=f"Acme {uuid.uuid4().hex[:6]}")


class Recorder:
    """Sends requests and keeps every response, to search them all for the key afterwards."""

    def __init__(self, client: httpx.Client, user: ApiUser) -> None:
        self.client, self.user = client, user
        self.responses: list[httpx.Response] = []

    def __call__(self, method: str, url: str, **kwargs: object) -> httpx.Response:
        response = self.client.request(method, url, headers=self.user.headers, **kwargs)  # type: ignore[arg-type]
        self.responses.append(response)
        return response

    def everything(self) -> str:
        return "\n".join(f"{r.headers}\n{r.text}" for r in self.responses)


def compatible(base_url: str, key: str | None = PLANTED, **extra: object) -> dict[str, object]:
    return {
        "provider": "openai_compatible",
        "model": "gpt-test-mini",
        "key": key,
        "base_url": base_url,
        **extra,
    }


def member(client: httpx.Client, server_store: Store, admin: ApiUser, role: str) -> ApiUser:
    principal = server_store.accounts.principal_from_access_token(admin.access_token)
    added, password = server_store.add_member(principal, role)
    return login_api_user(client, added.email, password)


# -- the planted key -------------------------------------------------------------------------------
def test_a_planted_key_is_never_returned_logged_or_stored_in_clear(
    client: httpx.Client,
    server: RunningServer,
    server_store: Store,
    admin: ApiUser,
    models_server: ModelsServer,
) -> None:
    call = Recorder(client, admin)
    created = call("POST", PROVIDERS, json=compatible(models_server.base_url))
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["key_hint"] == f"…{PLANTED[-4:]}"
    assert created.headers["Location"] == f"{PROVIDERS}/{body['id']}"
    one = f"{PROVIDERS}/{body['id']}"

    listed = call("GET", PROVIDERS).json()
    assert [p["id"] for p in listed["items"]] == [body["id"]]
    assert listed["installation_default"]["provider"] == "offline"

    tested = call("POST", f"{one}/test").json()
    assert tested["ok"] is True, tested
    assert tested["models"] == ["gpt-test-large", "gpt-test-mini"]
    assert models_server.requests[-1]["headers"]["authorization"] == f"Bearer {PLANTED}"
    assert call("GET", f"{one}/models").json() == {"items": ["gpt-test-large", "gpt-test-mini"]}

    # A 401 from the provider, which quotes part of the key as OpenAI does.
    patched = call("PATCH", one, json={"key": WRONG, "model": "gpt-test-large"})
    assert patched.json()["key_hint"] == f"…{WRONG[-4:]}"
    refused = call("POST", f"{one}/test").json()
    assert (refused["ok"], refused["kind"]) == (False, "auth")
    assert refused["message"]
    problem = assert_problem(call("GET", f"{one}/models"), 502)
    assert problem["kind"] == "auth"

    # A server that is not there, and a base URL that is not one.
    call("PATCH", one, json={"key": PLANTED, "base_url": "http://127.0.0.1:9/v1"})
    down = call("POST", f"{one}/test").json()
    assert down["ok"] is False and down["kind"] in ("unavailable", "timeout"), down
    bad = assert_problem(call("PATCH", one, json={"base_url": f"not a url {PLANTED}"}), 422)
    assert bad["errors"][0]["field"] == "base_url"
    too_long = call("PATCH", one, json={"key": PLANTED * 20})
    assert_problem(too_long, 422)
    assert_problem(call("POST", PROVIDERS, json={"provider": "openai", "key": PLANTED}), 422)

    everything = call.everything()
    assert PLANTED not in everything and WRONG not in everything
    assert PLANTED[8:24] not in everything and WRONG[8:24] not in everything
    log = server.log()
    assert PLANTED not in log and WRONG not in log and PLANTED[8:24] not in log

    with server_store.db.transaction() as session:
        row = session.scalars(select(ApiKey).where(ApiKey.id == uuid.UUID(body["id"]))).one()
        stored = {c.name: getattr(row, c.name) for c in ApiKey.__table__.columns}
    assert PLANTED not in repr(stored) and PLANTED[8:24] not in repr(stored)
    vault = KeyVault(server_store.settings.secrets.encryption_keys)
    assert row.encrypted_key is not None and vault.decrypt(row.encrypted_key) == PLANTED

    assert call("DELETE", one).status_code == 204
    assert call("GET", PROVIDERS).json()["items"] == []


def test_activating_a_provider_switches_the_tenants_others_off(
    client: httpx.Client, admin: ApiUser
) -> None:
    call = Recorder(client, admin)
    first = call("POST", PROVIDERS, json={"provider": "offline"}).json()
    second = call(
        "POST", PROVIDERS, json={"provider": "openai", "model": "gpt-4.1", "key": PLANTED}
    )
    assert second.status_code == 201
    states = {p["id"]: p["active"] for p in call("GET", PROVIDERS).json()["items"]}
    assert states == {first["id"]: False, second.json()["id"]: True}
    call("PATCH", f"{PROVIDERS}/{first['id']}", json={"active": True})
    states = {p["id"]: p["active"] for p in call("GET", PROVIDERS).json()["items"]}
    assert states == {first["id"]: True, second.json()["id"]: False}


# -- roles -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ["editor", "viewer"])
def test_members_read_the_settings_but_only_admins_write_or_test(
    client: httpx.Client, server_store: Store, admin: ApiUser, role: str
) -> None:
    created = client.post(
        PROVIDERS,
        json={"provider": "openai", "model": "gpt-4.1", "key": PLANTED},
        headers=admin.headers,
    ).json()
    user = member(client, server_store, admin, role)
    listed = client.get(PROVIDERS, headers=user.headers)
    assert [p["key_hint"] for p in listed.json()["items"]] == [f"…{PLANTED[-4:]}"]
    one = f"{PROVIDERS}/{created['id']}"
    for response in (
        client.post(PROVIDERS, json={"provider": "offline"}, headers=user.headers),
        client.patch(one, json={"active": False}, headers=user.headers),
        client.delete(one, headers=user.headers),
        client.post(f"{one}/test", headers=user.headers),
        client.get(f"{one}/models", headers=user.headers),
    ):
        problem = assert_problem(response, 403)
        assert "ask a tenant admin" in problem["detail"]
    after = client.get(PROVIDERS, headers=admin.headers).json()["items"]
    assert [(p["id"], p["active"]) for p in after] == [(created["id"], True)]


# -- isolation pair ------------------------------------------------------------------------------------
def test_another_tenant_gets_404_on_every_provider_route(
    client: httpx.Client, admin: ApiUser
) -> None:
    created = client.post(
        PROVIDERS,
        json={"provider": "openai", "model": "gpt-4.1", "key": PLANTED, "name": "Secret lab"},
        headers=admin.headers,
    ).json()
    stranger = register_api_user(client, "Bob", organisation=f"Other {uuid.uuid4().hex[:6]}")
    assert client.get(PROVIDERS, headers=stranger.headers).json()["items"] == []
    one = f"{PROVIDERS}/{created['id']}"
    missing = f"{PROVIDERS}/{uuid.uuid4()}"
    for url in (one, missing, f"{PROVIDERS}/not-an-id"):
        for response in (
            client.patch(url, json={"active": False}, headers=stranger.headers),
            client.delete(url, headers=stranger.headers),
            client.post(f"{url}/test", headers=stranger.headers),
            client.get(f"{url}/models", headers=stranger.headers),
        ):
            problem = assert_problem(response, 404)
            assert problem["detail"] == "No such AI provider setting."
            assert "Secret lab" not in response.text
    after = client.get(PROVIDERS, headers=admin.headers).json()["items"]
    assert [(p["id"], p["name"], p["active"]) for p in after] == [
        (created["id"], "Secret lab", True)
    ]


def test_the_routes_need_a_signed_in_caller(client: httpx.Client) -> None:
    assert_problem(client.get(PROVIDERS), 401)
    assert_problem(client.post(PROVIDERS, json={"provider": "offline"}), 401)
