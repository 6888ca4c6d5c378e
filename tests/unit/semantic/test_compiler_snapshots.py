"""Compiler snapshots: the DuckDB SQL of one query per kind, compared with files.

``DATAPILOT_UPDATE_SNAPSHOTS=1`` rewrites the files; otherwise any difference fails. Read a
changed snapshot before accepting it: it is the SQL users see and run.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import ibis
import pytest

from pipelines.semantic import Filter, SemanticEngine, SemanticQuery, Sort

from .data import shop_model


@pytest.fixture(scope="module")
def engine_name() -> str:
    """DuckDB only: this module checks the engine itself, not its answers on each backend."""
    return "duckdb"


SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("DATAPILOT_UPDATE_SNAPSHOTS") == "1"

CASES: dict[str, dict[str, Any]] = {
    "single_table": {"measures": ["orders.total_amount"], "dimensions": ["orders.status"]},
    "grain_month": {
        "measures": ["orders.total_amount"],
        "dimensions": ["orders.order_date.month"],
    },
    "grain_timestamp_week": {
        "measures": ["order_count"],
        "dimensions": ["orders.created_at.week"],
    },
    "filter_equality": {
        "measures": ["orders.total_amount"],
        "filters": [
            Filter(field="orders.status", op="eq", value="shipped"),
            Filter(field="orders.customer_id", op="ne", value=99),
        ],
    },
    "filter_comparison": {
        "measures": ["orders.total_amount"],
        "filters": [
            Filter(field="orders.order_date", op="gte", value="2023-01-01"),
            Filter(field="orders.order_date", op="lt", value="2024-01-01"),
            Filter(field="orders.created_at", op="gt", value="2023-02-01T00:00:00"),
            Filter(field="orders.order_id", op="lte", value=18),
        ],
    },
    "filter_in": {
        "measures": ["orders.total_amount"],
        "filters": [
            Filter(field="orders.status", op="in", value=["shipped", "returned"]),
            Filter(field="orders.customer_id", op="not_in", value=[1, 2]),
        ],
    },
    "filter_between": {
        "measures": ["orders.total_amount"],
        "filters": [
            Filter(
                field="orders.order_date.month", op="between", value=["2023-01-01", "2023-06-01"]
            )
        ],
    },
    "filter_contains": {
        "measures": ["orders.total_amount"],
        "filters": [Filter(field="orders.status", op="contains", value="SHIP")],
    },
    "filter_null": {
        "measures": ["orders.total_amount"],
        "filters": [
            Filter(field="orders.customer_id", op="not_null"),
            Filter(field="customers.segment", op="is_null"),
        ],
    },
    "many_to_one_join": {
        "measures": ["order_items.quantity"],
        "dimensions": ["customers.segment"],
    },
    "fanout_two_tables": {
        "measures": ["orders.total_amount", "order_items.quantity"],
        "dimensions": ["customers.segment"],
    },
    "fanout_no_dimensions": {"measures": ["orders.total_amount", "order_items.quantity"]},
    "calculated_measure": {
        "measures": ["revenue", "avg_price"],
        "dimensions": ["products.category"],
    },
    "count_distinct_across_join": {
        "measures": ["buyers"],
        "dimensions": ["products.category"],
    },
    "dimensions_only": {"dimensions": ["customers.segment", "products.category"]},
    "sort_limit": {
        "measures": ["orders.total_amount"],
        "dimensions": ["customers.name"],
        "sort": [Sort(field="orders.total_amount", descending=True)],
        "limit": 3,
    },
    "semi_join_filter": {
        "measures": ["orders.total_amount"],
        "dimensions": ["customers.segment"],
        "filters": [Filter(field="products.category", op="eq", value="Kitchen")],
    },
    "dedup_primary_key": {
        "measures": ["orders.total_amount"],
        "dimensions": ["products.category"],
    },
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_sql_matches_snapshot(shop: SemanticEngine, name: str) -> None:
    sql = shop.sql(SemanticQuery(**CASES[name])).strip() + "\n"
    path = SNAPSHOTS / f"{name}.sql"
    if UPDATE:
        SNAPSHOTS.mkdir(exist_ok=True)
        path.write_text(sql, encoding="utf-8")
    assert path.exists(), f"no snapshot {path.name}; run with DATAPILOT_UPDATE_SNAPSHOTS=1"
    assert sql == path.read_text(encoding="utf-8"), f"SQL of {name!r} changed"


def test_every_snapshot_file_has_a_case() -> None:
    assert {p.stem for p in SNAPSHOTS.glob("*.sql")} == set(CASES)


def test_only_needed_tables_are_joined(shop: SemanticEngine) -> None:
    single = shop.sql(SemanticQuery(measures=["orders.total_amount"], dimensions=["orders.status"]))
    assert '"orders"' in single
    for other in ("customers", "order_items", "products"):
        assert f'"{other}"' not in single
    joined = shop.sql(
        SemanticQuery(measures=["order_items.quantity"], dimensions=["customers.segment"])
    )
    assert '"products"' not in joined
    assert joined.count("JOIN") == 2  # items -> orders -> customers, nothing else


def test_fanout_query_aggregates_each_table_before_joining(shop: SemanticEngine) -> None:
    sql = shop.sql(SemanticQuery(**CASES["fanout_two_tables"]))
    assert "FULL OUTER JOIN" in sql
    assert "IS NOT DISTINCT FROM" in sql
    assert sql.count("GROUP BY") == 2


def test_dedup_selects_distinct_primary_keys(shop: SemanticEngine) -> None:
    sql = shop.sql(SemanticQuery(**CASES["dedup_primary_key"]))
    assert "SELECT DISTINCT" in sql
    assert '"order_id"' in sql


def test_tables_are_registered_lazily(shop_paths: dict[str, Path]) -> None:
    con = ibis.duckdb.connect()
    engine = SemanticEngine(shop_model(), shop_paths, con=con)
    views = "SELECT view_name FROM duckdb_views() WHERE NOT internal"
    assert con.raw_sql(views).fetchall() == []
    engine.sql(SemanticQuery(measures=["orders.total_amount"], dimensions=["orders.status"]))
    assert con.raw_sql(views).fetchall() == [("orders",)]
