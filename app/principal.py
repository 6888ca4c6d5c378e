"""Who is acting: every repository and service takes a Principal."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from app.errors import Forbidden

ROLE_RANK = {"viewer": 0, "editor": 1, "admin": 2}


@dataclass(frozen=True)
class Principal:
    """A signed-in user acting inside one tenant with one role."""

    user_id: uuid.UUID
    tenant_id: uuid.UUID
    role: str
    email: str
    display_name: str
    tenant_name: str

    def has_role(self, role: str) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK[role]

    def require(self, role: str, action: str) -> None:
        """Raise ``Forbidden`` unless the principal is at least ``role``."""
        if not self.has_role(role):
            raise Forbidden(f"Your role ({self.role}) cannot {action}; ask a tenant admin.")

    @property
    def can_edit(self) -> bool:
        return self.has_role("editor")

    @property
    def is_admin(self) -> bool:
        return self.has_role("admin")
