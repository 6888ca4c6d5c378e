"""Hand-made widgets and widget data for the dashboard component tests (WidgetView, builder)."""

from __future__ import annotations

from typing import Any

from pipelines.dashboards.document import ChartSettings, Widget, WidgetQuery
from pipelines.dashboards.results import WidgetData
from pipelines.semantic.model import Column, NumberFormat, SemanticModel, Table
from pipelines.semantic.query import SemanticQuery

REGION, SEGMENT, AMOUNT, DAY = "orders.region", "orders.segment", "orders.amount", "orders.day"
LABELS = {REGION: "Region", SEGMENT: "Segment", AMOUNT: "Amount", DAY: "Day"}
TYPES = {REGION: "text", SEGMENT: "text", AMOUNT: "decimal", DAY: "date"}
KINDS = {REGION: "dimension", SEGMENT: "dimension", AMOUNT: "measure", DAY: "dimension"}


def model() -> SemanticModel:
    """Orders with a euro amount: the formats the widgets read."""
    return SemanticModel(
        tables=[
            Table(
                name="orders",
                source_id="s-orders",
                columns=[
                    Column(name="region", type="text", label="Region"),
                    Column(name="segment", type="text"),
                    Column(name="day", type="date"),
                    Column(
                        name="amount",
                        type="decimal",
                        role="measure",
                        aggregation="sum",
                        format=NumberFormat(kind="currency", currency="EUR"),
                        label="Amount",
                    ),
                ],
            )
        ]
    )


def widget(kind: str, **chart: Any) -> Widget:
    query = None
    if kind != "text":
        query = WidgetQuery(semantic=SemanticQuery(measures=[AMOUNT], dimensions=[REGION]))
    return Widget(id="w1", kind=kind, title="Sales", query=query, chart=ChartSettings(**chart))  # type: ignore[arg-type]


def data(columns: list[str], rows: list[list[Any]], **extra: Any) -> WidgetData:
    return WidgetData(
        widget_id="w1",
        status="ok",
        columns=columns,
        rows=rows,
        labels={c: LABELS[c] for c in columns},
        types={c: TYPES[c] for c in columns},
        kinds={c: KINDS[c] for c in columns},
        **extra,
    )


def by_region(**extra: Any) -> WidgetData:
    rows = [["North", 1234.5], ["South", 300.0], ["East", 80.25]]
    return data([REGION, AMOUNT], rows, **extra)


def by_region_and_segment() -> WidgetData:
    rows = [
        ["North", "Retail", 10.0], ["North", "Wholesale", 5.0],
        ["South", "Retail", 7.0], ["South", "Wholesale", 3.0],
    ]  # fmt: skip
    return data([REGION, SEGMENT, AMOUNT], rows)
