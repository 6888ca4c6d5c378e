"""Filter reach through the model's joins, switched-off filters, SQL widgets, field checks."""

from __future__ import annotations

import datetime as dt

import pytest

from pipelines.dashboards import Widget
from pipelines.dashboards.filters import ActiveFilter, CrossFilter, active_filters
from pipelines.dashboards.reach import SQL_UNREACHED, FilterReach
from pipelines.semantic import SemanticError
from tests.unit.dashboards.model import MODEL, document, semantic_widget

TODAY = dt.date(2024, 3, 15)
REACH = FilterReach(MODEL)
COUNTRY = ActiveFilter("country", "values", "customers.country", values=("FR",))

ORDERS = semantic_widget("orders", measures=["orders.amount"], dimensions=["orders.status"])
TICKETS = semantic_widget("tickets", measures=["tickets.count"], dimensions=["tickets.priority"])
STOCK = semantic_widget("stock", measures=["stock.units"], dimensions=["stock.sku"])
SQL = Widget.model_validate(
    {"id": "sql", "kind": "table", "query": {"source": "sql", "sql": "SELECT 1"}}
)


def test_a_country_filter_reaches_both_fact_tables_through_their_own_joins() -> None:
    for widget in (ORDERS, TICKETS):
        effective = REACH.apply(widget, [COUNTRY])
        assert effective.applied == ["country"]
        assert effective.unreached == []
        assert effective.query is not None
        added = effective.query.filters[-1]
        assert (added.field, added.op, added.value) == ("customers.country", "in", ["FR"])


def test_a_filter_on_a_dimension_table_reaches_a_widget_of_that_table() -> None:
    widget = semantic_widget("c", dimensions=["customers.country"])
    assert REACH.apply(widget, [COUNTRY]).applied == ["country"]


def test_an_unconnected_table_is_unreached_with_the_reason() -> None:
    effective = REACH.apply(STOCK, [COUNTRY])
    assert effective.applied == []
    assert effective.query is not None and effective.query.filters == []
    [unreached] = effective.unreached
    assert unreached.filter_id == "country"
    assert unreached.reason == "No join path from table 'stock' to table 'customers' in the model"


def test_a_widget_with_measures_of_two_tables_needs_both_to_reach() -> None:
    both = semantic_widget("both", measures=["orders.amount", "stock.units"])
    [unreached] = REACH.apply(both, [COUNTRY]).unreached
    assert "table 'stock'" in unreached.reason


def test_a_date_filter_on_orders_reaches_tickets_through_customers() -> None:
    # The engine applies it as a semi-join (tickets of customers with orders in the range).
    found = active_filters(
        document(
            filters=[
                {"id": "p", "kind": "date", "field": "orders.order_date", "preset": "this_year"}
            ]
        ),
        TODAY,
    )
    effective = REACH.apply(TICKETS, found)
    assert effective.applied == ["p"]
    assert effective.query is not None
    assert effective.query.filters[-1].value == ["2024-01-01", "2024-12-31"]


def test_a_switched_off_filter_is_reported_as_such_not_as_unreached() -> None:
    widget = ORDERS.model_copy(update={"filters_off": ["country"]})
    effective = REACH.apply(widget, [COUNTRY])
    assert effective.switched_off == ["country"]
    assert effective.applied == [] and effective.unreached == []
    assert effective.query is not None and effective.query.filters == []


def test_an_sql_widget_is_reached_by_no_filter() -> None:
    effective = REACH.apply(SQL, [COUNTRY])
    assert effective.query is None
    assert [(u.filter_id, u.reason) for u in effective.unreached] == [("country", SQL_UNREACHED)]


def test_a_cross_filter_skips_the_widget_that_was_clicked() -> None:
    click = CrossFilter("orders", "customers.country", ("DE",))
    [active] = active_filters(document(), TODAY, cross=[click])
    assert REACH.apply(ORDERS, [active]).applied == []
    assert REACH.apply(ORDERS, [active]).unreached == []
    assert REACH.apply(TICKETS, [active]).applied == ["cross:orders:customers.country"]
    assert REACH.apply(STOCK, [active]).unreached[0].filter_id == active.id


def test_a_filter_on_an_unknown_field_is_unreached_naming_it() -> None:
    bad = ActiveFilter("region", "values", "customers.region", values=("N",))
    [unreached] = REACH.apply(ORDERS, [bad]).unreached
    assert unreached.reason.startswith("Filter 'region': Filter 'customers.region'")
    assert "has no column 'region'" in unreached.reason


def test_a_date_filter_on_a_text_column_is_refused() -> None:
    bad = ActiveFilter("d", "date", "customers.country")
    with pytest.raises(SemanticError, match=r"is a date filter, and 'customers\.country' is text"):
        REACH.filter_field(bad)


def test_a_timestamp_field_gets_a_timestamp_range() -> None:
    found = active_filters(
        document(
            filters=[
                {"id": "p", "kind": "date", "field": "tickets.opened_at", "preset": "last_7_days"}
            ]
        ),
        TODAY,
    )
    effective = REACH.apply(TICKETS, found)
    assert effective.query is not None
    assert effective.query.filters[-1].value == [
        "2024-03-09T00:00:00",
        "2024-03-15T23:59:59.999999",
    ]


def test_the_widget_query_keeps_its_own_filters() -> None:
    widget = semantic_widget(
        "w",
        measures=["orders.amount"],
        filters=[{"field": "orders.status", "op": "eq", "value": "paid"}],
    )
    effective = REACH.apply(widget, [COUNTRY])
    assert effective.query is not None
    assert [f.field for f in effective.query.filters] == ["orders.status", "customers.country"]


def test_check_widget_names_the_widget_and_the_field() -> None:
    widget = semantic_widget("w7", measures=["orders.revenue"])
    with pytest.raises(SemanticError, match=r"Widget 'w7': .*'orders.revenue'"):
        REACH.check_widget(widget)
    REACH.check_widget(ORDERS)  # a good one passes


def test_a_widget_whose_field_left_the_model_still_applies_as_an_error() -> None:
    widget = semantic_widget("gone", measures=["orders.discount"])
    with pytest.raises(SemanticError, match="no column 'discount'"):
        REACH.apply(widget, [COUNTRY])


def test_the_reach_map_says_what_each_filter_does_to_each_widget() -> None:
    from pipelines.dashboards.reach import reach_map

    doc = document(
        ORDERS.model_copy(update={"filters_off": ["period"]}),
        TICKETS,
        STOCK,
        SQL,
        Widget.model_validate({"id": "note", "kind": "text", "text": "hi"}),
        filters=[
            {"id": "country", "kind": "values", "field": "customers.country"},
            {"id": "period", "kind": "date", "field": "orders.order_date"},
        ],
    )
    found = reach_map(REACH, doc)
    assert found["country"] == {
        "orders": "applies",
        "tickets": "applies",
        "stock": "No join path from table 'stock' to table 'customers' in the model",
        "sql": SQL_UNREACHED,
    }
    assert found["period"]["orders"] == "off"
    assert found["period"]["tickets"] == "applies"


def test_an_over_time_widget_needs_no_measure_sorts_by_period_and_is_reached_from_its_rows() -> (
    None
):
    over_time = {"start": "tickets.opened_at", "grain": "month", "flows": ["starts"]}
    widget = semantic_widget("flow", over_time=over_time, sort=[{"field": "period"}])
    query = widget.query.semantic if widget.query else None
    assert query is not None
    REACH.check_query(query)  # no measure or dimension, sorted by a column it adds
    assert REACH.roots(query) == ["tickets"]
    assert REACH.apply(widget, [COUNTRY]).applied == ["country"]
    with pytest.raises(SemanticError):
        REACH.check_query(query.model_copy(update={"over_time": None}))
