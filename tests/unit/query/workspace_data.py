"""Real workspace folders for sandbox and runner tests: Parquet tables and another tenant's files.

Layout under the base folder::

    tenant_a/ws1/orders.parquet, customers.parquet      the workspace under test
    tenant_a/ws10/orders.parquet                         a sibling whose name extends ws1
    tenant_b/ws1/secret.parquet, secret.txt, secret.csv  another tenant's data (MARKER inside)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

MARKER = "SECRET-MARKER-7f3a9c"
ORDERS = 25
LONG_SQL = (
    "SELECT sum(a.order_id * b.order_id + c.order_id * d.order_id + e.order_id) "
    "FROM orders a, orders b, orders c, orders d, orders e, orders f, orders g, orders h, "
    "orders i, orders j"
)
"""Runs for hours over the 25-row orders table (25**10 rows): only a cancel ends it."""


@dataclass(frozen=True)
class Workspaces:
    base: Path
    ws: Path
    tables: dict[str, Path]
    sibling: Path
    other: Path


def write_orders(path: Path, rows: int = ORDERS, offset: int = 0) -> None:
    con = duckdb.connect()
    con.execute(
        f"""
        COPY (
            SELECT i + {offset} AS order_id,
                   CASE WHEN i % 5 = 0 THEN NULL ELSE (i % 4) + 1 END AS customer_id,
                   CAST(round(i * 10.25, 2) AS DECIMAL(10, 2)) AS amount,
                   DATE '2024-01-01' + CAST(i AS INTEGER) AS order_date,
                   TIMESTAMP '2024-01-01 08:00:00' + INTERVAL (i) HOUR AS created_at,
                   i % 2 = 0 AS paid,
                   ['north', 'south', 'east'][1 + CAST(i % 3 AS INTEGER)] AS region
            FROM range({rows}) t(i)
        ) TO '{path}' (FORMAT parquet)
        """
    )
    con.close()


def make_workspaces(base: Path) -> Workspaces:
    ws = base / "tenant_a" / "ws1"
    sibling = base / "tenant_a" / "ws10"
    other = base / "tenant_b" / "ws1"
    for folder in (ws, sibling, other):
        folder.mkdir(parents=True)
    write_orders(ws / "orders.parquet")
    con = duckdb.connect()
    con.execute(
        f"COPY (SELECT i + 1 AS customer_id, 'Customer ' || (i + 1) AS name FROM range(4) t(i)) "
        f"TO '{ws / 'customers.parquet'}' (FORMAT parquet)"
    )
    con.execute(f"COPY (SELECT '{MARKER}' AS secret) TO '{other / 'secret.parquet'}'")
    con.execute(f"COPY (SELECT '{MARKER}' AS secret) TO '{other / 'secret.csv'}'")
    con.execute(f"COPY (SELECT '{MARKER}' AS secret) TO '{sibling / 'orders.parquet'}'")
    con.close()
    (other / "secret.txt").write_text(MARKER + "\n")
    tables = {"orders": ws / "orders.parquet", "customers": ws / "customers.parquet"}
    return Workspaces(base=base, ws=ws, tables=tables, sibling=sibling, other=other)


def numbers(count: int) -> str:
    """A subquery of rows i = 0 .. count - 1 (count: one digit then zeros) without range(),
    which user SQL may not call: cross joins of ten-row VALUES lists."""
    digits = [f"(VALUES {', '.join(f'({d})' for d in range(10))}) d{k}(x)" for k in range(6)]
    tens, rest = len(str(count)) - 1, int(str(count)[0])
    parts = [*digits[:tens], f"(VALUES {', '.join(f'({d})' for d in range(rest))}) top(x)"]
    value = " + ".join([f"d{k}.x * {10**k}" for k in range(tens)] + [f"top.x * {10**tens}"])
    return f"(SELECT {value} AS i FROM {', '.join(parts)})"
