"""Cross-filter clicks on dashboard widgets call ``on_select(widget_id, field, value, additive)``.

A chart click reaches the server as a change of the TapTool's ``tags`` (set by
``select_tap.js`` in the browser, tests/ui covers that part); here the change is made on the
real Bokeh model, which runs the same server-side handler.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from bokeh.models import CustomJS, Plot, TapTool
from panel.models.tabulator import SelectionEvent

from components.dashboards import WidgetView
from components.dashboards.select import KEYS_JS, TAP_JS
from pipelines.dashboards import CrossFilter
from pipelines.dashboards.results import WidgetData

from .widget_data import AMOUNT, REGION, by_region, by_region_and_segment, data, widget

Picked = list[tuple[str, str, Any, bool]]


def tapped(fig: Plot, index: int, additive: bool = False) -> None:
    tool = next(t for t in fig.tools if isinstance(t, TapTool))
    assert isinstance(tool.callback, CustomJS) and tool.callback.code == TAP_JS
    assert fig.toolbar.active_tap is tool
    keys = fig.js_event_callbacks["mouseenter"]
    assert [c.code for c in keys] == [KEYS_JS]  # remembers Cmd, which Bokeh's tap ignores
    tool.tags = [{"index": index, "additive": additive, "at": 1}]


def source_of(fig: Plot, column: str) -> list[Any]:
    tool = next(t for t in fig.tools if isinstance(t, TapTool))
    return list(tool.renderers[0].data_source.data[column])


def viewer(kind: str, widget_data: WidgetData, **chart: Any) -> tuple[WidgetView, Picked]:
    picked: Picked = []
    view = WidgetView(
        widget=widget(kind, **chart), data=widget_data,
        on_select=lambda *args: picked.append(args),
    )  # fmt: skip
    return view, picked


def test_clicking_a_bar_selects_its_category_and_ctrl_click_adds_it() -> None:
    view, picked = viewer("bar", by_region())
    fig = view.figure()
    south = source_of(fig, "x").index("South")
    tapped(fig, south)
    tapped(fig, source_of(fig, "x").index("East"), additive=True)
    assert picked == [("w1", REGION, "South", False), ("w1", REGION, "East", True)]


def test_clicking_a_stacked_bar_selects_its_x_category() -> None:
    view, picked = viewer("bar", by_region_and_segment(), x=REGION, series="orders.segment",
                          stacked=True)  # fmt: skip
    fig = view.figure()
    tapped(fig, source_of(fig, "x").index("North"))
    assert picked == [("w1", REGION, "North", False)]


def test_a_year_category_comes_back_as_its_value_and_the_other_bar_does_nothing() -> None:
    rows = [[f"R{i:02d}", float(i)] for i in range(25)]
    view, picked = viewer("hbar", data([REGION, AMOUNT], rows))
    fig = view.figure()
    labels = source_of(fig, "x")
    tapped(fig, labels.index("Other"))
    assert picked == []
    tapped(fig, labels.index("R24"))
    assert picked == [("w1", REGION, "R24", False)]


def test_clicking_a_pie_slice_selects_its_category() -> None:
    view, picked = viewer("pie", by_region(), donut=True)
    fig = view.figure()
    tapped(fig, source_of(fig, "label").index("East"), additive=True)
    assert picked == [("w1", REGION, "East", True)]


def test_clicking_a_scatter_point_selects_the_row_dimension_value() -> None:
    rows = [["North", 1.0, 2.0], ["South", None, 4.0], ["East", 5.0, 6.0]]
    points = WidgetData(
        widget_id="w1", status="ok", columns=[REGION, "a", "b"], rows=rows,
        types={REGION: "text", "a": "decimal", "b": "decimal"},
        kinds={REGION: "dimension", "a": "measure", "b": "measure"},
    )  # fmt: skip
    view, picked = viewer("scatter", points)
    fig = view.figure()
    assert source_of(fig, "row") == [0, 2]  # South has no x: not drawn
    tapped(fig, 1)
    assert picked == [("w1", REGION, "East", False)]


def click_rows(table: Any, indices: list[int], modifier: bool) -> None:
    """What Panel does with the browser's row-click message (pagination is remote)."""
    table._process_event(SelectionEvent(None, indices, selected=True, flush=not modifier))


def test_clicking_a_table_row_selects_its_dimension_and_ctrl_click_adds() -> None:
    view, picked = viewer("table", by_region())
    table = view.figure()
    click_rows(table, [1], modifier=False)
    click_rows(table, [2], modifier=True)
    assert table.selection == [1, 2]
    click_rows(table, [2], modifier=False)  # plain click on a selected row: only that one
    assert table.selection == [2]
    assert picked == [
        ("w1", REGION, "South", False), ("w1", REGION, "East", True), ("w1", REGION, "East", False),
    ]  # fmt: skip


def test_clicking_a_row_of_an_exact_decimal_dimension_picks_a_plain_number() -> None:
    # A price stored as DECIMAL arrives as Decimal; the page address holds the pick as JSON.
    rows = [[Decimal("19.90"), Decimal("1234.50")], [Decimal("4.10"), Decimal("80.25")]]
    prices = WidgetData(
        widget_id="w1", status="ok", columns=["orders.price", AMOUNT], rows=rows,
        types={"orders.price": "decimal", AMOUNT: "decimal"},
        kinds={"orders.price": "dimension", AMOUNT: "measure"},
    )  # fmt: skip
    view, picked = viewer("table", prices)
    click_rows(view.figure(), [1], modifier=False)
    assert picked == [("w1", "orders.price", 4.1, False)]
    cross = {"widget_id": "w1", "field": "orders.price", "values": [picked[0][2]]}
    assert CrossFilter.from_json(json.loads(json.dumps(cross))).values == (4.1,)


def test_clicking_a_pivot_row_selects_its_row_dimension() -> None:
    view, picked = viewer("pivot", by_region_and_segment(), x=REGION, series="orders.segment")
    view.figure().selection = [1]
    assert picked == [("w1", REGION, "South", False)]


def test_without_on_select_a_click_does_nothing() -> None:
    view = WidgetView(widget=widget("bar"), data=by_region())
    tapped(view.figure(), 0)  # no error
