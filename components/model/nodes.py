"""Small browser-side pieces of the ERD: a table's column list, keyboard shortcuts, a ruler.

Each is a :class:`panel.custom.JSComponent` subclass with a few lines of plain JavaScript (no
imports, nothing fetched; ``nodes_columns.js``, ``nodes_keys.js``, ``nodes_width.js``), so they
work offline on the server and in Jupyter alike.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import param
from panel.custom import JSComponent

from components.assets import css_variables, read_asset
from components.model.graph import FOOTER_PX, ROW_PX


class TableColumns(JSComponent):
    """The column rows of one table node; clicking a row reports the column, clicking the
    node's header reports the table."""

    columns = param.List(default=[], doc="Rows: dicts from erd_graph.column_rows().")
    selected = param.String(default="", doc="Name of the highlighted column, if any.")

    _esm = "nodes_columns.js"
    _stylesheets = [
        css_variables({"--dp-row-px": f"{ROW_PX}px", "--dp-footer-px": f"{FOOTER_PX}px"}),
        read_asset(__file__, "nodes_columns.css"),
    ]

    def __init__(
        self,
        on_click: Callable[[str], None] | None = None,
        on_header: Callable[[], None] | None = None,
        on_drawn: Callable[[], None] | None = None,
        **params: Any,
    ) -> None:
        params.setdefault("margin", 0)
        params.setdefault("sizing_mode", "fixed")
        super().__init__(**params)
        self._on_click = on_click
        self._on_header = on_header
        self._on_drawn = on_drawn

    def _handle_msg(self, data: Any) -> None:
        if not isinstance(data, dict):
            return
        if isinstance(data.get("column"), str) and self._on_click:
            self._on_click(data["column"])
        elif data.get("header") is True and self._on_header:
            self._on_header()
        elif data.get("drawn") is True and self._on_drawn:
            self._on_drawn()


class KeyShortcuts(JSComponent):
    """Ctrl+Z (Cmd+Z) anywhere on the page outside a text field calls ``on_undo``."""

    _esm = "nodes_keys.js"

    def __init__(self, on_undo: Callable[[], None] | None = None, **params: Any) -> None:
        params.setdefault("width", 0)
        params.setdefault("height", 0)
        params.setdefault("margin", 0)
        super().__init__(**params)
        self._on_undo = on_undo

    def _handle_msg(self, data: Any) -> None:
        if isinstance(data, dict) and data.get("action") == "undo" and self._on_undo:
            self._on_undo()


class CanvasWidth(JSComponent):
    """Reports the width its row takes in the browser (the canvas's width, which stretches),
    so the server can fit the view to it; and, 2 s after it is drawn, calls ``on_drawn`` (the
    fallback for a canvas whose tables never say they were drawn)."""

    pane_width = param.Integer(default=0, doc="Width in pixels, as measured in the browser.")

    _esm = "nodes_width.js"

    def __init__(self, on_drawn: Callable[[], None] | None = None, **params: Any) -> None:
        params.setdefault("height", 0)
        params.setdefault("margin", 0)
        params.setdefault("sizing_mode", "stretch_width")
        super().__init__(**params)
        self._on_drawn = on_drawn

    def _handle_msg(self, data: Any) -> None:
        if isinstance(data, dict) and data.get("drawn") is True and self._on_drawn:
            self._on_drawn()
