"""Comparisons with the previous period (``SemanticQuery.compare``): known answers on sales from
2023 to 2024 (see :mod:`.compare_data`), each checked against plain DuckDB SQL that finds the
previous value by joining monthly totals to themselves one interval apart."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest
from pydantic import ValidationError

from pipelines.charts import result_columns
from pipelines.semantic import Compare, Filter, SemanticEngine, SemanticError, SemanticQuery, Sort
from pipelines.semantic.compare import compare_columns, compared_column

from .compare_data import sales_model, write_sales
from .engines import Bind
from .helpers import connect, normalise

YEAR_2024 = Filter(field="sales.sale_date", op="between", value=["2024-01-01", "2024-12-31"])
CHANGE = "CASE WHEN p.v = 0 THEN NULL ELSE (c.v - p.v) / abs(p.v) END"


@pytest.fixture(scope="module")
def sales_paths(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_sales(tmp_path_factory.mktemp("compare"))


@pytest.fixture
def engine(sales_paths: dict[str, Path], bind: Bind) -> Iterator[SemanticEngine]:
    engine = bind(sales_model(), sales_paths)
    yield engine
    engine.close()


@pytest.fixture
def oracle(sales_paths: dict[str, Path]) -> Iterator[duckdb.DuckDBPyConnection]:
    con = connect(sales_paths)
    yield con
    con.close()


def by_month(where: str = "TRUE", grain: str = "month", column: str = "sale_date") -> str:
    return (
        f"SELECT CAST(date_trunc('{grain}', {column}) AS DATE) AS m, sum(amount) AS v "
        f"FROM sales WHERE {where} GROUP BY 1"
    )


def monthly(engine: SemanticEngine, *compare: Compare, **parts: Any) -> list[list[Any]]:
    query = SemanticQuery(
        measures=parts.pop("measures", ["sales.amount"]),
        dimensions=parts.pop("dimensions", ["sales.sale_date.month"]),
        compare=list(compare) or [Compare(measure="sales.amount")],
        **parts,
    )
    return engine.execute(query).rows


# -- known answers -------------------------------------------------------------------------------
def test_year_over_year_by_month_matches_sql(
    engine: SemanticEngine, oracle: duckdb.DuckDBPyConnection
) -> None:
    got = monthly(engine)
    expected = oracle.execute(
        f"WITH c AS ({by_month()}), p AS ({by_month()}) "
        f"SELECT c.m, c.v, p.v, {CHANGE} FROM c "
        "LEFT JOIN p ON CAST(p.m + INTERVAL 1 YEAR AS DATE) = c.m ORDER BY 1"
    ).fetchall()
    assert normalise(got) == normalise(expected)
    assert [r[0] for r in got] == sorted(r[0] for r in got)
    assert len(got) == 23
    assert sum(r[2] is not None for r in got) == 11  # Feb-Dec 2024 have a 2023 value


def test_known_values_no_previous_zero_previous_and_growth(engine: SemanticEngine) -> None:
    got = {row[0]: row[1:] for row in monthly(engine)}
    assert got[date(2023, 2, 1)] == [39.75, None, None]  # nothing a year before the data
    assert got[date(2024, 1, 1)][1:] == [None, None]  # no sale in January 2023
    assert got[date(2024, 2, 1)][1] == 39.75
    assert got[date(2024, 3, 1)] == [150.0, 100.0, 0.5]
    assert got[date(2024, 6, 1)][1:] == [0.0, None]  # previous is 0: no change


def test_filter_on_2024_still_takes_previous_values_from_2023(
    engine: SemanticEngine, oracle: duckdb.DuckDBPyConnection
) -> None:
    got = monthly(engine, filters=[YEAR_2024])
    expected = oracle.execute(
        f"WITH c AS ({by_month('year(sale_date) = 2024')}), p AS ({by_month()}) "
        f"SELECT c.m, c.v, p.v, {CHANGE} FROM c "
        "LEFT JOIN p ON CAST(p.m + INTERVAL 1 YEAR AS DATE) = c.m ORDER BY 1"
    ).fetchall()
    assert normalise(got) == normalise(expected)
    assert [r[0] for r in got] == [date(2024, m, 1) for m in range(1, 13)]
    assert got[1] == [date(2024, 2, 1), 399.75, 39.75, pytest.approx(360 / 39.75)]


def test_filter_on_a_year_grain_is_moved_too(engine: SemanticEngine) -> None:
    year = Filter(field="sales.sale_date.year", op="eq", value="2024-01-01")
    got = monthly(engine, filters=[year])
    assert got == monthly(engine, filters=[YEAR_2024])
    assert got[1][:3] == [date(2024, 2, 1), 399.75, 39.75]


def test_part_of_a_month_compares_with_the_same_days_a_year_before(
    engine: SemanticEngine,
) -> None:
    days = Filter(field="sales.sale_date", op="between", value=["2024-03-01", "2024-03-10"])
    # March 2024 up to the 10th: 100 (the 5th); March 2023 up to the 10th: 60 (the 5th).
    assert monthly(engine, filters=[days]) == [
        [date(2024, 3, 1), 100.0, 60.0, pytest.approx(2 / 3)]
    ]


def test_split_by_region_and_month_matches_sql(
    engine: SemanticEngine, oracle: duckdb.DuckDBPyConnection
) -> None:
    got = monthly(engine, dimensions=["sales.region", "sales.sale_date.month"], filters=[YEAR_2024])
    split = "SELECT region, CAST(date_trunc('month', sale_date) AS DATE) AS m, sum(amount) AS v "
    expected = oracle.execute(
        f"WITH c AS ({split} FROM sales WHERE year(sale_date) = 2024 GROUP BY 1, 2), "
        f"p AS ({split} FROM sales GROUP BY 1, 2) "
        f"SELECT c.region, c.m, c.v, p.v, {CHANGE} FROM c LEFT JOIN p "
        "ON c.region IS NOT DISTINCT FROM p.region AND CAST(p.m + INTERVAL 1 YEAR AS DATE) = c.m"
    ).fetchall()
    assert normalise(got) == normalise(expected)
    march = {r[0]: r[2:] for r in got if r[1] == date(2024, 3, 1)}
    assert march == {"North": [150.0, 60.0, 1.5]}  # South sold in March 2023 only: no row
    assert [r[3] for r in got if r[0] is None and r[1] == date(2024, 2, 1)] == [16.25]


def test_previous_period_at_month_grain_is_the_previous_month(
    engine: SemanticEngine, oracle: duckdb.DuckDBPyConnection
) -> None:
    got = monthly(engine, Compare(measure="sales.amount", shift="period"), filters=[YEAR_2024])
    expected = oracle.execute(
        f"WITH c AS ({by_month('year(sale_date) = 2024')}), p AS ({by_month()}) "
        f"SELECT c.m, c.v, p.v, {CHANGE} FROM c "
        "LEFT JOIN p ON CAST(p.m + INTERVAL 1 MONTH AS DATE) = c.m ORDER BY 1"
    ).fetchall()
    assert normalise(got) == normalise(expected)
    assert got[0][:3] == [date(2024, 1, 1), 369.75, 339.75]  # December 2023, outside the filter
    query = SemanticQuery(
        measures=["sales.amount"],
        dimensions=["sales.sale_date.month"],
        compare=[Compare(measure="sales.amount", shift="period")],
    )
    result = engine.execute(query)
    assert result.columns[-2:] == ["sales.amount__previous_period", "sales.amount__change_period"]
    assert result.labels["sales.amount__previous_period"] == "Sales · Revenue (previous month)"


def test_previous_quarter_of_a_timestamp_matches_sql(
    engine: SemanticEngine, oracle: duckdb.DuckDBPyConnection
) -> None:
    got = monthly(
        engine,
        Compare(measure="sales.amount", shift="period"),
        dimensions=["sales.sold_at.quarter"],
    )
    quarters = by_month(grain="quarter", column="sold_at")
    expected = oracle.execute(
        f"WITH c AS ({quarters}), p AS ({quarters}) "
        f"SELECT CAST(c.m AS TIMESTAMP), c.v, p.v, {CHANGE} FROM c "
        "LEFT JOIN p ON CAST(p.m + INTERVAL 3 MONTH AS DATE) = c.m ORDER BY 1"
    ).fetchall()
    assert normalise(got) == normalise(expected)
    assert len(got) == 8


def test_two_measures_both_shifts_sorted_by_change(
    engine: SemanticEngine, oracle: duckdb.DuckDBPyConnection
) -> None:
    query = SemanticQuery(
        measures=["sales.amount", "sale_count"],
        dimensions=["sales.sale_date.month"],
        filters=[YEAR_2024],
        compare=[
            Compare(measure="sale_count", shift="year"),
            Compare(measure="sales.amount", shift="year"),
            Compare(measure="sales.amount", shift="period"),
        ],
        sort=[Sort(field="sales.amount__change_period", descending=True)],
        limit=3,
    )
    result = engine.execute(query)
    assert result.columns == [
        "sales.sale_date.month",
        "sales.amount",
        "sale_count",
        "sale_count__previous_year",
        "sale_count__change_year",
        "sales.amount__previous_year",
        "sales.amount__change_year",
        "sales.amount__previous_period",
        "sales.amount__change_period",
    ]
    counts = "SELECT CAST(date_trunc('month', sale_date) AS DATE) AS m, count(*) AS v FROM sales"
    expected = oracle.execute(
        f"WITH a AS ({by_month()}), n AS ({counts} GROUP BY 1) "
        "SELECT a.m, a.v, n.v, n1.v, (n.v - n1.v) / abs(n1.v), a1.v, (a.v - a1.v) / abs(a1.v), "
        "a2.v, (a.v - a2.v) / abs(a2.v) AS growth FROM a JOIN n USING (m) "
        "LEFT JOIN n n1 ON CAST(n1.m + INTERVAL 1 YEAR AS DATE) = a.m "
        "LEFT JOIN a a1 ON CAST(a1.m + INTERVAL 1 YEAR AS DATE) = a.m "
        "LEFT JOIN a a2 ON CAST(a2.m + INTERVAL 1 MONTH AS DATE) = a.m "
        "WHERE year(a.m) = 2024 ORDER BY growth DESC NULLS LAST, a.m LIMIT 3"
    ).fetchall()
    assert normalise(result.rows) == normalise(expected)
    assert [r[0] for r in result.rows] == [r[0] for r in expected]
    assert result.rows[0][0] == date(2024, 4, 1)  # March 2024 was low: April grows most


# -- description ---------------------------------------------------------------------------------
def test_columns_have_labels_kinds_types_and_formats(engine: SemanticEngine) -> None:
    query = SemanticQuery(
        measures=["sales.amount", "sales.quantity"],
        dimensions=["sales.sale_date.month"],
        compare=[Compare(measure="sales.amount"), Compare(measure="sales.quantity")],
    )
    result = engine.execute(query)
    previous, change = compare_columns("sales.amount", "year")
    assert (previous, change) == ("sales.amount__previous_year", "sales.amount__change_year")
    assert result.labels[previous] == "Sales · Revenue (previous year)"
    assert result.labels[change] == "Sales · Revenue change vs previous year"
    assert result.kinds[previous] == result.kinds[change] == "measure"
    assert result.types["sales.quantity__previous_year"] == "integer"
    assert result.types[change] == "decimal"
    formats = {c.name: c.format for c in result_columns(result, engine.model)}
    assert formats[previous] == formats["sales.amount"]
    assert formats[previous] is not None and formats[previous].currency == "EUR"
    assert formats[change] is not None and formats[change].kind == "percent"
    assert compared_column(change) == ("sales.amount", "change", "year")
    assert compared_column("sales.amount") is None


def test_model_query_takes_comparisons(sales_paths: dict[str, Path]) -> None:
    model = sales_model()
    model.bind(sales_paths)
    result = model.query(
        measures=["sales.amount"],
        dimensions=["sales.sale_date.year"],
        compare=[{"measure": "sales.amount"}],
    )
    assert [r[2] for r in result.rows] == [None, pytest.approx(result.rows[0][1])]


# -- JSON ----------------------------------------------------------------------------------------
def test_query_round_trips_its_json_form(engine: SemanticEngine) -> None:
    query = SemanticQuery(
        measures=["sales.amount"],
        dimensions=["sales.sale_date.month"],
        filters=[YEAR_2024],
        compare=[Compare(measure="sales.amount", shift="period")],
    )
    text = json.dumps(query.model_dump(mode="json"))
    again = SemanticQuery.model_validate(json.loads(text))
    assert again == query
    assert json.loads(text)["compare"] == [
        {"measure": "sales.amount", "shift": "period", "to_date": False}
    ]
    assert engine.execute(again).rows == engine.execute(query).rows
    short = SemanticQuery.model_validate(
        {"measures": ["sales.amount"], "compare": [{"measure": "sales.amount"}]}
    )
    assert short.compare == [Compare(measure="sales.amount", shift="year")]
    assert SemanticQuery.model_validate({"measures": ["sales.amount"]}).compare == []


@pytest.mark.parametrize(
    "item",
    [
        {"measure": "sales.amount", "shift": "month"},
        {"measure": "sales.amount", "by": "year"},
        {"measure": ""},
        {"shift": "year"},
    ],
)
def test_a_malformed_comparison_is_refused_by_validation(item: dict[str, Any]) -> None:
    with pytest.raises(ValidationError, match="compare"):
        SemanticQuery.model_validate({"measures": ["sales.amount"], "compare": [item]})


# -- errors --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("parts", "message", "field"),
    [
        (
            {"dimensions": ["sales.region"]},
            r"'sales.amount' needs a time dimension with a grain .* has none; add one",
            "sales.amount",
        ),
        ({"dimensions": []}, r"needs a time dimension with a grain", "sales.amount"),
        (
            {"dimensions": ["sales.sale_date"]},
            r"give 'sales.sale_date' a grain, such as 'sales.sale_date.month'",
            "sales.amount",
        ),
        (
            {"dimensions": ["sales.sale_date.month", "sales.sold_at.year"]},
            r"several time dimensions with a grain \('sales.sale_date.month', 'sales.sold_at.year'\)",
            "sales.sold_at.year",
        ),
        (
            {"compare": [Compare(measure="sales.revenue")]},
            r"Compare 'sales.revenue': it is not one of the query's measures "
            r"\(measures: sales.amount\)",
            "sales.revenue",
        ),
        (
            {"measures": ["sales.revenue"], "compare": [Compare(measure="sales.revenue")]},
            r"table 'sales' has no column 'revenue'",
            "sales.revenue",
        ),
        (
            {"compare": [Compare(measure="sales.amount"), Compare(measure="sales.amount")]},
            r"'sales.amount' with the previous year is listed twice",
            "sales.amount",
        ),
        (
            {"sort": [Sort(field="sales.amount__change_period")]},
            r"Sort field 'sales.amount__change_period' is not in the query",
            "sales.amount__change_period",
        ),
    ],
)
def test_errors_name_the_problem(
    engine: SemanticEngine, parts: dict[str, Any], message: str, field: str
) -> None:
    query = {
        "measures": ["sales.amount"],
        "dimensions": ["sales.sale_date.month"],
        "compare": [Compare(measure="sales.amount")],
        **parts,
    }
    with pytest.raises(SemanticError, match=message) as error:
        engine.execute(SemanticQuery(**query))
    assert error.value.field == field
