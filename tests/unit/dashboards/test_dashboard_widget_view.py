"""Dashboard widget tiles (components/dashboards): every kind drawn from hand-made WidgetData.

Charts are inspected after HoloViews rendered them with Bokeh (``WidgetView.figure()``), tiles
through Panel (``pn.panel(view).get_root()``), the models the browser receives.
"""

from __future__ import annotations

from html import unescape
from typing import Any

import panel as pn
import pytest
from bokeh.models import (
    AnnularWedge,
    GlyphRenderer,
    HBar,
    Line,
    Patch,
    Plot,
    Scatter,
    VBar,
    Wedge,
)
from panel.models.markup import HTML

from components.dashboards import WidgetView
from components.dashboards.text import markdown_html
from pipelines.dashboards.results import KpiData, Unreached, WidgetData

from .widget_data import (
    AMOUNT,
    DAY,
    REGION,
    SEGMENT,
    by_region,
    by_region_and_segment,
    data,
    model,
    widget,
)


def glyphs(fig: Plot, kind: type) -> list[Any]:
    return [r for r in fig.renderers if isinstance(r, GlyphRenderer) and isinstance(r.glyph, kind)]


def html_of(view: WidgetView) -> str:
    root = pn.panel(view).get_root()
    # Panel escapes a pane's HTML once; the tile escapes user text once more.
    return "\n".join(unescape(m.text) for m in root.select({"type": HTML}))


# -- states ---------------------------------------------------------------------------------
def test_no_data_yet_shows_the_loading_state_with_the_title() -> None:
    view = WidgetView(widget=widget("bar"), data=None)
    assert view.status == "loading"
    assert "Loading Sales" in html_of(view)


def test_an_evaluation_error_is_shown_escaped_and_never_raises() -> None:
    failed = WidgetData(widget_id="w1", status="error", error="No column <b>amount</b>")
    view = WidgetView(widget=widget("bar"), data=failed)
    assert (view.status, view.message) == ("error", "No column <b>amount</b>")
    text = html_of(view)
    assert 'role="alert"' in text and "No column &lt;b&gt;amount&lt;/b&gt;" in text


def test_a_result_that_cannot_be_drawn_as_the_kind_is_an_error_in_the_tile() -> None:
    negative = data([REGION, AMOUNT], [["North", -5.0], ["South", 3.0]])
    view = WidgetView(widget=widget("pie"), data=negative)
    assert view.status == "error" and "negative" in view.message
    assert "negative" in html_of(view)


def test_text_is_markdown_and_a_script_in_it_is_never_html() -> None:
    text = (
        "# Notes\n\n**Bold** <script>alert(1)</script> <img src=x onerror=alert(2)>\n\n"
        "[click](javascript:alert(3)) [docs](https://example.org)"
    )
    html = markdown_html(text)
    assert "<h1>Notes</h1>" in html and "<strong>Bold</strong>" in html
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html  # shown as text
    assert 'href="javascript' not in html  # the link is refused, shown as text
    assert 'href="https://example.org"' in html
    view = WidgetView(widget=widget("text").model_copy(update={"text": text}), data=None)
    assert view.status == "text"
    assert "<script" not in html_of(view)


def test_unreached_filters_show_a_badge_whose_hover_text_gives_the_reasons() -> None:
    unreached = [Unreached("f_date", "No join from orders to <calendar>")]
    view = WidgetView(widget=widget("bar"), data=by_region(unreached=unreached))
    text = html_of(view)
    assert "1 filter not applied" in text
    assert 'title="f_date: No join from orders to &lt;calendar&gt;"' in text
    assert "not applied" not in html_of(WidgetView(widget=widget("bar"), data=by_region()))


def test_header_menu_calls_the_page_with_the_widget_id_and_shows_actions() -> None:
    calls: list[str] = []
    button = pn.widgets.Button(name="Edit")
    view = WidgetView(
        widget=widget("bar"), data=by_region(), menu={"Export CSV": calls.append},
        actions=[button],
    )  # fmt: skip
    assert view._menu.visible and view._menu.items == ["Export CSV"]
    assert button in view._actions.objects
    view._menu.clicked = "Export CSV"
    assert calls == ["w1"]


# -- KPI ------------------------------------------------------------------------------------
def test_kpi_shows_the_formatted_number_change_period_and_sparkline() -> None:
    kpi = KpiData(
        value=1234.5, previous=1097.33, change=0.125, period="vs 2024-01-01 to 2024-03-31",
        sparkline=[("2024-01-01", 300.0), ("2024-02-01", 400.0), ("2024-03-01", 534.5)],
    )  # fmt: skip
    view = WidgetView(widget=widget("kpi"), data=data([AMOUNT], [[1234.5]], kpi=kpi), model=model())
    text = html_of(view)
    assert "€1,234.50" in text
    assert "dp-kpi-up" in text and "▲ 12.5%" in text and "vs 2024-01-01 to 2024-03-31" in text
    root = pn.panel(view).get_root()
    lines = [r for p in root.select({"type": Plot}) for r in glyphs(p, Line)]
    assert len(lines) == 1 and len(lines[0].data_source.data["y"]) == 3


def test_kpi_going_down_is_red_and_without_kpi_data_it_is_just_the_number() -> None:
    down = KpiData(value=90, previous=100, change=-0.1, period="vs last month")
    text = html_of(WidgetView(widget=widget("kpi"), data=data([AMOUNT], [[90]], kpi=down)))
    assert "dp-kpi-down" in text and "▼ 10.0%" in text
    plain = WidgetView(widget=widget("kpi"), data=data([AMOUNT], [[4321.0]]), model=model())
    text = html_of(plain)
    assert "€4,321.00" in text and "dp-kpi-change" not in text
    assert not list(pn.panel(plain).get_root().select({"type": Plot}))


# -- charts ---------------------------------------------------------------------------------
def test_bar_is_vertical_and_hbar_horizontal_with_formatted_tooltips() -> None:
    view = WidgetView(widget=widget("bar"), data=by_region(), model=model())
    fig = view.figure()
    bars = glyphs(fig, VBar)
    assert bars and not glyphs(fig, HBar)
    assert list(bars[0].data_source.data["y_text"]) == ["€1,234.50", "€300.00", "€80.25"]
    fig = WidgetView(widget=widget("hbar"), data=by_region()).figure()
    assert glyphs(fig, HBar) and not glyphs(fig, VBar)


def test_bars_split_by_a_series_are_grouped_or_stacked() -> None:
    grouped = WidgetView(
        widget=widget("bar", x=REGION, series=SEGMENT), data=by_region_and_segment()
    ).figure()
    factors = [tuple(str(p) for p in f) for f in grouped.x_range.factors]
    assert factors == [
        ("North", "Retail"), ("North", "Wholesale"), ("South", "Retail"), ("South", "Wholesale"),
    ]  # fmt: skip
    stacked = WidgetView(
        widget=widget("bar", x=REGION, series=SEGMENT, stacked=True), data=by_region_and_segment()
    ).figure()
    assert [str(f) for f in stacked.x_range.factors] == ["North", "South"]
    bar = glyphs(stacked, VBar)[0]
    assert (bar.glyph.top, bar.glyph.bottom) == ("top", "bottom")
    source = bar.data_source.data
    assert max(source["top"]) == 15.0 and set(source["m"]) == {"Retail", "Wholesale"}


def test_pie_has_a_slice_per_category_and_a_donut_has_a_hole() -> None:
    fig = WidgetView(widget=widget("pie"), data=by_region()).figure()
    wedges = glyphs(fig, Wedge)
    assert len(wedges) == 1 and list(wedges[0].data_source.data["label"]) == [
        "North", "South", "East",
    ]  # fmt: skip
    donut = WidgetView(widget=widget("pie", donut=True), data=by_region()).figure()
    rings = glyphs(donut, AnnularWedge)
    assert rings and not glyphs(donut, Wedge) and rings[0].glyph.inner_radius > 0


def test_line_area_and_scatter_draw_their_glyphs() -> None:
    days = data([DAY, AMOUNT], [["2024-01-01", 5.0], ["2024-01-02", 7.0], ["2024-01-03", 6.0]])
    assert glyphs(WidgetView(widget=widget("line"), data=days).figure(), Line)
    assert glyphs(WidgetView(widget=widget("area"), data=days).figure(), Patch)
    points = data([REGION, AMOUNT, AMOUNT], [["North", 1.0, 2.0], ["South", 3.0, 4.0]])
    points = WidgetData(
        **{**points.__dict__, "columns": [REGION, "a", "b"],
           "types": {REGION: "text", "a": "decimal", "b": "decimal"},
           "kinds": {REGION: "dimension", "a": "measure", "b": "measure"}}
    )  # fmt: skip
    fig = WidgetView(widget=widget("scatter"), data=points).figure()
    assert len(glyphs(fig, Scatter)[0].data_source.data["x"]) == 2


def test_the_evaluated_chart_settings_are_used_when_the_widget_has_none() -> None:
    evaluated = by_region_and_segment()
    evaluated = WidgetData(
        **{**evaluated.__dict__, "chart": {"kind": "bar", "x": SEGMENT, "y": [AMOUNT]}}
    )
    fig = WidgetView(widget=widget("bar"), data=evaluated).figure()
    assert [str(f) for f in fig.x_range.factors] == ["Retail", "Wholesale"]


# -- tables ---------------------------------------------------------------------------------
def test_table_is_formatted_sortable_and_paged_by_the_widget_settings() -> None:
    view = WidgetView(widget=widget("table", page_size=5), data=by_region(), model=model())
    table = view.figure()
    assert isinstance(table, pn.widgets.Tabulator)
    assert table.page_size == 5 and table.pagination == "remote" and table.sortable
    assert table.titles == {"c0": "Region", "c1": "Amount"}
    assert table.formatters["c1"]["symbol"] == "€"
    assert list(table.value["c1"]) == [1234.5, 300.0, 80.25]


def test_pivot_puts_the_series_values_in_columns() -> None:
    view = WidgetView(
        widget=widget("pivot", x=REGION, series=SEGMENT, y=[AMOUNT]),
        data=by_region_and_segment(), model=model(),
    )  # fmt: skip
    table = view.figure()
    assert table.titles == {"c0": "Region", "c1": "Retail", "c2": "Wholesale"}
    assert table.value.values.tolist() == [["North", 10.0, 5.0], ["South", 7.0, 3.0]]
    assert table.formatters["c2"]["symbol"] == "€"


def test_pivot_without_two_dimensions_says_so() -> None:
    view = WidgetView(widget=widget("pivot"), data=by_region())
    assert view.status == "error" and "two dimensions" in view.message


@pytest.mark.parametrize("kind", ["bar", "hbar", "pie", "line"])
def test_every_chart_tile_can_be_saved_as_png_from_its_toolbar(kind: str) -> None:
    from bokeh.models import SaveTool

    rows = (
        by_region()
        if kind != "line"
        else data([DAY, AMOUNT], [["2024-01-01", 1.0], ["2024-02-01", 2.0]])
    )
    fig = WidgetView(widget=widget(kind), data=rows).figure()
    assert fig.toolbar_location is not None
    assert any(isinstance(tool, SaveTool) for tool in fig.toolbar.tools)
