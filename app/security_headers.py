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

# Bokeh's page embeds its document through an inline <script> (with a per-session token, so no
# hash can allow it), and Panel styles its shadow DOM with <style> elements and style attributes.
# Panel's ESM components (the ERD editor, the upload drop zone) import their code from blob: URLs.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline' 'unsafe-eval' blob:",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
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
