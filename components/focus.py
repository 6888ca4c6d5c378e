"""Move the keyboard focus to an element of the page from Python, e.g. to a wizard step's main
control once the step is drawn.

Panel draws every widget in its own shadow root, so the element is looked up through the shadow
roots; it may not be drawn yet when Python asks, so the browser keeps looking for a moment.

    mover = FocusMover()
    mover.focus(".dp-onb-name input")
"""

from __future__ import annotations

from typing import Any

import panel as pn
import param


class FocusMover(pn.custom.JSComponent):
    """An invisible component that focuses the first element matching ``target``."""

    target = param.String(default="", doc="CSS selector of the element to focus.")
    serial = param.Integer(default=0, doc="Grows on every request, so the same target refocuses.")

    _esm = "focus.js"

    def __init__(self, **params: Any) -> None:
        params.setdefault("height", 0)
        params.setdefault("width", 0)
        params.setdefault("margin", 0)
        super().__init__(**params)

    def focus(self, selector: str) -> None:
        """Focus the element ``selector`` finds (now, or as soon as it is drawn)."""
        self.param.update(target=selector, serial=self.serial + 1)
