"""The ``ai.limits`` settings: per-tenant limits on Explore's questions (0 turns one off).

They sit in :class:`app.ai_config.AiSettings` as ``ai.limits``, beside the installation's default
provider.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field


class AiLimitSettings(BaseModel):
    """Questions a tenant may ask per minute and provider tokens it may use per month."""

    model_config = ConfigDict(extra="forbid")

    rate_per_minute: Annotated[int, Field(ge=0, le=100_000)] = 20
    monthly_token_budget: Annotated[int, Field(ge=0)] = 1_000_000


__all__ = ["AiLimitSettings"]
