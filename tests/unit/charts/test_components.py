"""Chart components: every kind builds a real Bokeh model, formatted, capped at 50,000 points.

Plots are inspected after HoloViews rendered them with Bokeh (``Chart.figure()``), and whole
components through Panel (``pn.panel(chart).get_root()``), the model the browser receives.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import shutil
import subprocess
from decimal import Decimal
from html import unescape
from typing import Any

import panel as pn
import pytest
from bokeh.models import (
    CustomJSTickFormatter,
    DatetimeTickFormatter,
    FactorRange,
    HBar,
    HoverTool,
    Line,
    NumeralTickFormatter,
    Patch,
    Plot,
    Scatter,
    VBar,
    Wedge,
)
from panel.models.markup import HTML

from components.charts import Chart, ResultColumn
from components.charts.format import CURRENCY_TICK_JS
from pipelines.charts import MAX_POINTS
from pipelines.semantic.model import NumberFormat
from pipelines.semantic.query import QueryResult

EUR = NumberFormat(kind="currency", currency="EUR")
REGION = ResultColumn("region", "text")
REVENUE = ResultColumn("revenue", "decimal", format=EUR, label="Revenue")
COST = ResultColumn("cost", "decimal", format=EUR)
DAY = ResultColumn("day", "date")


def days(count: int) -> list[dt.date]:
    return [dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in range(count)]


def glyphs(fig: Plot, kind: type) -> list[Any]:
    return [r for r in fig.renderers if isinstance(getattr(r, "glyph", None), kind)]


def points(fig: Plot, kind: type) -> int:
    return sum(len(next(iter(r.data_source.data.values()))) for r in glyphs(fig, kind))


def html_texts(chart: Chart) -> str:
    root = pn.panel(chart).get_root()
    # Panel escapes the pane's HTML once, the chart escapes user text once more.
    return "\n".join(unescape(unescape(m.text)) for m in root.select({"type": HTML}))


def value_axis(fig: Plot, horizontal: bool = False) -> Any:
    return (fig.xaxis if horizontal else fig.yaxis)[0]


# -- bars -------------------------------------------------------------------------------------
def test_bars_are_vertical_with_currency_ticks_and_formatted_tooltips() -> None:
    chart = Chart(
        columns=[REGION, REVENUE], rows=[[r, 1234.5 * (i + 1)] for i, r in enumerate("ABCDEFG")]
    )
    assert chart.kind == "bar"
    fig = chart.figure()
    assert len(glyphs(fig, VBar)) == 1 and not glyphs(fig, HBar)
    assert list(fig.x_range.factors) == list("ABCDEFG")
    formatter = value_axis(fig).formatter
    assert isinstance(formatter, CustomJSTickFormatter) and formatter.args["symbol"] == "€"
    data = glyphs(fig, VBar)[0].data_source.data
    assert data["y_text"][0] == "€1,234.50"
    hover = fig.select_one({"type": HoverTool})
    assert ("Revenue", "@{y_text}") in hover.tooltips


def test_long_labels_give_horizontal_bars_largest_on_top() -> None:
    rows = [["A category with a long name", 5.0], ["Short", 9.0], ["Other things here", -1.0]]
    chart = Chart(columns=[REGION, ResultColumn("units", "integer")], rows=rows)
    assert (chart.kind, chart.suggestion.horizontal) == ("bar", True)
    fig = chart.figure()
    assert glyphs(fig, HBar) and not glyphs(fig, VBar)
    assert isinstance(fig.y_range, FactorRange)
    # Bokeh draws the first factor at the bottom: reversed, so the first row is on top.
    assert list(fig.y_range.factors)[-1] == "A category with a long name"
    formatter = value_axis(fig, horizontal=True).formatter
    assert isinstance(formatter, NumeralTickFormatter) and formatter.format == "0,0.[00]"


def test_twenty_five_categories_show_the_top_twenty_and_an_other_bar() -> None:
    rows = [[f"R{i:02d}", float(i)] for i in range(25)]
    chart = Chart(columns=[REGION, ResultColumn("units", "integer")], rows=rows)
    fig = chart.figure()
    factors = list(fig.y_range.factors)
    assert len(factors) == 21 and "Other" in factors
    data = glyphs(fig, HBar)[0].data_source.data
    other = list(data["x"]).index("Other")
    assert data["y"][other] == sum(range(5))  # R00..R04 added up
    assert "R24" in factors and "R04" not in factors
    assert "Other adds up the other 5" in " ".join(chart.build().notes)


def test_averages_beyond_the_top_n_are_left_out_not_added_up() -> None:
    rows = [[f"R{i:02d}", float(i)] for i in range(25)]
    chart = Chart(columns=[REGION, ResultColumn("avg_price", "decimal")], rows=rows)
    fig = chart.figure()
    assert len(fig.y_range.factors) == 20 and "Other" not in fig.y_range.factors
    assert "left out" in chart.build().notes[0]


def test_several_measures_give_grouped_bars_with_a_legend() -> None:
    rows = [["A", 1.0, 2.0], ["B", 3.0, 4.0], ["C", 5.0, 6.0]]
    fig = Chart(columns=[REGION, REVENUE, COST], rows=rows).figure()
    assert points(fig, VBar) == 6
    assert len(fig.x_range.factors) == 6
    assert fig.legend and len(fig.legend[0].items) >= 1


def test_repeated_categories_are_summed_into_one_bar() -> None:
    rows = [["A", 1.0], ["B", 2.0], ["A", 3.0], ["B", 4.0], ["C", -1.0]]
    chart = Chart(columns=[REGION, ResultColumn("units", "integer")], rows=rows)
    fig = chart.figure()
    data = glyphs(fig, VBar)[0].data_source.data
    assert dict(zip(data["x"], data["y"], strict=True)) == {"A": 4.0, "B": 6.0, "C": -1.0}
    assert chart.build().notes[0].startswith("Rows with the same region combined")


def test_a_year_axis_has_no_thousands_separator() -> None:
    rows = [[2020 + i, float(i)] for i in range(8)]
    fig = Chart(columns=[ResultColumn("year", "integer"), REVENUE], rows=rows).figure()
    assert list(fig.x_range.factors)[:2] == ["2020", "2021"]


# -- lines and areas --------------------------------------------------------------------------
def test_an_area_over_dates_has_a_date_axis_and_a_filled_patch() -> None:
    rows = [[d, 100.0 + i] for i, d in enumerate(days(30))]
    chart = Chart(columns=[DAY, REVENUE], rows=rows)
    assert chart.kind == "area"
    fig = chart.figure()
    assert glyphs(fig, Patch) and points(fig, Line) == 30
    assert isinstance(fig.xaxis[0].formatter, DatetimeTickFormatter)
    data = glyphs(fig, Line)[0].data_source.data
    assert (data["x_text"][0], data["y_text"][0]) == ("2024-01-01", "€100.00")


def test_a_line_per_measure_with_a_legend() -> None:
    rows = [[d, float(i), float(-i)] for i, d in enumerate(days(10))]
    fig = Chart(columns=[DAY, REVENUE, COST], rows=rows).figure()
    assert len(glyphs(fig, Line)) == 2 and not glyphs(fig, Patch)
    assert fig.legend and {i.label["value"] for i in fig.legend[0].items} == {"Revenue", "cost"}


def test_a_line_per_category_of_the_series_column() -> None:
    rows = [[d, r, 1.0] for d in days(5) for r in ("North", "South", "East")]
    chart = Chart(columns=[DAY, REGION, REVENUE], rows=rows)
    assert (chart.kind, chart.plan.series) == ("line", "region")
    assert len(glyphs(chart.figure(), Line)) == 3


def test_a_line_is_sorted_by_date_and_drops_rows_without_one() -> None:
    rows = [
        [dt.date(2024, 1, 3), 3.0],
        [None, 9.0],
        [dt.date(2024, 1, 1), 1.0],
        [dt.date(2024, 1, 2), -2.0],
    ]
    chart = Chart(columns=[DAY, REVENUE], rows=rows)
    data = glyphs(chart.figure(), Line)[0].data_source.data
    assert list(data["y"]) == [1.0, -2.0, 3.0]
    assert "1 row without day left out" in chart.build().notes


def test_a_200000_row_line_sends_at_most_50000_points() -> None:
    start = dt.datetime(2024, 1, 1)
    rows = [
        [start + dt.timedelta(minutes=i), math.sin(i / 1000) * 100 - 50] for i in range(200_000)
    ]
    chart = Chart(
        columns=[ResultColumn("at", "timestamp"), ResultColumn("temp", "decimal")], rows=rows
    )
    assert chart.kind == "line"
    fig = chart.figure()
    sent = points(fig, Line)
    assert 0 < sent <= MAX_POINTS
    data = glyphs(fig, Line)[0].data_source.data
    assert max(data["y"]) == pytest.approx(50.0, abs=0.01)  # the peaks survive
    assert min(data["y"]) == pytest.approx(-150.0, abs=0.01)
    assert "Showing 50,000 of 200,000 points" in html_texts(chart)


# -- pie --------------------------------------------------------------------------------------
def test_a_pie_has_one_wedge_per_category_and_formatted_tooltips() -> None:
    rows = [["North", Decimal("120")], ["South", Decimal("80")], ["East", Decimal("40")]]
    chart = Chart(columns=[REGION, REVENUE], rows=rows)
    assert chart.kind == "pie"
    fig = chart.figure()
    wedge = glyphs(fig, Wedge)[0]
    data = wedge.data_source.data
    assert list(data["label"]) == ["North", "South", "East"]
    assert list(data["text"]) == ["€120.00", "€80.00", "€40.00"]
    assert list(data["share"]) == ["50.0%", "33.3%", "16.7%"]
    assert data["start"][0] == pytest.approx(math.pi / 2)  # from 12 o'clock
    assert fig.select_one({"type": HoverTool}).tooltips[1] == ("Revenue", "@text")


def test_a_chosen_pie_of_nine_categories_keeps_five_and_other() -> None:
    rows = [[f"R{i}", float(i + 1)] for i in range(9)]
    fig = Chart(columns=[REGION, REVENUE], rows=rows, kind="pie").figure()
    labels = list(glyphs(fig, Wedge)[0].data_source.data["label"])
    assert len(labels) == 6 and labels[-1] == "Other"


def test_a_pie_of_negative_values_shows_a_message_naming_the_measure() -> None:
    chart = Chart(columns=[REGION, REVENUE], rows=[["A", 1.0], ["B", -1.0]], kind="pie")
    text = html_texts(chart)
    assert "'Revenue' has negative values" in text
    assert chart.error.startswith("A pie shows parts of a whole")


# -- scatter ----------------------------------------------------------------------------------
def test_a_scatter_has_both_axes_formatted() -> None:
    rows = [[float(i), float(i % 10)] for i in range(100)]
    chart = Chart(columns=[REVENUE, ResultColumn("units", "integer")], rows=rows)
    assert chart.kind == "scatter"
    fig = chart.figure()
    assert points(fig, Scatter) == 100
    assert isinstance(fig.xaxis[0].formatter, CustomJSTickFormatter)
    assert isinstance(fig.yaxis[0].formatter, NumeralTickFormatter)


def test_a_scatter_of_200000_rows_sends_a_sample_of_50000() -> None:
    rows = [[float(i), float(i % 97)] for i in range(200_000)]
    chart = Chart(columns=[REVENUE, COST], rows=rows)
    assert points(chart.figure(), Scatter) == MAX_POINTS
    assert "(a random sample)" in chart.build().notes[0]
    again = Chart(columns=[REVENUE, COST], rows=rows).figure()
    first = glyphs(chart.figure(), Scatter)[0].data_source.data["x"]
    assert list(glyphs(again, Scatter)[0].data_source.data["x"][:50]) == list(first[:50])


# -- KPI, table, empty ------------------------------------------------------------------------
def test_a_kpi_shows_the_number_in_the_measure_currency_format() -> None:
    chart = Chart(columns=[REVENUE], rows=[[Decimal("1234.5")]])
    assert chart.kind == "kpi"
    text = html_texts(chart)
    assert "€1,234.50" in text and "Revenue" in text


def test_a_kpi_of_a_percent_and_a_count() -> None:
    share = ResultColumn("share", "decimal", format=NumberFormat(kind="percent", decimals=1))
    chart = Chart(
        columns=[share, ResultColumn("orders", "integer")],
        rows=[[0.125, 1204]],
        kind="kpi",
        y=["share", "orders"],
    )
    text = html_texts(chart)
    assert "12.5%" in text and "1,204" in text


def test_a_table_is_a_paged_tabulator_with_formatted_numbers() -> None:
    rows = [[f"R{i}", float(i)] for i in range(100)]
    chart = Chart(columns=[REGION, REVENUE], rows=rows, kind="table")
    root = pn.panel(chart).get_root()
    tables = [m for m in root.select({"type": pn.models.tabulator.DataTabulator})]
    assert len(tables) == 1
    table = tables[0]
    assert table.pagination == "remote" and table.page_size == 25
    assert len(table.source.data["region"]) == 25  # only the first page is sent
    assert table.configuration["columns"][1]["formatterParams"]["symbol"] == "€"


def test_no_rows_show_an_empty_state_for_every_kind() -> None:
    for kind in ["kpi", "line", "area", "bar", "pie", "scatter", "table"]:
        chart = Chart(columns=[REGION, REVENUE], rows=[], kind=kind)
        assert "The query returned no rows" in html_texts(chart)
        assert chart.error == ""


def test_a_missing_column_is_named_instead_of_raising() -> None:
    chart = Chart(columns=[REGION, REVENUE], rows=[["A", 1.0]], kind="bar", y=["profit"])
    assert "Column 'profit' is not in the result" in html_texts(chart)


# -- every kind, in Panel ---------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["line", "area", "bar", "pie", "scatter"])
def test_every_plot_kind_renders_a_bokeh_plot_through_panel(kind: str) -> None:
    rows = [[d, float(i + 1), float(i % 3)] for i, d in enumerate(days(12))]
    chart = Chart(
        columns=[DAY, REVENUE, ResultColumn("units", "integer")],
        rows=rows,
        kind=kind,
        title="My chart",
    )
    root = pn.panel(chart).get_root()
    assert list(root.select({"type": Plot})), kind
    assert chart.error == ""
    assert "My chart" in html_texts(chart)


# -- reacting to parameters -------------------------------------------------------------------
def test_a_new_result_brings_a_new_suggestion_and_a_chosen_kind_is_kept() -> None:
    chart = Chart(columns=[REVENUE], rows=[[1.0]])
    assert chart.kind == "kpi"
    chart.param.update(columns=[REGION, REVENUE], rows=[["A", 1.0], ["B", -2.0]])
    assert chart.kind == "bar" and chart.suggestion.kind == "bar"
    chart.kind = "table"
    assert chart.kind == "table"
    chart.param.update(columns=[DAY, REVENUE], rows=[[d, 1.0] for d in days(3)], kind="line")
    assert chart.kind == "line" and chart.suggestion.kind == "area"


def test_changing_the_kind_redraws_the_panel_view() -> None:
    chart = Chart(columns=[REGION, REVENUE], rows=[["A", 1.0], ["B", 2.0]])
    layout = pn.panel(chart)
    root = layout.get_root()
    assert list(root.select({"type": Wedge})) == [] or chart.kind == "pie"
    chart.kind = "bar"
    assert any(isinstance(r.glyph, VBar) for r in chart.figure().renderers)
    root = layout.get_root()
    assert list(root.select({"type": VBar}))


def test_a_semantic_result_with_its_model_gets_the_measure_format() -> None:
    from pipelines.semantic import Column, SemanticModel, Table

    model = SemanticModel(
        tables=[
            Table(
                name="orders",
                source_id="s",
                columns=[
                    Column(name="region", type="text"),
                    Column(
                        name="amount", type="decimal", role="measure", aggregation="sum", format=EUR
                    ),
                ],
            )
        ]
    )
    result = QueryResult(
        columns=["orders.amount"],
        rows=[[1234.5]],
        sql="",
        kinds={"orders.amount": "measure"},
        types={"orders.amount": "decimal"},
    )
    chart = Chart(result=result, model=model)
    assert chart.kind == "kpi" and "€1,234.50" in html_texts(chart)


# -- currency ticks in a JavaScript engine ----------------------------------------------------
@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_currency_tick_code_prints_the_symbol_and_separators() -> None:
    script = (
        "const f = new Function('tick', 'symbol', 'decimals', "
        f"{json.dumps(CURRENCY_TICK_JS)});"
        "console.log(JSON.stringify([f(1234.5, '€', 2), f(-200, '€', 2), f(1000000, 'CHF ', 0)]));"
    )
    out = subprocess.run(["node", "-e", script], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == ["€1,234.5", "-€200", "CHF 1,000,000"]
