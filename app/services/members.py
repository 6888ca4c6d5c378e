"""Tenant members (admins manage them) and each user's own profile."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select, update

from app.principal import ROLE_RANK, Principal
from app.services.accounts import AccountService
from app.services.errors import AuthenticationFailed, Conflict, InvalidInput, NotFound
from app.services.names import clean_name, normalise_email
from app.services.passwords import generate_password, hash_password, verify_password
from app.store.models import Membership, RefreshTokenFamily, UiSession, User, utcnow
from app.store.repositories import MembershipRepository


@dataclass(frozen=True)
class MemberInfo:
    user_id: uuid.UUID
    email: str
    display_name: str
    role: str
    active: bool

    def as_json(self) -> dict[str, object]:
        return {
            "user_id": str(self.user_id),
            "email": self.email,
            "display_name": self.display_name,
            "role": self.role,
            "active": self.active,
        }


def check_role(role: str) -> str:
    if role not in ROLE_RANK:
        raise InvalidInput("Role must be admin, editor or viewer.", "role")
    return role


def revoke_access(session: object, user_id: uuid.UUID, tenant_id: uuid.UUID | None) -> None:
    """End a user's browser sessions and refresh-token families (in one tenant, or all)."""
    now = utcnow()
    for model in (UiSession, RefreshTokenFamily):
        stmt = update(model).where(model.user_id == user_id, model.revoked_at.is_(None))
        if tenant_id is not None:
            stmt = stmt.where(model.tenant_id == tenant_id)
        session.execute(stmt.values(revoked_at=now))  # type: ignore[attr-defined]


class MemberService:
    """Member management inside the principal's tenant (admins), and the user's own profile."""

    def __init__(self, accounts: AccountService, principal: Principal) -> None:
        self.accounts = accounts
        self.db = accounts.db
        self.principal = principal

    def list(self) -> Sequence[MemberInfo]:
        self.principal.require("admin", "manage members")
        with self.db.transaction() as session:
            rows = MembershipRepository(session, self.principal).list_with_users()
            return [
                MemberInfo(u.id, u.email, u.display_name, m.role, m.is_active and u.is_active)
                for m, u in rows
            ]

    def add(self, email: str, display_name: str, role: str) -> tuple[MemberInfo, str | None]:
        """Add a user to the tenant; a new account gets a generated password, returned once."""
        self.principal.require("admin", "manage members")
        email, role = normalise_email(email), check_role(role)
        display_name = clean_name(display_name or email.split("@")[0], "name")
        password = None
        with self.db.transaction() as session:
            user = session.scalars(select(User).where(User.email == email)).first()
            if user is None:
                password = generate_password()
                user = User(
                    email=email, display_name=display_name, password_hash=hash_password(password)
                )
                session.add(user)
                session.flush()
            repo = MembershipRepository(session, self.principal)
            if repo.for_user(user.id) is not None:
                raise Conflict(f"{email} is already a member of this tenant.")
            repo.add(Membership(user_id=user.id, role=role))
            return MemberInfo(user.id, email, user.display_name, role, user.is_active), password

    def set_role(self, user_id: uuid.UUID | str, role: str) -> MemberInfo:
        self.principal.require("admin", "manage members")
        role = check_role(role)
        with self.db.transaction() as session:
            repo = MembershipRepository(session, self.principal)
            membership = self._membership(repo, user_id)
            if membership.role == "admin" and role != "admin":
                self._keep_an_admin(repo)
            membership.role = role
            user = session.get(User, membership.user_id)
            assert user is not None
            return MemberInfo(user.id, user.email, user.display_name, role, membership.is_active)

    def set_active(self, user_id: uuid.UUID | str, active: bool) -> MemberInfo:
        self.principal.require("admin", "manage members")
        with self.db.transaction() as session:
            repo = MembershipRepository(session, self.principal)
            membership = self._membership(repo, user_id)
            if not active and membership.role == "admin" and membership.is_active:
                self._keep_an_admin(repo)
            membership.is_active = active
            if not active:
                revoke_access(session, membership.user_id, self.principal.tenant_id)
            user = session.get(User, membership.user_id)
            assert user is not None
            return MemberInfo(user.id, user.email, user.display_name, membership.role, active)

    # -- the user's own profile ---------------------------------------------------------------
    def rename_self(self, display_name: str) -> str:
        display_name = clean_name(display_name, "name")
        with self.db.transaction() as session:
            user = session.get(User, self.principal.user_id)
            assert user is not None
            user.display_name = display_name
        return display_name

    def change_own_password(self, current: str, new: str) -> None:
        p = self.principal
        self.accounts.check_new_password(new, p.email, p.display_name, p.tenant_name)
        with self.db.transaction() as session:
            user = session.get(User, self.principal.user_id)
            assert user is not None
            if user.password_hash and not verify_password(user.password_hash, current):
                raise AuthenticationFailed("The current password is not correct.")
            user.password_hash = hash_password(new)

    # -------------------------------------------------------------------------------------------
    @staticmethod
    def _membership(repo: MembershipRepository, user_id: uuid.UUID | str) -> Membership:
        try:
            key = user_id if isinstance(user_id, uuid.UUID) else uuid.UUID(str(user_id))
        except ValueError:
            raise NotFound("No such member.") from None
        membership = repo.for_user(key)
        if membership is None:
            raise NotFound("No such member.")
        return membership

    @staticmethod
    def _keep_an_admin(repo: MembershipRepository) -> None:
        if repo.count_active_admins() <= 1:
            raise Conflict("A tenant needs at least one active admin; promote someone else first.")
