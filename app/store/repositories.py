"""Tenant-scoped repositories.

A repository of tenant-owned rows cannot be built without a :class:`Principal`, and every query it
runs filters on the principal's tenant: an id from another tenant behaves exactly like a missing
one.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from app.services.principal import Principal
from app.store.models import Membership, Source, User, Workspace

T = TypeVar("T", Workspace, Membership, Source)


class TenantScopedRepository(Generic[T]):
    """Reads and writes rows of ``model`` inside ``principal.tenant_id`` only."""

    model: type[T]

    def __init__(self, session: Session, principal: Principal) -> None:
        if not isinstance(principal, Principal):
            raise TypeError("a tenant-scoped repository needs a Principal")
        self.session = session
        self.principal = principal

    def _select(self) -> Select[tuple[T]]:
        return select(self.model).where(self.model.tenant_id == self.principal.tenant_id)

    def get(self, row_id: uuid.UUID | str) -> T | None:
        try:
            key = row_id if isinstance(row_id, uuid.UUID) else uuid.UUID(str(row_id))
        except ValueError:
            return None
        return self.session.scalars(self._select().where(self.model.id == key)).first()

    def add(self, row: T) -> T:
        row.tenant_id = self.principal.tenant_id
        self.session.add(row)
        self.session.flush()
        return row

    def delete(self, row: T) -> None:
        if row.tenant_id != self.principal.tenant_id:
            raise PermissionError("row belongs to another tenant")
        self.session.delete(row)
        self.session.flush()


class WorkspaceRepository(TenantScopedRepository[Workspace]):
    model = Workspace

    def list(self) -> Sequence[Workspace]:
        return self.session.scalars(self._select().order_by(func.lower(Workspace.name))).all()

    def by_name(self, name: str) -> Workspace | None:
        return self.session.scalars(
            self._select().where(func.lower(Workspace.name) == name.lower())
        ).first()


class MembershipRepository(TenantScopedRepository[Membership]):
    model = Membership

    def list_with_users(self) -> Sequence[tuple[Membership, User]]:
        rows = self.session.execute(
            select(Membership, User)
            .join(User, User.id == Membership.user_id)
            .where(Membership.tenant_id == self.principal.tenant_id)
            .order_by(func.lower(User.email))
        ).all()
        return [(m, u) for m, u in rows]

    def for_user(self, user_id: uuid.UUID) -> Membership | None:
        return self.session.scalars(self._select().where(Membership.user_id == user_id)).first()

    def count_active_admins(self) -> int:
        return int(
            self.session.scalar(
                select(func.count())
                .select_from(Membership)
                .join(User, User.id == Membership.user_id)
                .where(
                    Membership.tenant_id == self.principal.tenant_id,
                    Membership.role == "admin",
                    Membership.is_active.is_(True),
                    User.is_active.is_(True),
                )
            )
            or 0
        )


class SourceRepository(TenantScopedRepository[Source]):
    model = Source

    def list(self, workspace_id: uuid.UUID) -> Sequence[Source]:
        return self.session.scalars(
            self._select()
            .where(Source.workspace_id == workspace_id)
            .order_by(func.lower(Source.name), Source.created_at)
        ).all()

    def used_bytes(self) -> int:
        """Bytes stored (or reserved by uploads in progress) by the principal's tenant."""
        return int(
            self.session.scalar(
                select(func.coalesce(func.sum(Source.size_bytes), 0)).where(
                    Source.tenant_id == self.principal.tenant_id
                )
            )
            or 0
        )
