"""``datapilot health``: the probe the container image's HEALTHCHECK runs.

It reads the port from the same settings file and ``DATAPILOT_*`` variables as ``serve``, so it
follows a changed port; only the standard library is used, the image has no curl.
"""

from __future__ import annotations

import urllib.error
import urllib.request

from app.settings import Settings

# A server listening on every address is reached on the loopback one.
_LOOPBACK = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}  # noqa: S104 (read, not bound)


class NoKnownPort(Exception):
    """The settings name no fixed port to check."""


def health_url(settings: Settings) -> str:
    """``http://<host>:<port>/health`` of the server these settings describe."""
    port = settings.server.port
    if port == 0:
        raise NoKnownPort("server.port is 0 (any free port), so there is no known port to check.")
    host = _LOOPBACK.get(settings.server.host, settings.server.host)
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}/health"


def probe(url: str, timeout: float) -> str | None:
    """None when ``url`` answers 200; otherwise one line saying what went wrong."""
    # No proxy: an http_proxy variable in the container must not divert a loopback probe.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=timeout) as reply:
            status = int(reply.status)
    except urllib.error.HTTPError as exc:
        status = exc.code
    except urllib.error.URLError as exc:
        return f"no answer from {url}: {exc.reason}"
    except OSError as exc:  # a timeout or a reset while reading
        return f"no answer from {url}: {exc}"
    return None if status == 200 else f"{url} answered {status}"
