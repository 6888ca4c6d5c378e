"""Accounts: registration, sign-in (password with throttling, or SSO), sessions, API tokens.

Everything that happens before a Principal exists; names are cleaned in
:mod:`app.services.names`, failed sign-ins are counted in :mod:`app.services.throttle`.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import OctKey
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.principal import Principal
from app.services.errors import AuthenticationFailed, Conflict, InvalidInput
from app.services.names import clean_name, lookup_email, normalise_email, slugify
from app.services.passwords import (
    check_strength,
    hash_password,
    needs_rehash,
    verify_password,
)
from app.services.throttle import aware, check_login_throttle
from app.settings import Settings
from app.store.db import Database
from app.store.models import (
    LoginAttempt,
    Membership,
    RefreshToken,
    RefreshTokenFamily,
    Tenant,
    UiSession,
    User,
    utcnow,
)

log = logging.getLogger("datapilot.accounts")
ACCESS_TOKEN_AUDIENCE = "datapilot-api"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "Bearer"


@dataclass(frozen=True)
class BrowserSession:
    token: str
    csrf_token: str
    max_age_seconds: int


def unique_tenant_slug(session: Session, name: str) -> str:
    base = slugify(name)
    slug, n = base, 1
    while session.scalar(select(Tenant.id).where(Tenant.slug == slug)) is not None:
        n += 1
        slug = f"{base}-{n}"
    return slug


class AccountService:
    """Everything that happens before a Principal exists."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self._key = OctKey.import_key(settings.secret_key.encode())

    # -- registration -----------------------------------------------------------------------
    def check_new_password(self, password: str, *user_inputs: str | None) -> None:
        """Refuse a weak password; ``user_inputs`` are the user's name, email, organisation."""
        auth = self.settings.auth
        check_strength(password, auth.min_password_length, auth.min_password_score, user_inputs)

    def personal_details(self, email: str) -> list[str]:
        """An existing user's name and tenant names, which their new password must avoid."""
        with self.db.transaction() as session:
            rows = session.execute(
                select(User.display_name, Tenant.name, Tenant.slug)
                .join(Membership, Membership.user_id == User.id)
                .join(Tenant, Tenant.id == Membership.tenant_id)
                .where(User.email == normalise_email(email))
            ).all()
        return [value for row in rows for value in row]

    def register(
        self, display_name: str, email: str, password: str, tenant_name: str | None = None
    ) -> Principal:
        """Create a new tenant with this user as its admin."""
        if not self.settings.auth.allow_registration:
            raise InvalidInput(
                "Registration is closed on this server; ask an admin for an account."
            )
        display_name = clean_name(display_name, "name")
        email = normalise_email(email)
        tenant_name = clean_name(tenant_name or f"{display_name}'s team", "organisation")
        self.check_new_password(password, email, display_name, tenant_name)
        with self.db.transaction() as session:
            if session.scalar(select(User.id).where(User.email == email)) is not None:
                raise Conflict("An account with this email already exists; sign in instead.")
            tenant = Tenant(name=tenant_name, slug=unique_tenant_slug(session, tenant_name))
            user = User(
                email=email, display_name=display_name, password_hash=hash_password(password)
            )
            session.add_all([tenant, user])
            session.flush()
            membership = Membership(tenant_id=tenant.id, user_id=user.id, role="admin")
            session.add(membership)
            session.flush()
            return _principal(user, tenant, membership)

    # -- sign-in ------------------------------------------------------------------------------
    def authenticate(self, email: str, password: str, client_address: str) -> Principal:
        """Check a password; throttled per account and per client address."""
        email_key = lookup_email(email)
        address = (client_address or "unknown")[:64]
        with self.db.transaction() as session:
            check_login_throttle(session, self.settings.auth.login_throttle, email_key, address)
            user = session.scalars(select(User).where(User.email == email_key)).first()
            ok = verify_password(user.password_hash if user else None, password or "")
            session.add(LoginAttempt(email=email_key, client_address=address, succeeded=ok))
            if ok and user is not None and user.is_active:
                if user.password_hash and needs_rehash(user.password_hash):
                    user.password_hash = hash_password(password)
                user.last_login_at = utcnow()
                return self._default_principal(session, user)
            # Raised after the commit: a failed attempt must be recorded to be throttled.
        if ok and user is not None:
            raise AuthenticationFailed("This account is deactivated; ask a tenant admin.")
        raise AuthenticationFailed("Email or password is not correct.")

    def _default_principal(self, session: Session, user: User) -> Principal:
        row = session.execute(
            select(Membership, Tenant)
            .join(Tenant, Tenant.id == Membership.tenant_id)
            .where(Membership.user_id == user.id, Membership.is_active.is_(True))
            .order_by(Membership.last_used_at.desc().nulls_last(), Membership.created_at)
        ).first()
        if row is None:
            raise AuthenticationFailed("This account has no active membership in any tenant.")
        membership, tenant = row
        membership.last_used_at = utcnow()
        return _principal(user, tenant, membership)

    def principal_for(self, user_id: uuid.UUID, tenant_id: uuid.UUID) -> Principal | None:
        """The current Principal for a user in a tenant, or None when access was withdrawn."""
        with self.db.transaction() as session:
            row = session.execute(
                select(User, Tenant, Membership)
                .join(Membership, Membership.user_id == User.id)
                .join(Tenant, Tenant.id == Membership.tenant_id)
                .where(
                    User.id == user_id,
                    Tenant.id == tenant_id,
                    User.is_active.is_(True),
                    Membership.is_active.is_(True),
                )
            ).first()
            return _principal(*row) if row else None

    def principal_for_user(self, user_id: uuid.UUID) -> Principal:
        with self.db.transaction() as session:
            user = session.get(User, user_id)
            if user is None or not user.is_active:
                raise AuthenticationFailed("This account is deactivated; ask a tenant admin.")
            user.last_login_at = utcnow()
            return self._default_principal(session, user)

    def memberships_of(self, email: str) -> list[tuple[uuid.UUID, uuid.UUID, str]]:
        """``(user id, tenant id, tenant slug)`` of every tenant ``email`` is a member of."""
        with self.db.transaction() as session:
            rows = session.execute(
                select(User.id, Tenant.id, Tenant.slug)
                .join(Membership, Membership.user_id == User.id)
                .join(Tenant, Tenant.id == Membership.tenant_id)
                .where(User.email == email.strip().lower())
            )
            return [(user_id, tenant_id, slug) for user_id, tenant_id, slug in rows]

    # -- single sign-on ------------------------------------------------------------------------
    def provision_sso_user(self, email: str, name: str) -> Principal:
        """Map an email a sign-in provider verified to a user; create the user in a tenant when
        a provisioning rule covers its domain (``tenants.provisioning`` in the settings)."""
        try:
            return self._provision_sso_user(email, name)
        except IntegrityError:  # the same person's first sign-in in two tabs at once
            return self._provision_sso_user(email, name)

    def _provision_sso_user(self, email: str, name: str) -> Principal:
        with self.db.transaction() as session:
            user = session.scalars(select(User).where(User.email == email)).first()
            if user is None:
                domain = email.rsplit("@", 1)[-1]
                rule = next(
                    (
                        r
                        for r in self.settings.tenants.provisioning
                        if r.email_domain.strip().lower().lstrip("@") == domain
                    ),
                    None,
                )
                tenant = (
                    session.scalars(select(Tenant).where(Tenant.slug == rule.tenant)).first()
                    if rule
                    else None
                )
                if rule is not None and tenant is None:
                    log.warning(
                        "provisioning rule for %s names missing tenant %s", domain, rule.tenant
                    )
                if rule is None or tenant is None:
                    raise AuthenticationFailed(
                        f"There is no DataPilot account for {email}. Ask an admin to add you."
                    )
                user = User(
                    email=email, display_name=name or email.split("@")[0], password_hash=None
                )
                session.add(user)
                session.flush()
                session.add(Membership(tenant_id=tenant.id, user_id=user.id, role=rule.role))
                log.info("provisioned %s into tenant %s as %s", email, tenant.slug, rule.role)
            user_id = user.id
        return self.principal_for_user(user_id)

    # -- browser sessions ---------------------------------------------------------------------
    def open_browser_session(self, principal: Principal) -> BrowserSession:
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        lifetime = timedelta(minutes=self.settings.auth.session_lifetime_minutes)
        with self.db.transaction() as session:
            session.add(
                UiSession(
                    token_hash=token_hash(token),
                    csrf_token=csrf,
                    user_id=principal.user_id,
                    tenant_id=principal.tenant_id,
                    expires_at=utcnow() + lifetime,
                )
            )
        return BrowserSession(token, csrf, int(lifetime.total_seconds()))

    def resolve_browser_session(self, token: str | None) -> tuple[Principal, str] | None:
        """The Principal and CSRF token of a live browser session, or None."""
        if not token:
            return None
        with self.db.transaction() as session:
            ui = session.scalars(
                select(UiSession).where(UiSession.token_hash == token_hash(token))
            ).first()
            if ui is None or ui.revoked_at is not None or aware(ui.expires_at) <= utcnow():
                return None
            user_id, tenant_id, csrf = ui.user_id, ui.tenant_id, ui.csrf_token
        principal = self.principal_for(user_id, tenant_id)
        return (principal, csrf) if principal else None

    def close_browser_session(self, token: str | None) -> None:
        if not token:
            return
        with self.db.transaction() as session:
            session.execute(
                update(UiSession)
                .where(UiSession.token_hash == token_hash(token), UiSession.revoked_at.is_(None))
                .values(revoked_at=utcnow())
            )

    # -- API tokens ----------------------------------------------------------------------------
    def issue_tokens(self, principal: Principal) -> TokenPair:
        with self.db.transaction() as session:
            family = RefreshTokenFamily(user_id=principal.user_id, tenant_id=principal.tenant_id)
            session.add(family)
            session.flush()
            refresh = self._new_refresh_token(session, family.id)
        return TokenPair(self._access_token(principal), refresh, self._access_lifetime())

    def refresh_tokens(self, refresh_token: str) -> TokenPair:
        """Rotate: spend this refresh token and return a new pair.

        Presenting a token that was already spent revokes its whole family: whoever holds the
        newer token (an attacker or the user) must sign in again.
        """
        failure = AuthenticationFailed("The refresh token is not valid; sign in again.")
        reused = False
        with self.db.transaction() as session:
            row = session.scalars(
                select(RefreshToken).where(
                    RefreshToken.token_hash == token_hash(refresh_token or "")
                )
            ).first()
            if row is None:
                raise failure
            family = row.family
            if family.revoked_at is not None or aware(row.expires_at) <= utcnow():
                raise failure
            # Spend atomically: of two refreshes with one token, only the first wins; any later
            # presentation is a reuse and ends the whole family.
            spent = session.execute(
                update(RefreshToken)
                .where(RefreshToken.id == row.id, RefreshToken.used_at.is_(None))
                .values(used_at=utcnow())
            )
            if spent.rowcount != 1:  # type: ignore[attr-defined]
                reused = True
                family.revoked_at, family.revoked_reason = utcnow(), "reuse detected"
            else:
                new_refresh = self._new_refresh_token(session, family.id)
                user_id, tenant_id = family.user_id, family.tenant_id
        if reused:  # raised once the revocation is committed
            raise AuthenticationFailed(
                "This refresh token was already used; every session of this sign-in is now "
                "revoked. Sign in again."
            )
        principal = self.principal_for(user_id, tenant_id)
        if principal is None:
            self.revoke_family_of(new_refresh, "access withdrawn")
            raise failure
        return TokenPair(self._access_token(principal), new_refresh, self._access_lifetime())

    def revoke_family_of(
        self, refresh_token: str, reason: str = "logout", owner: Principal | None = None
    ) -> bool:
        """Revoke the sign-in a refresh token belongs to; True when it was found.

        With ``owner``, only that user's own sign-ins can be ended: another user's token is
        treated exactly like an unknown one, so logout is no oracle for whose token it is.
        """
        with self.db.transaction() as session:
            row = session.scalars(
                select(RefreshToken).where(
                    RefreshToken.token_hash == token_hash(refresh_token or "")
                )
            ).first()
            if row is None or (owner is not None and row.family.user_id != owner.user_id):
                return False
            if row.family.revoked_at is None:
                row.family.revoked_at, row.family.revoked_reason = utcnow(), reason
            return True

    def principal_from_access_token(self, token: str) -> Principal:
        failure = AuthenticationFailed("The access token is missing, expired or not valid.")
        try:
            decoded = jwt.decode(token, self._key, algorithms=["HS256"])
            jwt.JWTClaimsRegistry(
                exp={"essential": True}, aud={"essential": True, "value": ACCESS_TOKEN_AUDIENCE}
            ).validate(decoded.claims)
            user_id = uuid.UUID(decoded.claims["sub"])
            tenant_id = uuid.UUID(decoded.claims["tid"])
        except (JoseError, KeyError, ValueError, TypeError):
            raise failure from None
        principal = self.principal_for(user_id, tenant_id)
        if principal is None:
            raise failure
        return principal

    def _access_lifetime(self) -> int:
        return self.settings.auth.access_token_minutes * 60

    def _access_token(self, principal: Principal) -> str:
        now = int(utcnow().timestamp())
        claims = {
            "sub": str(principal.user_id),
            "tid": str(principal.tenant_id),
            "aud": ACCESS_TOKEN_AUDIENCE,
            "iat": now,
            "exp": now + self._access_lifetime(),
            "jti": secrets.token_hex(8),
        }
        return jwt.encode({"alg": "HS256"}, claims, self._key)

    def _new_refresh_token(self, session: Session, family_id: uuid.UUID) -> str:
        token = secrets.token_urlsafe(32)
        session.add(
            RefreshToken(
                family_id=family_id,
                token_hash=token_hash(token),
                expires_at=utcnow() + timedelta(days=self.settings.auth.refresh_token_days),
            )
        )
        return token


def _principal(user: User, tenant: Tenant, membership: Membership) -> Principal:
    return Principal(
        user_id=user.id,
        tenant_id=tenant.id,
        role=membership.role,
        email=user.email,
        display_name=user.display_name,
        tenant_name=tenant.name,
    )
