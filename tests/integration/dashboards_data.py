"""The dashboards' test data: orders and tickets (two fact tables) sharing customers, and a
stock table joined to nothing; the model over them, a dashboard of widgets, and DuckDB over the
same CSV text for known answers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
import httpx

from tests.integration.conftest import ApiUser, Store, register_api_user

COUNTRIES = ["FR", "DE", "ES", "FR", "DE", "FR"]
START = dt.date(2024, 1, 1)

CSVS: dict[str, str] = {
    "orders": "order_id,customer_id,order_date,status,amount\n"
    + "".join(
        f"{i},{i % 6 + 1},{START + dt.timedelta(days=i * 5 % 120)},"
        f"{['paid', 'open', 'refunded'][i % 3]},{i * 37 % 200}.{(i % 2) * 5}\n"
        for i in range(1, 61)
    ),
    "customers": "customer_id,name,country\n"
    + "".join(f"{k},Customer {k},{COUNTRIES[k - 1]}\n" for k in range(1, 7)),
    "tickets": "ticket_id,customer_id,opened_on,priority\n"
    + "".join(
        f"{j},{j % 5 + 1},{START + dt.timedelta(days=j * 7 % 100)},{['low', 'high'][j % 2]}\n"
        for j in range(1, 41)
    ),
    "stock": "sku,units\n"
    + "".join(f"SKU-{c},{n}\n" for c, n in zip("ABCDE", (5, 7, 0, 12, 3), strict=True)),
}


def _col(name: str, type_: str, role: str = "dimension", **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": type_, "role": role, **extra}


def model_document(source_ids: dict[str, str]) -> dict[str, Any]:
    """The semantic model over the four sources (``source_ids`` by table name)."""
    return {
        "tables": [
            {
                "name": "orders",
                "source_id": source_ids["orders"],
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
                "source_id": source_ids["customers"],
                "primary_key": "customer_id",
                "columns": [
                    _col("customer_id", "integer"),
                    _col("name", "text"),
                    _col("country", "text"),
                ],
            },
            {
                "name": "tickets",
                "source_id": source_ids["tickets"],
                "primary_key": "ticket_id",
                "columns": [
                    _col("ticket_id", "integer"),
                    _col("customer_id", "integer"),
                    _col("opened_on", "date"),
                    _col("priority", "text"),
                ],
            },
            {
                "name": "stock",
                "source_id": source_ids["stock"],
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
        "measures": [],
    }


def _semantic(widget_id: str, kind: str, **query: Any) -> dict[str, Any]:
    return {
        "id": widget_id,
        "kind": kind,
        "title": widget_id,
        "query": {"source": "semantic", "semantic": query},
    }


DOCUMENT: dict[str, Any] = {
    "widgets": [
        _semantic("revenue", "bar", measures=["orders.amount"], dimensions=["customers.country"]),
        _semantic("tickets", "bar", measures=["tickets.count"], dimensions=["customers.country"]),
        {
            **_semantic("total", "kpi", measures=["orders.amount"]),
            "chart": {"time_field": "orders.order_date"},
        },
        _semantic("stock", "table", measures=["stock.units"], dimensions=["stock.sku"]),
        {
            "id": "statuses",
            "kind": "table",
            "query": {
                "source": "sql",
                "sql": "SELECT status, count(*) AS n FROM orders GROUP BY status ORDER BY status",
            },
        },
        {
            **_semantic(
                "by_status", "pie", measures=["orders.amount"], dimensions=["orders.status"]
            ),
            "filters_off": ["country"],
        },
        {"id": "note", "kind": "text", "text": "# Sales"},
    ],
    "filters": [
        {"id": "period", "kind": "date", "field": "orders.order_date"},
        {"id": "country", "kind": "values", "field": "customers.country"},
    ],
}


class Answers:
    """Hand-written DuckDB SQL over the CSV files: what each widget should show."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.con = duckdb.connect()
        for name, text in CSVS.items():
            path = folder / f"{name}.csv"
            path.write_text(text)
            self.con.execute(
                f"CREATE VIEW {name} AS SELECT * FROM read_csv_auto('{path}', header=true)"
            )

    def rows(self, sql: str) -> list[list[Any]]:
        return [[_plain(v) for v in row] for row in self.con.execute(sql).fetchall()]


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 6)
    if hasattr(value, "as_integer_ratio") and not isinstance(value, int):
        return round(float(value), 6)
    return value


def where(period: tuple[str, str] | None = None, countries: list[str] | None = None) -> str:
    """The WHERE clause of the revenue answer (orders o joined to customers c)."""
    parts = ["TRUE"]
    if period is not None:
        parts.append(f"o.order_date BETWEEN DATE '{period[0]}' AND DATE '{period[1]}'")
    if countries:
        listed = ", ".join(f"'{c}'" for c in countries)
        parts.append(f"c.country IN ({listed})")
    return " AND ".join(parts)


def stocked_shop(client: httpx.Client, store: Store, name: str) -> tuple[ApiUser, ApiUser, str]:
    """A new team's admin called ``name``, a viewer of the team, and their workspace "Shop"
    holding the :data:`CSVS` sources (uploaded over REST, ingested) and the model over them."""
    from tests.integration.model_api import model_url
    from tests.integration.sources_api import create_workspace, upload_ready
    from tests.integration.test_rest_workspaces import add_member

    admin = register_api_user(client, name)
    workspace = create_workspace(client, admin, "Shop")
    ids = {
        table: upload_ready(client, admin, workspace, f"{table}.csv", text.encode())["id"]
        for table, text in CSVS.items()
    }
    saved = client.put(
        model_url(workspace),
        json={"version": 0, "model": model_document(ids)},
        headers=admin.headers,
    )
    assert saved.status_code == 200, saved.text
    viewer = add_member(store, client, admin, "viewer")
    return admin, viewer, workspace
