"""Tenant-scoped repository of dashboards (see :mod:`app.store.repositories` for the scoping
rule): listing and searching a workspace's dashboards, and the optimistic version bump."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, or_, select, update

from app.store.models import Dashboard, utcnow
from app.store.repositories import TenantScopedRepository


def _like(text: str) -> str:
    """``text`` as a case-insensitive LIKE pattern matching it anywhere (``%`` and ``_``
    escaped with ``\\``)."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class DashboardRepository(TenantScopedRepository[Dashboard]):
    model = Dashboard

    def list(self, workspace_id: uuid.UUID, search: str | None = None) -> Sequence[Dashboard]:
        """The workspace's dashboards by name; ``search`` keeps those whose name or description
        contains it (case-insensitively)."""
        query = self._select().where(Dashboard.workspace_id == workspace_id)
        if search:
            pattern = _like(search)
            query = query.where(
                or_(
                    func.lower(Dashboard.name).like(pattern, escape="\\"),
                    func.lower(Dashboard.description).like(pattern, escape="\\"),
                )
            )
        return self.session.scalars(
            query.order_by(func.lower(Dashboard.name), Dashboard.created_at)
        ).all()

    def count(self, workspace_id: uuid.UUID) -> int:
        """How many dashboards the workspace has (without reading their documents)."""
        return int(
            self.session.scalar(
                select(func.count())
                .select_from(Dashboard)
                .where(
                    Dashboard.tenant_id == self.principal.tenant_id,
                    Dashboard.workspace_id == workspace_id,
                )
            )
            or 0
        )

    def in_workspace(
        self, workspace_id: uuid.UUID, dashboard_id: uuid.UUID | str
    ) -> Dashboard | None:
        row = self.get(dashboard_id)
        return row if row is not None and row.workspace_id == workspace_id else None

    def by_name(self, workspace_id: uuid.UUID, name: str) -> Dashboard | None:
        """The workspace's dashboard called ``name``, compared case-insensitively."""
        return self.session.scalars(
            self._select().where(
                Dashboard.workspace_id == workspace_id, func.lower(Dashboard.name) == name.lower()
            )
        ).first()

    def bump(
        self,
        dashboard_id: uuid.UUID,
        expected: int,
        values: dict[str, Any],
        user_id: uuid.UUID | None,
    ) -> bool:
        """Store ``values`` (name, description, document) as version ``expected + 1`` if the
        dashboard is still at ``expected``: one conditional UPDATE, so of two saves from the same
        version exactly one wins; False means someone saved first (or it is gone)."""
        result = self.session.execute(
            update(Dashboard)
            .where(
                Dashboard.tenant_id == self.principal.tenant_id,
                Dashboard.id == dashboard_id,
                Dashboard.version == expected,
            )
            .values(**values, version=expected + 1, updated_by=user_id, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]
