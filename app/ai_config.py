"""The ``ai`` settings section: the installation's default AI provider.

A tenant whose admins chose no provider on Settings → AI uses this one. Its key is never in a
file: ``api_key_env`` names the environment variable that holds it.
"""

from __future__ import annotations

import os
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.ai_limits import AiLimitSettings

ProviderKind = Literal["offline", "anthropic", "openai", "openai_compatible"]
PROVIDER_KINDS: tuple[str, ...] = ("offline", "anthropic", "openai", "openai_compatible")
NEEDS_KEY = frozenset({"anthropic", "openai"})


class AiSettings(BaseModel):
    """Installation default provider (``offline`` needs no network and no key)."""

    model_config = ConfigDict(extra="forbid")

    provider: ProviderKind = "offline"
    model: str = ""
    base_url: str | None = None
    api_key_env: str | None = None
    timeout_seconds: Annotated[float, Field(gt=0, le=600)] = 60.0
    limits: AiLimitSettings = Field(default_factory=AiLimitSettings)
    """Per-tenant limits on Explore's questions (see :mod:`app.ai_limits`)."""

    @field_validator("api_key_env")
    @classmethod
    def _env_name(cls, value: str | None) -> str | None:
        if value is not None and not value.replace("_", "a").isalnum():
            raise ValueError("must be the name of an environment variable, e.g. OPENAI_API_KEY")
        return value

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    def api_key(self) -> str | None:
        """The key from the environment variable named by ``api_key_env`` (None if unset)."""
        if not self.api_key_env:
            return None
        return os.environ.get(self.api_key_env) or None
