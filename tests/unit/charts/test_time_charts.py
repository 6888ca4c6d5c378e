"""Charts of comparisons and over-time results: a measure beside its previous year (the change
in the tooltip, not on the axis), bars over months, and the formats of the over-time flows."""

from __future__ import annotations

import datetime as dt

from bokeh.models import HoverTool, Line, Plot, VBar

from components.charts import Chart, ResultColumn
from pipelines.charts import plan_chart, result_columns, suggest_chart
from pipelines.charts.columns import CHANGE_FORMAT
from pipelines.charts.format import MISSING
from pipelines.semantic.model import NumberFormat, SemanticModel
from pipelines.semantic.query import QueryResult

EUR = NumberFormat(kind="currency", currency="EUR")
MONTH = ResultColumn("orders.day.month", "date", "dimension", label="Month")
REVENUE = ResultColumn("revenue", "decimal", "measure", EUR, "Revenue")
PREVIOUS = ResultColumn(
    "revenue__previous_year", "decimal", "measure", EUR, "Revenue (previous year)"
)
CHANGE = ResultColumn(
    "revenue__change_year", "decimal", "measure", CHANGE_FORMAT, "Revenue change vs previous year"
)
COMPARED = [MONTH, REVENUE, PREVIOUS, CHANGE]


def months(count: int) -> list[dt.date]:
    return [dt.date(2023 + i // 12, i % 12 + 1, 1) for i in range(count)]


def compared_rows() -> list[list[object]]:
    rows: list[list[object]] = []
    for i, month in enumerate(months(24)):
        before = None if i < 12 else 100.0 + i - 12
        rows.append([month, 100.0 + i, before, None if before is None else 12 / before])
    return rows


def lines(fig: Plot) -> list[dict[str, list[object]]]:
    return [
        r.data_source.data for r in fig.renderers if isinstance(getattr(r, "glyph", None), Line)
    ]


def test_a_comparison_is_drawn_as_the_measure_and_its_previous_value() -> None:
    suggested = suggest_chart(COMPARED, compared_rows())

    assert (suggested.kind, suggested.x) == ("line", MONTH.name)
    assert suggested.y == (REVENUE.name, PREVIOUS.name)  # the change has no place on this axis
    assert plan_chart(COMPARED, compared_rows(), "bar").y == (REVENUE.name, PREVIOUS.name)
    chosen = plan_chart(COMPARED, compared_rows(), "line", y=[CHANGE.name])
    assert chosen.y == (CHANGE.name,)  # still drawn when asked for


def test_the_line_of_a_compared_measure_shows_the_change_in_its_tooltip() -> None:
    fig = Chart(columns=COMPARED, rows=compared_rows(), kind="line").figure()

    drawn = lines(fig)
    assert len(drawn) == 2
    revenue = next(d for d in drawn if "c_text" in d)
    assert (revenue["y_text"][12], revenue["c_text"][12]) == ("€112.00", "12.0%")
    assert revenue["c_text"][0] == MISSING  # no previous year for the first months
    tooltips = [t for h in fig.select({"type": HoverTool}) for t in h.tooltips]
    assert ("Revenue change vs previous year", "@{c_text}") in tooltips


def test_bars_over_thirty_months_stay_upright_with_every_month() -> None:
    column = ResultColumn("starts", "integer", "measure")
    rows = [[month, i % 4] for i, month in enumerate(months(30))]

    planned = plan_chart([MONTH, column], rows, "bar")
    fig = Chart(columns=[MONTH, column], rows=rows, kind="bar").figure()

    assert (planned.horizontal, planned.top_n) == (False, None)
    [bars] = [r for r in fig.renderers if isinstance(getattr(r, "glyph", None), VBar)]
    assert len(bars.data_source.data["x"]) == 30  # no "Other" bar


def test_over_time_flows_get_their_formats() -> None:
    result = QueryResult(
        ["period", "turnover", "tenure", "average", "starts"],
        [[dt.date(2024, 1, 1), 0.125, 3.25, 40.5, 3]],
        "",
        kinds=dict.fromkeys(["turnover", "tenure", "average", "starts"], "measure"),
        types={"period": "date", "turnover": "decimal", "tenure": "decimal",
               "average": "decimal", "starts": "integer"},
    )  # fmt: skip

    columns = {c.name: c for c in result_columns(result, SemanticModel())}

    assert columns["turnover"].format == NumberFormat(kind="percent", decimals=1)
    assert columns["tenure"].format == NumberFormat(decimals=1)
    assert columns["average"].format == NumberFormat(decimals=1)
    assert columns["starts"].format is None
