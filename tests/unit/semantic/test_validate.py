"""Validation of semantic models: one test per kind of problem, checking code and message."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pipelines.semantic import (
    CalculatedMeasure,
    Column,
    ColumnPair,
    Join,
    SemanticModel,
    SourceColumn,
    SourceSchema,
    Table,
    validate,
)
from pipelines.semantic.validate import MESSAGES, Issue


def sales_model() -> SemanticModel:
    """A valid model: order_items -> orders -> customers, with a calculated measure."""
    return SemanticModel(
        tables=[
            Table(
                name="customers",
                source_id="src-customers",
                primary_key="customer_id",
                columns=[
                    Column(name="customer_id", type="integer"),
                    Column(name="segment", type="text"),
                    Column(name="signup_date", type="date", grains=["month", "year"]),
                ],
            ),
            Table(
                name="orders",
                source_id="src-orders",
                primary_key="order_id",
                columns=[
                    Column(name="order_id", type="integer"),
                    Column(name="customer_id", type="integer"),
                    Column(name="order_date", type="date"),
                    Column(name="status", type="text"),
                    Column(name="total_amount", type="decimal", role="measure", aggregation="sum"),
                ],
            ),
            Table(
                name="order_items",
                source_id="src-items",
                primary_key="line_id",
                columns=[
                    Column(name="line_id", type="integer"),
                    Column(name="order_id", type="integer"),
                    Column(name="quantity", type="integer", role="measure", aggregation="sum"),
                    Column(name="unit_price", type="decimal", role="measure", aggregation="avg"),
                ],
            ),
        ],
        joins=[
            Join(
                id="orders_customers",
                left_table="orders",
                right_table="customers",
                on=[ColumnPair(left="customer_id", right="customer_id")],
            ),
            Join(
                id="items_orders",
                left_table="order_items",
                right_table="orders",
                on=[ColumnPair(left="order_id", right="order_id")],
            ),
        ],
        measures=[
            CalculatedMeasure(
                name="revenue", table="order_items", expression="sum(quantity * unit_price)"
            )
        ],
    )


def sources_of(model: SemanticModel) -> dict[str, SourceSchema]:
    """Sources that match the model's tables exactly."""
    return {
        t.source_id: SourceSchema(
            source_id=t.source_id,
            name=t.name,
            row_count=10,
            columns=tuple(SourceColumn(c.name, c.name, c.type) for c in t.columns),
        )
        for t in model.tables
    }


def changed(model: SemanticModel, **update: Any) -> SemanticModel:
    return SemanticModel.model_validate(model.to_dict() | update)


def one(issues: list[Issue], code: str) -> Issue:
    found = [i for i in issues if i.code == code]
    assert len(found) == 1, f"expected one {code!r} in {issues}"
    return found[0]


def column_of(model: SemanticModel, table: str, column: str) -> Column:
    found = model.table(table)
    assert found is not None
    col = found.column(column)
    assert col is not None
    return col


# -- valid models ------------------------------------------------------------------------------
def test_empty_model_has_no_issues() -> None:
    assert validate(SemanticModel()) == []
    assert validate(SemanticModel(), {}) == []


def test_valid_model_has_no_issues_with_or_without_sources() -> None:
    model = sales_model()
    assert validate(model) == []
    assert validate(model, sources_of(model)) == []


def test_issue_as_json_is_json_safe() -> None:
    model = sales_model()
    model.tables[1].primary_key = "id"
    data = json.loads(json.dumps([i.as_json() for i in validate(model)]))
    assert data == [
        {
            "level": "error",
            "code": "primary_key_unknown_column",
            "message": MESSAGES["primary_key_unknown_column"].format(
                table="'orders'", column="'id'"
            ),
            "table": "orders",
            "column": "id",
            "join_id": None,
            "measure": None,
        }
    ]


# -- tables and columns ------------------------------------------------------------------------
def test_duplicate_table_names() -> None:
    data = sales_model().to_dict()
    data["tables"].append(dict(data["tables"][0], source_id="other"))
    issue = one(validate(SemanticModel.model_validate(data)), "duplicate_table")
    assert issue.level == "error"
    assert issue.table == "customers"
    assert "2 tables named 'customers'" in issue.message


def test_duplicate_column_names() -> None:
    model = sales_model()
    model.tables[0].columns.append(Column(name="segment", type="text"))
    issue = one(validate(model), "duplicate_column")
    assert (issue.table, issue.column) == ("customers", "segment")
    assert "'customers'" in issue.message and "'segment'" in issue.message


def test_primary_key_naming_an_unknown_column() -> None:
    model = sales_model()
    model.tables[1].primary_key = "id"
    issue = one(validate(model), "primary_key_unknown_column")
    assert (issue.table, issue.column) == ("orders", "id")
    assert "primary key of table 'orders' is 'id'" in issue.message


def test_measure_without_aggregation() -> None:
    model = sales_model()
    column_of(model, "orders", "total_amount").aggregation = None
    issue = one(validate(model), "measure_without_aggregation")
    assert issue.column == "total_amount"
    assert "'orders.total_amount' is a measure without an aggregation" in issue.message


@pytest.mark.parametrize(
    ("column", "aggregation", "words"),
    [
        ("status", "sum", "is text and cannot be summed"),
        ("order_date", "avg", "is date and cannot be averaged"),
    ],
)
def test_sum_or_average_on_a_non_numeric_column(column: str, aggregation: str, words: str) -> None:
    model = sales_model()
    col = column_of(model, "orders", column)
    col.role, col.aggregation = "measure", aggregation  # type: ignore[assignment]
    issue = one(validate(model), "aggregation_needs_number")
    assert (issue.table, issue.column, issue.level) == ("orders", column, "error")
    assert f"'orders.{column}' {words}" in issue.message
    assert "count distinct" in issue.message


def test_count_distinct_on_text_is_fine() -> None:
    model = sales_model()
    col = column_of(model, "orders", "status")
    col.role, col.aggregation = "measure", "count_distinct"
    assert validate(model) == []


def test_grains_on_a_non_time_column() -> None:
    model = sales_model()
    column_of(model, "orders", "status").grains = ["month"]
    issue = one(validate(model), "grains_on_non_time_column")
    assert issue.column == "status"
    assert "'orders.status' is text; time grains apply only to dates" in issue.message


# -- tables against their sources --------------------------------------------------------------
def test_table_whose_source_was_deleted() -> None:
    model = sales_model()
    sources = sources_of(model)
    del sources["src-orders"]
    issue = one(validate(model, sources), "source_deleted")
    assert issue.table == "orders"
    assert issue.message == (
        "Table 'orders' uses a source that was deleted; remove the table or point it at another "
        "source"
    )


def test_sources_are_not_checked_when_not_given() -> None:
    model = changed(sales_model())
    model.tables[0].source_id = "gone"
    assert validate(model) == []


def test_column_no_longer_in_its_source() -> None:
    model = sales_model()
    sources = sources_of(model)
    orders = sources["src-orders"]
    sources["src-orders"] = SourceSchema(
        orders.source_id, orders.name, 10, tuple(c for c in orders.columns if c.name != "status")
    )
    issue = one(validate(model, sources), "column_missing_in_source")
    assert (issue.table, issue.column) == ("orders", "status")
    assert "'orders.status' no longer exists in source 'orders'" in issue.message


@pytest.mark.parametrize(
    ("column", "new_type", "level"),
    [("total_amount", "text", "error"), ("customer_id", "decimal", "warning")],
)
def test_column_whose_type_changed_in_its_source(column: str, new_type: str, level: str) -> None:
    model = sales_model()
    sources = sources_of(model)
    orders = sources["src-orders"]
    columns = tuple(
        SourceColumn(c.name, c.label, new_type if c.name == column else c.type)
        for c in orders.columns
    )
    sources["src-orders"] = SourceSchema(orders.source_id, orders.name, 10, columns)
    issue = one(validate(model, sources), "column_type_changed")
    assert (issue.column, issue.level) == (column, level)
    assert (
        f"'orders.{column}'" in issue.message and f"{new_type} in source 'orders'" in issue.message
    )


# -- joins ---------------------------------------------------------------------------------
def test_duplicate_join_ids() -> None:
    model = sales_model()
    model.joins[1].id = "orders_customers"
    issue = one(validate(model), "duplicate_join")
    assert issue.join_id == "orders_customers"
    assert "2 joins with id 'orders_customers'" in issue.message


def test_join_to_an_unknown_table() -> None:
    model = sales_model()
    model.joins[0].right_table = "clients"
    issue = one(validate(model), "join_unknown_table")
    assert (issue.join_id, issue.table) == ("orders_customers", "clients")
    assert "Join 'orders_customers' uses table 'clients' (right side)" in issue.message


def test_join_of_a_table_to_itself() -> None:
    model = sales_model()
    model.joins[0].right_table = "orders"
    issue = one(validate(model), "join_self")
    assert (issue.join_id, issue.table) == ("orders_customers", "orders")
    assert "joins table 'orders' to itself" in issue.message


def test_join_on_an_unknown_column() -> None:
    model = sales_model()
    model.joins[0].on[0].right = "client_id"
    issue = one(validate(model), "join_unknown_column")
    assert (issue.table, issue.column, issue.join_id) == (
        "customers",
        "client_id",
        "orders_customers",
    )
    assert "'customers.client_id'" in issue.message


def test_join_keys_of_incompatible_types() -> None:
    model = sales_model()
    model.joins[0].on[0].left = "status"
    issue = one(validate(model), "join_key_types_incompatible")
    assert issue.level == "error"
    assert "'orders.status' (text) with 'customers.customer_id' (integer)" in issue.message


def test_join_keys_integer_with_decimal_are_fine() -> None:
    model = sales_model()
    column_of(model, "customers", "customer_id").type = "decimal"
    assert validate(model) == []


def test_join_keys_date_with_timestamp_is_a_warning() -> None:
    model = sales_model()
    column_of(model, "customers", "signup_date").type = "timestamp"
    model.joins[0].on[0] = ColumnPair(left="order_date", right="signup_date")
    issues = validate(model)
    issue = one(issues, "join_key_types_differ")
    assert issue.level == "warning"
    assert "'orders.order_date' (date) with 'customers.signup_date' (timestamp)" in issue.message
    assert all(i.level == "warning" for i in issues)


def test_two_joins_between_the_same_tables() -> None:
    model = sales_model()
    model.joins.append(
        Join(
            id="customers_orders",
            left_table="customers",
            right_table="orders",
            on=[ColumnPair(left="customer_id", right="customer_id")],
        )
    )
    issue = one(validate(model), "join_twice")
    assert issue.join_id == "customers_orders"
    assert "'customers' and 'orders' are joined twice" in issue.message
    assert "'orders_customers', 'customers_orders'" in issue.message


def test_cycle_of_joins_names_its_tables() -> None:
    model = sales_model()
    model.tables[2].columns.append(Column(name="customer_id", type="integer"))
    model.joins.append(
        Join(
            id="items_customers",
            left_table="order_items",
            right_table="customers",
            on=[ColumnPair(left="customer_id", right="customer_id")],
        )
    )
    issue = one(validate(model), "join_cycle")
    assert issue.join_id == "items_customers"
    assert "through tables 'order_items', 'orders', 'customers'" in issue.message
    assert "'items_orders', 'orders_customers', 'items_customers'" in issue.message


# -- calculated measures -------------------------------------------------------------------
def test_duplicate_measure_names() -> None:
    model = sales_model()
    model.measures.append(
        CalculatedMeasure(name="revenue", table="order_items", expression="sum(quantity)")
    )
    issue = one(validate(model), "duplicate_measure")
    assert issue.measure == "revenue"
    assert "2 measures named 'revenue'" in issue.message


def test_measure_on_an_unknown_table() -> None:
    model = sales_model()
    model.measures[0].table = "lines"
    issue = one(validate(model), "measure_unknown_table")
    assert (issue.measure, issue.table) == ("revenue", "lines")
    assert "Measure 'revenue' is defined on table 'lines'" in issue.message


def test_measure_name_clashing_with_a_column() -> None:
    model = sales_model()
    model.measures[0].name = "quantity"
    issue = one(validate(model), "measure_name_clash")
    assert issue.level == "warning"
    assert "'quantity' has the same name as column 'order_items.quantity'" in issue.message


def test_calculated_measure_naming_an_unknown_column() -> None:
    model = sales_model()
    model.measures[0].expression = "sum(quantity * price)"
    issue = one(validate(model), "measure_invalid")
    assert (issue.measure, issue.table, issue.level) == ("revenue", "order_items", "error")
    assert "'revenue'" in issue.message and "'price'" in issue.message
    assert "unit_price" in issue.message  # the known columns are listed


def test_calculated_measure_that_is_not_an_aggregate() -> None:
    model = sales_model()
    model.measures[0].expression = "quantity * unit_price"
    issue = one(validate(model), "measure_invalid")
    assert "'revenue'" in issue.message and "quantity" in issue.message


def test_errors_come_before_warnings() -> None:
    model = sales_model()
    model.measures[0].name = "quantity"  # warning
    model.tables[1].primary_key = "id"  # error
    assert [i.level for i in validate(model)] == ["error", "warning"]
