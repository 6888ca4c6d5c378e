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

_GUARD_ESM = """
export function render({ model }) {
  const guard = (event) => {
    if (!model.active) return
    event.preventDefault()
    event.returnValue = ""  // older browsers need a value to show the prompt
  }
  window.addEventListener("beforeunload", guard)
  model.on("remove", () => window.removeEventListener("beforeunload", guard))
}
"""


class UnsavedGuard(pn.custom.JSComponent):
    """Asks the browser to confirm leaving the page while ``active`` is true."""

    active = param.Boolean(default=False, doc="True while the page has unsaved changes.")

    _esm = _GUARD_ESM

    def __init__(self, **params: object) -> None:
        params.setdefault("width", 0)
        params.setdefault("height", 0)
        params.setdefault("margin", 0)
        super().__init__(**params)
