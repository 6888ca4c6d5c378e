"""Test data for the semantic engine: a small generated shop and the Sales demo sample.

The shop has the messy parts on purpose: orders of a customer that does not exist (orphan key),
orders without a customer, items of an unknown order and of an unknown product, an order with
two items of one category (fan-out shows), NULL segments and categories, and orders on Dec 31 /
Jan 1 so that time grains cross month, quarter and year boundaries.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from pipelines.semantic import SemanticModel

ROOT = Path(__file__).resolve().parents[3]
DEMO = ROOT / "app" / "demo"

SHOP_SQL = {
    "customers": """
        SELECT * FROM (VALUES
            (1, 'Ada', 'Consumer', DATE '2021-03-01'),
            (2, 'Bob', 'Business', DATE '2021-06-15'),
            (3, 'Cy', 'Business', DATE '2022-01-10'),
            (4, 'Di', NULL, DATE '2022-02-20'),
            (5, 'Eve', 'Consumer', DATE '2022-05-05')
        ) t(customer_id, name, segment, signup_date)
    """,
    "orders": """
        SELECT order_id, customer_id, order_date, status, CAST(total_amount AS DOUBLE) AS total_amount,
               CAST(order_date AS TIMESTAMP) + INTERVAL 13 HOUR AS created_at
        FROM (VALUES
            (10, 1, DATE '2022-12-31', 'shipped', 100.0),
            (11, 1, DATE '2023-01-01', 'shipped', 50.0),
            (12, 2, DATE '2023-03-31', 'cancelled', 20.0),
            (13, 2, DATE '2023-04-01', 'shipped', 70.0),
            (14, 3, DATE '2023-06-30', 'shipped', 40.0),
            (15, 4, DATE '2023-07-01', 'returned', 30.0),
            (16, 99, DATE '2023-09-30', 'shipped', 25.0),
            (17, NULL, DATE '2023-10-01', 'shipped', 15.0),
            (18, 5, DATE '2023-12-31', 'shipped', 60.0),
            (19, 3, DATE '2024-01-01', 'Shipped', 35.0)
        ) t(order_id, customer_id, order_date, status, total_amount)
    """,
    "order_items": """
        SELECT item_id, order_id, product_id, quantity, CAST(unit_price AS DOUBLE) AS unit_price
        FROM (VALUES
            (100, 10, 'P1', 2, 20.0),
            (101, 10, 'P2', 1, 60.0),
            (102, 11, 'P1', 5, 10.0),
            (103, 12, 'P3', 1, 20.0),
            (104, 13, 'P2', 1, 50.0),
            (105, 13, 'P3', 2, 10.0),
            (106, 14, 'P1', 4, 10.0),
            (107, 15, 'P4', 3, 10.0),
            (108, 16, 'P2', 1, 25.0),
            (109, 17, 'P9', 3, 5.0),
            (110, 18, 'P1', 6, 10.0),
            (111, 19, 'P3', 7, 5.0),
            (112, 77, 'P1', 1, 10.0),
            (113, 19, NULL, 1, 0.0),
            (114, 11, 'P3', 1, 10.0)
        ) t(item_id, order_id, product_id, quantity, unit_price)
    """,
    "products": """
        SELECT * FROM (VALUES
            ('P1', 'Mug', 'Kitchen'),
            ('P2', 'Lamp', 'Lighting'),
            ('P3', 'Plate', 'Kitchen'),
            ('P4', 'Rug', NULL),
            ('P5', 'Vase', 'Decoration')
        ) t(product_id, name, category)
    """,
}


def write_shop(folder: Path) -> dict[str, Path]:
    """Write the shop's Parquet files into ``folder``; returns table name -> path."""
    folder.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    paths = {}
    for name, sql in SHOP_SQL.items():
        path = folder / f"{name}.parquet"
        con.execute(f"COPY ({sql}) TO '{path}' (FORMAT parquet)")
        paths[name] = path
    return paths


def _col(name: str, type_: str, role: str = "dimension", **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": type_, "role": role, **extra}


def shop_model() -> SemanticModel:
    """The shop's model: items -> orders -> customers, items -> products (all left joins)."""
    return SemanticModel.from_dict(
        {
            "tables": [
                {
                    "name": "customers",
                    "source_id": "customers",
                    "label": "Customers",
                    "primary_key": "customer_id",
                    "columns": [
                        _col("customer_id", "integer"),
                        _col("name", "text", label="Name"),
                        _col("segment", "text", label="Segment"),
                        _col("signup_date", "date", label="Signup date", grains=["month", "year"]),
                    ],
                },
                {
                    "name": "orders",
                    "source_id": "orders",
                    "label": "Orders",
                    "primary_key": "order_id",
                    "columns": [
                        _col("order_id", "integer"),
                        _col("customer_id", "integer"),
                        _col("order_date", "date", label="Order date"),
                        _col("status", "text", label="Status"),
                        _col(
                            "total_amount",
                            "decimal",
                            "measure",
                            aggregation="sum",
                            label="Total amount",
                        ),
                        _col("created_at", "timestamp", label="Created at"),
                    ],
                },
                {
                    "name": "order_items",
                    "source_id": "order_items",
                    "label": "Order items",
                    "primary_key": "item_id",
                    "columns": [
                        _col("item_id", "integer"),
                        _col("order_id", "integer"),
                        _col("product_id", "text"),
                        _col("quantity", "integer", "measure", aggregation="sum", label="Quantity"),
                        _col("unit_price", "decimal", "measure", aggregation="avg"),
                    ],
                },
                {
                    "name": "products",
                    "source_id": "products",
                    "label": "Products",
                    "primary_key": "product_id",
                    "columns": [
                        _col("product_id", "text"),
                        _col("name", "text"),
                        _col("category", "text", label="Category"),
                    ],
                },
            ],
            "joins": [
                {
                    "id": "orders_customers",
                    "left_table": "orders",
                    "right_table": "customers",
                    "on": [{"left": "customer_id", "right": "customer_id"}],
                    "cardinality": "many_to_one",
                },
                {
                    "id": "items_orders",
                    "left_table": "order_items",
                    "right_table": "orders",
                    "on": [{"left": "order_id", "right": "order_id"}],
                    "cardinality": "many_to_one",
                },
                {
                    "id": "items_products",
                    "left_table": "order_items",
                    "right_table": "products",
                    "on": [{"left": "product_id", "right": "product_id"}],
                    "cardinality": "many_to_one",
                },
            ],
            "measures": [
                {
                    "name": "revenue",
                    "table": "order_items",
                    "expression": "sum(quantity * unit_price)",
                    "label": "Revenue",
                },
                {
                    "name": "buyers",
                    "table": "orders",
                    "expression": "count_distinct(customer_id)",
                    "label": "Buyers",
                },
                {
                    "name": "order_count",
                    "table": "orders",
                    "expression": "count(*)",
                    "label": "Orders",
                },
                {
                    "name": "avg_price",
                    "table": "order_items",
                    "expression": "sum(quantity * unit_price) / sum(quantity)",
                },
            ],
        }
    )


SALES_FILES = {
    "customers": "sales_customers.csv",
    "products": "sales_products.csv",
    "orders": "sales_orders.csv",
    "order_items": "sales_order_lines_fr.csv",
}


def ingest_sales(folder: Path) -> dict[str, Path]:
    """Ingest the Sales demo CSV files (the French order lines too) into Parquet files."""
    from pipelines.ingest import ingest_file

    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, filename in SALES_FILES.items():
        path = folder / f"{name}.parquet"
        ingest_file(DEMO / filename, path)
        paths[name] = path
    return paths


def sales_model() -> SemanticModel:
    """A model of the Sales sample; the order lines keep the identifiers their ingest gave."""
    return SemanticModel.from_dict(
        {
            "tables": [
                {
                    "name": "customers",
                    "source_id": "customers",
                    "label": "Customers",
                    "primary_key": "customer_id",
                    "columns": [
                        _col("customer_id", "integer"),
                        _col("segment", "text", label="Segment"),
                        _col("country", "text", label="Country"),
                    ],
                },
                {
                    "name": "products",
                    "source_id": "products",
                    "label": "Products",
                    "primary_key": "product_id",
                    "columns": [
                        _col("product_id", "text"),
                        _col("category", "text", label="Category"),
                    ],
                },
                {
                    "name": "orders",
                    "source_id": "orders",
                    "label": "Orders",
                    "primary_key": "order_id",
                    "columns": [
                        _col("order_id", "integer"),
                        _col("order_date", "date", label="Order date"),
                        _col("customer_id", "integer"),
                        _col("channel", "text", label="Channel"),
                        _col(
                            "total_amount",
                            "decimal",
                            "measure",
                            aggregation="sum",
                            label="Total amount",
                        ),
                    ],
                },
                {
                    "name": "order_items",
                    "source_id": "order_items",
                    "label": "Order lines",
                    "primary_key": "n_ligne",
                    "columns": [
                        _col("n_ligne", "integer"),
                        _col("n_commande", "integer"),
                        _col("ref_article", "text"),
                        _col("quantite", "integer", "measure", aggregation="sum", label="Quantité"),
                        _col("prix_unitaire", "decimal", "measure", aggregation="avg"),
                        _col("montant", "decimal", "measure", aggregation="sum"),
                    ],
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
                    "id": "lines_orders",
                    "left_table": "order_items",
                    "right_table": "orders",
                    "on": [{"left": "n_commande", "right": "order_id"}],
                },
                {
                    "id": "lines_products",
                    "left_table": "order_items",
                    "right_table": "products",
                    "on": [{"left": "ref_article", "right": "product_id"}],
                },
            ],
            "measures": [
                {
                    "name": "buyers",
                    "table": "orders",
                    "expression": "count(distinct customer_id)",
                    "label": "Buyers",
                }
            ],
        }
    )
