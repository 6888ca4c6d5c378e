"""The catalog of a model: every queryable field with its words, values and time ranges."""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines.ai.catalog import build_catalog
from pipelines.semantic import Column, Join, SemanticModel, Table
from pipelines.semantic.model import ColumnPair


def write(folder: Path) -> dict[str, Path]:
    con = duckdb.connect()
    paths = {"orders": folder / "orders.parquet", "customers": folder / "customers.parquet"}
    con.execute(
        f"""COPY (SELECT i AS order_id, i % 40 AS customer_id, (i * 7 % 100) + 0.5 AS amount,
                  DATE '2024-01-01' + i::INTEGER AS order_date,
                  CASE WHEN i % 3 = 0 THEN 'Web' ELSE 'Store' END AS channel,
                  'ref-' || i AS reference
           FROM range(1, 401) t(i)) TO '{paths["orders"]}' (FORMAT parquet)"""
    )
    con.execute(
        f"""COPY (SELECT i AS customer_id, CASE WHEN i % 4 = 0 THEN 'FR' ELSE 'DE' END AS country
           FROM range(0, 40) t(i)) TO '{paths["customers"]}' (FORMAT parquet)"""
    )
    return paths


def model() -> SemanticModel:
    return SemanticModel(
        tables=[
            Table(
                name="orders",
                label="Orders",
                source_id="o",
                primary_key="order_id",
                synonyms=["sales"],
                columns=[
                    Column(name="order_id", type="integer", role="ignored"),
                    Column(name="customer_id", type="integer", role="ignored"),
                    Column(
                        name="amount",
                        type="decimal",
                        role="measure",
                        aggregation="sum",
                        synonyms=["revenue", "CA"],
                    ),
                    Column(name="order_date", type="date"),
                    Column(name="channel", type="text", label="Sales channel"),
                    Column(name="reference", type="text"),
                ],
            ),
            Table(
                name="customers",
                label="Customers",
                source_id="c",
                primary_key="customer_id",
                columns=[
                    Column(name="customer_id", type="integer", role="ignored"),
                    Column(name="country", type="text"),
                ],
            ),
        ],
        joins=[
            Join(
                id="j1",
                left_table="orders",
                right_table="customers",
                on=[ColumnPair(left="customer_id", right="customer_id")],
            ),
            Join(
                id="j2",
                left_table="orders",
                right_table="customers",
                on=[ColumnPair(left="customer_id", right="customer_id")],
                alias="payer",
                label="Payer",
            ),
        ],
    )


def test_fields_words_values_and_ranges(tmp_path: Path) -> None:
    catalog = build_catalog(model(), write(tmp_path), max_distinct=100)

    measures = {f.field: f for f in catalog.measures}
    assert set(measures) == {"orders.count", "customers.count", "orders.amount"}
    assert measures["orders.count"].label == "Number of orders"
    assert measures["orders.amount"].synonyms == ("revenue", "CA")
    assert measures["orders.amount"].also_dimension

    channel = catalog.get("orders.channel")
    assert channel is not None and channel.label == "Orders · Sales channel"
    assert channel.values == ("Store", "Web")  # most frequent first: 267 Store, 133 Web
    reference = catalog.get("orders.reference")
    assert reference is not None and reference.values == ()  # 400 distinct: not sampled

    order_date = catalog.get("orders.order_date")
    assert order_date is not None and order_date.kind == "time"
    assert order_date.time_range == ("2024-01-02", "2025-02-04")
    assert "month" in order_date.grains

    payer = catalog.get("payer.country")
    assert payer is not None and payer.label == "Payer · country"
    assert payer.values == ("DE", "FR")
    assert catalog.table_synonyms["orders"] == ("sales",)
    assert ("payer", "Payer", "") in catalog.tables
    assert catalog.get("orders.order_id") is None  # ignored columns are not offered


def test_without_data_the_catalog_has_no_values(tmp_path: Path) -> None:
    catalog = build_catalog(model())
    channel = catalog.get("orders.channel")
    assert channel is not None and channel.values == ()
    date = catalog.get("orders.order_date")
    assert date is not None and date.time_range is None
