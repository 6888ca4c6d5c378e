"""Explanations of comparisons and counts over time, read from the query that ran: what each
period is set beside, and which rows are counted when."""

from __future__ import annotations

import pytest

from pipelines.ai.catalog import Catalog, build_catalog
from pipelines.ai.explain import describe_query
from pipelines.semantic import Column, Filter, SemanticModel, SemanticQuery, Table
from pipelines.semantic.over_time_query import OverTime
from pipelines.semantic.query import Compare


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    model = SemanticModel(
        tables=[
            Table(name="orders", label="Orders", source_id="o", columns=[
                Column(name="amount", type="decimal", role="measure", aggregation="sum",
                       label="Amount"),
                Column(name="quantity", type="integer", role="measure", aggregation="sum",
                       label="Quantity"),
                Column(name="order_date", type="date", label="Order date"),
                Column(name="channel", type="text", label="Channel"),
            ]),
            Table(name="staff", label="Staff", source_id="s", columns=[
                Column(name="started_on", type="date", label="Started on"),
                Column(name="left_on", type="date", label="Left on"),
                Column(name="team", type="text", label="Team"),
            ]),
        ]
    )  # fmt: skip
    return build_catalog(model)


def compared(
    catalog: Catalog, grain: str, *shifts: str, measures: tuple[str, ...] = ("orders.amount",)
) -> str:
    return describe_query(
        SemanticQuery(
            measures=list(measures),
            dimensions=[f"orders.order_date.{grain}"],
            filters=[Filter(field="orders.channel", value="Web")],
            compare=[Compare(measure="orders.amount", shift=s) for s in shifts],  # type: ignore[arg-type]
        ),
        catalog,
    )


def test_a_year_over_year_comparison_says_the_same_month_a_year_earlier(
    catalog: Catalog,
) -> None:
    assert compared(catalog, "month", "year") == (
        "Sum of Amount by Month of Order date, each month beside the same month a year "
        "earlier, with the % change, for Channel = Web."
    )


def test_a_comparison_with_the_previous_period_names_the_grain(catalog: Catalog) -> None:
    quarters = compared(catalog, "quarter", "period")
    years = compared(catalog, "year", "year")
    weeks = compared(catalog, "week", "year", "period")

    assert "each quarter beside the previous quarter, with the % change" in quarters
    assert "each year beside the previous year, with the % change" in years
    assert "beside the same week a year earlier and the previous week" in weeks


def test_a_comparison_of_one_measure_of_two_names_it(catalog: Catalog) -> None:
    text = compared(catalog, "month", "year", measures=("orders.amount", "orders.quantity"))

    assert text.startswith("Sum of Amount and Sum of Quantity by Month of Order date, each month")
    assert "a year earlier for Sum of Amount, with the % change" in text


def test_a_count_over_time_says_which_rows_count_when_and_for_which_periods(
    catalog: Catalog,
) -> None:
    query = SemanticQuery(
        measures=["staff.count"],
        dimensions=["staff.team"],
        filters=[
            Filter(field="staff.started_on", op="between", value=["2024-01-01", "2024-06-30"]),
            Filter(field="staff.team", op="ne", value="Board"),
        ],
        over_time=OverTime(start="staff.started_on", end="staff.left_on"),
    )

    assert describe_query(query, catalog) == (
        "Number of staff at the end of each month, counting each row from its Started on to "
        "its Left on (rows without Left on still count), by Team, for the months from "
        "2024-01-01 to 2024-06-30, for Team ≠ Board."
    )


def test_flows_over_time_are_named_with_their_dates(catalog: Catalog) -> None:
    query = SemanticQuery(
        over_time=OverTime(
            start="staff.started_on", end="staff.left_on", grain="quarter", at="any",
            flows=["starts", "ends", "turnover"],
        ),
        filters=[Filter(field="staff.left_on", op="gte", value="2023-01-01")],
    )  # fmt: skip

    assert describe_query(query, catalog) == (
        "Starts (Started on), ends (Left on) and turnover (ends / average count) by quarter, "
        "counting each row from its Started on to its Left on (rows without Left on still "
        "count), for the quarters from 2023-01-01."
    )


def test_a_tenure_distribution_names_its_bands_and_the_latest_month(catalog: Catalog) -> None:
    query = SemanticQuery(
        measures=["staff.count"],
        over_time=OverTime(
            start="staff.started_on", end="staff.left_on", tenure_bands=[1, 5], latest=True
        ),
    )

    assert describe_query(query, catalog) == (
        "Number of staff at the end of each month, counting each row from its Started on to "
        "its Left on (rows without Left on still count), by years since Started on (< 1 year, "
        "1\u20135 years, 5+ years); the latest month only."
    )
