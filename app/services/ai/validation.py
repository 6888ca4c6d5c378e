"""Checks on what an admin enters for an AI provider, with messages naming the field."""

from __future__ import annotations

from urllib.parse import urlsplit

from app.ai_config import NEEDS_KEY, PROVIDER_KINDS
from app.services.errors import InvalidInput

MAX_KEY = 500
MAX_MODEL = 200
MAX_URL = 500
MAX_NAME = 120


class Keep:
    """The "leave it as it is" value of an optional update argument."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP = Keep()


def clean_provider(provider: str) -> str:
    if provider not in PROVIDER_KINDS:
        raise InvalidInput(
            f"Unknown AI provider “{provider[:40]}”; choose one of {', '.join(PROVIDER_KINDS)}.",
            "provider",
        )
    return provider


def clean_model(provider: str, model: str) -> str:
    model = (model or "").strip()
    if len(model) > MAX_MODEL:
        raise InvalidInput(f"The model name is longer than {MAX_MODEL} characters.", "model")
    if not model and provider != "offline":
        raise InvalidInput(
            "Enter the model to use (Load models lists those the provider offers).", "model"
        )
    return model


def clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if len(name) > MAX_NAME:
        raise InvalidInput(f"The name is longer than {MAX_NAME} characters.", "name")
    return name


def clean_key(provider: str, key: str | None, *, required: bool = True) -> str | None:
    """The key without surrounding whitespace; None for none. The key is never quoted."""
    key = (key or "").strip() or None
    if provider == "offline":
        return None
    if key is None:
        if required and provider in NEEDS_KEY:
            raise InvalidInput("This provider needs an API key.", "key")
        return None
    if len(key) > MAX_KEY or any(c.isspace() or not c.isprintable() for c in key):
        raise InvalidInput(
            f"The API key must be one line of at most {MAX_KEY} characters without spaces; "
            "paste it again.",
            "key",
        )
    return key


def clean_base_url(provider: str, base_url: str | None) -> str | None:
    base_url = (base_url or "").strip().rstrip("/") or None
    if provider == "offline":
        return None
    if base_url is None:
        if provider == "openai_compatible":
            raise InvalidInput(
                "An OpenAI-compatible server needs its base URL, e.g. http://localhost:11434/v1.",
                "base_url",
            )
        return None
    if len(base_url) > MAX_URL:
        raise InvalidInput(f"The base URL is longer than {MAX_URL} characters.", "base_url")
    try:
        parts = urlsplit(base_url)
        parts.port  # noqa: B018  (raises for a port that is not a number)
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput(
            "The base URL must be an http:// or https:// address, e.g. http://localhost:11434/v1.",
            "base_url",
        )
    if parts.username or parts.password:
        raise InvalidInput(
            "Put the API key in the key field, not in the base URL (it would be shown).",
            "base_url",
        )
    if parts.query or parts.fragment:
        raise InvalidInput("The base URL cannot have a query (?…) or a fragment (#…).", "base_url")
    return base_url
