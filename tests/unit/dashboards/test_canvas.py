"""The dashboard canvas: tiles placed from positions on a CSS grid (one column on a phone),
GridStack in Edit mode whose drags and resizes come back as positions, and undo."""

from __future__ import annotations

import panel as pn
import pytest

from components.dashboards.canvas import (
    DashboardCanvas,
    first_free,
    grid_rules,
    reading_order,
    tile_class,
)
from pipelines.dashboards import Position


def tiles(*ids: str) -> dict[str, pn.pane.HTML]:
    return {wid: pn.pane.HTML(f"<b>{wid}</b>") for wid in ids}


POSITIONS = {
    "sales": Position(x=6, y=0, w=6, h=4),
    "kpi": Position(x=0, y=0, w=6, h=4),
    "table": Position(x=0, y=4, w=12, h=6),
}


def test_each_tile_gets_its_cell_and_a_whole_width_row_on_a_phone() -> None:
    css = grid_rules(POSITIONS)
    assert ":host > .dp-tile-sales { grid-column: 7 / span 6; grid-row: 1 / span 4; }" in css
    assert ":host > .dp-tile-table { grid-column: 1 / span 12; grid-row: 5 / span 6; }" in css
    phone = css.split("@media (max-width: 768px) {")[1]
    assert ":host > .dp-tile-table { grid-row: auto / span 6; }" in phone
    assert reading_order(POSITIONS) == ["kpi", "sales", "table"]
    assert tile_class("a b<c") == "dp-tile-a_b_c"


def test_a_new_tile_goes_below_the_others() -> None:
    assert first_free(POSITIONS) == Position(x=0, y=10, w=6, h=5)
    assert first_free({}) == Position(x=0, y=0, w=6, h=5)


def test_view_mode_lays_out_tiles_in_reading_order_with_their_classes() -> None:
    canvas = DashboardCanvas()
    canvas.set_tiles(tiles("sales", "kpi", "table"), POSITIONS)
    (grid,) = canvas._layout.objects
    assert [o.object for o in grid.objects] == ["<b>kpi</b>", "<b>sales</b>", "<b>table</b>"]
    assert "dp-tile-kpi" in grid.objects[0].css_classes
    assert any("grid-column: 7 / span 6" in s for s in grid.stylesheets if isinstance(s, str))
    with pytest.raises(ValueError, match="No position for tile"):
        canvas.set_tiles(tiles("other"), POSITIONS)


def test_edit_mode_turns_drags_and_resizes_into_positions_and_undo_restores() -> None:
    canvas = DashboardCanvas()
    canvas.set_tiles(tiles("sales", "kpi", "table"), POSITIONS)
    canvas.editing = True
    (stack,) = canvas._layout.objects
    assert isinstance(stack, pn.layout.GridStack)
    assert stack.nrows == 10 + 8 and stack.allow_drag and stack.allow_resize
    ids = {wid: str(id(tile)) for wid, tile in canvas.tiles.items()}

    # The browser reports where every item is after the user moved "sales" down and widened it.
    stack.state = [
        {"id": ids["kpi"], "x0": 0, "y0": 0, "x1": 6, "y1": 4},
        {"id": ids["sales"], "x0": 0, "y0": 10, "x1": 12, "y1": 13},
        {"id": ids["table"], "x0": 0, "y0": 4, "x1": 12, "y1": 10},
    ]
    assert canvas.positions["sales"] == Position(x=0, y=10, w=12, h=3)
    assert canvas.positions["kpi"] == POSITIONS["kpi"]
    assert canvas.can_undo

    assert canvas.undo()
    assert canvas.positions["sales"] == POSITIONS["sales"]
    assert not canvas.can_undo and not canvas.undo()


def test_add_and_remove_are_undoable() -> None:
    canvas = DashboardCanvas()
    canvas.set_tiles(tiles("kpi"), {"kpi": POSITIONS["kpi"]})
    where = canvas.add("notes", pn.pane.Markdown("Hello"))
    assert where == Position(x=0, y=4, w=6, h=5)
    canvas.remove("kpi")
    assert set(canvas.positions) == {"notes"}
    assert canvas.undo() and set(canvas.positions) == {"kpi", "notes"}
    assert canvas.undo() and set(canvas.positions) == {"kpi"}
    with pytest.raises(ValueError, match="already on this dashboard"):
        canvas.add("kpi", pn.pane.Markdown("again"))
