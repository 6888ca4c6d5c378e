"""System administration for the CLI and declarative config; acts across tenants.

Nothing here is reachable from the web app: the web app's member management goes through
:class:`app.services.members.MemberService`, scoped to the admin's own tenant.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.services.accounts import clean_name, normalise_email
from app.services.errors import Conflict, InvalidInput, NotFound
from app.services.members import check_role, revoke_access
from app.services.passwords import generate_password, hash_password
from app.store.db import Database
from app.store.models import Membership, Tenant, User, Workspace

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


@dataclass
class ApplyReport:
    """What ``apply`` changed; ``passwords`` holds generated ones, to show once."""

    changes: list[str] = field(default_factory=list)
    passwords: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class UserRow:
    email: str
    display_name: str
    tenant: str
    role: str
    active: bool


class AdminService:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- tenants ---------------------------------------------------------------------------------
    def create_tenant(self, slug: str, name: str | None = None) -> Tenant:
        slug = check_slug(slug)
        with self.db.transaction() as session:
            if _tenant(session, slug, missing_ok=True) is not None:
                raise Conflict(f"Tenant {slug} already exists.")
            tenant = Tenant(slug=slug, name=clean_name(name or slug, "tenant name"))
            session.add(tenant)
            return tenant

    # -- users -------------------------------------------------------------------------------------
    def create_user(
        self, email: str, name: str, tenant: str, role: str, password: str | None = None
    ) -> str | None:
        """Create a user in a tenant; returns the generated password when none was given."""
        email, role = normalise_email(email), check_role(role)
        generated = None if password else generate_password()
        with self.db.transaction() as session:
            tenant_row = _tenant(session, tenant)
            if session.scalar(select(User.id).where(User.email == email)) is not None:
                raise Conflict(
                    f"A user with email {email} already exists; use set-role to add them."
                )
            user = User(
                email=email,
                display_name=clean_name(name or email.split("@")[0], "name"),
                password_hash=hash_password(password or generated or ""),
            )
            session.add(user)
            session.flush()
            session.add(Membership(tenant_id=tenant_row.id, user_id=user.id, role=role))
        return generated

    def set_role(self, email: str, tenant: str, role: str) -> None:
        """Give a user a role in a tenant, adding the membership if needed."""
        email, role = normalise_email(email), check_role(role)
        with self.db.transaction() as session:
            user, tenant_row = _user(session, email), _tenant(session, tenant)
            membership = _membership(session, user, tenant_row)
            if membership is None:
                session.add(Membership(tenant_id=tenant_row.id, user_id=user.id, role=role))
            else:
                membership.role = role
                membership.is_active = True

    def reset_password(self, email: str, password: str | None = None) -> str | None:
        generated = None if password else generate_password()
        with self.db.transaction() as session:
            user = _user(session, normalise_email(email))
            user.password_hash = hash_password(password or generated or "")
            revoke_access(session, user.id, None)
        return generated

    def set_active(self, email: str, active: bool) -> None:
        with self.db.transaction() as session:
            user = _user(session, normalise_email(email))
            user.is_active = active
            if not active:
                revoke_access(session, user.id, None)

    def list_users(self, tenant: str | None = None) -> Sequence[UserRow]:
        with self.db.transaction() as session:
            stmt = (
                select(User, Tenant, Membership)
                .join(Membership, Membership.user_id == User.id)
                .join(Tenant, Tenant.id == Membership.tenant_id)
                .order_by(Tenant.slug, func.lower(User.email))
            )
            if tenant:
                stmt = stmt.where(Tenant.slug == tenant)
            return [
                UserRow(u.email, u.display_name, t.slug, m.role, u.is_active and m.is_active)
                for u, t, m in session.execute(stmt).all()
            ]

    # -- declarative config -----------------------------------------------------------------------
    def apply(self, path: Path) -> ApplyReport:
        """Create or update the tenants, users and roles declared in a YAML file; idempotent."""
        spec = _read_spec(path)
        report = ApplyReport()
        with self.db.transaction() as session:
            for tenant_spec in spec:
                slug = check_slug(str(tenant_spec.get("slug", "")))
                name = clean_name(str(tenant_spec.get("name") or slug), "tenant name")
                tenant = _tenant(session, slug, missing_ok=True)
                if tenant is None:
                    tenant = Tenant(slug=slug, name=name)
                    session.add(tenant)
                    session.flush()
                    report.changes.append(f"created tenant {slug}")
                elif tenant.name != name:
                    tenant.name = name
                    report.changes.append(f"renamed tenant {slug} to {name}")
                for ws_name in tenant_spec.get("workspaces", []) or []:
                    ws_name = clean_name(str(ws_name), "workspace name", 120)
                    exists = session.scalar(
                        select(Workspace.id).where(
                            Workspace.tenant_id == tenant.id, Workspace.name == ws_name
                        )
                    )
                    if exists is None:
                        session.add(Workspace(tenant_id=tenant.id, name=ws_name))
                        report.changes.append(f"created workspace {ws_name} in {slug}")
                for user_spec in tenant_spec.get("users", []) or []:
                    self._apply_user(session, tenant, user_spec, report)
        return report

    def _apply_user(
        self, session: Session, tenant: Tenant, spec: dict[str, Any], report: ApplyReport
    ) -> None:
        email = normalise_email(str(spec.get("email", "")))
        role = check_role(str(spec.get("role", "viewer")))
        active = bool(spec.get("active", True))
        name = clean_name(str(spec.get("name") or email.split("@")[0]), "name")
        user = session.scalars(select(User).where(User.email == email)).first()
        if user is None:
            env_name = spec.get("password_env")
            password = os.environ.get(str(env_name)) if env_name else None
            if env_name and not password:
                raise InvalidInput(f"{email}: environment variable {env_name} is not set.")
            if password is None:
                password = generate_password()
                report.passwords[email] = password
            user = User(email=email, display_name=name, password_hash=hash_password(password))
            session.add(user)
            session.flush()
            report.changes.append(f"created user {email}")
        elif user.display_name != name and spec.get("name"):
            user.display_name = name
            report.changes.append(f"renamed user {email}")
        membership = _membership(session, user, tenant)
        if membership is None:
            session.add(
                Membership(tenant_id=tenant.id, user_id=user.id, role=role, is_active=active)
            )
            report.changes.append(f"added {email} to {tenant.slug} as {role}")
            return
        if membership.role != role:
            report.changes.append(f"{email} in {tenant.slug}: role {membership.role} → {role}")
            membership.role = role
        if membership.is_active != active:
            membership.is_active = active
            report.changes.append(
                f"{email} in {tenant.slug}: {'reactivated' if active else 'deactivated'}"
            )
            if not active:
                revoke_access(session, user.id, tenant.id)

    # -- demo ----------------------------------------------------------------------------------
    def ensure_demo(self, slug: str, email: str) -> str | None:
        """Create the demo tenant, user and workspace once; returns the password the first time."""
        with self.db.transaction() as session:
            if session.scalar(select(User.id).where(User.email == email)) is not None:
                return None
            tenant = _tenant(session, slug, missing_ok=True)
            if tenant is None:
                tenant = Tenant(slug=slug, name="Demo")
                session.add(tenant)
                session.flush()
            password = generate_password()
            user = User(
                email=email, display_name="Demo Admin", password_hash=hash_password(password)
            )
            session.add(user)
            session.flush()
            workspace = Workspace(tenant_id=tenant.id, name="Demo", created_by=user.id)
            session.add(workspace)
            session.flush()
            session.add(
                Membership(
                    tenant_id=tenant.id,
                    user_id=user.id,
                    role="admin",
                    current_workspace_id=workspace.id,
                )
            )
            return password


def check_slug(slug: str) -> str:
    if not SLUG_RE.match(slug or ""):
        raise InvalidInput(
            f"Tenant slug {slug!r} must be lowercase letters, digits and dashes (at most 63).",
            "slug",
        )
    return slug


def _tenant(session: Session, slug: str, missing_ok: bool = False) -> Tenant:
    tenant = session.scalars(select(Tenant).where(Tenant.slug == slug)).first()
    if tenant is None and not missing_ok:
        raise NotFound(f"No tenant with slug {slug}.")
    return tenant  # type: ignore[return-value]


def _user(session: Session, email: str) -> User:
    user = session.scalars(select(User).where(User.email == email)).first()
    if user is None:
        raise NotFound(f"No user with email {email}.")
    return user


def _membership(session: Session, user: User, tenant: Tenant) -> Membership | None:
    return session.scalars(
        select(Membership).where(Membership.user_id == user.id, Membership.tenant_id == tenant.id)
    ).first()


def _read_spec(path: Path) -> list[dict[str, Any]]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise InvalidInput(f"{path} does not exist.") from None
    except yaml.YAMLError as exc:
        raise InvalidInput(f"{path} is not valid YAML: {exc}") from None
    tenants = data.get("tenants") if isinstance(data, dict) else None
    if not isinstance(tenants, list) or not all(isinstance(t, dict) for t in tenants):
        raise InvalidInput(f"{path}: expected a top-level 'tenants:' list of mappings.")
    return tenants
