"""The dashboard's grid of tiles: a CSS grid in View mode, Panel's GridStack in Edit mode.

View mode lays the tiles on a 12-column CSS grid (one rule per tile from its
:class:`~pipelines.dashboards.Position`); under 768 px wide every tile takes the whole width,
in reading order (top to bottom, left to right). Edit mode puts the same tiles in a
``GridStack`` (drag and resize; GridStack keeps a fixed number of rows, so the grid gets
``EDIT_ROWS`` free rows below the last tile and grows when a tile reaches them). Every change of
layout (drag, resize, add, remove) is kept for :meth:`DashboardCanvas.undo`. Edit mode may show
lighter stand-ins for the tiles (``edit_tiles``: a title and what the widget shows): a Bokeh
chart inside a GridStack cell does not follow the cell's size while it is dragged and resized.

    canvas = DashboardCanvas()
    canvas.set_tiles({"w1": chart_tile, "w2": kpi_tile}, {"w1": Position(w=8), "w2": Position(x=8)})
    canvas.editing = True   # handles on; canvas.positions follows the user's drags

Why not GridStack in View mode too: Panel's GridStack fixes its number of rows (its ``row``
option), so the one-column phone layout stacks tiles over each other; and a saved HTML file
would need GridStack's script to lay out at all.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import panel as pn
import param

from components.assets import css_variables, read_asset
from pipelines.dashboards import GRID_COLUMNS, Position, first_free

ROW_PX = 60
GAP_PX = 8
HEADER_PX = 46
"""The height of a tile's header (title, badges, actions) above its chart or table."""
EDIT_ROWS = 8
"""Free rows below the lowest tile in Edit mode, to drag and resize into."""
MAX_UNDO = 50
_CSS = read_asset(__file__, "canvas.css")
_PHONE_CSS = read_asset(__file__, "canvas_phone.css")
_VARIABLES = css_variables({"--dp-row-px": f"{ROW_PX}px", "--dp-gap-px": f"{GAP_PX}px"})
_SAFE = re.compile(r"[^A-Za-z0-9_-]")


def tile_class(widget_id: str) -> str:
    """The CSS class of a tile (widget ids are letters, digits, ``-`` and ``_``)."""
    return "dp-tile-" + _SAFE.sub("_", widget_id)


def grid_rules(positions: Mapping[str, Position]) -> str:
    """One CSS rule per tile placing it on the grid, and its phone rule (whole width, its own
    height)."""
    rules = [
        f":host > .{tile_class(wid)} {{ grid-column: {p.x + 1} / span {p.w}; "
        f"grid-row: {p.y + 1} / span {p.h}; }}"
        for wid, p in positions.items()
    ]
    phone = [
        f":host > .{tile_class(wid)} {{ grid-row: auto / span {p.h}; }}"
        for wid, p in positions.items()
    ]
    return "\n".join([*rules, "@media (max-width: 768px) {", *phone, "}"])


def reading_order(positions: Mapping[str, Position]) -> list[str]:
    """Widget ids top to bottom, then left to right (the order on a phone)."""
    return sorted(positions, key=lambda wid: (positions[wid].y, positions[wid].x))


def grid_view(
    tiles: Mapping[str, pn.viewable.Viewable], positions: Mapping[str, Position], **params: Any
) -> pn.Column:
    """The tiles on a CSS grid (View mode, and the exported HTML)."""
    ordered = [wid for wid in reading_order(positions) if wid in tiles]
    for wid in ordered:
        tile = tiles[wid]
        classes = [c for c in tile.css_classes if not c.startswith("dp-tile")]
        tile.param.update(css_classes=[*classes, "dp-tile", tile_class(wid)])
    stylesheets = [_VARIABLES, _CSS, grid_rules(positions), _PHONE_CSS]
    params.setdefault("sizing_mode", "stretch_width")
    params.setdefault("css_classes", ["dp-dashboard-grid"])
    return pn.Column(*(tiles[wid] for wid in ordered), stylesheets=stylesheets, **params)


def body_height(position: Position) -> int:
    """The pixels a tile of ``position`` leaves for its chart or table under its header."""
    return max(80, position.h * ROW_PX + (position.h - 1) * GAP_PX - HEADER_PX)


def frame(view: pn.viewable.Viewable | pn.viewable.Viewer) -> pn.Column:
    """The grid cell holding a tile (the canvas places it by its CSS classes)."""
    return pn.Column(view, sizing_mode="stretch_both", css_classes=["dp-dash-tile"], margin=0)


class DashboardCanvas(pn.viewable.Viewer):
    """The tiles of a dashboard, laid out by ``positions``; editable when ``editing``."""

    editing = param.Boolean(default=False, doc="Edit mode: drag and resize handles.")
    positions = param.Dict(default={}, doc="Widget id -> Position, as the user left them.")
    can_undo = param.Boolean(default=False, doc="Whether a layout change can be undone.")

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self._tiles: dict[str, pn.viewable.Viewable] = {}
        self._edit_tiles: dict[str, pn.viewable.Viewable] = {}
        self._history: list[dict[str, Position]] = []
        self._ids: dict[str, str] = {}
        self._rows = 0
        self._layout = pn.Column(sizing_mode="stretch_width", css_classes=["dp-dashboard-canvas"])
        self.param.watch(lambda _: self._render(), "editing")

    # -- public ------------------------------------------------------------------------------
    @property
    def tiles(self) -> dict[str, pn.viewable.Viewable]:
        return dict(self._tiles)

    @property
    def edit_tiles(self) -> dict[str, pn.viewable.Viewable]:
        """What each tile shows in Edit mode (its layout card)."""
        return dict(self._edit_tiles)

    def set_tiles(
        self,
        tiles: Mapping[str, pn.viewable.Viewable],
        positions: Mapping[str, Position],
        edit_tiles: Mapping[str, pn.viewable.Viewable] | None = None,
    ) -> None:
        """Show these tiles at these positions (a dashboard opened or reloaded): no undo.
        ``edit_tiles`` (by widget id) stand in for ``tiles`` in Edit mode."""
        missing = sorted(set(tiles) - set(positions))
        if missing:
            raise ValueError(f"No position for tile(s) {', '.join(missing)}")
        self._tiles = dict(tiles)
        self._edit_tiles = dict(edit_tiles or {})
        self._history.clear()
        self.can_undo = False
        self.positions = {wid: positions[wid] for wid in tiles}
        self._render()

    def replace_tile(
        self,
        widget_id: str,
        tile: pn.viewable.Viewable,
        edit_tile: pn.viewable.Viewable | None = None,
    ) -> None:
        """Put ``tile`` in the place of widget ``widget_id`` (its content changed)."""
        if widget_id not in self._tiles:
            raise KeyError(f"No tile {widget_id!r} on this dashboard")
        self._tiles[widget_id] = tile
        if edit_tile is not None:
            self._edit_tiles[widget_id] = edit_tile
        self._render()

    def add(
        self,
        widget_id: str,
        tile: pn.viewable.Viewable,
        position: Position | None = None,
        edit_tile: pn.viewable.Viewable | None = None,
    ) -> Position:
        """Add a tile (below the others unless ``position`` is given); undoable."""
        if widget_id in self._tiles:
            raise ValueError(f"A tile {widget_id!r} is already on this dashboard")
        where = position or first_free(self.positions)
        self._remember()
        self._tiles[widget_id] = tile
        if edit_tile is not None:
            self._edit_tiles[widget_id] = edit_tile
        self.positions = {**self.positions, widget_id: where}
        self._render()
        return where

    def remove(self, widget_id: str) -> None:
        """Take a tile off the grid; undoable (the page keeps the tile to put it back)."""
        if widget_id not in self._tiles:
            return
        self._remember()
        positions = dict(self.positions)
        positions.pop(widget_id, None)
        self.positions = positions
        self._render()

    def undo(self) -> bool:
        """Go back to the layout before the last change; False when there is none."""
        if not self._history:
            return False
        self.positions = self._history.pop()
        self.can_undo = bool(self._history)
        self._render()
        return True

    # -- layout ----------------------------------------------------------------------------
    def _remember(self) -> None:
        self._history.append(dict(self.positions))
        del self._history[:-MAX_UNDO]
        self.can_undo = True

    def _shown(self) -> dict[str, pn.viewable.Viewable]:
        if self.editing:
            tiles = {**self._tiles, **self._edit_tiles}
            return {wid: tiles[wid] for wid in self._tiles if wid in self.positions}
        return {wid: tile for wid, tile in self._tiles.items() if wid in self.positions}

    def _render(self) -> None:
        tiles = self._shown()
        if not tiles:
            self._layout.objects = []
        elif self.editing:
            self._layout.objects = [self._grid_stack(tiles)]
        else:
            self._layout.objects = [grid_view(tiles, self.positions)]

    def _grid_stack(self, tiles: Mapping[str, pn.viewable.Viewable]) -> pn.layout.GridStack:
        bottom = max(p.y + p.h for wid, p in self.positions.items() if wid in tiles)
        self._rows = bottom + EDIT_ROWS
        stack = pn.layout.GridStack(
            ncols=GRID_COLUMNS,
            nrows=self._rows,
            height=self._rows * ROW_PX,
            sizing_mode="stretch_width",
            allow_drag=True,
            allow_resize=True,
            css_classes=["dp-dashboard-edit"],
        )
        self._ids = {}
        for wid in reading_order({w: self.positions[w] for w in tiles}):
            p, tile = self.positions[wid], tiles[wid]
            stack[p.y : p.y + p.h, p.x : p.x + p.w] = tile
            self._ids[str(id(tile))] = wid
        stack.param.watch(self._dragged, "state")
        return stack

    def _dragged(self, event: param.parameterized.Event) -> None:
        moved: dict[str, Position] = {}
        for item in event.new or []:
            wid = self._ids.get(str(item.get("id")))
            if wid is None:
                continue
            x0, y0, x1, y1 = (int(item[k]) for k in ("x0", "y0", "x1", "y1"))
            moved[wid] = Position(x=x0, y=y0, w=max(1, x1 - x0), h=max(1, y1 - y0))
        if not moved or moved == {w: self.positions.get(w) for w in moved}:
            return
        self._remember()
        self.positions = {**self.positions, **moved}
        if max(p.y + p.h for p in self.positions.values()) + 2 > self._rows:
            self._render()  # room to grow: more free rows below

    def __panel__(self) -> pn.viewable.Viewable:
        return self._layout
