"""A tenant's AI provider settings: admins add, change, test and delete them; members read.

The API key is write-only. It is encrypted before it reaches the store, shown only as
``…last4``, and decrypted only to call the provider (:meth:`AiSettingsService.active_provider`
is for the server's own use and is never serialised).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy.exc import IntegrityError

from app.ai_config import AiSettings
from app.principal import Principal
from app.services.ai.connection import (
    ConnectionResult,
    ProviderFactory,
    default_factory,
    failure,
    model_ids,
    opened,
    scrub,
)
from app.services.ai.validation import (
    KEEP,
    Keep,
    clean_base_url,
    clean_key,
    clean_model,
    clean_name,
    clean_provider,
)
from app.services.ai.vault import KeyVault
from app.services.errors import Conflict, NotFound
from app.store.db import Database
from app.store.models import ApiKey
from app.store.repositories import ApiKeyRepository

TEST_TIMEOUT = 20.0
"""Seconds a connection test or model list may take, at most (the page waits for it)."""

ANY_MODEL = "any"
"""The model named to a provider built only to list models (it must be given one)."""

KIND_LABELS = {
    "offline": "Offline answerer",
    "anthropic": "Anthropic",
    "openai": "OpenAI",
    "openai_compatible": "OpenAI-compatible server",
}


@dataclass(frozen=True)
class ProviderInfo:
    """A provider setting as anyone may see it: the key only as its hint."""

    id: uuid.UUID
    provider: str
    name: str
    model: str
    base_url: str | None
    key_hint: str | None
    active: bool
    created_at: datetime
    updated_at: datetime

    @property
    def label(self) -> str:
        return self.name or KIND_LABELS.get(self.provider, self.provider)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "provider": self.provider,
            "name": self.name,
            "model": self.model,
            "base_url": self.base_url,
            "key_hint": self.key_hint,
            "active": self.active,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
        }


@dataclass(frozen=True)
class InstallationDefault:
    """The provider from the config file, for tenants without an active one of their own."""

    provider: str
    model: str
    base_url: str | None
    key_configured: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "model": self.model,
            "base_url": self.base_url,
            "key_configured": self.key_configured,
        }


@dataclass(frozen=True, repr=False)
class ActiveProvider:
    """What a provider is built from, key included: for the server's own use, never returned."""

    kind: str
    model: str
    key: str | None
    base_url: str | None
    timeout: float
    source: Literal["tenant", "installation"]

    def __repr__(self) -> str:
        key = "set" if self.key else "none"
        return f"ActiveProvider(kind={self.kind!r}, model={self.model!r}, key={key})"


def key_hint(row: ApiKey) -> str | None:
    if row.encrypted_key is None:
        return None
    return f"…{row.key_last4}"


def _info(row: ApiKey) -> ProviderInfo:
    return ProviderInfo(
        row.id,
        row.provider,
        row.name,
        row.model,
        row.base_url,
        key_hint(row),
        row.active,
        row.created_at,
        row.updated_at,
    )


class AiSettingsService:
    """The principal's tenant's AI providers.

    Parameters
    ----------
    db, vault, principal
        The store, the master keys and who is acting.
    defaults
        The ``ai`` settings section (the installation default provider).
    factory
        Builds a provider to test a connection or list models; by default
        ``pipelines.ai.make_provider``.
    """

    def __init__(
        self,
        db: Database,
        vault: KeyVault,
        principal: Principal,
        defaults: AiSettings | None = None,
        factory: ProviderFactory | None = None,
    ) -> None:
        self.db = db
        self.vault = vault
        self.principal = principal
        self.defaults = defaults or AiSettings()
        self.factory = factory or default_factory

    # -- reading (any member) ----------------------------------------------------------------------
    def list(self) -> Sequence[ProviderInfo]:
        with self.db.transaction() as session:
            return [_info(row) for row in ApiKeyRepository(session, self.principal).list()]

    def get(self, provider_id: uuid.UUID | str) -> ProviderInfo:
        with self.db.transaction() as session:
            return _info(self._row(ApiKeyRepository(session, self.principal), provider_id))

    def installation_default(self) -> InstallationDefault:
        d = self.defaults
        return InstallationDefault(d.provider, d.model, d.base_url, d.api_key() is not None)

    def active_provider(self) -> ActiveProvider:
        """The tenant's active provider with its key, else the installation default.

        For calling the provider inside the server only: the result holds the plain key.
        """
        with self.db.transaction() as session:
            row = ApiKeyRepository(session, self.principal).active()
            if row is not None:
                kind, model, token, base = row.provider, row.model, row.encrypted_key, row.base_url
        timeout = self.defaults.timeout_seconds
        if row is None:
            d = self.defaults
            return ActiveProvider(
                d.provider, d.model, d.api_key(), d.base_url, timeout, "installation"
            )
        key = self.vault.decrypt(token) if token else None
        return ActiveProvider(kind, model, key, base, timeout, "tenant")

    # -- writing (admins) ----------------------------------------------------------------------------
    def add(
        self,
        provider: str,
        model: str = "",
        key: str | None = None,
        base_url: str | None = None,
        *,
        name: str = "",
        active: bool = True,
    ) -> ProviderInfo:
        """Save a provider; ``active`` switches the tenant's other providers off."""
        self._require_admin()
        provider = clean_provider(provider)
        model, base_url = clean_model(provider, model), clean_base_url(provider, base_url)
        key = clean_key(provider, key)
        row = ApiKey(
            provider=provider,
            name=clean_name(name),
            model=model,
            base_url=base_url,
            active=active,
            created_by=self.principal.user_id,
        )
        self._set_key(row, key)
        with self._writing() as repo:
            if active:
                repo.deactivate_all()
            repo.add(row)
            return _info(row)

    def update(
        self,
        provider_id: uuid.UUID | str,
        *,
        model: str | Keep = KEEP,
        active: bool | Keep = KEEP,
        key: str | Keep | None = KEEP,
        base_url: str | Keep | None = KEEP,
        name: str | Keep = KEEP,
    ) -> ProviderInfo:
        """Change what is given; a ``key`` replaces the stored one (``None`` removes it)."""
        self._require_admin()
        with self._writing() as repo:
            row = self._row(repo, provider_id)
            if not isinstance(model, Keep):
                row.model = clean_model(row.provider, model)
            if not isinstance(base_url, Keep):
                row.base_url = clean_base_url(row.provider, base_url)
            if not isinstance(name, Keep):
                row.name = clean_name(name)
            if not isinstance(key, Keep):
                self._set_key(row, clean_key(row.provider, key))
            if not isinstance(active, Keep) and active != row.active:
                if active:
                    repo.deactivate_all()
                row.active = active
            repo.session.flush()
            return _info(row)

    def delete(self, provider_id: uuid.UUID | str) -> None:
        self._require_admin()
        with self._writing() as repo:
            repo.delete(self._row(repo, provider_id))

    # -- calling the provider (admins) -----------------------------------------------------------------
    def test(self, provider_id: uuid.UUID | str) -> ConnectionResult:
        """Try the saved settings against the provider; a failure is a result, not an error."""
        self._require_admin()
        kind, model, key, base_url = self._settings_of(provider_id)
        if kind == "offline":
            return ConnectionResult(True, "The offline answerer runs inside DataPilot; ready.")
        try:
            with opened(self.factory, kind, model, key, base_url, self._timeout) as provider:
                check = provider.test_connection()
        except Exception as exc:
            failed = failure(exc, key)
            return ConnectionResult(False, str(failed), failed.kind)
        models = tuple(model_ids(getattr(check, "models", ()) or ()))
        where = KIND_LABELS[kind] if not base_url else f"{KIND_LABELS[kind]} at {base_url}"
        message = (
            f"{where} answered; model “{model}” is available." if model else f"{where} answered."
        )
        return ConnectionResult(True, scrub(message, key), None, models)

    def models(self, provider_id: uuid.UUID | str) -> Sequence[str]:
        """The models the saved settings may use, as the provider lists them."""
        self._require_admin()
        kind, model, key, base_url = self._settings_of(provider_id)
        return self._list_models(kind, model, key, base_url)

    def preview_models(
        self, provider: str, key: str | None, base_url: str | None, provider_id: str | None = None
    ) -> Sequence[str]:
        """The models of settings not saved yet (the form's "Load models").

        Without a ``key``, the saved key of ``provider_id`` (if given) is used.
        """
        self._require_admin()
        provider = clean_provider(provider)
        base_url = clean_base_url(provider, base_url)
        key = clean_key(provider, key, required=False)
        if key is None and provider_id is not None:
            key = self._settings_of(provider_id)[2]
        return self._list_models(provider, "", key, base_url)

    # -------------------------------------------------------------------------------------------------
    @property
    def _timeout(self) -> float:
        return min(self.defaults.timeout_seconds, TEST_TIMEOUT)

    def _list_models(
        self, kind: str, model: str, key: str | None, base: str | None
    ) -> Sequence[str]:
        if kind == "offline":
            return []
        try:
            with opened(
                self.factory, kind, model or ANY_MODEL, key, base, self._timeout
            ) as provider:
                return model_ids(provider.list_models())
        except Exception as exc:
            raise failure(exc, key) from None

    def _settings_of(self, provider_id: uuid.UUID | str) -> tuple[str, str, str | None, str | None]:
        with self.db.transaction() as session:
            row = self._row(ApiKeyRepository(session, self.principal), provider_id)
            kind, model, token, base = row.provider, row.model, row.encrypted_key, row.base_url
        return kind, model, self.vault.decrypt(token) if token else None, base

    def _set_key(self, row: ApiKey, key: str | None) -> None:
        if key is None:
            row.encrypted_key, row.key_last4 = None, ""
            return
        row.encrypted_key = self.vault.encrypt(key)
        row.key_last4 = key[-4:] if len(key) >= 12 else ""

    def _require_admin(self) -> None:
        self.principal.require("admin", "change the AI provider settings")

    @contextmanager
    def _writing(self) -> Iterator[ApiKeyRepository]:
        """A transaction around the repository; a lost race for "active" becomes a 409."""
        try:
            with self.db.transaction() as session:
                yield ApiKeyRepository(session, self.principal)
        except IntegrityError:
            raise Conflict(
                "Another admin switched a provider on at the same time; reload and try again."
            ) from None

    @staticmethod
    def _row(repo: ApiKeyRepository, provider_id: uuid.UUID | str) -> ApiKey:
        row = repo.get(provider_id)
        if row is None:
            raise NotFound("No such AI provider setting.")
        return row
