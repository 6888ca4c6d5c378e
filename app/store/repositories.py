"""Tenant-scoped repositories.

A repository of tenant-owned rows cannot be built without a :class:`Principal`, and every query it
runs filters on the principal's tenant: an id from another tenant behaves exactly like a missing
one.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, delete, func, select, update
from sqlalchemy.orm import Session

from app.principal import Principal
from app.store.models import (
    AiCall,
    AiConversation,
    AiExample,
    AiMessage,
    ApiKey,
    Dashboard,
    DatabaseConnection,
    Membership,
    OnboardingProgress,
    QueryHistory,
    SavedQuery,
    SemanticModelRecord,
    SemanticModelVersion,
    Source,
    User,
    Workspace,
    utcnow,
)

T = TypeVar(
    "T",
    AiConversation,
    AiMessage,
    AiExample,
    AiCall,
    Workspace,
    Membership,
    Source,
    SemanticModelRecord,
    SemanticModelVersion,
    QueryHistory,
    SavedQuery,
    ApiKey,
    Dashboard,
    OnboardingProgress,
    DatabaseConnection,
)


class TenantScopedRepository(Generic[T]):
    """Reads and writes rows of ``model`` inside ``principal.tenant_id`` only."""

    model: type[T]

    def __init__(self, session: Session, principal: Principal) -> None:
        if not isinstance(principal, Principal):
            raise TypeError("a tenant-scoped repository needs a Principal")
        self.session = session
        self.principal = principal

    def _select(self) -> Select[T]:
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


@dataclass(frozen=True)
class SourceState:
    """What a query needs to know of a source: which it is and whether it is ready."""

    id: uuid.UUID
    name: str
    status: str


class SourceRepository(TenantScopedRepository[Source]):
    model = Source

    def list(self, workspace_id: uuid.UUID) -> Sequence[Source]:
        return self.session.scalars(
            self._select()
            .where(Source.workspace_id == workspace_id)
            .order_by(func.lower(Source.name), Source.created_at)
        ).all()

    def states(self, workspace_id: uuid.UUID) -> Sequence[SourceState]:
        """Id, name and status of the workspace's sources: no profiles, so cheap per query."""
        rows = self.session.execute(
            select(Source.id, Source.name, Source.status).where(
                Source.tenant_id == self.principal.tenant_id, Source.workspace_id == workspace_id
            )
        ).all()
        return [SourceState(row.id, row.name, row.status) for row in rows]

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


class SemanticModelRepository(TenantScopedRepository[SemanticModelRecord]):
    model = SemanticModelRecord

    def for_workspace(self, workspace_id: uuid.UUID) -> SemanticModelRecord | None:
        return self.session.scalars(
            self._select().where(SemanticModelRecord.workspace_id == workspace_id)
        ).first()

    def bump(
        self,
        workspace_id: uuid.UUID,
        expected: int,
        document: dict[str, Any],
        user_id: uuid.UUID | None,
    ) -> bool:
        """Store ``document`` as version ``expected + 1`` if the model is still at ``expected``.

        One conditional UPDATE, so of two concurrent saves from the same version exactly one
        matches a row (the database serialises them); False means someone saved first.
        """
        result = self.session.execute(
            update(SemanticModelRecord)
            .where(
                SemanticModelRecord.tenant_id == self.principal.tenant_id,
                SemanticModelRecord.workspace_id == workspace_id,
                SemanticModelRecord.version == expected,
            )
            .values(
                version=expected + 1, document=document, updated_by=user_id, updated_at=utcnow()
            )
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]


class SemanticModelVersionRepository(TenantScopedRepository[SemanticModelVersion]):
    model = SemanticModelVersion

    def list_with_authors(
        self, workspace_id: uuid.UUID
    ) -> Sequence[tuple[SemanticModelVersion, User | None]]:
        """The workspace's kept versions, newest first, with who saved each (if still known)."""
        rows = self.session.execute(
            select(SemanticModelVersion, User)
            .outerjoin(User, User.id == SemanticModelVersion.created_by)
            .where(
                SemanticModelVersion.tenant_id == self.principal.tenant_id,
                SemanticModelVersion.workspace_id == workspace_id,
            )
            .order_by(SemanticModelVersion.version.desc())
        ).all()
        return [(v, u) for v, u in rows]

    def by_number(self, workspace_id: uuid.UUID, version: int) -> SemanticModelVersion | None:
        return self.session.scalars(
            self._select().where(
                SemanticModelVersion.workspace_id == workspace_id,
                SemanticModelVersion.version == version,
            )
        ).first()

    def trim(self, workspace_id: uuid.UUID, keep_from: int) -> None:
        """Delete the workspace's versions older than ``keep_from``."""
        self.session.execute(
            delete(SemanticModelVersion)
            .where(
                SemanticModelVersion.tenant_id == self.principal.tenant_id,
                SemanticModelVersion.workspace_id == workspace_id,
                SemanticModelVersion.version < keep_from,
            )
            .execution_options(synchronize_session=False)
        )


class QueryHistoryRepository(TenantScopedRepository[QueryHistory]):
    model = QueryHistory

    def _owned(self, workspace_id: uuid.UUID, user_id: uuid.UUID) -> Select[QueryHistory]:
        return self._select().where(
            QueryHistory.workspace_id == workspace_id, QueryHistory.user_id == user_id
        )

    def recent(
        self, workspace_id: uuid.UUID, user_id: uuid.UUID, limit: int
    ) -> Sequence[QueryHistory]:
        """The user's last ``limit`` queries in the workspace, newest first."""
        return self.session.scalars(
            self._owned(workspace_id, user_id)
            .order_by(QueryHistory.created_at.desc(), QueryHistory.id.desc())
            .limit(limit)
        ).all()

    def trim(self, workspace_id: uuid.UUID, user_id: uuid.UUID, keep: int) -> None:
        """Delete all but the user's ``keep`` newest queries in the workspace."""
        kept = (
            select(QueryHistory.id)
            .where(
                QueryHistory.tenant_id == self.principal.tenant_id,
                QueryHistory.workspace_id == workspace_id,
                QueryHistory.user_id == user_id,
            )
            .order_by(QueryHistory.created_at.desc(), QueryHistory.id.desc())
            .limit(keep)
        )
        self.session.execute(
            delete(QueryHistory)
            .where(
                QueryHistory.tenant_id == self.principal.tenant_id,
                QueryHistory.workspace_id == workspace_id,
                QueryHistory.user_id == user_id,
                QueryHistory.id.not_in(kept),
            )
            .execution_options(synchronize_session=False)
        )


class SavedQueryRepository(TenantScopedRepository[SavedQuery]):
    model = SavedQuery

    def list(self, workspace_id: uuid.UUID) -> Sequence[SavedQuery]:
        return self.session.scalars(
            self._select()
            .where(SavedQuery.workspace_id == workspace_id)
            .order_by(func.lower(SavedQuery.name), SavedQuery.created_at)
        ).all()

    def in_workspace(self, workspace_id: uuid.UUID, query_id: uuid.UUID | str) -> SavedQuery | None:
        row = self.get(query_id)
        return row if row is not None and row.workspace_id == workspace_id else None

    def by_name(self, workspace_id: uuid.UUID, name: str) -> SavedQuery | None:
        """The workspace's saved query called ``name``, compared case-insensitively."""
        return self.session.scalars(
            self._select().where(
                SavedQuery.workspace_id == workspace_id,
                func.lower(SavedQuery.name) == name.lower(),
            )
        ).first()


class ApiKeyRepository(TenantScopedRepository[ApiKey]):
    model = ApiKey

    def list(self) -> Sequence[ApiKey]:
        return self.session.scalars(self._select().order_by(ApiKey.created_at, ApiKey.id)).all()

    def active(self) -> ApiKey | None:
        return self.session.scalars(self._select().where(ApiKey.active.is_(True))).first()

    def deactivate_all(self) -> None:
        """Switch off every provider of the tenant (before one is switched on)."""
        self.session.execute(
            update(ApiKey)
            .where(ApiKey.tenant_id == self.principal.tenant_id, ApiKey.active.is_(True))
            .values(active=False, updated_at=utcnow())
            .execution_options(synchronize_session="fetch")
        )
        self.session.flush()
