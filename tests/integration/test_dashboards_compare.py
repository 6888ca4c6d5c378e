"""A dashboard widget whose semantic query compares a measure with the previous period,
evaluated by the DashboardService over a real store, real sources and the real query runner,
with the dashboard's date filter applied (the previous side reads the dates before it)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from app.services.errors import InvalidInput
from tests.integration.dashboards_data import Answers, where
from tests.integration.test_dashboards_service import Bench, bench, loaded

__all__ = ["bench", "loaded"]  # the fixtures this module uses

MONTHLY: dict[str, Any] = {
    "id": "monthly",
    "kind": "table",
    "title": "Revenue by month",
    "query": {
        "source": "semantic",
        "semantic": {
            "measures": ["orders.amount"],
            "dimensions": ["orders.order_date.month"],
            "compare": [{"measure": "orders.amount", "shift": "period"}],
            "sort": [{"field": "orders.amount__change_period", "descending": True}],
        },
    },
}
DOCUMENT: dict[str, Any] = {
    "widgets": [MONTHLY],
    "filters": [{"id": "period", "kind": "date", "field": "orders.order_date"}],
}


def test_a_widget_comparing_with_the_previous_month_evaluates(
    loaded: Bench, tmp_path: Path
) -> None:
    service = loaded.service()
    made = service.create(loaded.workspace_id, "Growth", document=DOCUMENT)
    period = ("2024-02-01", "2024-03-15")

    data = service.data(
        loaded.workspace_id, made.id, filters={"period": list(period)}, today=dt.date(2024, 3, 15)
    )

    widget = data.widgets["monthly"].as_json()
    assert widget["status"] == "ok", widget["error"]
    assert widget["columns"] == [
        "orders.order_date.month",
        "orders.amount",
        "orders.amount__previous_period",
        "orders.amount__change_period",
    ]
    assert widget["labels"]["orders.amount__previous_period"].endswith("(previous month)")
    assert widget["applied"] == ["period"]
    # February against all of January; March 1-15 against February 1-15 (like for like).
    expected = Answers(tmp_path / "csv").rows(
        "WITH c AS (SELECT CAST(date_trunc('month', o.order_date) AS DATE) AS m, "
        "sum(o.amount) AS v FROM orders o LEFT JOIN customers c USING (customer_id) "
        f"WHERE {where(period)} GROUP BY 1), "
        "p AS (SELECT CAST(date_trunc('month', order_date) + INTERVAL 1 MONTH AS DATE) AS m, "
        "sum(amount) AS v FROM orders "
        "WHERE order_date BETWEEN DATE '2024-01-01' AND DATE '2024-02-15' GROUP BY 1) "
        "SELECT c.m, c.v, p.v, (c.v - p.v) / abs(p.v) AS g FROM c LEFT JOIN p USING (m) "
        "ORDER BY g DESC"
    )
    got = [[r[0], *(round(v, 6) for v in r[1:])] for r in widget["rows"]]
    assert got == expected
    assert len(got) == 2 and all(r[2] is not None for r in got)


def test_a_comparison_without_a_time_grain_is_refused_naming_it(loaded: Bench) -> None:
    semantic = dict(MONTHLY["query"]["semantic"], dimensions=["orders.status"], sort=[])
    widget = dict(MONTHLY, query={"source": "semantic", "semantic": semantic})
    with pytest.raises(InvalidInput, match=r"Widget 'monthly'.*needs a time dimension"):
        loaded.service().create(loaded.workspace_id, "Bad", document={"widgets": [widget]})
