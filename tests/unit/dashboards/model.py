"""A small model for the dashboard tests: two fact tables (orders, tickets) sharing the
customers dimension, and a warehouse table joined to nothing."""

from __future__ import annotations

from typing import Any

from pipelines.dashboards import DashboardDocument, Widget
from pipelines.semantic import SemanticModel


def _col(name: str, type_: str, role: str = "dimension", **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": type_, "role": role, **extra}


MODEL = SemanticModel.from_dict(
    {
        "tables": [
            {
                "name": "orders",
                "source_id": "o",
                "primary_key": "order_id",
                "columns": [
                    _col("order_id", "integer"),
                    _col("customer_id", "integer"),
                    _col("order_date", "date"),
                    _col("status", "text"),
                    _col("amount", "decimal", "measure", aggregation="sum"),
                ],
            },
            {
                "name": "customers",
                "source_id": "c",
                "primary_key": "customer_id",
                "columns": [
                    _col("customer_id", "integer"),
                    _col("country", "text"),
                    _col("signed_up", "date", grains=["month", "year"]),
                ],
            },
            {
                "name": "tickets",
                "source_id": "t",
                "primary_key": "ticket_id",
                "columns": [
                    _col("ticket_id", "integer"),
                    _col("customer_id", "integer"),
                    _col("opened_at", "timestamp"),
                    _col("priority", "text"),
                ],
            },
            {
                "name": "stock",
                "source_id": "s",
                "columns": [_col("sku", "text"), _col("units", "integer", "measure")],
            },
        ],
        "joins": [
            {
                "id": "orders_customers",
                "left_table": "orders",
                "right_table": "customers",
                "on": [{"left": "customer_id", "right": "customer_id"}],
            },
            {
                "id": "tickets_customers",
                "left_table": "tickets",
                "right_table": "customers",
                "on": [{"left": "customer_id", "right": "customer_id"}],
            },
        ],
        "measures": [{"name": "order_count", "table": "orders", "expression": "count(order_id)"}],
    }
)


def semantic_widget(widget_id: str, kind: str = "bar", **query: Any) -> Widget:
    return Widget.model_validate(
        {"id": widget_id, "kind": kind, "query": {"source": "semantic", "semantic": query}}
    )


def document(*widgets: Widget, filters: list[dict[str, Any]] | None = None) -> DashboardDocument:
    return DashboardDocument.model_validate(
        {"widgets": [w.model_dump() for w in widgets], "filters": filters or []}
    )
