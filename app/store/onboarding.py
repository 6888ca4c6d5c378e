"""Tenant-scoped repository of each user's guided-setup progress (see
:mod:`app.store.repositories` for the scoping rule)."""

from __future__ import annotations

import uuid

from app.store.models import OnboardingProgress
from app.store.repositories import TenantScopedRepository


class OnboardingRepository(TenantScopedRepository[OnboardingProgress]):
    model = OnboardingProgress

    def for_user(
        self, user_id: uuid.UUID, workspace_id: uuid.UUID | None
    ) -> OnboardingProgress | None:
        """The user's row for ``workspace_id`` (None: the row kept before any workspace)."""
        where = (
            OnboardingProgress.workspace_id.is_(None)
            if workspace_id is None
            else OnboardingProgress.workspace_id == workspace_id
        )
        return self.session.scalars(
            self._select()
            .where(OnboardingProgress.user_id == user_id, where)
            .order_by(OnboardingProgress.updated_at.desc())
        ).first()
