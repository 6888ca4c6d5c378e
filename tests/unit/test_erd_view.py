"""What the Model page shows before anyone clicks: the fitted view of the ERD, filled pickers,
names that wrap at their joints, and readable table rows."""

from __future__ import annotations

import re
from pathlib import Path

import panel as pn

from components import assets
from components.model import graph as erd_graph
from components.model.erd import ErdEditor
from components.model.panels import IssuesPanel, MeasuresPanel
from components.text import breakable
from pipelines.semantic import Column, Position, SemanticModel, SourceColumn, SourceSchema, Table

ROOT = Path(__file__).resolve().parents[2]


def table(name: str, columns: int = 4, position: Position | None = None) -> Table:
    return Table(
        name=name,
        source_id=f"s-{name}",
        position=position,
        columns=[Column(name=f"c{i}", type="integer") for i in range(columns)],
    )


def source(name: str) -> SourceSchema:
    return SourceSchema(
        source_id=f"s-{name}",
        name=name,
        row_count=1,
        columns=(SourceColumn(name="id", label="id", type="integer", distinct_approx=1),),
    )


def on_screen(model: SemanticModel, viewport: dict[str, float], width: int, height: int) -> bool:
    where = erd_graph.positions(model)
    zoom = viewport["zoom"]
    for t in model.tables:
        left = where[t.name]["x"] * zoom + viewport["x"]
        top = where[t.name]["y"] * zoom + viewport["y"]
        right = left + erd_graph.NODE_WIDTH * zoom
        bottom = top + erd_graph.node_height(t) * zoom
        if left < 0 or top < 0 or right > width or bottom > height:
            return False
    return True


def test_one_table_is_fitted_at_its_real_size_not_blown_up() -> None:
    model = SemanticModel(tables=[table("orders")])
    viewport = erd_graph.fit_viewport(model, 900, 640)
    assert viewport is not None
    assert viewport["zoom"] == erd_graph.FIT_MAX_ZOOM == 1.0
    assert on_screen(model, viewport, 900, 640)


def test_far_apart_tables_are_all_fitted_into_the_canvas() -> None:
    model = SemanticModel(
        tables=[table("a", 3, Position(x=0, y=0)), table("b", 40, Position(x=2400, y=900))]
    )
    viewport = erd_graph.fit_viewport(model, 900, 640)
    assert viewport is not None and viewport["zoom"] < 1
    assert on_screen(model, viewport, 900, 640)
    assert erd_graph.fit_viewport(SemanticModel(), 900, 640) is None


def test_the_canvas_fits_its_view_once_its_width_is_known_and_after_a_table_is_added() -> None:
    editor = ErdEditor(model=SemanticModel(tables=[table("orders")]), sources=[source("items")])
    assert editor.flow.viewport is None  # no width measured yet
    editor._canvas.ruler.pane_width = 900
    first = editor.flow.viewport
    assert first is not None and first["zoom"] == 1.0
    editor.flow.viewport = {"x": -5000.0, "y": -5000.0, "zoom": 0.5}  # the user panned away
    assert editor.add_source("s-items")
    assert on_screen(editor.model, editor.flow.viewport, 900, editor.canvas_height)
    # A drag moves no table in or out: the user's view stays.
    editor.flow.viewport = moved = {"x": 10.0, "y": 10.0, "zoom": 0.8}
    editor.move("orders", {"x": 50.0, "y": 60.0})
    assert editor.flow.viewport == moved
    assert editor.flow.max_zoom <= erd_graph.FIT_MAX_ZOOM


def test_the_add_table_and_measure_table_pickers_show_their_first_option() -> None:
    editor = ErdEditor(model=SemanticModel(), sources=[source("orders"), source("items")])
    picker = editor._source_select
    assert picker.value == "s-orders"
    assert editor.add_source(picker.value)
    assert picker.value == "s-items"  # orders is in the model, no longer an option
    measures = MeasuresPanel(editor=editor)
    assert measures._table.value == "orders"
    root = pn.panel(picker).get_root()
    assert root.value == "s-items"  # what the browser shows selected


def test_long_names_wrap_at_underscores_not_mid_word() -> None:
    assert (
        breakable("customers_with_a_long_name") == "customers_<wbr>with_<wbr>a_<wbr>long_<wbr>name"
    )
    assert breakable("<b>&") == "&lt;b&gt;&amp;"
    issue = {"level": "error", "code": "x", "message": "customers_with_a_long_name.amount"}
    shown = IssuesPanel(issues=[issue])._pane.object
    assert "customers_<wbr>with_<wbr>a_<wbr>long_<wbr>name.amount" in shown
    for css in ("model/panels.css", "model/inspector.css"):
        text = (ROOT / "components" / css).read_text(encoding="utf-8")
        assert "overflow-wrap: anywhere" not in text, css


def test_every_tabulator_row_hover_keeps_dark_text() -> None:
    css = assets.TABLE_ROWS_CSS
    hover = re.search(r"tabulator-row:hover\s*\{([^}]*)\}", css)
    assert hover is not None and "color: #1d2733" in hover.group(1)
    for module in (
        "components/data_table.py",
        "components/model/try_it.py",
        "components/sources/schema_editor.py",
        "components/charts/kpi.py",
    ):
        assert "TABLE_ROWS_CSS" in (ROOT / module).read_text(encoding="utf-8"), module


def test_the_canvas_is_drawn_when_a_table_says_so_or_the_ruler_gives_up_waiting() -> None:
    editor = ErdEditor(model=SemanticModel(tables=[table("orders")]))
    assert not editor.drawn
    view = editor._canvas.table_view("orders")
    assert view is not None
    view._handle_msg({"column": "c1"})  # a click on a column is not the canvas being drawn
    assert not editor.drawn
    view._handle_msg({"drawn": True})
    assert editor.drawn
    empty = ErdEditor(model=SemanticModel())
    empty._canvas.ruler._handle_msg({"drawn": True})  # no table will ever say it
    assert empty.drawn
