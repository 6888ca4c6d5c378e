"""OpenID Connect sign-in (authorization code with PKCE) against any issuer with discovery.

The flow's state, nonce and PKCE verifier travel in a short-lived signed cookie, so several
server processes can share the flow without shared memory.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from typing import Any
from urllib.parse import urlencode

import httpx
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, OctKey
from sqlalchemy import select

from app.auth.web import WebHandler, safe_next
from app.context import AppContext
from app.services.errors import AuthenticationFailed, DomainError
from app.services.principal import Principal
from app.settings import OidcProviderSettings
from app.store.models import Membership, Tenant, User

log = logging.getLogger("datapilot.oidc")
FLOW_COOKIE = "dp_oidc_flow"
FLOW_SECONDS = 600
DISCOVERY_TTL = 300
_discovery_cache: dict[str, tuple[float, dict[str, Any], KeySet]] = {}


class OidcError(DomainError):
    status = 400
    title = "Sign-in failed"


async def discover(issuer: str) -> tuple[dict[str, Any], KeySet]:
    """The issuer's metadata and signing keys, cached for a few minutes."""
    cached = _discovery_cache.get(issuer)
    if cached and cached[0] > time.monotonic():
        return cached[1], cached[2]
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    try:
        async with httpx.AsyncClient(timeout=10) as client:
            meta = (await client.get(url)).raise_for_status().json()
            jwks = (await client.get(meta["jwks_uri"])).raise_for_status().json()
    except (httpx.HTTPError, KeyError, ValueError) as exc:
        log.warning("OIDC discovery failed for %s: %s", issuer, exc)
        raise OidcError(
            "The sign-in provider is not reachable right now; try again later."
        ) from None
    if meta.get("issuer", "").rstrip("/") != issuer.rstrip("/"):
        raise OidcError("The sign-in provider's metadata names another issuer; ask an admin.")
    keys = KeySet.import_key_set(jwks)
    _discovery_cache[issuer] = (time.monotonic() + DISCOVERY_TTL, meta, keys)
    return meta, keys


def provision(ctx: AppContext, email: str, name: str) -> Principal:
    """Map a verified email to a user; auto-provision it when a tenant rule covers its domain."""
    with ctx.db.transaction() as session:
        user = session.scalars(select(User).where(User.email == email)).first()
        if user is None:
            domain = email.rsplit("@", 1)[-1]
            rule = next(
                (r for r in ctx.settings.tenants.provisioning if r.email_domain.lower() == domain),
                None,
            )
            tenant = (
                session.scalars(select(Tenant).where(Tenant.slug == rule.tenant)).first()
                if rule
                else None
            )
            if rule is None or tenant is None:
                raise AuthenticationFailed(
                    f"There is no DataPilot account for {email}. Ask an admin to add you."
                )
            user = User(email=email, display_name=name or email.split("@")[0], password_hash=None)
            session.add(user)
            session.flush()
            session.add(Membership(tenant_id=tenant.id, user_id=user.id, role=rule.role))
            log.info("provisioned %s into tenant %s as %s", email, tenant.slug, rule.role)
        user_id = user.id
    return ctx.accounts.principal_for_user(user_id)


class _OidcHandler(WebHandler):
    def initialize(self, ctx: AppContext) -> None:  # type: ignore[override]
        super().initialize(ctx)
        self._flow_key = OctKey.import_key(("oidc-flow:" + ctx.settings.secret_key).encode())

    def provider(self, name: str) -> OidcProviderSettings:
        for provider in self.ctx.settings.auth.oidc_providers:
            if provider.name == name:
                return provider
        raise OidcError("Unknown sign-in provider.")

    def redirect_uri(self, provider: OidcProviderSettings) -> str:
        return f"{self.ctx.settings.server.base_url}/auth/oidc/{provider.name}/callback"

    def fail(self, message: str, status: int = 400) -> None:
        self.clear_cookie(FLOW_COOKIE, path="/auth/oidc")
        self.render_page("login.html", status=status, error=message)


class OidcLoginHandler(_OidcHandler):
    async def get(self, name: str) -> None:
        try:
            provider = self.provider(name)
            meta, _ = await discover(provider.issuer)
        except DomainError as exc:
            self.fail(str(exc), exc.status)
            return
        state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        verifier = secrets.token_urlsafe(48)
        flow = {
            "p": provider.name,
            "s": state,
            "n": nonce,
            "v": verifier,
            "next": safe_next(self.get_argument("next", None)),
            "exp": int(time.time()) + FLOW_SECONDS,
        }
        self.set_cookie(
            FLOW_COOKIE,
            jwt.encode({"alg": "HS256"}, flow, self._flow_key),
            httponly=True,
            samesite="Lax",
            path="/auth/oidc",
            secure=self.ctx.settings.server.secure_cookies,
            expires_days=FLOW_SECONDS / 86400,
        )
        query = {
            "response_type": "code",
            "client_id": provider.client_id,
            "redirect_uri": self.redirect_uri(provider),
            "scope": " ".join(provider.scopes),
            "state": state,
            "nonce": nonce,
            "code_challenge": create_s256_code_challenge(verifier),
            "code_challenge_method": "S256",
        }
        self.redirect(f"{meta['authorization_endpoint']}?{urlencode(query)}")


class OidcCallbackHandler(_OidcHandler):
    async def get(self, name: str) -> None:
        try:
            principal, target = await self._complete(name)
        except DomainError as exc:
            self.fail(str(exc), exc.status)
            return
        self.clear_cookie(FLOW_COOKIE, path="/auth/oidc")
        self.start_session(principal)
        self.redirect(target)

    async def _complete(self, name: str) -> tuple[Principal, str]:
        provider = self.provider(name)
        error = self.get_argument("error", None)
        if error:
            raise OidcError(f"The sign-in provider refused the sign-in ({error[:64]}).")
        try:
            flow = jwt.decode(self.get_cookie(FLOW_COOKIE) or "", self._flow_key).claims
            jwt.JWTClaimsRegistry(exp={"essential": True}).validate(flow)
        except (JoseError, ValueError):
            raise OidcError(
                "The sign-in took too long or was started elsewhere; try again."
            ) from None
        if flow.get("p") != provider.name or not secrets.compare_digest(
            str(flow.get("s")), self.get_argument("state", "")
        ):
            raise OidcError("The sign-in response does not match the request; try again.")
        meta, keys = await discover(provider.issuer)
        data = {
            "grant_type": "authorization_code",
            "code": self.get_argument("code", ""),
            "redirect_uri": self.redirect_uri(provider),
            "code_verifier": flow["v"],
            "client_id": provider.client_id,
        }
        auth = (provider.client_id, provider.client_secret) if provider.client_secret else None
        try:
            async with httpx.AsyncClient(timeout=15) as client:
                response = await client.post(meta["token_endpoint"], data=data, auth=auth)
            response.raise_for_status()
            id_token = response.json()["id_token"]
        except (httpx.HTTPError, KeyError, ValueError) as exc:
            log.warning("OIDC token exchange failed for %s: %s", provider.name, exc)
            raise OidcError("The sign-in provider did not accept the sign-in; try again.") from None
        claims = self._validate_id_token(id_token, keys, provider, str(flow["n"]))
        email = str(claims.get("email") or "").strip().lower()
        if not email:
            raise OidcError("The sign-in provider did not share an email address.")
        if claims.get("email_verified") is not True and not provider.assume_email_verified:
            raise OidcError(f"The email {email} is not verified by the sign-in provider.")
        name_claim = str(claims.get("name") or "")
        principal = await asyncio.to_thread(provision, self.ctx, email, name_claim)
        return principal, str(flow.get("next") or "/sources")

    @staticmethod
    def _validate_id_token(
        id_token: str, keys: KeySet, provider: OidcProviderSettings, nonce: str
    ) -> dict[str, Any]:
        try:
            token = jwt.decode(id_token, keys)
            jwt.JWTClaimsRegistry(
                iss={"essential": True, "value": provider.issuer},
                aud={"essential": True, "value": provider.client_id},
                exp={"essential": True},
                nonce={"essential": True, "value": nonce},
                leeway=60,
            ).validate(token.claims)
        except (JoseError, ValueError) as exc:
            log.warning("rejected id_token from %s: %s", provider.name, exc)
            raise OidcError("The sign-in provider's answer could not be verified.") from None
        return dict(token.claims)


def routes(ctx: AppContext) -> list[tuple[str, type, dict[str, Any]]]:
    return [
        (r"/auth/oidc/([a-z0-9_-]+)/login", OidcLoginHandler, {"ctx": ctx}),
        (r"/auth/oidc/([a-z0-9_-]+)/callback", OidcCallbackHandler, {"ctx": ctx}),
    ]
