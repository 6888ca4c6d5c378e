"""A browser guard against losing unsaved work: the "Leave site?" prompt on reload or close.

    guard = UnsavedGuard()
    guard.active = True       # while there are unsaved changes
    guard.active = False      # after saving

The component draws nothing; it listens to the window's ``beforeunload`` event and asks the
browser to confirm only while :attr:`UnsavedGuard.active` is true. It needs no network.
"""

from __future__ import annotations

import panel as pn
import param


class UnsavedGuard(pn.custom.JSComponent):
    """Asks the browser to confirm leaving the page while ``active`` is true."""

    active = param.Boolean(default=False, doc="True while the page has unsaved changes.")

    _esm = "unsaved_guard.js"

    def __init__(self, **params: object) -> None:
        params.setdefault("width", 0)
        params.setdefault("height", 0)
        params.setdefault("margin", 0)
        super().__init__(**params)
