"""Test data for new vs returning customers (``SemanticQuery.first_seen``): twelve orders of five
customers, written by hand so every answer is known by heart.

=====  ========  ==========  ======  =======  =============================================
order  customer  date        amount  channel  why
=====  ========  ==========  ======  =======  =============================================
1      C1        2023-11-20  10      web      C1's first order (before 2024)
2      C5        2023-12-31  20      store    C5's first order (before 2024)
3      (none)    2024-01-05  30      web      no customer: neither new nor returning
4      C1        2024-01-10  40      web      C1 returning
5      C2        2024-01-15  50      web      C2's first order
6      C1        2024-01-25  60      store    C1 returning (a second order in January)
7      C2        2024-02-03  70      store    C2 returning
8      C3        2024-02-10  80      web      C3's first order
9      C3        2024-02-20  90      web      C3 again in its first month: still new
10     C4        2024-03-01  100     store    C4's first order
11     C1        2024-03-05  110     web      C1 returning
12     C5        2024-03-31  120     web      C5 returning (after two months away)
13     C2        (none)      7       web      no date: no month and no status
=====  ========  ==========  ======  =======  =============================================

Customers C1, C2 and C4 are in France, C3 and C5 in Belgium. Orders join customers
many-to-one on ``customer_id``; the customers table has a primary key, so its row count
(``customers.count``) counts distinct customers across the one-to-many path too.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines.semantic import SemanticModel

ORDERS_SQL = """
SELECT * FROM (VALUES
    (1, 'C1', DATE '2023-11-20', 10.0, 'web'),
    (2, 'C5', DATE '2023-12-31', 20.0, 'store'),
    (3, NULL, DATE '2024-01-05', 30.0, 'web'),
    (4, 'C1', DATE '2024-01-10', 40.0, 'web'),
    (5, 'C2', DATE '2024-01-15', 50.0, 'web'),
    (6, 'C1', DATE '2024-01-25', 60.0, 'store'),
    (7, 'C2', DATE '2024-02-03', 70.0, 'store'),
    (8, 'C3', DATE '2024-02-10', 80.0, 'web'),
    (9, 'C3', DATE '2024-02-20', 90.0, 'web'),
    (10, 'C4', DATE '2024-03-01', 100.0, 'store'),
    (11, 'C1', DATE '2024-03-05', 110.0, 'web'),
    (12, 'C5', DATE '2024-03-31', 120.0, 'web'),
    (13, 'C2', NULL, 7.0, 'web')
) t(order_id, customer_id, order_date, amount, channel)
"""
CUSTOMERS_SQL = """
SELECT * FROM (VALUES
    ('C1', 'France'), ('C2', 'France'), ('C3', 'Belgium'), ('C4', 'France'),
    ('C5', 'Belgium')
) t(customer_id, country)
"""


def write_orders(folder: Path) -> dict[str, Path]:
    """Write ``orders.parquet`` and ``customers.parquet``; returns table name -> path."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"orders": folder / "orders.parquet", "customers": folder / "customers.parquet"}
    con = duckdb.connect()
    con.execute(f"COPY ({ORDERS_SQL}) TO '{paths['orders']}' (FORMAT parquet)")
    con.execute(f"COPY ({CUSTOMERS_SQL}) TO '{paths['customers']}' (FORMAT parquet)")
    con.close()
    return paths


def orders_model() -> SemanticModel:
    """Orders (amount summed, a distinct-customer measure) joined many-to-one to customers."""
    return SemanticModel.from_dict(
        {
            "tables": [
                {
                    "name": "orders",
                    "source_id": "orders",
                    "primary_key": "order_id",
                    "columns": [
                        {"name": "order_id", "type": "integer"},
                        {"name": "customer_id", "type": "text", "label": "Customer"},
                        {"name": "order_date", "type": "date", "label": "Order date"},
                        {
                            "name": "amount",
                            "type": "decimal",
                            "role": "measure",
                            "aggregation": "sum",
                            "label": "Revenue",
                        },
                        {"name": "channel", "type": "text"},
                    ],
                },
                {
                    "name": "customers",
                    "source_id": "customers",
                    "primary_key": "customer_id",
                    "columns": [
                        {"name": "customer_id", "type": "text"},
                        {"name": "country", "type": "text"},
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
                }
            ],
            "measures": [
                {
                    "name": "customer_count",
                    "table": "orders",
                    "expression": "count(DISTINCT customer_id)",
                    "label": "Customers",
                }
            ],
        }
    )
