"""Compose the Panel/Tornado server: pages per session, auth pages, REST API, static files."""

from __future__ import annotations

import logging
import os
import signal
import threading
from typing import Any, NoReturn
from urllib.parse import ParseResult, urlparse

import panel as pn
import tornado.web

from app import callbacks
from app.api import ai as _ai_operations  # noqa: F401  (declared on the v1 api)
from app.api import connections as _connection_operations  # noqa: F401  (declared on the v1 api)
from app.api import dashboards as _dashboard_operations  # noqa: F401  (declared on the v1 api)
from app.api import explore as _explore_operations  # noqa: F401  (declared on the v1 api)
from app.api import model as _model_operations  # noqa: F401  (declared on the v1 api)
from app.api import onboarding as _onboarding_operations  # noqa: F401  (declared on the v1 api)
from app.api import sources as _source_operations  # noqa: F401  (declared on the v1 api)
from app.api import sql as _sql_operations  # noqa: F401  (declared on the v1 api)
from app.api import templates as _template_operations  # noqa: F401  (declared on the v1 api)
from app.api.v1 import api
from app.auth import oidc, web
from app.context import AppContext
from app.node_affinity import node_affinity
from app.pages import dashboards, explore, model, settings, shell, sources, sql, welcome
from app.pages.shell.look import STATIC
from app.security_headers import security_headers
from app.services.templates import load_library
from pipelines.semantic.engines import warm_up

log = logging.getLogger("datapilot.server")
PAGES = {
    "sources": sources.page,
    "model": model.page,
    "explore": explore.page,
    "sql": sql.page,
    "dashboards": dashboards.page,
    "settings": settings.page,
    "welcome": welcome.page,
}


def routes(ctx: AppContext) -> list[tuple[str, type, dict[str, Any]]]:
    """Every non-Panel route; the REST routes all come from the declared API."""
    return [
        *web.routes(ctx),
        *oidc.routes(ctx),
        *api.routes(ctx),
        (r"/dp-static/(.*)", tornado.web.StaticFileHandler, {"path": str(STATIC)}),
    ]


def _default_port(url: ParseResult) -> int:
    return 443 if url.scheme == "https" else 80


def _page_app(ctx: AppContext, slug: str) -> Any:
    # A plain function (not functools.partial, which Panel would render as text) run per session:
    # the whole app, opened on ``slug``'s page.
    def app() -> Any:
        return shell.build_page(ctx, slug, PAGES)

    app.__name__ = slug
    return app


def build_server(ctx: AppContext, start: bool = False) -> Any:
    """A Bokeh server (not yet started unless ``start``) serving the whole app."""
    server_settings = ctx.settings.server
    load_library(ctx.settings)  # an invalid template stops start-up, naming its file and line
    pn.config.notifications = True
    # pn.serve() ignores num_threads; Panel's callback thread pool comes from config.nthreads,
    # replaced by one that keeps each session's callbacks in order (see app/callbacks.py).
    callbacks.install(server_settings.num_threads)
    port = server_settings.port
    origins = {f"{server_settings.host}:{port}", f"localhost:{port}", f"127.0.0.1:{port}"}
    if server_settings.public_url:  # behind a proxy the browser's origin is the public one
        public = urlparse(server_settings.public_url)
        origins.add(public.netloc if public.port else f"{public.hostname}:{_default_port(public)}")
        origins.add(public.netloc)
    origins.update(server_settings.allowed_websocket_origins)
    apps = {slug: _page_app(ctx, slug) for slug in PAGES}
    transforms: list[type[tornado.web.OutputTransform]] = [security_headers(server_settings)]
    affinity = node_affinity(server_settings)  # several processes behind nginx: name this one
    if affinity is not None:
        transforms.append(affinity)
    threading.Thread(target=warm_up, name="warm-up", daemon=True).start()
    ctx.start_maintenance()  # recovers what other, gone processes left half-way
    return pn.serve(
        apps,
        port=port,
        address=server_settings.host,
        show=False,
        start=start,
        title="DataPilot",
        extra_patterns=routes(ctx),
        auth_provider=web.SessionAuthProvider(ctx),
        websocket_origin=sorted(origins),
        num_threads=server_settings.num_threads,
        secret_key=ctx.settings.secret_key.encode(),
        sign_sessions=True,
        cookie_secret=ctx.settings.secret_key,
        liveness=False,
        admin=False,
        session_history=0,
        # Reaches Tornado's Application: every response, Panel's and Bokeh's own included.
        transforms=transforms,
    )


def run_until_stopped(ctx: AppContext, server: Any) -> NoReturn:
    """Serve until Ctrl+C or SIGTERM (a supervisor, systemd, ``docker stop``), then stop cleanly:
    this process's query slots and ingest leases are freed at once, so another process (on any
    host) neither waits for them to expire nor counts them."""
    server.start()
    server.io_loop.asyncio_loop.add_signal_handler(signal.SIGTERM, server.io_loop.stop)
    try:
        server.io_loop.start()
    except KeyboardInterrupt:
        pass
    finally:
        ctx.leases.close(release=True)
        ctx.connection_pools.dispose_all()
    print("  DataPilot stopped.", flush=True)
    logging.shutdown()
    # Work cut short (an ingest inside DuckDB) runs in daemon threads: the interpreter's own
    # shutdown would tear them down mid-call and abort. What they held is released above and
    # recovered like an interrupted job, so the process ends here.
    os._exit(0)
