"""Send the browser to another page of the app from Python (after a server-side step).

A link cannot be used when the address is only known once the server has done something (say,
stored SQL for the next page under a one-time token); :meth:`Navigator.go` then moves the
browser there. Only addresses of this site (a path starting with one ``/``) are followed.

    navigator = Navigator()
    navigator.go("/sql?handoff=abc")
"""

from __future__ import annotations

from typing import Any

import panel as pn


class Navigator(pn.custom.JSComponent):
    """An invisible component that opens a path of this site in the current tab."""

    _esm = "navigate.js"

    def __init__(self, **params: Any) -> None:
        params.setdefault("height", 0)
        params.setdefault("width", 0)
        params.setdefault("margin", 0)
        super().__init__(**params)

    def go(self, path: str) -> None:
        """Open ``path`` (``/page?arguments``); anything that is not a local path is refused."""
        if not is_local_path(path):
            raise ValueError(f"Not a path of this site: {path!r}")
        self._send_msg({"type": "go", "url": path})


def is_local_path(path: str) -> bool:
    """Whether ``path`` is a path of this site (``/x``), not an address elsewhere (``//x``)."""
    return path.startswith("/") and not path.startswith("//") and "\\" not in path
