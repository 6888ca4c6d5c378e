"""Live database connections of a workspace: stored settings, pools and read-only queries."""

from __future__ import annotations

from app.services.connections.info import ConnectionInfo
from app.services.connections.pools import ConnectionPools
from app.services.connections.service import ConnectionService

__all__ = ["ConnectionInfo", "ConnectionPools", "ConnectionService"]
