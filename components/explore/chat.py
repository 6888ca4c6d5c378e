"""Panel's ``ChatInterface`` with every icon drawn as inline SVG, so nothing is fetched.

Bokeh draws a named icon (``icon="send"``) with Tabler's web font, which it loads from a CDN
(cdn.jsdelivr.net) as soon as such an icon is on the page, shown or not: the chat's buttons
(send, stop, rerun, undo, clear), each message's edit toggle and its reaction icons. With no
internet (and under the app's Content Security Policy) that is a blocked request per shadow
root. Here every one of those icons is an inline SVG (Panel draws an icon given as ``<svg…>``
itself), and messages have no reaction icons.

    chat = OfflineChatInterface(callback=answer, user="Ada")
"""

from __future__ import annotations

from typing import Any, ClassVar

import panel as pn

from components.assets import read_asset

_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="24" height="24" viewBox="0 0 24 24" '
    'fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" '
    'stroke-linejoin="round">{}</svg>'
)
ICONS = {
    "send": _SVG.format(
        '<path d="M10 14 21 3"/><path d="m21 3-6.5 18a.55.55 0 0 1-1 0L10 14l-7-3.5a.55.55 0 0 1 0-1L21 3"/>'
    ),
    "stop": _SVG.format('<rect x="6" y="6" width="12" height="12" rx="2"/>'),
    "rerun": _SVG.format(
        '<path d="M4 12V9a3 3 0 0 1 3-3h13l-3-3m0 6 3-3"/><path d="M20 12v3a3 3 0 0 1-3 3H4l3 3m0-6-3 3"/>'
    ),
    "undo": _SVG.format('<path d="M9 14 4 9l5-5"/><path d="M4 9h10.5a5.5 5.5 0 0 1 0 11H11"/>'),
    "clear": _SVG.format(
        '<path d="M4 7h16M10 11v6M14 11v6M5 7l1 12a2 2 0 0 0 2 2h8a2 2 0 0 0 2-2l1-12M9 7V4a1 1 0 0 1 1-1h4a1 1 0 0 1 1 1v3"/>'
    ),
    "edit": _SVG.format(
        '<path d="M4 20h4L18.5 9.5a2.8 2.8 0 0 0-4-4L4 16v4"/><path d="m13.5 6.5 4 4"/>'
    ),
    "close": _SVG.format('<path d="M18 6 6 18M6 6l12 12"/>'),
    "up": _SVG.format(
        '<path d="M7 11v8a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1v-7a1 1 0 0 1 1-1h3a4 4 0 0 0 4-4V6a2 2 0 0 1 4 0v5h3a2 2 0 0 1 2 2l-1 5a2 3 0 0 1-2 2h-7a3 3 0 0 1-3-3"/>'
    ),
    "down": _SVG.format(
        '<path d="M7 13V5a1 1 0 0 0-1-1H4a1 1 0 0 0-1 1v7a1 1 0 0 0 1 1h3a4 4 0 0 1 4 4v1a2 2 0 0 0 4 0v-5h3a2 2 0 0 0 2-2l-1-5a2 3 0 0 0-2-2h-7a3 3 0 0 0-3 3"/>'
    ),
}
_CSS = read_asset(__file__, "chat.css")
BUTTONS = ("send", "stop", "rerun", "undo", "clear")


class OfflineChatMessage(pn.chat.ChatMessage):
    """A chat message whose edit toggle is drawn in SVG and that has no reaction icons.

    Panel gives a message's object a fixed height of 500 px when it has none; a layout whose
    content grows later (an answer's chart, table and actions) then overflows onto the next
    message. A layout object here keeps its own height: it grows with its content.
    """

    def _set_params(self, obj: Any, **params: Any) -> None:
        own_height = obj.height
        super()._set_params(obj, **params)
        if own_height is None and isinstance(obj, pn.layout.ListPanel):
            obj.height = None

    def __init__(self, object: Any = None, **params: Any) -> None:
        params.setdefault("reaction_icons", {})
        params["stylesheets"] = [*params.get("stylesheets", []), _CSS]
        super().__init__(object, **params)
        self.edit_icon.param.update(icon=ICONS["edit"], active_icon=ICONS["close"])


class OfflineChatInterface(pn.chat.ChatInterface):
    """A ``ChatInterface`` of :class:`OfflineChatMessage`, with SVG icons on its buttons."""

    _message_type: ClassVar[type[pn.chat.ChatMessage]] = OfflineChatMessage

    def __init__(self, **params: Any) -> None:
        buttons = dict(params.pop("button_properties", {}) or {})
        for name in BUTTONS:
            buttons[name] = {"icon": ICONS[name], **buttons.get(name, {})}
        super().__init__(button_properties=buttons, **params)
