"""New vs returning customers (``SemanticQuery.first_seen``): known answers on the thirteen
orders of :mod:`.first_seen_data`, written by hand, and the same counts from plain DuckDB SQL
that finds each customer's first order month with its own ``min``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pipelines.query.guard import check_sql
from pipelines.semantic import Compare, Filter, SemanticEngine, SemanticQuery
from pipelines.semantic.first_seen_query import FirstSeen

from .engines import Bind
from .first_seen_data import orders_model, write_orders
from .helpers import connect, normalise

MONTH = "orders.order_date.month"
WINDOW_2024 = Filter(field="orders.order_date", op="between", value=["2024-01-01", "2024-03-31"])
BY_CUSTOMER = FirstSeen(entity="orders.customer_id")
NOV, DEC = dt.date(2023, 11, 1), dt.date(2023, 12, 1)
JAN, FEB, MAR = dt.date(2024, 1, 1), dt.date(2024, 2, 1), dt.date(2024, 3, 1)
# (month, status, distinct customers, revenue), by hand from the table of first_seen_data
ALL_MONTHS = [
    [NOV, "new", 1, 10.0],  # C1
    [DEC, "new", 1, 20.0],  # C5
    [JAN, "new", 1, 50.0],  # C2 (order 3 has no customer: left out)
    [JAN, "returning", 1, 100.0],  # C1 twice: 40 + 60
    [FEB, "new", 1, 170.0],  # C3 twice in its first month: 80 + 90
    [FEB, "returning", 1, 70.0],  # C2
    [MAR, "new", 1, 100.0],  # C4
    [MAR, "returning", 2, 230.0],  # C1 110 + C5 120
    [None, None, 1, 7.0],  # C2's order without a date
]


@pytest.fixture(scope="module")
def paths(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_orders(tmp_path_factory.mktemp("first_seen"))


@pytest.fixture
def engine(paths: dict[str, Path], bind: Bind) -> Iterator[SemanticEngine]:
    engine = bind(orders_model(), paths)
    yield engine
    engine.close()


def rows(engine: SemanticEngine, **parts: Any) -> list[list[Any]]:
    parts.setdefault("dimensions", [MONTH])
    parts.setdefault("first_seen", BY_CUSTOMER)
    return normalise(engine.execute(SemanticQuery(**parts)).rows)  # type: ignore[return-value]


def oracle(paths: dict[str, Path], where: str = "TRUE") -> list[tuple[Any, ...]]:
    """Customers and revenue by order month and status in plain SQL: a customer's first order
    month over all of the orders, whatever ``where`` keeps."""
    con = connect(paths)
    try:
        found = con.execute(
            "WITH first AS (SELECT customer_id, date_trunc('month', min(order_date)) AS m "
            "FROM orders WHERE customer_id IS NOT NULL GROUP BY 1) "
            "SELECT CAST(date_trunc('month', o.order_date) AS DATE), "
            "CASE WHEN o.order_date IS NULL THEN NULL "
            "WHEN date_trunc('month', o.order_date) = f.m THEN 'new' ELSE 'returning' END, "
            "count(DISTINCT o.customer_id), sum(o.amount) "
            "FROM orders o JOIN first f ON f.customer_id = o.customer_id "
            f"JOIN customers c ON c.customer_id = o.customer_id WHERE {where} GROUP BY 1, 2"
        ).fetchall()
    finally:
        con.close()
    return normalise(found)


# -- known answers ---------------------------------------------------------------------------
def test_customers_and_revenue_by_month_new_and_returning(
    engine: SemanticEngine, paths: dict[str, Path]
) -> None:
    result = engine.execute(
        SemanticQuery(
            measures=["customer_count", "orders.amount"],
            dimensions=[MONTH],
            first_seen=BY_CUSTOMER,
        )
    )
    assert result.columns == [MONTH, "new_or_returning", "customer_count", "orders.amount"]
    assert result.kinds["new_or_returning"] == "dimension"
    assert result.labels["new_or_returning"] == "New or returning"
    assert result.types["new_or_returning"] == "text"
    assert normalise(result.rows) == normalise(ALL_MONTHS)
    assert normalise(result.rows) == oracle(paths)
    # Split by status, the revenue adds up to the revenue of the orders with a customer.
    assert sum(float(r[3]) for r in result.rows) == 757.0 == 787.0 - 30.0


def test_a_date_window_after_a_first_order_keeps_that_customer_returning(
    engine: SemanticEngine, paths: dict[str, Path]
) -> None:
    got = rows(engine, measures=["customer_count", "orders.amount"], filters=[WINDOW_2024])
    # C1 (first order November 2023) and C5 (December 2023) stay returning in 2024.
    assert got == normalise(ALL_MONTHS[2:8])
    assert got == oracle(paths, "o.order_date BETWEEN DATE '2024-01-01' AND DATE '2024-03-31'")


def test_other_filters_never_move_the_first_date(
    engine: SemanticEngine, paths: dict[str, Path]
) -> None:
    store = Filter(field="orders.channel", op="eq", value="store")
    got = rows(engine, measures=["customer_count", "orders.amount"], filters=[store])
    # C2's first order (January, web) is filtered out, but February's store order is returning.
    assert got == normalise(
        [[DEC, "new", 1, 20.0], [JAN, "returning", 1, 60.0], [FEB, "returning", 1, 70.0],
         [MAR, "new", 1, 100.0]]
    )  # fmt: skip
    assert got == oracle(paths, "o.channel = 'store'")
    belgium = Filter(field="customers.country", op="eq", value="Belgium")
    got = rows(engine, measures=["orders.amount"], filters=[belgium])
    assert got == normalise(
        [[DEC, "new", 20.0], [FEB, "new", 170.0], [MAR, "returning", 120.0]]
    )  # fmt: skip


def test_the_entity_through_a_join_and_its_count(engine: SemanticEngine) -> None:
    by_join = FirstSeen(entity="customers.customer_id", count=True)
    result = engine.execute(
        SemanticQuery(
            measures=["orders.amount"],
            dimensions=[MONTH],
            filters=[WINDOW_2024],
            first_seen=by_join,
        )
    )
    assert result.columns == [MONTH, "new_or_returning", "orders.amount", "entities"]
    assert result.kinds["entities"] == "measure"
    expected = [[m, s, revenue, n] for m, s, n, revenue in ALL_MONTHS[2:8]]
    assert normalise(result.rows) == normalise(expected)
    # Only the count: the same customers, the window applied to the dated rows.
    counted = rows(engine, first_seen=by_join, filters=[WINDOW_2024])
    assert counted == normalise([r[:3] for r in ALL_MONTHS[2:8]])


def test_a_measure_across_the_one_to_many_join_counts_each_customer_once(
    engine: SemanticEngine,
) -> None:
    # customers.count is aggregated at the customers' grain (distinct primary keys).
    got = rows(engine, measures=["customers.count"])
    assert got == normalise([r[:3] for r in ALL_MONTHS])


def test_sorted_by_the_status_and_compared_with_the_previous_month(
    engine: SemanticEngine,
) -> None:
    got = engine.execute(
        SemanticQuery(
            measures=["orders.amount"],
            dimensions=[MONTH],
            filters=[WINDOW_2024],
            first_seen=BY_CUSTOMER,
            compare=[Compare(measure="orders.amount", shift="period")],
            sort=[{"field": "new_or_returning", "descending": True}, {"field": MONTH}],
        )
    ).rows
    # The previous month's rows keep the status they had in their own month: December's new
    # customer (C5, 20) is January's "previous new"; nobody returned in December.
    assert normalise([r[:4] for r in got]) == normalise(
        [[JAN, "returning", 100.0, None], [FEB, "returning", 70.0, 100.0],
         [MAR, "returning", 230.0, 70.0], [JAN, "new", 50.0, 20.0], [FEB, "new", 170.0, 50.0],
         [MAR, "new", 100.0, 170.0]]
    )  # fmt: skip
    assert [r[1] for r in got] == ["returning"] * 3 + ["new"] * 3


def test_by_quarter_and_by_year_the_buckets_are_the_grain(engine: SemanticEngine) -> None:
    by_year = rows(engine, measures=["customer_count"], dimensions=["orders.order_date.year"])
    # 2023: C1 and C5 new; 2024: C2, C3, C4 new, C1 and C5 returning.
    assert by_year == normalise(
        [[dt.date(2023, 1, 1), "new", 2], [JAN, "new", 3], [JAN, "returning", 2],
         [None, None, 1]]
    )  # fmt: skip


@pytest.mark.requires("duckdb_sql")
def test_the_sql_passes_the_guard_and_the_compiled_query_is_kept(
    engine: SemanticEngine,
) -> None:
    query = SemanticQuery(
        measures=["customers.count", "orders.amount"], dimensions=[MONTH, "customers.country"],
        filters=[WINDOW_2024, Filter(field="orders.channel", op="in", value=["web", "store"])],
        first_seen=FirstSeen(entity="customers.customer_id", date="orders.order_date", count=True),
    )  # fmt: skip
    compiled = engine.compiled(query)
    assert check_sql(compiled.sql, ["orders", "customers"]).tables == {"orders", "customers"}
    assert engine.compiled(query) is compiled
    # The engine reads the plain orders table again for a query without the part.
    plain = engine.execute(SemanticQuery(measures=["orders.amount"], dimensions=[MONTH]))
    assert "new_or_returning" not in plain.columns
    assert "#status" not in plain.sql
