"""Known answers on generated data: every engine result is checked against hand-written SQL
(or pandas) over the same Parquet files. The shop data has orphan keys, NULLs and orders on
Dec 31 / Jan 1 (see ``data.py``)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

from pipelines.semantic import (
    Filter,
    SemanticEngine,
    SemanticError,
    SemanticQuery,
    Sort,
    run_query,
)

from .data import shop_model
from .helpers import normalise, rows


def sql_rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[Any, ...]]:
    return con.execute(sql).fetchall()


# -- fan-out -----------------------------------------------------------------------------------
FANOUT_SQL = """
    WITH o AS (
        SELECT c.segment, sum(o.total_amount) AS total
        FROM orders o LEFT JOIN customers c ON o.customer_id = c.customer_id
        GROUP BY 1
    ), i AS (
        SELECT c.segment, sum(i.quantity) AS quantity
        FROM order_items i
        LEFT JOIN orders o ON i.order_id = o.order_id
        LEFT JOIN customers c ON o.customer_id = c.customer_id
        GROUP BY 1
    )
    SELECT coalesce(o.segment, i.segment), o.total, i.quantity
    FROM o FULL JOIN i ON o.segment IS NOT DISTINCT FROM i.segment
"""


def test_one_to_many_with_measures_on_both_sides_does_not_double_count(
    shop: SemanticEngine, shop_sql: duckdb.DuckDBPyConnection
) -> None:
    got = rows(
        shop,
        measures=["orders.total_amount", "order_items.quantity"],
        dimensions=["customers.segment"],
    )
    assert normalise(got) == normalise(sql_rows(shop_sql, FANOUT_SQL))
    assert got == [["Business", 165.0, 16], ["Consumer", 210.0, 15], [None, 70.0, 8]]
    # The naive join repeats each order once per item: the engine must not give that number.
    naive = sql_rows(
        shop_sql,
        "SELECT sum(o.total_amount) FROM order_items i JOIN orders o USING (order_id)",
    )[0][0]
    assert sum(r[1] for r in got) == 445.0 != naive


def test_fanout_totals_without_dimensions(
    shop: SemanticEngine, shop_sql: duckdb.DuckDBPyConnection
) -> None:
    got = rows(shop, measures=["orders.total_amount", "order_items.quantity", "order_count"])
    expected = sql_rows(
        shop_sql,
        "SELECT (SELECT sum(total_amount) FROM orders), (SELECT sum(quantity) FROM order_items),"
        " (SELECT count(*) FROM orders)",
    )
    assert normalise(got) == normalise(expected)


def test_three_measure_tables_by_segment_match_pandas(
    shop: SemanticEngine, shop_paths: dict[str, Path]
) -> None:
    frames = {name: pd.read_parquet(path) for name, path in shop_paths.items()}
    customers, orders, items = frames["customers"], frames["orders"], frames["order_items"]
    orders_c = orders.merge(customers, on="customer_id", how="left")
    items_c = items.merge(orders_c, on="order_id", how="left")
    totals = orders_c.groupby("segment", dropna=False)["total_amount"].sum()
    quantities = items_c.groupby("segment", dropna=False)["quantity"].sum()
    buyers = orders_c.groupby("segment", dropna=False)["customer_id"].nunique()
    expected = pd.concat([quantities, buyers, totals], axis=1).reset_index()
    expected_rows = [
        [None if pd.isna(segment) else segment, int(quantity), int(count), float(total)]
        for segment, quantity, count, total in expected.itertuples(index=False)
    ]
    got = rows(
        shop,
        measures=["order_items.quantity", "buyers", "orders.total_amount"],
        dimensions=["customers.segment"],
    )
    assert normalise(got) == normalise(expected_rows)
    assert len(got) == 3


def test_sum_across_one_to_many_dimension_counts_each_order_once(
    shop: SemanticEngine, shop_sql: duckdb.DuckDBPyConnection
) -> None:
    got = rows(shop, measures=["orders.total_amount"], dimensions=["products.category"])
    expected = sql_rows(
        shop_sql,
        """
        SELECT category, sum(total_amount) FROM (
            SELECT DISTINCT o.order_id, p.category, o.total_amount
            FROM orders o
            LEFT JOIN order_items i ON o.order_id = i.order_id
            LEFT JOIN products p ON i.product_id = p.product_id
        ) GROUP BY 1
        """,
    )
    assert normalise(got) == normalise(expected)
    assert got == [["Kitchen", 375.0], ["Lighting", 195.0], [None, 80.0]]


def test_fanout_without_primary_key_is_refused_naming_measure_and_dimension(
    shop_paths: dict[str, Path],
) -> None:
    model = shop_model()
    model.table("orders").primary_key = None  # type: ignore[union-attr]
    engine = SemanticEngine(model, shop_paths)
    query = SemanticQuery(measures=["orders.total_amount"], dimensions=["products.category"])
    with pytest.raises(SemanticError) as caught:
        engine.execute(query)
    assert caught.value.field == "orders.total_amount"
    assert "'orders.total_amount'" in caught.value.message
    assert "'products.category'" in caught.value.message
    assert "set a primary key on table 'orders'" in caught.value.message
    # count_distinct does not change when rows repeat: it needs no key.
    assert engine.execute(SemanticQuery(measures=["buyers"], dimensions=["products.category"]))


# -- filters -----------------------------------------------------------------------------------
def test_filter_on_joined_dimension(
    shop: SemanticEngine, shop_sql: duckdb.DuckDBPyConnection
) -> None:
    got = rows(
        shop,
        measures=["order_items.quantity", "revenue"],
        dimensions=["products.category"],
        filters=[Filter(field="customers.segment", op="eq", value="Business")],
    )
    expected = sql_rows(
        shop_sql,
        """
        SELECT p.category, sum(i.quantity), sum(i.quantity * i.unit_price)
        FROM order_items i
        LEFT JOIN orders o ON i.order_id = o.order_id
        LEFT JOIN customers c ON o.customer_id = c.customer_id
        LEFT JOIN products p ON i.product_id = p.product_id
        WHERE c.segment = 'Business'
        GROUP BY 1
        """,
    )
    assert normalise(got) == normalise(expected)
    assert got == [["Kitchen", 14, 115.0], ["Lighting", 1, 50.0], [None, 1, 0.0]]


def test_filter_across_one_to_many_keeps_rows_with_a_match(
    shop: SemanticEngine, shop_sql: duckdb.DuckDBPyConnection
) -> None:
    got = rows(
        shop,
        measures=["orders.total_amount"],
        dimensions=["customers.segment"],
        filters=[Filter(field="products.category", op="eq", value="Kitchen")],
    )
    expected = sql_rows(
        shop_sql,
        """
        SELECT c.segment, sum(o.total_amount)
        FROM orders o LEFT JOIN customers c ON o.customer_id = c.customer_id
        WHERE o.order_id IN (
            SELECT i.order_id FROM order_items i
            JOIN products p ON i.product_id = p.product_id
            WHERE p.category = 'Kitchen'
        )
        GROUP BY 1
        """,
    )
    assert normalise(got) == normalise(expected)


ORDERS_FILTERS = [
    (Filter(field="orders.status", op="eq", value="shipped"), lambda f: f.status == "shipped"),
    (Filter(field="orders.status", op="ne", value="shipped"), lambda f: f.status != "shipped"),
    (Filter(field="orders.order_id", op="gt", value=15), lambda f: f.order_id > 15),
    (Filter(field="orders.order_id", op="gte", value=15), lambda f: f.order_id >= 15),
    (
        Filter(field="orders.order_date", op="lt", value="2023-04-01"),
        lambda f: f.order_date < date(2023, 4, 1),
    ),
    (
        Filter(field="orders.created_at", op="lte", value="2023-01-01T13:00:00"),
        lambda f: f.created_at <= datetime(2023, 1, 1, 13),
    ),
    (
        Filter(field="orders.status", op="in", value=["cancelled", "returned"]),
        lambda f: f.status.isin(["cancelled", "returned"]),
    ),
    (
        Filter(field="orders.customer_id", op="not_in", value=[1, 2]),
        lambda f: f.customer_id.notna() & ~f.customer_id.isin([1, 2]),
    ),
    (
        Filter(field="orders.order_date", op="between", value=["2022-12-31", "2023-01-01"]),
        lambda f: (f.order_date >= date(2022, 12, 31)) & (f.order_date <= date(2023, 1, 1)),
    ),
    (
        Filter(field="orders.order_date.year", op="eq", value="2023-01-01"),
        lambda f: f.order_date.map(lambda d: d.year) == 2023,
    ),
    (
        Filter(field="orders.status", op="contains", value="SHIP"),
        lambda f: f.status.str.lower().str.contains("ship"),
    ),
    (Filter(field="customers.segment", op="is_null"), lambda f: f.segment.isna()),
    (Filter(field="orders.customer_id", op="not_null"), lambda f: f.customer_id.notna()),
]


@pytest.mark.parametrize(
    ("item", "keep"), ORDERS_FILTERS, ids=[f"{f.op}-{f.field}" for f, _ in ORDERS_FILTERS]
)
def test_filter_operator_matches_pandas(
    shop: SemanticEngine, shop_paths: dict[str, Path], item: Filter, keep: Any
) -> None:
    orders = pd.read_parquet(shop_paths["orders"])
    orders["order_date"] = pd.to_datetime(orders["order_date"]).dt.date
    customers = pd.read_parquet(shop_paths["customers"])
    frame = orders.merge(customers, on="customer_id", how="left")
    frame = frame[keep(frame).fillna(False).astype(bool)]
    got = rows(shop, measures=["orders.total_amount", "order_count"], filters=[item])
    assert got[0][1] == len(frame)
    assert (got[0][0] or 0.0) == pytest.approx(frame.total_amount.sum())
    assert 0 < len(frame) < 10  # each filter keeps some rows and drops some


@pytest.mark.parametrize(
    ("item", "message"),
    [
        (Filter(field="orders.order_date", op="gt", value="yesterday"), "'yesterday'"),
        (Filter(field="orders.order_id", op="eq", value="ten"), "'ten' is not a valid integer"),
        (Filter(field="orders.order_id", op="between", value=[1]), "needs two values"),
        (Filter(field="orders.order_id", op="contains", value="1"), "text columns only"),
        (Filter(field="orders.status", op="eq", value=None), "use is_null"),
        (Filter(field="revenue", op="gt", value=1), "is a measure, not a dimension"),
        (Filter(field="orders.count", op="gt", value=1), "number of rows of table 'orders'"),
        (Filter(field="nowhere.status", op="eq", value="x"), "unknown table 'nowhere'"),
    ],
)
def test_bad_filter_names_field_and_value(shop: SemanticEngine, item: Filter, message: str) -> None:
    with pytest.raises(SemanticError) as caught:
        shop.execute(SemanticQuery(measures=["orders.total_amount"], filters=[item]))
    assert caught.value.field == item.field
    assert item.field in caught.value.message
    assert message in caught.value.message


# -- time grains -------------------------------------------------------------------------------
@pytest.mark.parametrize("grain", ["day", "week", "month", "quarter", "year"])
def test_time_grain_across_boundaries(
    shop: SemanticEngine, shop_sql: duckdb.DuckDBPyConnection, grain: str
) -> None:
    result = shop.execute(
        SemanticQuery(measures=["orders.total_amount"], dimensions=[f"orders.order_date.{grain}"])
    )
    expected = sql_rows(
        shop_sql,
        f"SELECT CAST(date_trunc('{grain}', order_date) AS DATE), sum(total_amount) "
        "FROM orders GROUP BY 1",
    )
    assert normalise(result.rows) == normalise(expected)
    assert result.types[f"orders.order_date.{grain}"] == "date"
    assert all(type(r[0]) is date for r in result.rows)


def test_year_and_month_grains_split_dec_31_from_jan_1(shop: SemanticEngine) -> None:
    years = rows(shop, measures=["orders.total_amount"], dimensions=["orders.order_date.year"])
    assert years == [[date(2022, 1, 1), 100.0], [date(2023, 1, 1), 310.0], [date(2024, 1, 1), 35.0]]
    quarters = rows(
        shop, measures=["order_count"], dimensions=["orders.order_date.quarter"], limit=3
    )
    assert quarters == [[date(2022, 10, 1), 1], [date(2023, 1, 1), 2], [date(2023, 4, 1), 2]]
    weeks = rows(shop, measures=["order_count"], dimensions=["orders.order_date.week"], limit=1)
    assert weeks == [[date(2022, 12, 26), 2]]  # ISO weeks start on Monday: Sat 31 + Sun 1


def test_timestamp_grain_gives_timestamps(
    shop: SemanticEngine, shop_sql: duckdb.DuckDBPyConnection
) -> None:
    result = shop.execute(
        SemanticQuery(measures=["order_count"], dimensions=["orders.created_at.month"])
    )
    expected = sql_rows(
        shop_sql, "SELECT date_trunc('month', created_at), count(*) FROM orders GROUP BY 1"
    )
    assert normalise(result.rows) == normalise(expected)
    assert result.types["orders.created_at.month"] == "timestamp"
    assert result.rows[0][0] == datetime(2022, 12, 1)


# -- count distinct, joins ---------------------------------------------------------------------
def test_count_distinct_customers_by_product_category(
    shop: SemanticEngine, shop_sql: duckdb.DuckDBPyConnection
) -> None:
    got = rows(shop, measures=["buyers"], dimensions=["products.category"])
    expected = sql_rows(
        shop_sql,
        """
        SELECT p.category, count(DISTINCT o.customer_id)
        FROM orders o
        LEFT JOIN order_items i ON o.order_id = i.order_id
        LEFT JOIN products p ON i.product_id = p.product_id
        GROUP BY 1
        """,
    )
    assert normalise(got) == normalise(expected)
    assert got[0] == ["Kitchen", 4]


@pytest.mark.parametrize("how", ["left", "inner"])
def test_inner_and_left_joins_with_missing_keys(
    shop_paths: dict[str, Path], shop_sql: duckdb.DuckDBPyConnection, how: str
) -> None:
    model = shop_model()
    model.join("items_products").type = how  # type: ignore[union-attr]
    engine = SemanticEngine(model, shop_paths)
    got = rows(engine, measures=["order_items.quantity"], dimensions=["products.category"])
    expected = sql_rows(
        shop_sql,
        f"""
        SELECT p.category, sum(i.quantity) FROM order_items i
        {how.upper()} JOIN products p ON i.product_id = p.product_id GROUP BY 1
        """,
    )
    assert normalise(got) == normalise(expected)
    total = sum(r[1] for r in got)
    # Items of product P9 and of no product have no match: LEFT keeps them, INNER drops them.
    assert total == (39 if how == "left" else 35)


def test_dimensions_only_lists_existing_combinations(
    shop: SemanticEngine, shop_sql: duckdb.DuckDBPyConnection
) -> None:
    got = rows(shop, dimensions=["customers.segment", "products.category"])
    expected = sql_rows(
        shop_sql,
        """
        SELECT DISTINCT c.segment, p.category FROM order_items i
        LEFT JOIN orders o ON i.order_id = o.order_id
        LEFT JOIN customers c ON o.customer_id = c.customer_id
        LEFT JOIN products p ON i.product_id = p.product_id
        """,
    )
    assert normalise(got) == normalise(expected)
    assert rows(shop, dimensions=["customers.segment"]) == [["Business"], ["Consumer"], [None]]


def test_sort_and_limit(shop: SemanticEngine, shop_sql: duckdb.DuckDBPyConnection) -> None:
    got = rows(
        shop,
        measures=["orders.total_amount"],
        dimensions=["customers.name"],
        sort=[Sort(field="orders.total_amount", descending=True)],
        limit=2,
    )
    expected = sql_rows(
        shop_sql,
        """
        SELECT c.name, sum(o.total_amount) AS t FROM orders o
        LEFT JOIN customers c ON o.customer_id = c.customer_id
        GROUP BY 1 ORDER BY t DESC, 1 LIMIT 2
        """,
    )
    assert [tuple(r) for r in got] == expected == [("Ada", 150.0), ("Bob", 90.0)]


# -- result metadata and errors ----------------------------------------------------------------
def test_result_columns_labels_kinds_and_types(shop: SemanticEngine) -> None:
    result = shop.execute(
        SemanticQuery(
            measures=["orders.total_amount", "revenue"],
            dimensions=["orders.order_date.month", "customers.segment"],
        )
    )
    assert result.columns == [
        "orders.order_date.month",
        "customers.segment",
        "orders.total_amount",
        "revenue",
    ]
    assert result.labels == {
        "orders.order_date.month": "Orders · Order date (month)",
        "customers.segment": "Customers · Segment",
        "orders.total_amount": "Orders · Total amount",
        "revenue": "Revenue",
    }
    assert result.kinds["customers.segment"] == "dimension"
    assert result.kinds["revenue"] == "measure"
    assert result.types == {
        "orders.order_date.month": "date",
        "customers.segment": "text",
        "orders.total_amount": "decimal",
        "revenue": "decimal",
    }
    assert result.sql.startswith(("SELECT", "WITH"))  # in the engine's own dialect
    assert "read_parquet" not in result.sql


@pytest.mark.parametrize(
    ("parts", "field", "message"),
    [
        ({"measures": ["nowhere.x"]}, "nowhere.x", "unknown table 'nowhere'"),
        ({"measures": ["orders.nothing"]}, "orders.nothing", "has no column 'nothing'"),
        ({"measures": ["profit"]}, "profit", "Measure 'profit' is unknown"),
        (
            {"measures": ["orders.status"]},
            "orders.status",
            "not a measure; give it the measure role in the model (to count rows, use "
            "'orders.count')",
        ),
        ({"dimensions": ["orders.count"]}, "orders.count", "a measure, not a dimension"),
        (
            {"dimensions": ["orders.total_amount"], "measures": ["orders.total_amount"]},
            "orders.total_amount",
            "both a dimension and a measure",
        ),
        ({"dimensions": ["revenue"]}, "revenue", "is a measure, not a dimension"),
        ({"dimensions": ["orders.status.month"]}, "orders.status.month", "only date or"),
        (
            {"dimensions": ["customers.signup_date.week"]},
            "customers.signup_date.week",
            "grain 'week' is not offered",
        ),
        ({"dimensions": ["orders.order_date.decade"]}, "orders.order_date.decade", "'decade'"),
        ({"measures": ["orders.order_date.month"]}, "orders.order_date.month", "time grain"),
        (
            {"measures": ["revenue"], "sort": [Sort(field="orders.status")]},
            "orders.status",
            "Sort field 'orders.status' is not in the query",
        ),
        (
            {"measures": ["revenue"], "dimensions": ["orders.status", "orders.status"]},
            "orders.status",
            "listed twice",
        ),
    ],
)
def test_errors_name_the_field(
    shop: SemanticEngine, parts: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(SemanticError) as caught:
        shop.execute(SemanticQuery(**parts))
    assert caught.value.field == field
    assert repr(field) in caught.value.message
    assert message in caught.value.message


def test_ambiguous_join_path_is_refused(shop_paths: dict[str, Path]) -> None:
    model = shop_model()
    data = model.to_dict()
    data["joins"].append(
        {
            "id": "items_customers",
            "left_table": "order_items",
            "right_table": "customers",
            "on": [{"left": "order_id", "right": "customer_id"}],
        }
    )
    engine = SemanticEngine(type(model).from_dict(data), shop_paths)
    with pytest.raises(SemanticError, match="joined in more than one way"):
        engine.execute(
            SemanticQuery(measures=["order_items.quantity"], dimensions=["customers.segment"])
        )


def test_unconnected_table_is_refused_naming_measure_and_dimension(
    shop_paths: dict[str, Path],
) -> None:
    data = shop_model().to_dict()
    data["joins"] = [j for j in data["joins"] if j["id"] != "items_products"]
    engine = SemanticEngine(type(shop_model()).from_dict(data), shop_paths)
    with pytest.raises(SemanticError) as caught:
        engine.execute(
            SemanticQuery(measures=["order_items.quantity"], dimensions=["products.category"])
        )
    assert caught.value.field == "products.category"
    assert "'order_items.quantity'" in caught.value.message
    with pytest.raises(SemanticError, match="cannot be listed together") as caught:
        engine.execute(SemanticQuery(dimensions=["customers.segment", "products.category"]))


def test_model_query_runs_on_bound_data(shop_paths: dict[str, Path]) -> None:
    model = shop_model()
    with pytest.raises(SemanticError, match="no data bound"):
        model.query(measures=["orders.total_amount"])
    model.bind(next(iter(shop_paths.values())).parent)
    result = model.query(
        measures=["orders.total_amount"],
        dimensions=["customers.segment"],
        filters=[("orders.status", "eq", "shipped")],
        sort=["-orders.total_amount"],
    )
    assert result.rows == [["Consumer", 210.0], ["Business", 110.0], [None, 40.0]]


def test_each_filter_across_one_to_many_needs_its_own_match(
    shop: SemanticEngine, shop_sql: duckdb.DuckDBPyConnection
) -> None:
    got = rows(
        shop,
        measures=["orders.total_amount"],
        dimensions=["customers.segment"],
        filters=[
            Filter(field="products.category", op="eq", value="Kitchen"),
            Filter(field="products.name", op="eq", value="Plate"),
        ],
    )
    expected = sql_rows(
        shop_sql,
        """
        SELECT c.segment, sum(o.total_amount)
        FROM orders o LEFT JOIN customers c ON o.customer_id = c.customer_id
        WHERE o.order_id IN (SELECT order_id FROM order_items JOIN products USING (product_id)
                             WHERE category = 'Kitchen')
          AND o.order_id IN (SELECT order_id FROM order_items JOIN products USING (product_id)
                             WHERE name = 'Plate')
        GROUP BY 1
        """,
    )
    assert normalise(got) == normalise(expected) == [("Business", 125.0), ("Consumer", 50.0)]


def test_dimensions_only_with_direct_and_fanned_out_filters(
    shop: SemanticEngine, shop_sql: duckdb.DuckDBPyConnection
) -> None:
    got = rows(
        shop,
        dimensions=["orders.status"],
        filters=[
            Filter(field="customers.segment", op="not_null"),
            Filter(field="products.category", op="eq", value="Lighting"),
        ],
    )
    expected = sql_rows(
        shop_sql,
        """
        SELECT DISTINCT o.status FROM orders o
        LEFT JOIN customers c ON o.customer_id = c.customer_id
        WHERE c.segment IS NOT NULL AND o.order_id IN (
            SELECT order_id FROM order_items JOIN products USING (product_id)
            WHERE category = 'Lighting')
        """,
    )
    assert normalise(got) == normalise(expected) == [("shipped",)]


def test_run_query_convenience(shop_paths: dict[str, Path]) -> None:
    result = run_query(shop_model(), SemanticQuery(measures=["order_count"]), shop_paths)
    assert result.rows == [[10]]
    assert result.columns == ["order_count"]
