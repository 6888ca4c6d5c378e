"""KPI extras: the previous period of equal length and the sparkline's grain."""

from __future__ import annotations

import datetime as dt

import pytest

from pipelines.dashboards import Widget
from pipelines.dashboards.filters import DateRange, active_filters
from pipelines.dashboards.kpi import kpi_change, kpi_plan, sparkline_grain
from pipelines.dashboards.reach import FilterReach
from pipelines.semantic import SemanticError
from tests.unit.dashboards.model import MODEL, document

TODAY = dt.date(2024, 3, 15)
REACH = FilterReach(MODEL)


def kpi(time_field: str | None = "orders.order_date", **query: object) -> Widget:
    return Widget.model_validate(
        {
            "id": "k",
            "kind": "kpi",
            "query": {"semantic": query or {"measures": ["orders.amount"]}},
            "chart": {"time_field": time_field},
        }
    )


def plan_for(widget: Widget, preset: str | None, field: str = "orders.order_date", **over: object):
    filters = [{"id": "p", "kind": "date", "field": field, "preset": preset}]
    active = active_filters(document(filters=filters), TODAY, over or None)
    return kpi_plan(REACH, widget, REACH.apply(widget, active))


@pytest.mark.parametrize(
    ("days", "grain"), [(1, "day"), (31, "day"), (32, "week"), (183, "week"), (184, "month")]
)
def test_sparkline_grain_by_range_length(days: int, grain: str) -> None:
    start = dt.date(2024, 1, 1)
    assert sparkline_grain(DateRange(start, start + dt.timedelta(days=days - 1))) == grain


def test_sparkline_grain_without_a_closed_range_is_month() -> None:
    assert sparkline_grain(None) == "month"
    assert sparkline_grain(DateRange(dt.date(2024, 1, 1), None)) == "month"


def test_sparkline_grain_respects_the_grains_a_column_offers() -> None:
    assert sparkline_grain(None, ["month", "year"]) == "month"
    assert sparkline_grain(DateRange(TODAY, TODAY), ["month", "year"]) == "month"
    assert sparkline_grain(None, ["day"]) is None


def test_previous_period_replaces_only_the_date_filter() -> None:
    widget = kpi(
        measures=["orders.amount"],
        filters=[{"field": "orders.status", "op": "eq", "value": "paid"}],
    )
    plan = plan_for(widget, "last_7_days")
    assert plan is not None and plan.measure == "orders.amount"
    assert plan.previous is not None
    assert [(f.field, f.value) for f in plan.previous.filters] == [
        ("orders.status", "paid"),
        ("orders.order_date", ["2024-03-02", "2024-03-08"]),
    ]
    assert plan.period == "vs 2024-03-02 to 2024-03-08"


def test_sparkline_is_the_measure_by_the_time_field_at_the_grain() -> None:
    plan = plan_for(kpi(), "last_30_days")
    assert plan is not None and plan.grain == "day" and plan.sparkline is not None
    assert plan.sparkline.measures == ["orders.amount"]
    assert plan.sparkline.dimensions == ["orders.order_date.day"]
    assert plan.sparkline.filters[-1].value == ["2024-02-15", "2024-03-15"]
    assert plan_for(kpi(), "last_90_days").sparkline.dimensions == ["orders.order_date.week"]  # type: ignore[union-attr]
    assert plan_for(kpi(), "this_year").sparkline.dimensions == ["orders.order_date.month"]  # type: ignore[union-attr]


def test_without_a_date_filter_no_previous_and_a_monthly_sparkline() -> None:
    plan = plan_for(kpi(), None)
    assert plan is not None and plan.previous is None and plan.period is None
    assert plan.sparkline is not None
    assert plan.sparkline.dimensions == ["orders.order_date.month"]


def test_an_open_ended_range_has_no_previous_period() -> None:
    plan = plan_for(kpi(), "custom", p=["2024-01-01", None])
    assert plan is not None and plan.previous is None and plan.grain == "month"


def test_a_date_filter_on_another_field_shifts_that_field() -> None:
    widget = kpi(time_field="orders.order_date")
    plan = plan_for(widget, "last_year", field="customers.signed_up")
    assert plan is not None and plan.previous is not None
    shifted = plan.previous.filters[-1]
    assert (shifted.field, shifted.value) == ("customers.signed_up", ["2022-01-01", "2022-12-31"])


def test_without_a_time_field_only_the_value() -> None:
    plan = plan_for(kpi(time_field=None), "last_7_days")
    assert plan is not None and plan.previous is None and plan.sparkline is None


def test_a_time_field_that_is_not_a_date_is_an_error() -> None:
    with pytest.raises(SemanticError, match=r"Time field 'orders\.status' is text"):
        plan_for(kpi(time_field="orders.status"), None)


def test_no_sparkline_when_the_measure_cannot_reach_the_time_field() -> None:
    widget = kpi(time_field="orders.order_date", measures=["stock.units"])
    plan = plan_for(widget, None)
    assert plan is not None and plan.sparkline is None


def test_only_kpi_widgets_have_a_plan() -> None:
    widget = kpi().model_copy(update={"kind": "bar"})
    assert plan_for(widget, None) is None


def test_change_is_relative_and_none_without_a_base() -> None:
    assert kpi_change(120, 100) == pytest.approx(0.2)
    assert kpi_change(80, -100) == pytest.approx(1.8)
    assert kpi_change(5, 0) is None
    assert kpi_change(5, None) is None


def comparing(shift: str = "year", grain: str = "year") -> Widget:
    dimension = f"orders.order_date.{grain}"
    return kpi(
        measures=["orders.amount"],
        dimensions=[dimension],
        compare=[{"measure": "orders.amount", "shift": shift}],
        sort=[{"field": dimension, "descending": True}],
        limit=1,
    )


def test_a_kpi_comparing_its_measure_reads_the_change_from_its_own_row() -> None:
    plan = plan_for(comparing(), "this_year")
    assert plan is not None and plan.compare is not None
    assert plan.previous is None and plan.period is None  # no extra query for the change
    assert plan.sparkline is not None  # the sparkline stays
    columns = [
        "orders.order_date.year", "orders.amount", "orders.amount__previous_year",
        "orders.amount__change_year",
    ]  # fmt: skip
    row = [dt.date(2024, 1, 1), 1200.0, 1000.0, 0.2]
    assert plan.compare.values(columns, row) == (1000.0, 0.2, "2024 vs previous year")
    assert plan.compare.values(columns, [dt.date(2024, 1, 1), 5.0, None, None]) == (
        None, None, "2024 vs previous year",
    )  # fmt: skip
    assert plan.compare.values(columns, None) == (None, None, "vs previous year")


def test_a_kpi_comparing_with_the_previous_month_names_the_month() -> None:
    plan = plan_for(comparing("period", "month"), None)
    assert plan is not None and plan.compare is not None
    columns = ["orders.order_date.month", "orders.amount", "p", "orders.amount__change_period"]
    values = plan.compare.values(columns, [dt.date(2024, 3, 1), 90.0, 100.0, -0.1])
    assert values == (None, -0.1, "2024-03 vs previous month")
