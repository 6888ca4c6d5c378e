"""OpenID Connect sign-in (authorization code with PKCE) against any issuer with discovery.

The flow's state, nonce and PKCE verifier travel in a short-lived encrypted cookie, so several
server processes can share the flow without shared memory and the verifier never shows in the
browser. Authorization codes and tokens are never logged.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
import secrets
import time
from typing import Any
from urllib.parse import quote, urlencode

import httpx
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwe, jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet, OctKey

from app.auth.web import HOME, WebHandler, safe_next
from app.context import AppContext
from app.principal import Principal
from app.services.errors import DomainError
from app.services.names import normalise_email
from app.settings import OidcProviderSettings

log = logging.getLogger("datapilot.oidc")
FLOW_COOKIE = "dp_oidc_flow"
FLOW_PATH = "/auth/oidc"
FLOW_SECONDS = 600
DISCOVERY_TTL = 300
# Asymmetric only: an ID token "signed" with a shared secret or "none" is never accepted.
ID_TOKEN_ALGORITHMS = [
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
    "EdDSA",
]
_OAUTH_ERROR_CODE = re.compile(r"^[a-z_]{1,40}$")
_discovery_cache: dict[str, tuple[float, dict[str, Any], KeySet]] = {}


class OidcError(DomainError):
    status = 400
    title = "Sign-in failed"


async def discover(issuer: str, refresh: bool = False) -> tuple[dict[str, Any], KeySet]:
    """The issuer's metadata and signing keys, cached for a few minutes."""
    issuer = issuer.rstrip("/")
    cached = _discovery_cache.get(issuer)
    if cached and cached[0] > time.monotonic() and not refresh:
        return cached[1], cached[2]
    url = issuer + "/.well-known/openid-configuration"
    try:
        async with httpx.AsyncClient(timeout=10) as client:
            meta = (await client.get(url)).raise_for_status().json()
            jwks = (await client.get(meta["jwks_uri"])).raise_for_status().json()
        keys = KeySet.import_key_set(jwks)
        for endpoint in ("authorization_endpoint", "token_endpoint"):
            meta[endpoint] = str(meta[endpoint])
    except (httpx.HTTPError, JoseError, KeyError, TypeError, ValueError) as exc:
        log.warning("OIDC discovery failed for %s: %s", issuer, exc)
        raise OidcError(
            "The sign-in provider is not reachable right now; try again later."
        ) from None
    if str(meta.get("issuer", "")).rstrip("/") != issuer:
        log.warning(
            "OIDC issuer mismatch: configured %s, discovered %s", issuer, meta.get("issuer")
        )
        raise OidcError("The sign-in provider's metadata names another issuer; ask an admin.")
    _discovery_cache[issuer] = (time.monotonic() + DISCOVERY_TTL, meta, keys)
    return meta, keys


def provision(ctx: AppContext, email: str, name: str) -> Principal:
    """Map a verified email to a user; auto-provision it when a tenant rule covers its domain."""
    return ctx.accounts.provision_sso_user(email, name)


class _OidcHandler(WebHandler):
    def initialize(self, ctx: AppContext) -> None:  # type: ignore[override]
        super().initialize(ctx)
        secret = ("datapilot-oidc-flow:" + ctx.settings.secret_key).encode()
        self._flow_key = OctKey.import_key(hashlib.sha256(secret).digest())

    def _request_summary(self) -> str:
        # The access log must not carry authorization codes, state or error text.
        return f"{self.request.method} {self.request.path} ({self.request.remote_ip})"

    def provider(self, name: str) -> OidcProviderSettings:
        for provider in self.ctx.settings.auth.oidc_providers:
            if provider.name == name:
                return provider
        raise OidcError("This sign-in provider is not configured on this server.")

    def redirect_uri(self, provider: OidcProviderSettings) -> str:
        return f"{self.ctx.settings.server.base_url}{FLOW_PATH}/{provider.name}/callback"

    def seal_flow(self, flow: dict[str, Any]) -> str:
        header = {"alg": "dir", "enc": "A256GCM"}
        return jwe.encrypt_compact(header, json.dumps(flow).encode(), self._flow_key)

    def open_flow(self) -> dict[str, Any]:
        try:
            sealed = jwe.decrypt_compact(self.get_cookie(FLOW_COOKIE) or "", self._flow_key)
            flow = json.loads(sealed.plaintext or b"")
        except (JoseError, ValueError, TypeError):
            flow = None
        if not isinstance(flow, dict) or int(flow.get("exp", 0)) < time.time():
            raise OidcError("The sign-in took too long or was started elsewhere; try again.")
        return flow

    def fail(self, message: str, next_path: str | None = None) -> None:
        """Back to the login page with ``message``; the URL with code and state is left behind."""
        self.clear_cookie(FLOW_COOKIE, path=FLOW_PATH)
        self.flash_error(message)
        target = safe_next(next_path)
        self.redirect("/login" if target == HOME else f"/login?next={quote(target, safe='/')}")


class OidcLoginHandler(_OidcHandler):
    async def get(self, name: str) -> None:
        try:
            provider = self.provider(name)
            meta, _ = await discover(provider.issuer)
        except DomainError as exc:
            self.fail(str(exc), self.get_argument("next", None))
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
        # SameSite=Lax: the issuer sends the browser back with a top-level GET from its site.
        self.set_cookie(
            FLOW_COOKIE,
            self.seal_flow(flow),
            httponly=True,
            samesite="Lax",
            path=FLOW_PATH,
            secure=self.cookie_secure,
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
        endpoint = meta["authorization_endpoint"]
        self.redirect(f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(query)}")


class OidcCallbackHandler(_OidcHandler):
    async def get(self, name: str) -> None:
        try:
            principal, target = await self._complete(name)
        except DomainError as exc:
            self.fail(str(exc))
            return
        self.clear_cookie(FLOW_COOKIE, path=FLOW_PATH)
        self.start_session(principal)
        self.redirect(target)

    async def _complete(self, name: str) -> tuple[Principal, str]:
        provider = self.provider(name)
        label = provider.label or provider.name
        error = self.get_argument("error", None)
        if error is not None:
            # Only a well-formed OAuth error code is echoed: anyone can craft this URL.
            code = error if _OAUTH_ERROR_CODE.match(error) else "unknown_error"
            if code == "access_denied":
                raise OidcError(
                    f"Sign-in with {label} was denied or cancelled. "
                    "Try again, or sign in with your email and password."
                )
            raise OidcError(f"{label} refused the sign-in ({code}); try again or ask an admin.")
        flow = self.open_flow()
        sent_state = self.get_argument("state", "").encode("utf-8", "replace")
        if flow.get("p") != provider.name or not secrets.compare_digest(
            str(flow.get("s")).encode(), sent_state
        ):
            raise OidcError("The sign-in response does not match the request; try again.")
        code = self.get_argument("code", "")
        if not code:
            raise OidcError(f"{label} sent no authorization code; try again.")
        meta, keys = await discover(provider.issuer)
        id_token = await self._exchange(provider, meta, code, str(flow["v"]))
        claims = await self._validate_id_token(id_token, keys, meta, provider, str(flow["n"]))
        try:
            email = normalise_email(str(claims.get("email") or ""))
        except DomainError:
            raise OidcError(f"{label} did not share a usable email address.") from None
        verified = claims.get("email_verified")
        if verified not in (True, "true") and not provider.assume_email_verified:
            raise OidcError(
                f"{label} has not verified the email {email}. Verify it there, then try again."
            )
        name_claim = str(claims.get("name") or "").strip()[:200]
        principal = await asyncio.to_thread(provision, self.ctx, email, name_claim)
        log.info("OIDC sign-in of %s through %s", email, provider.name)
        return principal, safe_next(str(flow.get("next") or ""))

    async def _exchange(
        self, provider: OidcProviderSettings, meta: dict[str, Any], code: str, verifier: str
    ) -> str:
        data = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.redirect_uri(provider),
            "code_verifier": verifier,
            "client_id": provider.client_id,
        }
        auth: tuple[str, str] | None = None
        if provider.client_secret:
            methods = meta.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
            if "client_secret_basic" in methods:
                # RFC 6749 2.3.1: id and secret are form-encoded before Basic encoding.
                auth = (quote(provider.client_id, safe=""), quote(provider.client_secret, safe=""))
            else:
                data["client_secret"] = provider.client_secret
        try:
            async with httpx.AsyncClient(timeout=15) as client:
                response = await client.post(meta["token_endpoint"], data=data, auth=auth)
        except httpx.HTTPError as exc:
            log.warning("OIDC token endpoint of %s unreachable: %s", provider.name, exc)
            raise OidcError(
                "The sign-in provider is not reachable right now; try again later."
            ) from None
        try:
            body = response.json()
        except ValueError:
            body = {}
        id_token = body.get("id_token") if isinstance(body, dict) else None
        if response.status_code != 200 or not isinstance(id_token, str):
            reason = body.get("error") if isinstance(body, dict) else None
            log.warning(
                "OIDC token exchange refused by %s: HTTP %s %s",
                provider.name,
                response.status_code,
                reason if isinstance(reason, str) and _OAUTH_ERROR_CODE.match(reason) else "",
            )
            raise OidcError("The sign-in provider did not accept the sign-in; try again.")
        return id_token

    async def _validate_id_token(
        self,
        id_token: str,
        keys: KeySet,
        meta: dict[str, Any],
        provider: OidcProviderSettings,
        nonce: str,
    ) -> dict[str, Any]:
        try:
            try:
                token = jwt.decode(id_token, keys, algorithms=ID_TOKEN_ALGORITHMS)
            except InvalidKeyIdError:  # the issuer rotated its keys since discovery
                _, keys = await discover(provider.issuer, refresh=True)
                token = jwt.decode(id_token, keys, algorithms=ID_TOKEN_ALGORITHMS)
            jwt.JWTClaimsRegistry(
                iss={"essential": True, "value": meta["issuer"]},
                aud={"essential": True, "value": provider.client_id},
                sub={"essential": True},
                exp={"essential": True},
                nonce={"essential": True, "value": nonce},
                leeway=60,
            ).validate(token.claims)
        except (JoseError, ValueError) as exc:
            log.warning("rejected an ID token from %s: %s", provider.name, exc)
            raise OidcError("The sign-in provider's answer could not be verified.") from None
        return dict(token.claims)


def routes(ctx: AppContext) -> list[tuple[str, type, dict[str, Any]]]:
    return [
        (r"/auth/oidc/([a-z0-9_-]+)/login", OidcLoginHandler, {"ctx": ctx}),
        (r"/auth/oidc/([a-z0-9_-]+)/callback", OidcCallbackHandler, {"ctx": ctx}),
    ]
