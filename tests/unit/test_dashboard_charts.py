"""A widget's chart: its kind and chart settings over the chart rules' suggestion."""

from __future__ import annotations

from typing import Any

import pytest

from app.services.dashboards.evaluate import chart_of
from pipelines.charts import ChartError, ResultColumn
from pipelines.dashboards import Widget

COLUMNS = [
    ResultColumn("customers.country", "text", "dimension"),
    ResultColumn("orders.status", "text", "dimension"),
    ResultColumn("orders.amount", "decimal", "measure", aggregation="sum"),
]
ROWS = [["FR", "paid", 10.0], ["DE", "open", 5.0], ["FR", "open", -2.0]]


def widget(kind: str, **chart: Any) -> Widget:
    return Widget.model_validate(
        {
            "id": "w",
            "kind": kind,
            "query": {"semantic": {"measures": ["orders.amount"]}},
            "chart": chart,
        }
    )


def test_hbar_is_a_horizontal_bar_chart() -> None:
    chart = chart_of(widget("hbar"), COLUMNS, ROWS)
    assert chart is not None
    assert (chart["kind"], chart["horizontal"], chart["y"]) == ("bar", True, ["orders.amount"])


def test_the_widget_settings_win_over_the_suggestion() -> None:
    chart = chart_of(widget("bar", x="orders.status"), COLUMNS, ROWS)
    assert chart is not None and chart["x"] == "orders.status"


def test_a_pivot_takes_rows_and_columns_from_its_settings_or_dimensions() -> None:
    chart = chart_of(widget("pivot"), COLUMNS, ROWS)
    assert chart is not None
    assert (chart["kind"], chart["x"], chart["series"]) == (
        "table",
        "customers.country",
        "orders.status",
    )
    swapped = chart_of(
        widget("pivot", x="orders.status", series="customers.country"), COLUMNS, ROWS
    )
    assert swapped is not None and (swapped["x"], swapped["series"]) == (
        "orders.status",
        "customers.country",
    )


def test_a_chart_that_cannot_be_drawn_names_the_column() -> None:
    with pytest.raises(ChartError, match="negative"):
        chart_of(widget("pie", x="customers.country"), COLUMNS, ROWS)
    with pytest.raises(ChartError, match=r"'orders\.margin' is not in the result"):
        chart_of(widget("bar", y=["orders.margin"]), COLUMNS, ROWS)


def test_a_text_widget_has_no_chart() -> None:
    text = Widget.model_validate({"id": "t", "kind": "text", "text": "hi"})
    assert chart_of(text, COLUMNS, ROWS) is None
