"""AI provider settings of each tenant: encrypted keys, connection tests, the active provider."""

from __future__ import annotations

from app.services.ai.connection import ConnectionResult, ProviderFactory, ProviderFailed
from app.services.ai.service import (
    ActiveProvider,
    AiSettingsService,
    InstallationDefault,
    ProviderInfo,
)
from app.services.ai.vault import KeyUnreadable, KeyVault

__all__ = [
    "ActiveProvider",
    "AiSettingsService",
    "ConnectionResult",
    "InstallationDefault",
    "KeyUnreadable",
    "KeyVault",
    "ProviderFactory",
    "ProviderFailed",
    "ProviderInfo",
]
