"""Known answers on the Sales demo sample, ingested from its CSV files (the order lines file is
the French one, so its columns carry the identifiers the ingest made: ``n_commande``,
``quantite``, ``montant``...). Every answer is checked against hand-written DuckDB SQL."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from pipelines.semantic import Filter, SemanticEngine, SemanticQuery

from .helpers import normalise, rows


def test_order_totals_and_line_quantities_by_segment(
    sales: SemanticEngine, sales_sql: duckdb.DuckDBPyConnection
) -> None:
    got = rows(
        sales,
        measures=["orders.total_amount", "order_items.quantite", "order_items.montant"],
        dimensions=["customers.segment"],
    )
    expected = sales_sql.execute(
        """
        WITH o AS (
            SELECT c.segment, sum(o.total_amount) AS total FROM orders o
            LEFT JOIN customers c ON o.customer_id = c.customer_id GROUP BY 1
        ), l AS (
            SELECT c.segment, sum(l.quantite) AS quantity, sum(l.montant) AS amount
            FROM order_items l
            LEFT JOIN orders o ON l.n_commande = o.order_id
            LEFT JOIN customers c ON o.customer_id = c.customer_id GROUP BY 1
        )
        SELECT coalesce(o.segment, l.segment), total, quantity, amount
        FROM o FULL JOIN l ON o.segment IS NOT DISTINCT FROM l.segment
        """
    ).fetchall()
    assert normalise(got) == normalise(expected)
    assert [r[0] for r in got] == ["Business", "Consumer"]
    # Each order's total is the sum of its lines: fan-out would break this equality.
    for _, total, _, amount in got:
        assert total == pytest.approx(amount)


def test_filter_on_joined_customer_country(
    sales: SemanticEngine, sales_sql: duckdb.DuckDBPyConnection
) -> None:
    got = rows(
        sales,
        measures=["order_items.montant"],
        dimensions=["products.category"],
        filters=[Filter(field="customers.country", op="in", value=["France", "Belgium"])],
    )
    expected = sales_sql.execute(
        """
        SELECT p.category, sum(l.montant) FROM order_items l
        LEFT JOIN orders o ON l.n_commande = o.order_id
        LEFT JOIN customers c ON o.customer_id = c.customer_id
        LEFT JOIN products p ON l.ref_article = p.product_id
        WHERE c.country IN ('France', 'Belgium')
        GROUP BY 1
        """
    ).fetchall()
    assert normalise(got) == normalise(expected)
    assert len(got) == 6


@pytest.mark.parametrize("grain", ["month", "quarter", "year"])
def test_order_grains_across_years(
    sales: SemanticEngine, sales_sql: duckdb.DuckDBPyConnection, grain: str
) -> None:
    got = rows(
        sales,
        measures=["orders.total_amount", "buyers"],
        dimensions=[f"orders.order_date.{grain}"],
    )
    expected = sales_sql.execute(
        f"""
        SELECT CAST(date_trunc('{grain}', order_date) AS DATE), sum(total_amount),
               count(DISTINCT customer_id)
        FROM orders GROUP BY 1
        """
    ).fetchall()
    assert normalise(got) == normalise(expected)
    assert got[0][0] == date(2022, 1, 1)
    assert len(got) == {"month": 36, "quarter": 12, "year": 3}[grain]


def test_distinct_customers_by_product_category(
    sales: SemanticEngine, sales_sql: duckdb.DuckDBPyConnection
) -> None:
    got = rows(sales, measures=["buyers"], dimensions=["products.category"])
    expected = sales_sql.execute(
        """
        SELECT p.category, count(DISTINCT o.customer_id) FROM orders o
        LEFT JOIN order_items l ON o.order_id = l.n_commande
        LEFT JOIN products p ON l.ref_article = p.product_id
        GROUP BY 1
        """
    ).fetchall()
    assert normalise(got) == normalise(expected)
    # A customer buys in several categories: the per-category counts exceed the total.
    total = rows(sales, measures=["buyers"])[0][0]
    assert sum(r[1] for r in got) > total


def test_order_totals_by_category_count_each_order_once(
    sales: SemanticEngine, sales_sql: duckdb.DuckDBPyConnection
) -> None:
    got = rows(sales, measures=["orders.total_amount"], dimensions=["products.category"])
    expected = sales_sql.execute(
        """
        SELECT category, sum(total_amount) FROM (
            SELECT DISTINCT o.order_id, p.category, o.total_amount FROM orders o
            LEFT JOIN order_items l ON o.order_id = l.n_commande
            LEFT JOIN products p ON l.ref_article = p.product_id
        ) GROUP BY 1
        """
    ).fetchall()
    assert normalise(got) == normalise(expected)


def test_dimensions_only_and_labels(sales: SemanticEngine) -> None:
    result = sales.execute(SemanticQuery(dimensions=["customers.segment", "orders.channel"]))
    assert len(result.rows) == len({tuple(r) for r in result.rows}) > 1
    result = sales.execute(SemanticQuery(measures=["order_items.quantite"]))
    assert result.labels == {"order_items.quantite": "Order lines · Quantité"}
    assert result.types == {"order_items.quantite": "integer"}
