"""Comparisons "to date" (``Compare.to_date``): data that stops in the middle of a year and of a month (one sale a day
from 2023-01-01 to 2024-03-15, amount = the day of the month, North on even days). The bucket
still under way is compared with the same days one shift before, never with a whole year or
month; buckets already over are compared whole. Expected values are sums by hand."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipelines.semantic import Compare, Filter, SemanticEngine, SemanticQuery

from .compare_data import sales_model
from .engines import Bind

SALES_SQL = """
SELECT row_number() OVER (ORDER BY d) AS sale_id, CAST(d AS DATE) AS sale_date,
       CASE WHEN day(d) % 2 = 0 THEN 'North' ELSE 'South' END AS region,
       CAST(day(d) AS DOUBLE) AS amount, 1 AS quantity,
       CAST(d AS TIMESTAMP) + INTERVAL 10 HOUR AS sold_at
FROM range(DATE '2023-01-01', DATE '2024-03-16', INTERVAL 1 DAY) t(d)
"""
TO_MARCH_15 = sum(range(1, 16))  # 120: the 1st to the 15th of a month
JANUARY = sum(range(1, 32))  # 496
FEBRUARY_2023 = sum(range(1, 29))  # 406
FEBRUARY_2024 = sum(range(1, 30))  # 435 (a leap year)
YEAR_2023 = 5738.0  # every month's days summed (checked below against DuckDB)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory, bind: Bind) -> Iterator[SemanticEngine]:
    path: Path = tmp_path_factory.mktemp("to_date") / "sales.parquet"
    con = duckdb.connect()
    con.execute(f"COPY ({SALES_SQL}) TO '{path}' (FORMAT parquet)")
    assert con.execute("SELECT sum(day(d)) FROM range(DATE '2023-01-01', DATE '2024-01-01', "
                       "INTERVAL 1 DAY) t(d)").fetchone() == (YEAR_2023,)  # fmt: skip
    con.close()
    engine = bind(sales_model(), {"sales": path})
    yield engine
    engine.close()


def rows(
    engine: SemanticEngine, grain: str, shift: str, to_date: bool = True, **parts: Any
) -> dict[str, list[Any]]:
    query = SemanticQuery(
        measures=["sales.amount"],
        dimensions=[f"sales.sale_date.{grain}"],
        compare=[Compare(measure="sales.amount", shift=shift, to_date=to_date)],  # type: ignore[arg-type]
        **parts,
    )
    return {str(r[0])[:10]: [float(v) if v is not None else None for v in r[1:3]]
            for r in engine.execute(query).rows}  # fmt: skip


def test_the_year_under_way_is_compared_with_the_same_days_a_year_before(
    engine: SemanticEngine,
) -> None:
    got = rows(engine, "year", "year")
    this_year = JANUARY + FEBRUARY_2024 + TO_MARCH_15
    assert got["2024-01-01"] == [this_year, JANUARY + FEBRUARY_2023 + TO_MARCH_15]
    assert got["2023-01-01"] == [YEAR_2023, None]


def test_the_month_under_way_is_compared_with_the_same_days_before(
    engine: SemanticEngine,
) -> None:
    by_year = rows(engine, "month", "year")
    assert by_year["2024-03-01"] == [TO_MARCH_15, TO_MARCH_15]  # March 1-15, 2023
    assert by_year["2024-02-01"] == [FEBRUARY_2024, FEBRUARY_2023]  # whole months
    by_period = rows(engine, "month", "period")
    assert by_period["2024-03-01"] == [TO_MARCH_15, TO_MARCH_15]  # February 1-15, 2024
    assert by_period["2024-02-01"] == [FEBRUARY_2024, JANUARY]


def test_to_date_holds_under_filters_on_the_date_and_on_other_columns(
    engine: SemanticEngine,
) -> None:
    window = Filter(field="sales.sale_date", op="between", value=["2024-01-01", "2024-12-31"])
    assert rows(engine, "year", "year", filters=[window])["2024-01-01"][1] == (
        JANUARY + FEBRUARY_2023 + TO_MARCH_15
    )
    # The data's last date, not the region's: North's last sale is March 14.
    north = Filter(field="sales.region", op="eq", value="North")
    even = sum(range(2, 16, 2))  # the even days 2..14
    assert rows(engine, "month", "year", filters=[north])["2024-03-01"] == [even, even]


def test_without_to_date_the_bucket_under_way_is_compared_with_a_whole_one(
    engine: SemanticEngine,
) -> None:
    got = rows(engine, "month", "year", to_date=False)
    assert got["2024-03-01"] == [TO_MARCH_15, sum(range(1, 32))]  # the whole of March 2023
    both = SemanticQuery(
        measures=["sales.amount", "sales.quantity"],
        dimensions=["sales.sale_date.year"],
        compare=[
            Compare(measure="sales.amount", to_date=True),
            Compare(measure="sales.quantity"),
        ],
    )
    last = engine.execute(both).rows[-1]
    assert float(last[3]) == JANUARY + FEBRUARY_2023 + TO_MARCH_15  # amount, to date
    assert last[5] == 365  # quantity (one a day), the whole of 2023
