"""Cross-filter clicks on charts: a Bokeh TapTool that tells the server which row was clicked
and whether Ctrl (Cmd on a Mac) was held.

Bokeh's own tap selection has no notion of "add to the filter": its Ctrl means "intersect".
So the tool only *inspects* (nothing is selected in the browser) and a small CustomJS
(``select_tap.js``) writes ``{index, additive}`` into the tool's ``tags``; that change travels
to the server like any Bokeh property and :func:`tap_tool`'s handler maps the index to a value.
Bokeh's tap modifiers have Ctrl but not Cmd: ``select_keys.js``, run when the pointer enters
the chart, remembers the keys held at each pointer press.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bokeh.events import MouseEnter
from bokeh.models import CustomJS, TapTool

from components.assets import read_asset

TAP_JS = read_asset(__file__, "select_tap.js")
KEYS_JS = read_asset(__file__, "select_keys.js")

IndexHandler = Callable[[int, bool], None]
"""Called with the clicked row of the data source and whether the click was additive."""


def tap_tool(handler: IndexHandler, renderers: list[Any] | None = None) -> TapTool:
    """A TapTool calling ``handler(index, additive)`` on the server when a glyph is clicked."""
    tool = TapTool(
        behavior="inspect",
        callback=CustomJS(code=TAP_JS),
        renderers=renderers if renderers is not None else "auto",
        tags=[],
    )

    def changed(_attr: str, _old: Any, new: Any) -> None:
        if not new or not isinstance(new[0], dict):
            return
        item = new[0]
        try:
            index = int(item["index"])
        except (KeyError, TypeError, ValueError):
            return
        handler(index, bool(item.get("additive", False)))

    tool.on_change("tags", changed)
    return tool


def add_tap(fig: Any, handler: IndexHandler, renderers: list[Any] | None = None) -> TapTool:
    """Add a :func:`tap_tool` to the Bokeh figure ``fig``, active, and return it."""
    tool = tap_tool(handler, renderers)
    fig.add_tools(tool)
    fig.js_on_event(MouseEnter, CustomJS(code=KEYS_JS))
    fig.toolbar.active_tap = tool
    return tool


def tap_hook(handler: Callable[[Any, int, bool], None]) -> Callable[[Any, Any], None]:
    """A HoloViews hook adding a tap tool on the element's glyphs; ``handler`` gets the
    element's Bokeh data source, the clicked index and whether the click was additive."""

    def hook(plot: Any, _element: Any) -> None:
        source = plot.handles.get("source")
        renderer = plot.handles.get("glyph_renderer")
        if source is None or renderer is None:
            return
        add_tap(plot.state, lambda index, additive: handler(source, index, additive), [renderer])

    return hook
