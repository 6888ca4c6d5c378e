"""Node affinity for several ``datapilot serve`` processes behind one proxy.

A Panel page and its websocket must reach the same process: the page's GET creates the Bokeh
session (its id and token are embedded in the HTML) and ``/<page>/ws`` then attaches to that
session in memory. nginx OSS has no ``sticky cookie``, so the app names itself instead: with
``server.node`` set, every response carries ``X-DataPilot-Node: <node>`` and every HTML answer
to a GET (pages, the sign-in form) sets ``dp_node=<node>`` when the browser's cookie is absent
or names another process. nginx maps ``$cookie_dp_node`` to that process's upstream (see
``deploy/nginx/datapilot.conf``); the websocket handshake that follows carries the cookie and so
lands where the page was rendered. REST calls carry no Panel state and may go anywhere.

Without ``server.node`` (one process) nothing is added.
"""

from __future__ import annotations

import tornado.web
from tornado.httputil import HTTPHeaders, HTTPServerRequest

from app.auth.web import request_is_https
from app.settings import ServerSettings

COOKIE = "dp_node"
HEADER = "X-DataPilot-Node"


def node_cookie(node: str, secure: bool) -> str:
    """The ``Set-Cookie`` value pinning a browser to ``node`` (a session cookie)."""
    return f"{COOKIE}={node}; Path=/; HttpOnly; SameSite=Lax" + ("; Secure" if secure else "")


def _cookie_of(request: HTTPServerRequest) -> str | None:
    try:
        morsel = request.cookies.get(COOKIE)
    except Exception:  # a malformed Cookie header pins anew
        return None
    return morsel.value if morsel is not None else None


def node_affinity(server: ServerSettings) -> type[tornado.web.OutputTransform] | None:
    """An output transform naming this process on every response, or None without a node."""
    if not server.node:
        return None
    node: str = server.node

    class NodeAffinity(tornado.web.OutputTransform):
        def __init__(self, request: HTTPServerRequest) -> None:
            super().__init__(request)
            self.pin = request.method == "GET" and _cookie_of(request) != node
            self.secure = self.pin and (server.secure_cookies or request_is_https(request, server))

        def transform_first_chunk(
            self, status_code: int, headers: HTTPHeaders, chunk: bytes, finishing: bool
        ) -> tuple[int, HTTPHeaders, bytes]:
            headers[HEADER] = node
            if self.pin and headers.get("Content-Type", "").startswith("text/html"):
                headers.add("Set-Cookie", node_cookie(node, self.secure))
            return status_code, headers, chunk

    return NodeAffinity
