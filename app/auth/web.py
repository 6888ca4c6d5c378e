"""Browser sign-in pages: login, register, logout, on the project's own templates."""

from __future__ import annotations

import hmac
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlparse

import tornado.web
from bokeh.server.auth_provider import AuthProvider
from jinja2 import Environment, FileSystemLoader, select_autoescape
from tornado.httputil import HTTPServerRequest

from app.context import AppContext
from app.principal import Principal
from app.services.errors import DomainError, Throttled
from app.settings import ServerSettings

SESSION_COOKIE = "dp_session"
FORM_CSRF_COOKIE = "dp_form_csrf"
FLASH_COOKIE = "dp_flash"
FLASH_MAX_AGE_DAYS = 5 / (24 * 60)
TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parent.parent / "templates"),
    autoescape=select_autoescape(["html"]),
)
HOME = "/sources"
FIRST_PAGE = "/welcome"
"""Where a new account lands: the guided setup of its team's first workspace."""
SIGN_IN_CSP = (
    "default-src 'self'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def safe_next(target: str | None) -> str:
    """Only same-site absolute paths are followed after sign-in (no open redirects)."""
    if not target:
        return HOME
    # Browsers read "\\" as "/" and drop tabs and newlines, so "/\\evil.com" means //evil.com.
    if "\\" in target or any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return HOME
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return HOME
    if target.startswith(("/login", "/logout", "/register", "/auth/")):
        return HOME
    return target


def _forwarded(request: HTTPServerRequest, name: str, server: ServerSettings) -> list[str]:
    """The values of an X-Forwarded-* header, only when a trusted proxy sent the request."""
    if not server.is_trusted_proxy(request.remote_ip):
        return []
    joined = ",".join(request.headers.get_list(name))
    return [value.strip() for value in joined.split(",") if value.strip()]


def request_is_https(request: HTTPServerRequest, server: ServerSettings) -> bool:
    """TLS to us, or a trusted proxy saying so (the last X-Forwarded-Proto is its own)."""
    if request.protocol == "https":
        return True
    protos = _forwarded(request, "X-Forwarded-Proto", server)
    return bool(protos) and protos[-1].lower() == "https"


def request_client_address(request: HTTPServerRequest, server: ServerSettings) -> str:
    """The client's address: behind trusted proxies, the last X-Forwarded-For hop they did not
    add themselves (everything left of it could be written by the client)."""
    address = request.remote_ip or "unknown"
    for hop in reversed(_forwarded(request, "X-Forwarded-For", server)):
        address = hop
        if not server.is_trusted_proxy(hop):
            break
    return address[:64]


class WebHandler(tornado.web.RequestHandler):
    """Base for the HTML auth pages: templates, cookies, CSRF, a strict CSP."""

    ctx: AppContext

    def initialize(self, ctx: AppContext) -> None:
        self.ctx = ctx

    def set_default_headers(self) -> None:
        # The server adds the security headers to every response (app/security_headers.py);
        # these pages take passwords, so their own policy is stricter: no inline code at all.
        self.set_header("Cache-Control", "no-store")
        self.set_header("Content-Security-Policy", SIGN_IN_CSP)

    @property
    def is_https(self) -> bool:
        """Whether the browser reached us over TLS, directly or through a trusted proxy."""
        return request_is_https(self.request, self.ctx.settings.server)

    @property
    def cookie_secure(self) -> bool:
        return self.ctx.settings.server.secure_cookies or self.is_https

    @property
    def client_address(self) -> str:
        return request_client_address(self.request, self.ctx.settings.server)

    def current_principal(self) -> tuple[Principal, str] | None:
        token = self.get_cookie(SESSION_COOKIE)
        return self.ctx.accounts.resolve_browser_session(token)

    def render_page(self, template: str, status: int = 200, **values: Any) -> None:
        csrf = self.get_cookie(FORM_CSRF_COOKIE) or secrets.token_urlsafe(24)
        self.set_cookie(
            FORM_CSRF_COOKIE,
            csrf,
            httponly=True,
            samesite="Strict",
            secure=self.cookie_secure,
        )
        values.setdefault("error", None)
        values.setdefault("values", {})
        page = TEMPLATES.get_template(template).render(
            csrf=csrf,
            settings=self.ctx.settings,
            providers=self.ctx.settings.auth.oidc_providers,
            next=safe_next(self.get_argument("next", None)),
            **values,
        )
        self.set_status(status)
        self.finish(page)

    def check_form_csrf(self) -> bool:
        cookie = self.get_cookie(FORM_CSRF_COOKIE) or ""
        sent = self.get_body_argument("csrf", "")
        return bool(cookie) and hmac.compare_digest(cookie, sent)

    def flash_error(self, message: str) -> None:
        """Show ``message`` on the next /login page (redirect after a failed external sign-in)."""
        value = tornado.web.create_signed_value(self.ctx.settings.secret_key, FLASH_COOKIE, message)
        self.set_cookie(
            FLASH_COOKIE,
            value.decode(),
            httponly=True,
            samesite="Lax",
            path="/login",
            secure=self.cookie_secure,
        )

    def take_flash_error(self) -> str | None:
        raw = self.get_cookie(FLASH_COOKIE)
        if not raw:
            return None
        self.clear_cookie(FLASH_COOKIE, path="/login")
        value = tornado.web.decode_signed_value(
            self.ctx.settings.secret_key, FLASH_COOKIE, raw, max_age_days=FLASH_MAX_AGE_DAYS
        )
        return value.decode("utf-8", "replace") if value else None

    def start_session(self, principal: Principal) -> None:
        browser = self.ctx.accounts.open_browser_session(principal)
        self.set_cookie(
            SESSION_COOKIE,
            browser.token,
            httponly=True,
            samesite="Lax",
            secure=self.cookie_secure,
            expires_days=browser.max_age_seconds / 86400,
            path="/",
        )

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.render_page(
            "error.html",
            status=status_code,
            code=status_code,
            message="Something went wrong on our side. Try again; if it keeps happening, "
            "tell your admin the time it happened.",
        )


class LoginHandler(WebHandler):
    def get(self) -> None:
        if self.current_principal():
            self.redirect(safe_next(self.get_argument("next", None)))
            return
        notices = {"logged-out": "You are signed out."}
        notice = notices.get(self.get_argument("notice", ""))
        self.render_page("login.html", notice=notice, error=self.take_flash_error())

    def post(self) -> None:
        email = self.get_body_argument("email", "")
        values = {"email": email}
        if not self.check_form_csrf():
            self.render_page(
                "login.html",
                status=400,
                values=values,
                error="The form expired; please sign in again.",
            )
            return
        try:
            principal = self.ctx.accounts.authenticate(
                email, self.get_body_argument("password", ""), self.client_address
            )
        except Throttled as exc:
            self.set_header("Retry-After", str(exc.retry_after))
            self.render_page("login.html", status=429, values=values, error=str(exc))
            return
        except DomainError as exc:
            self.render_page("login.html", status=exc.status, values=values, error=str(exc))
            return
        self.start_session(principal)
        self.redirect(safe_next(self.get_body_argument("next", None)))


class RegisterHandler(WebHandler):
    def get(self) -> None:
        if not self.ctx.settings.auth.allow_registration:
            self.render_page(
                "error.html",
                status=404,
                code=404,
                message="Registration is closed on this server; ask an admin.",
            )
            return
        self.render_page("register.html")

    def post(self) -> None:
        values = {
            "name": self.get_body_argument("name", ""),
            "email": self.get_body_argument("email", ""),
            "organisation": self.get_body_argument("organisation", ""),
        }
        if not self.check_form_csrf():
            self.render_page(
                "register.html",
                status=400,
                values=values,
                error="The form expired; please submit it again.",
            )
            return
        password = self.get_body_argument("password", "")
        if password != self.get_body_argument("confirm", ""):
            self.render_page(
                "register.html",
                status=422,
                values=values,
                error="The two passwords are not the same.",
                field="confirm",
            )
            return
        try:
            principal = self.ctx.accounts.register(
                values["name"], values["email"], password, values["organisation"] or None
            )
        except DomainError as exc:
            self.render_page(
                "register.html",
                status=exc.status,
                values=values,
                error=str(exc),
                field=getattr(exc, "field", None),
            )
            return
        self.start_session(principal)
        self.redirect(FIRST_PAGE)


class LogoutHandler(WebHandler):
    def get(self) -> None:
        # A GET only asks; signing out is a POST with the session's CSRF token.
        resolved = self.current_principal()
        if resolved is None:
            self.redirect("/login")
            return
        self.render_page("logout.html", session_csrf=resolved[1], principal=resolved[0])

    def post(self) -> None:
        resolved = self.current_principal()
        if resolved is not None:
            sent = self.get_body_argument("csrf", "")
            if not hmac.compare_digest(resolved[1], sent):
                self.render_page(
                    "error.html",
                    status=400,
                    code=400,
                    message="The sign-out form expired; reload the page and retry.",
                )
                return
            self.ctx.accounts.close_browser_session(self.get_cookie(SESSION_COOKIE))
        self.clear_cookie(SESSION_COOKIE, path="/")
        self.redirect("/login?notice=logged-out")


class RootHandler(tornado.web.RequestHandler):
    def get(self) -> None:
        self.redirect(HOME)


class SessionAuthProvider(AuthProvider):
    """Bokeh/Panel auth hook: a page is served only to a live DataPilot browser session."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        super().__init__()

    @property
    def get_user(self):  # type: ignore[override]
        def _get_user(handler: tornado.web.RequestHandler) -> str | None:
            resolved = self.ctx.accounts.resolve_browser_session(handler.get_cookie(SESSION_COOKIE))
            return str(resolved[0].user_id) if resolved else None

        return _get_user

    @property
    def get_login_url(self):  # type: ignore[override]
        def _login_url(handler: tornado.web.RequestHandler) -> str:
            return "/login?next=" + quote(handler.request.uri or HOME, safe="/")

        return _login_url


def routes(ctx: AppContext) -> list[tuple[str, type, dict[str, Any]]]:
    return [
        (r"/", RootHandler, {}),
        (r"/login", LoginHandler, {"ctx": ctx}),
        (r"/register", RegisterHandler, {"ctx": ctx}),
        (r"/logout", LogoutHandler, {"ctx": ctx}),
    ]
