"""Helpers for the semantic model tests: a model over the ORDERS test file, REST URLs."""

from __future__ import annotations

from typing import Any

from pipelines.semantic import SemanticModel
from tests.integration.conftest import API


def orders_model(source_id: str, *, label: str = "Orders") -> SemanticModel:
    """One table over ``tests.integration.sources_api.ORDERS`` (``order_id;customer;amount;
    shipped``, 120 rows) with ``amount`` as a summed measure."""
    return SemanticModel.from_dict(orders_document(source_id, label=label))


def orders_document(source_id: str, *, label: str = "Orders") -> dict[str, Any]:
    return {
        "tables": [
            {
                "name": "orders",
                "source_id": source_id,
                "label": label,
                "primary_key": "order_id",
                "columns": [
                    {"name": "order_id", "type": "integer", "role": "dimension"},
                    {"name": "customer", "type": "text", "role": "dimension"},
                    {
                        "name": "amount",
                        "type": "decimal",
                        "role": "measure",
                        "aggregation": "sum",
                    },
                    {"name": "shipped", "type": "text", "role": "ignored"},
                ],
            }
        ],
        "joins": [],
        "measures": [{"name": "order_count", "table": "orders", "expression": "count(order_id)"}],
    }


ORDERS_TOTAL = round(sum((i * 3 % 101) + (i % 10) / 10 for i in range(1, 121)), 2)
"""The sum of ``amount`` over the 120 ORDERS rows."""
CUSTOMER_0_TOTAL = round(sum((i * 3 % 101) + (i % 10) / 10 for i in range(1, 121) if i % 7 == 0), 2)
"""The sum of ``amount`` for ``Customer 0`` (orders whose id is a multiple of 7)."""


def model_url(workspace_id: str) -> str:
    return f"{API}/workspaces/{workspace_id}/model"


def query_url(workspace_id: str) -> str:
    return f"{API}/workspaces/{workspace_id}/query"
