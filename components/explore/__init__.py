"""Explore's components: Panel's chat made to work offline (see :mod:`.chat`)."""

from __future__ import annotations

from components.explore.chat import OfflineChatInterface, OfflineChatMessage

__all__ = ["OfflineChatInterface", "OfflineChatMessage"]
