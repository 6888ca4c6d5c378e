"""Tenant-scoped repository of a workspace's live database connections (see
:mod:`app.store.repositories` for the scoping rule)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func

from app.store.models import DatabaseConnection
from app.store.repositories import TenantScopedRepository


class ConnectionRepository(TenantScopedRepository[DatabaseConnection]):
    model = DatabaseConnection

    def list(self, workspace_id: uuid.UUID) -> Sequence[DatabaseConnection]:
        return self.session.scalars(
            self._select()
            .where(DatabaseConnection.workspace_id == workspace_id)
            .order_by(func.lower(DatabaseConnection.name), DatabaseConnection.id)
        ).all()

    def in_workspace(
        self, workspace_id: uuid.UUID, connection_id: uuid.UUID | str
    ) -> DatabaseConnection | None:
        row = self.get(connection_id)
        return row if row is not None and row.workspace_id == workspace_id else None

    def by_name(self, workspace_id: uuid.UUID, name: str) -> DatabaseConnection | None:
        return self.session.scalars(
            self._select().where(
                DatabaseConnection.workspace_id == workspace_id,
                func.lower(DatabaseConnection.name) == name.lower(),
            )
        ).first()

    def all_encrypted(self) -> Sequence[DatabaseConnection]:
        """The tenant's connections with a stored password (for re-encryption)."""
        return self.session.scalars(
            self._select().where(DatabaseConnection.encrypted_password.is_not(None))
        ).all()
