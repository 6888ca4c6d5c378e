"""A real OpenID provider for the OIDC tests: ``oidc-provider-mock`` that also enforces PKCE.

``oidc-provider-mock`` 0.3.4 speaks the authorization code flow with discovery, JWKS, RS256 ID
tokens and nonces, but it ignores ``code_challenge``/``code_verifier``. :class:`PkceGate` wraps
its WSGI app the way a strict issuer behaves: it remembers the S256 challenge an authorization
code was issued for and refuses a token request whose verifier does not match. So every sign-in
in these tests proves DataPilot's PKCE, and a wrong verifier fails as it would at a real issuer.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import subprocess
import sys
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import werkzeug.serving

with warnings.catch_warnings():  # the mock imports deprecated authlib modules
    import authlib.deprecate  # noqa: F401  (installs an "always" filter; overridden next)

    warnings.simplefilter("ignore")
    import oidc_provider_mock

from tests.conftest import ROOT, RunningServer, start_server

CLIENT_ID = "datapilot"
CLIENT_SECRET = "s3cret"
PROVIDER = "mock"
PROVIDER_LABEL = "Mock SSO"
TENANT = "acme"
DOMAIN = "acme.test"


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _first(values: dict[str, list[str]], name: str) -> str:
    return values.get(name, [""])[0]


class PkceGate:
    """WSGI middleware: the token endpoint accepts a code only with its S256 verifier."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._lock = threading.Lock()
        self.challenges: dict[str, tuple[str, str]] = {}  # code -> (challenge, method)
        self.authorize_queries: list[dict[str, list[str]]] = []
        self.token_requests: list[dict[str, list[str]]] = []
        self.refused_codes: list[str] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "")
        if path == "/oauth2/authorize":
            query = parse_qs(environ.get("QUERY_STRING", ""))
            with self._lock:
                self.authorize_queries.append(query)
            if method == "POST":
                return self.app(environ, self._remember_code(query, start_response))
        if path == "/oauth2/token" and method == "POST":
            size = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(size)
            environ["wsgi.input"] = io.BytesIO(body)
            form = parse_qs(body.decode("ascii", "replace"))
            with self._lock:
                self.token_requests.append(form)
            if _first(form, "grant_type") == "authorization_code" and not self._verifier_fits(form):
                start_response("400 BAD REQUEST", [("Content-Type", "application/json")])
                return [b'{"error": "invalid_grant", "error_description": "PKCE check failed"}']
        return self.app(environ, start_response)

    def _remember_code(self, query: dict[str, list[str]], start_response: Any) -> Any:
        challenge = (_first(query, "code_challenge"), _first(query, "code_challenge_method"))

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            location = dict(headers).get("Location", "")
            code = _first(parse_qs(urlsplit(location).query), "code")
            if code:
                with self._lock:
                    self.challenges[code] = challenge
            return start_response(status, headers, exc_info)

        return capture

    def _verifier_fits(self, form: dict[str, list[str]]) -> bool:
        code, verifier = _first(form, "code"), _first(form, "code_verifier")
        with self._lock:
            challenge, method = self.challenges.pop(code, ("", ""))
            fits = method == "S256" and bool(challenge) and bool(verifier)
            fits = fits and s256(verifier) == challenge
            if not fits:
                self.refused_codes.append(code)
        return fits


@dataclass
class Idp:
    """A running OpenID provider on ``localhost`` (another site than DataPilot's 127.0.0.1)."""

    issuer: str
    gate: PkceGate
    subjects: set[str] = field(default_factory=set)

    @property
    def origin(self) -> str:
        return self.issuer

    def set_user(self, sub: str, email: str, *, verified: bool = True, name: str = "") -> None:
        """Give ``sub`` these claims; the next authorization of ``sub`` carries them."""
        claims: dict[str, object] = {"email": email, "email_verified": verified}
        if name:
            claims["name"] = name
        httpx.put(f"{self.issuer}/users/{sub}", json=claims, timeout=10).raise_for_status()


@contextmanager
def running_idp() -> Iterator[Idp]:
    """Start the provider in a thread (nonce required, any client id/secret/redirect URI)."""
    app = oidc_provider_mock.app(require_nonce=True)
    gate = PkceGate(app)
    server = werkzeug.serving.make_server("localhost", 0, gate, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.start()
    try:
        yield Idp(issuer=f"http://localhost:{server.server_port}", gate=gate)
    finally:
        server.shutdown()
        thread.join(10)
        server.server_close()


def oidc_settings(issuer: str, **provider: object) -> dict[str, object]:
    """DataPilot settings: one OIDC provider plus the acme.test -> acme (editor) rule."""
    return {
        "auth": {
            "oidc_providers": [
                {
                    "name": PROVIDER,
                    "label": PROVIDER_LABEL,
                    "issuer": issuer,
                    "client_id": CLIENT_ID,
                    "client_secret": CLIENT_SECRET,
                    **provider,
                }
            ]
        },
        "tenants": {"provisioning": [{"email_domain": DOMAIN, "tenant": TENANT, "role": "editor"}]},
    }


def admin_cli(server: RunningServer, *args: str) -> str:
    """Run ``datapilot admin ...`` against the server's own config and store."""
    config = server.log_path.parent / "datapilot.yaml"
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "--config", str(config), "admin", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={k: v for k, v in os.environ.items() if not k.startswith("DATAPILOT_")},
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def start_oidc_server(workdir: Path, idp: Idp) -> RunningServer:
    """A DataPilot server that trusts ``idp``, with the tenant the provisioning rule names."""
    server = start_server(workdir, settings=oidc_settings(idp.issuer), demo=False)
    admin_cli(server, "create-tenant", TENANT)
    return server


def users_named(server: RunningServer, email: str) -> list[str]:
    """The ``admin list-users`` rows of ``email`` (one per membership)."""
    return [line for line in admin_cli(server, "list-users").splitlines() if f" {email} " in line]
