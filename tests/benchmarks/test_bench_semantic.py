"""Semantic query benchmark: the engine vs the same query hand-written in DuckDB SQL.

Three Parquet tables are generated with DuckDB (>= 10 million order items, their orders and
customers). The semantic query (two dimensions across two joins, two measures on the fact table)
and the equivalent hand-written SQL run on the same files in the same process, alternating; the
best of several runs is compared. The engine's time includes compiling the query, generating the
SQL and fetching the rows. Compile time per query is the mean of 100 compiles.
Run with ``make bench`` (``pytest tests/benchmarks -s``). Environment:
``DATAPILOT_BENCH_SEMANTIC_ROWS`` (default 10,000,000 order items), ``DATAPILOT_BENCH_REPEAT``
(default 5), ``DATAPILOT_BENCH_SEMANTIC_MAX_RATIO`` (default 1.1) and
``DATAPILOT_BENCH_SEMANTIC_SLACK_MS`` (default 15): the engine must take at most
ratio x hand-written + slack.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import duckdb
import ibis

from pipelines.semantic import SemanticEngine, SemanticModel, SemanticQuery

ROWS = int(os.environ.get("DATAPILOT_BENCH_SEMANTIC_ROWS", "10000000"))
REPEAT = int(os.environ.get("DATAPILOT_BENCH_REPEAT", "5"))
MAX_RATIO = float(os.environ.get("DATAPILOT_BENCH_SEMANTIC_MAX_RATIO", "1.1"))
SLACK_MS = float(os.environ.get("DATAPILOT_BENCH_SEMANTIC_SLACK_MS", "15"))
COMPILES = 100

HAND_SQL = """
SELECT c.segment,
       CAST(date_trunc('year', o.order_date) AS DATE) AS order_year,
       sum(i.quantity) AS quantity,
       sum(i.quantity * i.unit_price) AS revenue
FROM order_items AS i
LEFT JOIN orders AS o ON i.order_id = o.order_id
LEFT JOIN customers AS c ON o.customer_id = c.customer_id
GROUP BY 1, 2
ORDER BY 1, 2
"""

QUERY = SemanticQuery(
    measures=["order_items.quantity", "revenue"],
    dimensions=["customers.segment", "orders.order_date.year"],
)


def generate(folder: Path, items: int) -> dict[str, Path]:
    orders, customers = max(items // 4, 1), max(items // 100, 1)
    sql = {
        "customers": f"""
            SELECT i AS customer_id,
                   ['Consumer', 'Business', 'Public', 'Partner'][1 + CAST(i % 4 AS INTEGER)]
                       AS segment,
                   'Customer ' || i AS name
            FROM range({customers}) t(i)""",
        "orders": f"""
            SELECT i AS order_id,
                   CAST(hash(i * 7) % {customers} AS BIGINT) AS customer_id,
                   DATE '2015-01-01' + CAST(hash(i * 3) % 3650 AS INTEGER) AS order_date,
                   ['web', 'store', 'phone'][1 + CAST(i % 3 AS INTEGER)] AS channel
            FROM range({orders}) t(i)""",
        "order_items": f"""
            SELECT i AS item_id,
                   CAST(hash(i * 11) % {orders} AS BIGINT) AS order_id,
                   CAST(1 + hash(i * 13) % 9 AS BIGINT) AS quantity,
                   round((hash(i * 17) % 100000) / 100.0, 2)::DOUBLE AS unit_price
            FROM range({items}) t(i)""",
    }
    con = duckdb.connect()
    paths = {}
    for name, select in sql.items():
        path = folder / f"{name}.parquet"
        con.execute(f"COPY ({select}) TO '{path}' (FORMAT parquet)")
        paths[name] = path
    con.close()
    return paths


def model() -> SemanticModel:
    def column(name: str, type_: str, role: str = "dimension", **extra: object) -> dict:
        return {"name": name, "type": type_, "role": role, **extra}

    return SemanticModel.from_dict(
        {
            "tables": [
                {
                    "name": "customers",
                    "source_id": "customers",
                    "primary_key": "customer_id",
                    "columns": [
                        column("customer_id", "integer"),
                        column("segment", "text"),
                        column("name", "text"),
                    ],
                },
                {
                    "name": "orders",
                    "source_id": "orders",
                    "primary_key": "order_id",
                    "columns": [
                        column("order_id", "integer"),
                        column("customer_id", "integer"),
                        column("order_date", "date"),
                        column("channel", "text"),
                    ],
                },
                {
                    "name": "order_items",
                    "source_id": "order_items",
                    "primary_key": "item_id",
                    "columns": [
                        column("item_id", "integer"),
                        column("order_id", "integer"),
                        column("quantity", "integer", "measure", aggregation="sum"),
                        column("unit_price", "decimal", "measure", aggregation="avg"),
                    ],
                },
            ],
            "joins": [
                {
                    "id": "items_orders",
                    "left_table": "order_items",
                    "right_table": "orders",
                    "on": [{"left": "order_id", "right": "order_id"}],
                },
                {
                    "id": "orders_customers",
                    "left_table": "orders",
                    "right_table": "customers",
                    "on": [{"left": "customer_id", "right": "customer_id"}],
                },
            ],
            "measures": [
                {
                    "name": "revenue",
                    "table": "order_items",
                    "expression": "sum(quantity * unit_price)",
                }
            ],
        }
    )


def test_semantic_query_against_hand_written_duckdb(tmp_path: Path) -> None:
    paths = generate(tmp_path, ROWS)
    engine = SemanticEngine(model(), paths, con=ibis.duckdb.connect())
    hand = duckdb.connect()
    for name, path in paths.items():
        hand.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{path}')")

    # Same answer first (rounded: float sums may differ in the last digits).
    def rounded(rows: list) -> list:
        return [[round(v, 4) if isinstance(v, float) else v for v in row] for row in rows]

    expected = hand.execute(HAND_SQL).fetchall()
    assert rounded(engine.execute(QUERY).rows) == rounded([list(r) for r in expected])

    times: dict[str, list[float]] = {"engine": [], "duckdb": []}
    for _ in range(REPEAT):
        start = time.perf_counter()
        engine.execute(QUERY)
        times["engine"].append(time.perf_counter() - start)
        start = time.perf_counter()
        hand.execute(HAND_SQL).fetchall()
        times["duckdb"].append(time.perf_counter() - start)

    start = time.perf_counter()
    for _ in range(COMPILES):
        engine.sql(QUERY)
    compile_ms = (time.perf_counter() - start) / COMPILES * 1000

    best = {name: min(values) for name, values in times.items()}
    ratio = best["engine"] / best["duckdb"]
    print(
        f"\n\nsemantic benchmark: {ROWS:,} order items, {ROWS // 4:,} orders, "
        f"{ROWS // 100:,} customers; {os.cpu_count()} cores, best of {REPEAT}"
    )
    print(f"{'contender':<10} {'best ms':>9} {'worst ms':>9}")
    for name, values in times.items():
        print(f"{name:<10} {best[name] * 1000:>9.1f} {max(values) * 1000:>9.1f}")
    print(f"ratio engine / duckdb: {ratio:.3f}x; compile per query: {compile_ms:.2f} ms")
    limit = best["duckdb"] * MAX_RATIO + SLACK_MS / 1000
    assert best["engine"] <= limit, (
        f"semantic query took {best['engine'] * 1000:.0f} ms, hand-written DuckDB "
        f"{best['duckdb'] * 1000:.0f} ms (limit {MAX_RATIO}x + {SLACK_MS:.0f} ms)"
    )
