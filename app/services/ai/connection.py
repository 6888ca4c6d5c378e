"""Reaching a provider to test a connection or list models, with failures a user can act on.

The providers live in ``pipelines.ai`` (``make_provider(kind, model, key, base_url, timeout)``);
the service takes that factory as a parameter so tests and other builds can pass their own.
Whatever a provider raises, the message that leaves here never holds the API key.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from app.services.errors import DomainError

log = logging.getLogger("datapilot.ai")


class ProviderHandle(Protocol):
    """What the settings service uses of a provider (``pipelines.ai.Provider`` has both)."""

    def list_models(self) -> Sequence[Any]: ...  # items with an ``id``

    def test_connection(self) -> Any: ...  # raises on failure


ProviderFactory = Callable[[str, str, str | None, str | None, float], ProviderHandle]
"""``(kind, model, key, base_url, timeout) -> provider``; failures raise an error with a
``kind`` and a key-free ``message`` (``pipelines.ai.ProviderError``), or ``ValueError``."""


def default_factory(
    kind: str, model: str, key: str | None, base_url: str | None, timeout: float
) -> ProviderHandle:
    """``pipelines.ai.make_provider``, imported on first use (it loads the provider SDKs)."""
    from pipelines.ai import make_provider

    return make_provider(kind, model, key, base_url, timeout)


@contextmanager
def opened(
    factory: ProviderFactory,
    kind: str,
    model: str,
    key: str | None,
    base_url: str | None,
    timeout: float,
) -> Iterator[ProviderHandle]:
    """A provider from ``factory``, closed afterwards when it can be (SDK connections)."""
    provider = factory(kind, model, key, base_url, timeout)
    try:
        yield provider
    finally:
        close = getattr(provider, "close", None)
        if callable(close):
            close()


class ProviderFailed(DomainError):
    """A provider refused or could not be reached; ``kind`` says which way (as in pipelines.ai)."""

    status = 502
    title = "AI provider error"

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind

    @property
    def problem_fields(self) -> dict[str, Any]:
        return {"kind": self.kind}


@dataclass(frozen=True)
class ConnectionResult:
    """The outcome of a connection test: ``ok``, or the failure's ``kind`` and message."""

    ok: bool
    message: str
    kind: str | None = None
    models: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "message": self.message, "kind": self.kind, "models": self.models}


def scrub(text: str, key: str | None) -> str:
    """``text`` with the key (and any long piece of it) replaced by ``…``."""
    if not key:
        return text
    text = text.replace(key, "…")
    for size in (16, 12, 8):
        if len(key) <= size:
            continue
        for start in range(len(key) - size + 1):
            piece = key[start : start + size]
            if piece in text:
                text = text.replace(piece, "…")
    return text


def failure(exc: Exception, key: str | None) -> ProviderFailed:
    """A provider's exception as a :class:`ProviderFailed` whose message holds no key."""
    kind = getattr(exc, "kind", None)
    message = getattr(exc, "message", None)
    if isinstance(kind, str) and isinstance(message, str):
        return ProviderFailed(kind, scrub(message, key))
    if isinstance(exc, ValueError):  # the factory refused the settings (e.g. no base URL)
        return ProviderFailed("bad_request", scrub(str(exc), key).capitalize().rstrip(".") + ".")
    # Unknown failures are logged by type only: their text might quote a request or a key.
    log.warning("AI provider call failed with %s", type(exc).__name__)
    return ProviderFailed(
        "unavailable",
        f"The provider could not be reached ({type(exc).__name__}); check the base URL and "
        "try again.",
    )


def model_ids(models: Sequence[Any]) -> list[str]:
    """The ids of what ``list_models`` returned (objects with ``id``, or plain strings)."""
    ids = [str(getattr(m, "id", m)) for m in models]
    return sorted(dict.fromkeys(i for i in ids if i))
