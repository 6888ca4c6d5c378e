"""A saved connection as anyone may see it (never the password)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.store.models import DatabaseConnection


@dataclass(frozen=True)
class ConnectionInfo:
    """A connection as anyone may see it: never the password, only whether one is stored."""

    id: uuid.UUID
    workspace_id: uuid.UUID
    name: str
    kind: str
    host: str
    port: int
    database: str
    user: str
    tls: str
    schema: str | None
    password_set: bool
    created_at: datetime
    updated_at: datetime
    last_check: dict[str, Any] | None = None
    """The last test of these settings (``ConnectionCheck.as_json()``), None if untested."""
    last_tested_at: datetime | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "workspace_id": str(self.workspace_id),
            "name": self.name,
            "kind": self.kind,
            "host": self.host,
            "port": self.port,
            "database": self.database,
            "user": self.user,
            "tls": self.tls,
            "schema": self.schema,
            "password_set": self.password_set,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "last_check": self.last_check,
            "last_tested_at": self.last_tested_at.isoformat() if self.last_tested_at else None,
        }


def connection_info(row: DatabaseConnection) -> ConnectionInfo:
    return ConnectionInfo(
        row.id, row.workspace_id, row.name, row.kind, row.host, row.port, row.database,
        row.username, row.tls, row.schema_name, row.encrypted_password is not None,
        row.created_at, row.updated_at, row.last_check, row.last_tested_at,
    )  # fmt: skip
