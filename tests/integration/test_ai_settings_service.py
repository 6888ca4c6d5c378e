"""AI provider settings through the service, on SQLite and PostgreSQL.

Connection tests and model lists go over real HTTP to a local OpenAI-compatible server, through
a small provider defined here (the service takes its provider factory as a parameter).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.ai_config import AiSettings
from app.principal import Principal
from app.services.ai import AiSettingsService, KeyUnreadable, KeyVault, ProviderFailed
from app.services.ai.rotation import add_master_key, reencrypt_all, secrets_file_keys
from app.services.errors import Forbidden, InvalidInput, NotFound
from app.store.models import ApiKey
from tests.integration.conftest import Store
from tests.openai_models_server import ModelsServer, running

PLANTED = "sk-test-PLANTED-5f3a9c1e7b2d4068a1c3e5f7b9d1wxyz"


# -- a provider over plain HTTP, as the factory would build it ----------------------------------------
class HttpFailure(Exception):
    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind, self.message = kind, message


@dataclass
class Model:
    id: str


@dataclass
class HttpProvider:
    model: str
    key: str | None
    base_url: str
    timeout: float

    def list_models(self) -> list[Model]:
        headers = {"Authorization": f"Bearer {self.key}"} if self.key else {}
        try:
            response = httpx.get(f"{self.base_url}/models", headers=headers, timeout=self.timeout)
        except httpx.HTTPError:
            raise HttpFailure("unavailable", "The server cannot be reached.") from None
        if response.status_code == 401:
            raise HttpFailure("auth", "The key was refused.")
        response.raise_for_status()
        return [Model(item["id"]) for item in response.json()["data"]]

    def test_connection(self) -> Any:
        ids = [m.id for m in self.list_models()]
        if self.model not in ids:
            raise HttpFailure("unknown_model", f"No model {self.model}.")
        return type("Check", (), {"models": tuple(ids)})()


def http_factory(
    kind: str, model: str, key: str | None, base_url: str | None, timeout: float
) -> HttpProvider:
    return HttpProvider(model, key, base_url or "http://127.0.0.1:9/v1", timeout)


# -- fixtures --------------------------------------------------------------------------------------------
@pytest.fixture
def vault(store: Store) -> KeyVault:
    return KeyVault(store.settings.secrets.encryption_keys)


@pytest.fixture
def admin(store: Store) -> Principal:
    return store.register("Ada", f"Acme {uuid.uuid4().hex[:6]}")


@pytest.fixture
def models_server() -> Iterator[ModelsServer]:
    with running(ModelsServer(key=PLANTED)) as server:
        yield server


def service(store: Store, vault: KeyVault, who: Principal, **kwargs: Any) -> AiSettingsService:
    return AiSettingsService(store.db, vault, who, factory=http_factory, **kwargs)


def rows(store: Store) -> list[ApiKey]:
    with store.db.transaction() as session:
        return list(session.scalars(select(ApiKey)).all())


# -- storing ---------------------------------------------------------------------------------------------
def test_a_key_is_stored_encrypted_and_shown_only_as_its_last_four(
    store: Store, vault: KeyVault, admin: Principal
) -> None:
    info = service(store, vault, admin).add("openai", "gpt-4.1-mini", PLANTED)
    assert info.key_hint == "…wxyz"
    assert PLANTED not in repr(info) and PLANTED not in str(info.as_json())
    (row,) = rows(store)
    assert row.encrypted_key is not None and PLANTED not in row.encrypted_key
    assert Fernet(store.settings.secrets.encryption_keys[0]).decrypt(row.encrypted_key.encode())
    assert vault.decrypt(row.encrypted_key) == PLANTED


def test_a_compatible_server_may_have_no_key(
    store: Store, vault: KeyVault, admin: Principal
) -> None:
    info = service(store, vault, admin).add(
        "openai_compatible", "llama3.1", None, "http://localhost:11434/v1/"
    )
    assert (info.key_hint, info.base_url) == (None, "http://localhost:11434/v1")
    assert rows(store)[0].encrypted_key is None


def test_switching_a_provider_on_switches_the_others_off(
    store: Store, vault: KeyVault, admin: Principal
) -> None:
    ai = service(store, vault, admin)
    first = ai.add("openai", "gpt-4.1-mini", PLANTED)
    second = ai.add("anthropic", "claude-sonnet-4-5", "sk-ant-" + "x" * 30)
    assert [(p.id, p.active) for p in ai.list()] == [(first.id, False), (second.id, True)]
    ai.update(first.id, active=True)
    assert [p.active for p in ai.list()] == [True, False]
    ai.update(first.id, active=False)
    assert [p.active for p in ai.list()] == [False, False]


def test_the_store_refuses_two_active_providers_in_one_tenant(
    store: Store, vault: KeyVault, admin: Principal
) -> None:
    service(store, vault, admin).add("offline")
    with pytest.raises(IntegrityError), store.db.transaction() as session:
        session.add(ApiKey(tenant_id=admin.tenant_id, provider="offline", active=True))
        session.flush()


def test_update_changes_the_model_and_replaces_or_removes_the_key(
    store: Store, vault: KeyVault, admin: Principal
) -> None:
    ai = service(store, vault, admin)
    info = ai.add("openai_compatible", "llama3.1", PLANTED, "http://127.0.0.1:11434/v1")
    changed = ai.update(info.id, model="qwen2.5", key="sk-new-key-000000001234")
    assert (changed.model, changed.key_hint) == ("qwen2.5", "…1234")
    assert ai.update(info.id, key=None).key_hint is None
    assert ai.update(info.id, name="Lab GPU").label == "Lab GPU"


def test_a_short_key_is_hinted_without_its_characters(
    store: Store, vault: KeyVault, admin: Principal
) -> None:
    info = service(store, vault, admin).add("openai", "gpt-4.1", "sk-short")
    assert info.key_hint == "…"


@pytest.mark.parametrize(
    ("args", "field", "message"),
    [
        (("openai", "gpt-4.1", None), "key", "needs an API key"),
        (("openai", "", PLANTED), "model", "Enter the model"),
        (("openai_compatible", "llama3", None, None), "base_url", "needs its base URL"),
        (("openai_compatible", "llama3", None, "localhost:11434"), "base_url", "http://"),
        (("openai", "gpt-4.1", PLANTED, "ftp://example.com"), "base_url", "http://"),
        (("openai", "gpt-4.1", PLANTED, "https://u:pw@example.com/v1"), "base_url", "key field"),
        (("mistral", "m", PLANTED), "provider", "Unknown AI provider"),
        (("openai", "gpt-4.1", PLANTED + " " + PLANTED), "key", "without spaces"),
    ],
    ids=["no-key", "no-model", "no-base", "no-scheme", "ftp", "credentials", "kind", "spaces"],
)
def test_bad_settings_are_refused_naming_the_field_and_never_the_key(
    store: Store, vault: KeyVault, admin: Principal, args: tuple[Any, ...], field: str, message: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        service(store, vault, admin).add(*args)
    assert caught.value.field == field
    assert message in str(caught.value)
    assert PLANTED not in str(caught.value)
    assert rows(store) == []


# -- who may do what ------------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ["editor", "viewer"])
def test_only_admins_change_or_use_the_settings_but_members_read_them(
    store: Store, vault: KeyVault, admin: Principal, role: str
) -> None:
    info = service(store, vault, admin).add("openai", "gpt-4.1", PLANTED)
    member, _ = store.add_member(admin, role)
    ai = service(store, vault, member)
    assert [p.id for p in ai.list()] == [info.id]
    assert ai.get(info.id).key_hint == "…wxyz"
    for attempt in (
        lambda: ai.add("offline"),
        lambda: ai.update(info.id, model="gpt-4.1-mini"),
        lambda: ai.delete(info.id),
        lambda: ai.test(info.id),
        lambda: ai.models(info.id),
    ):
        with pytest.raises(Forbidden):
            attempt()
    assert service(store, vault, admin).get(info.id).model == "gpt-4.1"


def test_another_tenants_provider_is_missing_on_every_operation(
    store: Store, vault: KeyVault, admin: Principal
) -> None:
    info = service(store, vault, admin).add("openai", "gpt-4.1", PLANTED)
    stranger = service(store, vault, store.register("Bob", f"Other {uuid.uuid4().hex[:6]}"))
    assert stranger.list() == []
    for attempt in (
        lambda: stranger.get(info.id),
        lambda: stranger.update(info.id, active=False),
        lambda: stranger.delete(info.id),
        lambda: stranger.test(info.id),
        lambda: stranger.models(info.id),
        lambda: stranger.preview_models("openai", None, None, str(info.id)),
    ):
        with pytest.raises(NotFound, match="No such AI provider setting"):
            attempt()
    assert stranger.active_provider().source == "installation"
    assert service(store, vault, admin).get(info.id).active


# -- calling the provider -------------------------------------------------------------------------------
def test_a_connection_test_reaches_the_provider_with_the_key(
    store: Store, vault: KeyVault, admin: Principal, models_server: ModelsServer
) -> None:
    ai = service(store, vault, admin)
    info = ai.add("openai_compatible", "gpt-test-mini", PLANTED, models_server.base_url)
    result = ai.test(info.id)
    assert result.ok, result.message
    assert result.models == ("gpt-test-large", "gpt-test-mini")
    assert "gpt-test-mini" in result.message
    assert models_server.requests[-1]["headers"]["authorization"] == f"Bearer {PLANTED}"
    assert ai.models(info.id) == ["gpt-test-large", "gpt-test-mini"]


def test_a_refused_key_is_a_failed_test_without_the_key(
    store: Store, vault: KeyVault, admin: Principal, models_server: ModelsServer
) -> None:
    ai = service(store, vault, admin)
    info = ai.add("openai", "gpt-test-mini", "sk-wrong-" + "q" * 30, models_server.base_url)
    result = ai.test(info.id)
    assert (result.ok, result.kind) == (False, "auth")
    with pytest.raises(ProviderFailed) as caught:
        ai.models(info.id)
    assert caught.value.kind == "auth"
    assert "q" * 8 not in str(caught.value) + result.message


def test_an_unreachable_base_url_fails_with_a_message(
    store: Store, vault: KeyVault, admin: Principal
) -> None:
    ai = service(store, vault, admin)
    info = ai.add("openai_compatible", "llama3", PLANTED, "http://127.0.0.1:9/v1")
    result = ai.test(info.id)
    assert (result.ok, result.kind) == (False, "unavailable")
    assert PLANTED not in result.message


def test_models_of_unsaved_settings_can_be_listed_with_the_saved_key(
    store: Store, vault: KeyVault, admin: Principal, models_server: ModelsServer
) -> None:
    ai = service(store, vault, admin)
    assert ai.preview_models("openai", PLANTED, models_server.base_url) == [
        "gpt-test-large",
        "gpt-test-mini",
    ]
    info = ai.add("openai", "gpt-test-mini", PLANTED, models_server.base_url)
    assert ai.preview_models("openai", "", models_server.base_url, str(info.id))[0] == (
        "gpt-test-large"
    )


def test_the_offline_answerer_needs_no_connection(
    store: Store, vault: KeyVault, admin: Principal
) -> None:
    ai = service(store, vault, admin)
    info = ai.add("offline", "", "ignored-key-1234567890")
    assert info.key_hint is None
    assert ai.test(info.id).ok
    assert ai.models(info.id) == []


# -- the provider Explore uses -----------------------------------------------------------------------------
def test_the_active_provider_comes_decrypted_from_the_tenant(
    store: Store, vault: KeyVault, admin: Principal
) -> None:
    ai = service(store, vault, admin)
    ai.add("openai", "gpt-4.1", PLANTED, active=True)
    active = ai.active_provider()
    assert (active.source, active.kind, active.model, active.key) == (
        "tenant",
        "openai",
        "gpt-4.1",
        PLANTED,
    )
    assert PLANTED not in repr(active)


def test_without_an_active_provider_the_installation_default_applies(
    store: Store, vault: KeyVault, admin: Principal, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_DP_OPENAI_KEY", PLANTED)
    defaults = AiSettings(provider="openai", model="gpt-4.1-mini", api_key_env="TEST_DP_OPENAI_KEY")
    ai = service(store, vault, admin, defaults=defaults)
    ai.add("anthropic", "claude", "sk-ant-" + "z" * 30, active=False)
    active = ai.active_provider()
    assert (active.source, active.kind, active.key) == ("installation", "openai", PLANTED)
    assert ai.installation_default().as_json() == {
        "provider": "openai",
        "model": "gpt-4.1-mini",
        "base_url": None,
        "key_configured": True,
    }


# -- master keys --------------------------------------------------------------------------------------------
def test_reencryption_moves_every_key_under_a_new_master_key(
    store: Store, vault: KeyVault, admin: Principal
) -> None:
    ai = service(store, vault, admin)
    ai.add("openai", "gpt-4.1", PLANTED)
    ai.add("openai_compatible", "llama3", None, "http://127.0.0.1:11434/v1")
    other = service(store, vault, store.register("Bob", f"Other {uuid.uuid4().hex[:6]}"))
    other.add("anthropic", "claude", "sk-ant-" + "k" * 30)
    old = store.settings.secrets.encryption_keys
    new = Fernet.generate_key().decode()

    report = reencrypt_all(store.db, KeyVault([new, *old]))
    assert (report.total, report.changed, report.unreadable) == (2, 2, 0)
    only_new = KeyVault([new])
    assert sorted(only_new.decrypt(r.encrypted_key) for r in rows(store) if r.encrypted_key) == [
        "sk-ant-" + "k" * 30,
        PLANTED,
    ]
    again = reencrypt_all(store.db, KeyVault([new, *old]))
    assert (again.total, again.changed) == (2, 0)


def test_a_key_under_a_removed_master_key_asks_to_enter_it_again(
    store: Store, vault: KeyVault, admin: Principal
) -> None:
    info = service(store, vault, admin).add("openai", "gpt-4.1", PLANTED)
    stranger_vault = KeyVault([Fernet.generate_key().decode()])
    with pytest.raises(KeyUnreadable, match="Enter the API key again"):
        service(store, stranger_vault, admin).test(info.id)
    assert reencrypt_all(store.db, stranger_vault).unreadable == 1


def test_a_running_vault_reads_a_master_key_added_to_the_secrets_file(
    store: Store, vault: KeyVault, admin: Principal
) -> None:
    data_dir = store.settings.storage.data_dir
    running_vault = KeyVault(
        secrets_file_keys(data_dir), reload=lambda: secrets_file_keys(data_dir)
    )
    service(store, running_vault, admin).add("openai", "gpt-4.1", PLANTED)
    keys = add_master_key(data_dir)
    assert keys[1:] == store.settings.secrets.encryption_keys
    assert (data_dir / "secrets.yaml").stat().st_mode & 0o777 == 0o600
    reencrypt_all(store.db, KeyVault(keys))
    assert service(store, running_vault, admin).active_provider().key == PLANTED
