"""Security headers on every response the server sends, Panel's and Bokeh's own included.

One Tornado output transform sets them as the first chunk goes out, so pages, websocket
upgrades, static files, Panel's bundled resources, the REST API, redirects and error pages all
carry the same headers without code in any handler (see the README's design note).
"""

from __future__ import annotations

from collections.abc import Mapping

import tornado.web
from tornado.httputil import HTTPHeaders, HTTPServerRequest

from app.auth.web import request_is_https
from app.settings import ServerSettings

# The least Panel 1.9 / Bokeh 3.9 pages run with, measured in Chromium (README, design notes):
# 'unsafe-inline' scripts for Bokeh's inline embed script (it carries a per-session token, so no
# hash fits); 'unsafe-eval' for Panel's ReactiveHTML scripts (``new Function``); blob: scripts
# and connections for es-module-shims, which loads Panel's ESM components from blob: URLs;
# 'unsafe-inline' styles for the style elements and attributes Bokeh puts in its shadow DOM.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline' 'unsafe-eval' blob:",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HEADERS: Mapping[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def security_headers(server: ServerSettings) -> type[tornado.web.OutputTransform]:
    """An output transform class adding the headers (and HSTS over HTTPS) to every response.

    A handler that set a stricter policy of its own keeps it: headers already set win.
    """

    class SecurityHeaders(tornado.web.OutputTransform):
        def __init__(self, request: HTTPServerRequest) -> None:
            super().__init__(request)
            self.https = request_is_https(request, server)

        def transform_first_chunk(
            self, status_code: int, headers: HTTPHeaders, chunk: bytes, finishing: bool
        ) -> tuple[int, HTTPHeaders, bytes]:
            for name, value in HEADERS.items():
                headers.setdefault(name, value)
            if self.https and server.hsts_seconds:  # browsers ignore HSTS over plain HTTP
                headers["Strict-Transport-Security"] = f"max-age={server.hsts_seconds}"
            return status_code, headers, chunk

    return SecurityHeaders
