"""Build a provider from its settings: ``make_provider(kind, model, key, base_url, timeout)``.

Four kinds: ``offline`` (the default: no network, no key), ``anthropic``, ``openai`` and
``openai_compatible``. The offline answerer lives in its own module and registers itself here
with :func:`register_provider`; until it does, asking for it fails with a clear message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, get_args

from .anthropic_provider import AnthropicProvider
from .errors import ProviderError
from .openai_compatible import OpenAICompatibleProvider
from .openai_provider import OpenAIProvider
from .provider import DEFAULT_TIMEOUT, Provider
from .retry import RetryPolicy

ProviderKind = Literal["offline", "anthropic", "openai", "openai_compatible"]
PROVIDER_KINDS: tuple[str, ...] = get_args(ProviderKind)
DEFAULT_PROVIDER_KIND: ProviderKind = "offline"


@dataclass(frozen=True, repr=False)
class ProviderSettings:
    """What a provider is built from; ``repr`` leaves the key out."""

    kind: str
    model: str
    key: str | None = None
    base_url: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    retry: RetryPolicy | None = None

    def __repr__(self) -> str:
        key = "set" if self.key else "none"
        return f"ProviderSettings(kind={self.kind!r}, model={self.model!r}, key={key})"


#: Builds a provider from its settings.
ProviderBuilder = Callable[[ProviderSettings], Provider]


def _anthropic(settings: ProviderSettings) -> Provider:
    return AnthropicProvider(
        model=settings.model,
        api_key=settings.key or "",
        base_url=settings.base_url,
        timeout=settings.timeout,
        retry=settings.retry,
    )


def _openai(settings: ProviderSettings) -> Provider:
    return OpenAIProvider(
        model=settings.model,
        api_key=settings.key,
        base_url=settings.base_url,
        timeout=settings.timeout,
        retry=settings.retry,
    )


def _compatible(settings: ProviderSettings) -> Provider:
    if not settings.base_url:
        raise ValueError(
            "an OpenAI-compatible server needs its base URL (e.g. http://localhost:11434/v1)"
        )
    return OpenAICompatibleProvider(
        model=settings.model,
        base_url=settings.base_url,
        api_key=settings.key,
        timeout=settings.timeout,
        retry=settings.retry,
    )


_BUILDERS: dict[str, ProviderBuilder] = {
    "anthropic": _anthropic,
    "openai": _openai,
    "openai_compatible": _compatible,
}


def register_provider(kind: ProviderKind, builder: ProviderBuilder) -> None:
    """Make :func:`make_provider` build ``kind`` with ``builder`` (the offline answerer's hook)."""
    _BUILDERS[kind] = builder


def make_provider(
    kind: str,
    model: str,
    key: str | None = None,
    base_url: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    *,
    retry: RetryPolicy | None = None,
) -> Provider:
    """The provider of ``kind`` for ``model``.

    Parameters
    ----------
    kind : str
        ``offline``, ``anthropic``, ``openai`` or ``openai_compatible``.
    model : str
        The model to ask.
    key : str or None
        The API key (required for Anthropic and OpenAI, optional for a compatible server).
    base_url : str or None
        The API root (required for a compatible server; a gateway for the others).
    timeout : float
        Seconds to wait for an answer.
    retry : RetryPolicy or None
        Retry policy; None for the default (2 retries with backoff).

    Returns
    -------
    Provider
        The configured provider; nothing is sent until it is used.

    Raises
    ------
    ValueError
        For an unknown kind or a missing base URL.
    ProviderError
        ``auth`` when a provider that needs a key has none; ``unavailable`` for the offline
        answerer before it is installed.
    """
    if kind not in PROVIDER_KINDS:
        raise ValueError(f"unknown AI provider {kind!r}; choose one of {', '.join(PROVIDER_KINDS)}")
    builder = _BUILDERS.get(kind)
    if builder is None:
        raise ProviderError(
            "unavailable", "The offline answerer is not available in this version of DataPilot."
        )
    return builder(ProviderSettings(kind, model, key, base_url, timeout, retry))
