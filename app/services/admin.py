"""System administration for the CLI and declarative config; acts across tenants.

Nothing here is reachable from the web app: the web app's member management goes through
:class:`app.services.members.MemberService`, scoped to the admin's own tenant.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
    field_validator,
)
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.services.errors import Conflict, InvalidInput, NotFound
from app.services.members import check_role, revoke_access
from app.services.names import clean_name, normalise_email
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
                stmt = stmt.where(Tenant.slug == _tenant(session, tenant).slug)
            return [
                UserRow(u.email, u.display_name, t.slug, m.role, u.is_active and m.is_active)
                for u, t, m in session.execute(stmt).all()
            ]

    # -- declarative config -----------------------------------------------------------------------
    def apply(self, path: Path, check_password: Callable[..., None] | None = None) -> ApplyReport:
        """Create or update the tenants, users and roles declared in a YAML file; idempotent.

        The whole file is validated first and applied in one transaction: a problem anywhere
        changes nothing. Users, workspaces and tenants missing from the file are left alone.
        ``check_password(password, email, name, tenant name, slug)`` vets passwords read from ``password_env``.
        """
        spec = read_tenants_file(path)
        report = ApplyReport()
        with self.db.transaction() as session:
            for t_index, tenant_spec in enumerate(spec.tenants):
                tenant = self._apply_tenant(session, tenant_spec, report)
                for ws_name in tenant_spec.workspaces:
                    exists = session.scalar(
                        select(Workspace.id).where(
                            Workspace.tenant_id == tenant.id, Workspace.name == ws_name
                        )
                    )
                    if exists is None:
                        session.add(Workspace(tenant_id=tenant.id, name=ws_name))
                        report.changes.append(f"created workspace {ws_name} in {tenant.slug}")
                for u_index, user_spec in enumerate(tenant_spec.users):
                    where = (
                        f"{path}: tenants[{t_index}] ({tenant.slug})"
                        f".users[{u_index}] ({user_spec.email})"
                    )
                    self._apply_user(session, tenant, user_spec, report, where, check_password)
        return report

    @staticmethod
    def _apply_tenant(session: Session, spec: TenantSpec, report: ApplyReport) -> Tenant:
        tenant = _tenant(session, spec.slug, missing_ok=True)
        if tenant is None:
            tenant = Tenant(slug=spec.slug, name=spec.name or spec.slug)
            session.add(tenant)
            session.flush()
            report.changes.append(f"created tenant {spec.slug}")
        elif spec.name and tenant.name != spec.name:
            tenant.name = spec.name
            report.changes.append(f"renamed tenant {spec.slug} to {spec.name}")
        return tenant

    @staticmethod
    def _apply_user(
        session: Session,
        tenant: Tenant,
        spec: UserSpec,
        report: ApplyReport,
        where: str,
        check_password: Callable[..., None] | None,
    ) -> None:
        email, role, active = spec.email, spec.role, spec.active
        user = session.scalars(select(User).where(User.email == email)).first()
        if user is None:
            password = None
            if spec.password_env:
                password = os.environ.get(spec.password_env)
                if not password:
                    raise InvalidInput(
                        f"{where}: environment variable {spec.password_env} is not set; "
                        "nothing was changed."
                    )
                if check_password is not None:
                    try:
                        check_password(password, email, spec.name, tenant.name, tenant.slug)
                    except InvalidInput as exc:
                        raise InvalidInput(f"{where}: {exc}") from None
            else:
                password = generate_password()
                report.passwords[email] = password
            user = User(
                email=email,
                display_name=spec.name or email.split("@")[0],
                password_hash=hash_password(password),
            )
            session.add(user)
            session.flush()
            report.changes.append(f"created user {email}")
        elif spec.name and user.display_name != spec.name:
            user.display_name = spec.name
            report.changes.append(f"renamed user {email} to {spec.name}")
        membership = _membership(session, user, tenant)
        if membership is None:
            session.add(
                Membership(tenant_id=tenant.id, user_id=user.id, role=role, is_active=active)
            )
            state = "" if active else " (deactivated)"
            report.changes.append(f"added {email} to {tenant.slug} as {role}{state}")
            return
        if membership.role != role:
            report.changes.append(f"{email} in {tenant.slug}: role {membership.role} -> {role}")
            membership.role = role
        if membership.is_active != active:
            membership.is_active = active
            report.changes.append(
                f"{email} in {tenant.slug}: {'reactivated' if active else 'deactivated'}"
            )
            if not active:
                revoke_access(session, user.id, tenant.id)

    # -- demo ----------------------------------------------------------------------------------
    def ensure_demo(
        self, slug: str, email: str, workspaces: Sequence[tuple[str, str]]
    ) -> str | None:
        """Create the demo tenant, user and sample workspaces once; returns the password then.

        ``workspaces`` are (name, description) pairs, the first one the user opens; the caller
        knows them (the demo loader), and loads the sample files into them.
        """
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
            created = [
                Workspace(
                    tenant_id=tenant.id,
                    name=name,
                    description=description,
                    created_by=user.id,
                )
                for name, description in workspaces
            ]
            session.add_all(created)
            session.flush()
            session.add(
                Membership(
                    tenant_id=tenant.id,
                    user_id=user.id,
                    role="admin",
                    current_workspace_id=created[0].id,
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


# -- the declarative file ---------------------------------------------------------------------------
class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class UserSpec(_Spec):
    email: str
    name: str | None = None
    role: Literal["admin", "editor", "viewer"] = "viewer"
    active: StrictBool = True
    password_env: str | None = Field(None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        return _plain(normalise_email, value)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        return None if value is None else _plain(clean_name, value, "name")


class TenantSpec(_Spec):
    slug: str
    name: str | None = None
    workspaces: list[str] = Field(default_factory=list)
    users: list[UserSpec] = Field(default_factory=list)

    @field_validator("slug")
    @classmethod
    def _slug(cls, value: str) -> str:
        return _plain(check_slug, value)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        return None if value is None else _plain(clean_name, value, "tenant name")

    @field_validator("workspaces", "users", mode="before")
    @classmethod
    def _empty_list(cls, value: Any) -> Any:
        return [] if value is None else value  # `users:` with nothing under it

    @field_validator("workspaces")
    @classmethod
    def _workspaces(cls, value: list[str]) -> list[str]:
        names = [_plain(clean_name, name, "workspace name", 120) for name in value]
        _no_duplicates(names, "workspace")
        return names

    @field_validator("users")
    @classmethod
    def _unique_users(cls, value: list[UserSpec]) -> list[UserSpec]:
        _no_duplicates([user.email for user in value], "user")
        return value


class TenantsFile(_Spec):
    """The schema of ``config/tenants.yaml``."""

    tenants: list[TenantSpec]

    @field_validator("tenants")
    @classmethod
    def _unique_tenants(cls, value: list[TenantSpec]) -> list[TenantSpec]:
        _no_duplicates([tenant.slug for tenant in value], "tenant")
        return value


def _plain(check: Callable[..., str], *args: Any) -> str:
    # Domain checks raise InvalidInput; pydantic reports ValueError with the field's location.
    try:
        return check(*args)
    except InvalidInput as exc:
        raise ValueError(str(exc)) from None


def _no_duplicates(values: list[str], what: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"{what} {value} is listed twice")
        seen.add(value)


def read_tenants_file(path: Path) -> TenantsFile:
    """Parse and validate a tenants file; ``InvalidInput`` names the file, entry and problem."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidInput(f"{path} does not exist.") from None
    except OSError as exc:
        raise InvalidInput(f"{path} cannot be read: {exc.strerror}.") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise InvalidInput(f"{path} is not valid YAML{where}: {problem}.") from None
    if not isinstance(data, dict):
        raise InvalidInput(f"{path}: expected a mapping with a top-level 'tenants:' list.")
    try:
        return TenantsFile.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(f"{path}: {_locate(exc, data)}") from None


def _locate(exc: ValidationError, data: Any) -> str:
    """``tenants[0] (acme).users[2] (carol@x).role: Input should be ... (got 'owner')``."""
    error = exc.errors()[0]
    parts: list[str] = []
    node = data
    for part in error["loc"]:
        if isinstance(part, int):
            parts[-1] += f"[{part}]"
            node = node[part] if isinstance(node, list) and part < len(node) else None
            label = node.get("slug") or node.get("email") if isinstance(node, dict) else None
            if label:
                parts[-1] += f" ({label})"
        else:
            parts.append(str(part))
            node = node.get(part) if isinstance(node, dict) else None
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "unknown key"
    elif error["type"] == "missing":
        message = "is required"
    value = error.get("input")
    shown = isinstance(value, str | int | float | bool) and str(value) not in message
    if shown and error["type"] != "extra_forbidden":
        message += f" (got {value!r})"
    return f"{'.'.join(parts) or 'file'}: {message}"
