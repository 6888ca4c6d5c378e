"""Date presets against an injected day, overrides, values filters and cross-filters."""

from __future__ import annotations

import datetime as dt

import pytest

from pipelines.dashboards import DateFilter
from pipelines.dashboards.filters import (
    CrossFilter,
    DateRange,
    FilterValueError,
    active_filters,
    date_filter,
    date_range,
    values_filter,
)
from tests.unit.dashboards.model import document, semantic_widget

TODAY = dt.date(2024, 3, 15)


def _range(preset: str | None, **dates: str) -> DateRange | None:
    return date_range(DateFilter(id="d", field="orders.order_date", preset=preset, **dates), TODAY)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("preset", "start", "end"),
    [
        ("last_7_days", dt.date(2024, 3, 9), TODAY),
        ("last_30_days", dt.date(2024, 2, 15), TODAY),
        ("last_90_days", dt.date(2023, 12, 17), TODAY),
        ("month_to_date", dt.date(2024, 3, 1), TODAY),
        ("this_year", dt.date(2024, 1, 1), dt.date(2024, 12, 31)),
        ("last_year", dt.date(2023, 1, 1), dt.date(2023, 12, 31)),
    ],
)
def test_presets_resolve_against_today_inclusive(preset: str, start: dt.date, end: dt.date) -> None:
    span = _range(preset)
    assert span == DateRange(start, end)


def test_last_7_days_counts_today_as_one_of_seven() -> None:
    span = _range("last_7_days")
    assert span is not None and span.days == 7


def test_custom_range_with_open_ends() -> None:
    assert _range("custom", start="2024-01-01") == DateRange(dt.date(2024, 1, 1), None)
    assert _range("custom", end="2024-01-31") == DateRange(None, dt.date(2024, 1, 31))
    assert _range("custom") is None
    assert _range(None) is None


def test_custom_range_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(FilterValueError, match="before the start"):
        _range("custom", start="2024-02-01", end="2024-01-01")


def test_a_bad_custom_date_names_the_filter() -> None:
    with pytest.raises(FilterValueError, match="Filter 'd': start '1 March' is not a date"):
        _range("custom", start="1 March")


def test_date_filter_ops() -> None:
    closed = date_filter("orders.order_date", DateRange(dt.date(2024, 1, 1), dt.date(2024, 1, 31)))
    assert closed is not None and closed.op == "between"
    assert closed.value == ["2024-01-01", "2024-01-31"]
    since = date_filter("orders.order_date", DateRange(dt.date(2024, 1, 1), None))
    assert since is not None and (since.op, since.value) == ("gte", "2024-01-01")
    until = date_filter("orders.order_date", DateRange(None, dt.date(2024, 1, 31)))
    assert until is not None and (until.op, until.value) == ("lte", "2024-01-31")


def test_a_timestamp_range_includes_the_whole_last_day() -> None:
    span = DateRange(dt.date(2024, 1, 1), dt.date(2024, 1, 31))
    found = date_filter("tickets.opened_at", span, "timestamp")
    assert found is not None
    assert found.value == ["2024-01-01T00:00:00", "2024-01-31T23:59:59.999999"]


def test_values_filter_is_in_and_empty_means_none() -> None:
    found = values_filter("customers.country", ["FR", "DE"])
    assert found is not None and (found.op, found.value) == ("in", ["FR", "DE"])
    assert values_filter("customers.country", []) is None


def test_previous_period_of_days_months_and_years() -> None:
    week = DateRange(dt.date(2024, 3, 9), dt.date(2024, 3, 15))
    assert week.previous() == DateRange(dt.date(2024, 3, 2), dt.date(2024, 3, 8))
    march = DateRange(dt.date(2024, 3, 1), dt.date(2024, 3, 31))
    assert march.previous() == DateRange(dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    year = DateRange(dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    assert year.previous() == DateRange(dt.date(2023, 1, 1), dt.date(2023, 12, 31))
    assert DateRange(dt.date(2024, 1, 1), None).previous() is None


DOC = document(
    semantic_widget("w1", measures=["orders.amount"]),
    filters=[
        {"id": "period", "kind": "date", "field": "orders.order_date", "preset": "last_7_days"},
        {"id": "country", "kind": "values", "field": "customers.country", "values": ["FR"]},
        {"id": "status", "kind": "values", "field": "orders.status"},
    ],
)


def test_active_filters_skip_empty_ones() -> None:
    found = active_filters(DOC, TODAY)
    assert [f.id for f in found] == ["period", "country"]
    assert found[0].span == DateRange(dt.date(2024, 3, 9), TODAY)
    assert found[1].values == ("FR",)


def test_overrides_replace_the_stored_values_by_id() -> None:
    found = active_filters(
        DOC,
        TODAY,
        {"period": ["2024-01-01", None], "country": [], "status": ["paid", "open"]},
    )
    assert [(f.id, f.values, f.span) for f in found] == [
        ("period", (), DateRange(dt.date(2024, 1, 1), None)),
        ("status", ("paid", "open"), None),
    ]
    presets = active_filters(DOC, TODAY, {"period": "last_year"})
    assert presets[0].span == DateRange(dt.date(2023, 1, 1), dt.date(2023, 12, 31))
    assert [f.id for f in active_filters(DOC, TODAY, {"period": None})] == ["country"]


def test_an_override_of_an_unknown_filter_names_it() -> None:
    with pytest.raises(FilterValueError, match="Unknown filter 'region'"):
        active_filters(DOC, TODAY, {"region": ["North"]})


def test_an_unknown_preset_is_refused() -> None:
    with pytest.raises(FilterValueError, match="unknown date preset 'yesterday'"):
        active_filters(DOC, TODAY, {"period": "yesterday"})


def test_cross_filters_come_last_and_remember_the_clicked_widget() -> None:
    click = CrossFilter.from_json({"widget_id": "w9", "field": "orders.status", "values": ["x"]})
    found = active_filters(DOC, TODAY, cross=[click])
    assert found[-1].id == "cross:w9:orders.status"
    assert found[-1].skip_widget == "w9"


def test_a_malformed_cross_filter_is_refused() -> None:
    with pytest.raises(FilterValueError, match="needs a widget_id and a field"):
        CrossFilter.from_json({"field": "orders.status", "values": ["x"]})
    with pytest.raises(FilterValueError, match="values must be a list"):
        CrossFilter.from_json({"widget_id": "w", "field": "orders.status", "values": [{}]})
