"""Keyboard helpers of the connection form: Enter in a password field, Escape in the form.

Panel's ``PasswordInput`` reports no Enter and no widget reports Escape; these two do, so the
form is sent with Enter from any field and cancelled with Escape.
"""

from __future__ import annotations

from typing import Any

import panel as pn
import param


class PasswordField(pn.widgets.PasswordInput):
    """A password input that, like ``TextInput``, reports Enter as ``enter_pressed``."""

    enter_pressed = param.Event(doc="Event when the Enter key has been pressed.")

    _rename = {"enter_pressed": None}

    def _get_model(self, doc: Any, root: Any = None, parent: Any = None, comm: Any = None) -> Any:
        model = super()._get_model(doc, root, parent, comm)
        # Bokeh's text inputs (the password one included) send value_submit on Enter.
        self._register_events("value_submit", model=model, doc=doc, comm=comm)
        return model

    def _process_event(self, event: Any) -> None:
        if event.event_name == "value_submit":
            self.value = self.value_input = event.value
            self.param.trigger("enter_pressed")


class EscapeKey(pn.custom.JSComponent):
    """Invisible: reports Escape pressed inside the element with the CSS class ``scope``."""

    scope = param.String(default="", doc="CSS class of the element whose Escape is reported.")
    pressed = param.Event(doc="Escape was pressed inside ``scope``.")

    _esm = "connection_keys.js"

    def __init__(self, **params: Any) -> None:
        params.setdefault("height", 0)
        params.setdefault("width", 0)
        params.setdefault("margin", 0)
        super().__init__(**params)

    def _handle_msg(self, msg: Any) -> None:
        if isinstance(msg, dict) and msg.get("type") == "escape":
            self.param.trigger("pressed")
