"""Chart suggestion rules, one by one with their edges, and planning a chart the user picked."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import duckdb
import pytest

from pipelines.charts import (
    CHART_KINDS,
    ChartError,
    ChartSuggestion,
    ResultColumn,
    is_additive,
    plan_chart,
    result_columns,
    role_of,
    suggest_chart,
)
from pipelines.charts.format import format_number, format_value, numeral_format
from pipelines.semantic.model import NumberFormat
from pipelines.semantic.query import QueryResult

REGION = ResultColumn("region", "text")
REVENUE = ResultColumn("revenue", "decimal")
COST = ResultColumn("cost", "decimal")
DAY = ResultColumn("day", "date")
EUR = NumberFormat(kind="currency", currency="EUR")


def categories(count: int, prefix: str = "R") -> list[str]:
    return [f"{prefix}{i}" for i in range(count)]


# -- roles ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "type_", "role"),
    [
        ("revenue", "decimal", "measure"),
        ("quantity", "integer", "measure"),
        ("id", "integer", "dimension"),
        ("customer_id", "integer", "dimension"),
        ("Customer ID", "integer", "dimension"),
        ("orders.customer_id", "integer", "dimension"),
        ("product_code", "integer", "dimension"),
        ("year", "integer", "dimension"),
        ("order_year", "integer", "dimension"),
        ("count(id)", "integer", "measure"),
        ("count_star()", "integer", "measure"),
        ("sum(amount)", "decimal", "measure"),
        ("region", "text", "dimension"),
        ("day", "date", "dimension"),
        ("active", "boolean", "dimension"),
    ],
)
def test_role_is_inferred_from_type_and_name(name: str, type_: str, role: str) -> None:
    assert role_of(ResultColumn(name, type_)) == role


def test_a_given_role_wins_over_the_name() -> None:
    assert role_of(ResultColumn("customer_id", "integer", role="measure")) == "measure"
    assert role_of(ResultColumn("revenue", "decimal", role="dimension")) == "dimension"


@pytest.mark.parametrize(
    ("column", "additive"),
    [
        (ResultColumn("revenue", "decimal"), True),
        (ResultColumn("sum(amount)", "decimal"), True),
        (ResultColumn("count_star()", "integer"), True),
        (ResultColumn("avg(amount)", "decimal"), False),
        (ResultColumn("max_amount", "decimal"), False),
        (ResultColumn("unit_price", "decimal"), False),
        (ResultColumn("count(DISTINCT customer_id)", "integer"), False),
        (ResultColumn("share", "decimal", format=NumberFormat(kind="percent")), False),
        (ResultColumn("amount", "decimal", aggregation="avg"), False),
        (ResultColumn("amount", "decimal", aggregation="sum"), True),
    ],
)
def test_additive_measures_are_sum_or_count_like(column: ResultColumn, additive: bool) -> None:
    assert is_additive(column) is additive


# -- rule 1: no rows --------------------------------------------------------------------------
def test_no_rows_is_a_table_with_a_reason() -> None:
    s = suggest_chart([REGION, REVENUE], [])
    assert (s.kind, s.reason) == ("table", "No rows: nothing to chart")


def test_no_columns_is_a_table() -> None:
    assert suggest_chart([], []).kind == "table"


# -- rule 2: one row --------------------------------------------------------------------------
def test_one_row_one_measure_is_a_kpi() -> None:
    s = suggest_chart([REVENUE], [[Decimal("1234.5")]])
    assert (s.kind, s.x, s.y) == ("kpi", None, ("revenue",))
    assert s.reason == "One number: shown as a KPI"


def test_one_row_one_measure_ignores_the_dimensions() -> None:
    s = suggest_chart([REGION, DAY, REVENUE], [["North", dt.date(2024, 1, 1), 5.0]])
    assert (s.kind, s.y) == ("kpi", ("revenue",))


def test_one_row_several_measures_is_a_table() -> None:
    s = suggest_chart([REVENUE, COST], [[10.0, 4.0]])
    assert s.kind == "table"
    assert s.reason == "One row of 2 numbers: shown as a table"


def test_one_row_without_numbers_is_a_table() -> None:
    assert suggest_chart([REGION], [["North"]]).kind == "table"


# -- rule 3: time -----------------------------------------------------------------------------
def days(count: int) -> list[dt.date]:
    return [dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in range(count)]


def test_a_date_and_one_additive_positive_measure_is_an_area() -> None:
    s = suggest_chart([DAY, REVENUE], [[d, float(i)] for i, d in enumerate(days(10))])
    assert (s.kind, s.x, s.y) == ("area", "day", ("revenue",))
    assert "Dates on the x axis" in s.reason


def test_a_date_and_a_measure_with_negative_values_is_a_line() -> None:
    rows = [[d, float(i - 5)] for i, d in enumerate(days(10))]
    s = suggest_chart([DAY, ResultColumn("profit", "decimal")], rows)
    assert (s.kind, s.reason) == ("line", "Dates on the x axis: a line over time")


def test_a_date_and_an_average_is_a_line_not_an_area() -> None:
    rows = [[d, 10.0] for d in days(5)]
    assert suggest_chart([DAY, ResultColumn("avg_price", "decimal")], rows).kind == "line"


def test_a_timestamp_and_two_measures_is_one_line_per_measure() -> None:
    stamp = ResultColumn("at", "timestamp")
    rows = [[dt.datetime(2024, 1, 1, h), 1.0, 2.0] for h in range(5)]
    s = suggest_chart([stamp, REVENUE, COST], rows)
    assert (s.kind, s.x, s.y) == ("line", "at", ("revenue", "cost"))
    assert s.reason == "Dates on the x axis: one line per measure"


def test_a_date_a_category_and_a_measure_is_one_line_per_category() -> None:
    rows = [[d, r, 1.0] for d in days(4) for r in ("North", "South")]
    s = suggest_chart([DAY, REGION, REVENUE], rows)
    assert (s.kind, s.x, s.y, s.series) == ("line", "day", ("revenue",), "region")


def test_a_date_by_a_category_of_more_than_ten_values_is_a_table() -> None:
    rows = [[d, r, 1.0] for d in days(3) for r in categories(11)]
    s = suggest_chart([DAY, REGION, REVENUE], rows)
    assert s.kind == "table" and "11 values" in s.reason


def test_two_dates_are_a_table() -> None:
    rows = [[d, d, 1.0] for d in days(3)]
    assert suggest_chart([DAY, ResultColumn("shipped", "date"), REVENUE], rows).kind == "table"


def test_six_measures_over_time_are_a_table() -> None:
    measures = [ResultColumn(f"m{i}", "decimal") for i in range(6)]
    rows = [[d, *[1.0] * 6] for d in days(3)]
    assert suggest_chart([DAY, *measures], rows).kind == "table"


# -- rule 4: one category ---------------------------------------------------------------------
def test_up_to_six_positive_parts_of_an_additive_measure_is_a_pie() -> None:
    rows = [[r, float(i + 1)] for i, r in enumerate(categories(6))]
    s = suggest_chart([REGION, REVENUE], rows)
    assert (s.kind, s.x, s.y) == ("pie", "region", ("revenue",))
    assert s.reason == "Parts of a whole (6 categories, none negative): a pie"


def test_seven_categories_are_bars_not_a_pie() -> None:
    rows = [[r, float(i + 1)] for i, r in enumerate(categories(7))]
    s = suggest_chart([REGION, REVENUE], rows)
    assert (s.kind, s.horizontal, s.top_n) == ("bar", False, None)


def test_a_negative_value_means_bars_not_a_pie() -> None:
    rows = [["A", 5.0], ["B", -1.0], ["C", 3.0]]
    assert suggest_chart([REGION, REVENUE], rows).kind == "bar"


def test_an_average_is_never_a_pie() -> None:
    rows = [["A", 5.0], ["B", 3.0]]
    assert suggest_chart([REGION, ResultColumn("avg(amount)", "decimal")], rows).kind == "bar"


def test_a_percent_measure_is_never_a_pie() -> None:
    share = ResultColumn("share", "decimal", format=NumberFormat(kind="percent"))
    assert suggest_chart([REGION, share], [["A", 0.4], ["B", 0.6]]).kind == "bar"


def test_all_zero_values_are_not_a_pie() -> None:
    assert suggest_chart([REGION, REVENUE], [["A", 0.0], ["B", 0.0]]).kind == "bar"


def test_two_measures_by_category_are_grouped_bars_not_a_pie() -> None:
    s = suggest_chart([REGION, REVENUE, COST], [["A", 1.0, 2.0], ["B", 3.0, 4.0]])
    assert (s.kind, s.y) == ("bar", ("revenue", "cost"))
    assert "grouped" in s.reason


def test_a_label_longer_than_twelve_characters_makes_bars_horizontal() -> None:
    rows = [[r, float(i)] for i, r in enumerate([*categories(7), "A long label!"])]
    s = suggest_chart([REGION, REVENUE], rows)
    assert (s.kind, s.horizontal) == ("bar", True)
    assert "horizontal for long labels" in s.reason


def test_a_twelve_character_label_keeps_bars_vertical() -> None:
    rows = [[r, float(i)] for i, r in enumerate([*categories(7), "exactly 12 c"])]
    assert suggest_chart([REGION, REVENUE], rows).horizontal is False


def test_thirteen_categories_make_bars_horizontal() -> None:
    rows = [[r, float(i)] for i, r in enumerate(categories(13))]
    s = suggest_chart([REGION, REVENUE], rows)
    assert (s.kind, s.horizontal, s.top_n) == ("bar", True, None)


def test_twelve_short_categories_stay_vertical() -> None:
    rows = [[r, float(i)] for i, r in enumerate(categories(12))]
    assert suggest_chart([REGION, REVENUE], rows).horizontal is False


def test_twenty_five_categories_are_the_top_twenty_plus_other() -> None:
    rows = [[r, float(i)] for i, r in enumerate(categories(25))]
    s = suggest_chart([REGION, REVENUE], rows)
    assert (s.kind, s.top_n, s.horizontal) == ("bar", 20, True)
    assert "top 20 of 25 plus Other" in s.reason


def test_twenty_categories_need_no_top_n() -> None:
    rows = [[r, float(i)] for i, r in enumerate(categories(20))]
    assert suggest_chart([REGION, REVENUE], rows).top_n is None


def test_repeated_categories_are_counted_once() -> None:
    rows = [[r, 1.0] for r in ["A", "B", "C"] * 10]
    assert suggest_chart([REGION, REVENUE], rows).kind == "pie"


def test_a_year_is_a_category() -> None:
    rows = [[2020 + i, float(i + 1)] for i in range(8)]
    s = suggest_chart([ResultColumn("year", "integer"), REVENUE], rows)
    assert (s.kind, s.x) == ("bar", "year")


def test_two_measures_over_many_categories_are_a_scatter() -> None:
    rows = [[f"customer {i}", float(i), float(i % 7)] for i in range(51)]
    s = suggest_chart([ResultColumn("customer", "text"), REVENUE, COST], rows)
    assert (s.kind, s.x, s.y) == ("scatter", "revenue", ("cost",))


def test_two_measures_over_fifty_categories_are_still_bars() -> None:
    rows = [[f"c{i}", float(i), 1.0] for i in range(50)]
    assert suggest_chart([REGION, REVENUE, COST], rows).kind == "bar"


# -- rule 5: scatter --------------------------------------------------------------------------
def test_two_measures_without_a_dimension_are_a_scatter() -> None:
    s = suggest_chart([REVENUE, COST], [[1.0, 2.0], [3.0, 4.0], [5.0, 1.0]])
    assert (s.kind, s.x, s.y) == ("scatter", "revenue", ("cost",))
    assert s.reason == "Two numbers without a category: a scatter plot"


# -- rule 6: table ----------------------------------------------------------------------------
def test_two_categories_are_a_table() -> None:
    rows = [["A", "x", 1.0], ["B", "y", 2.0]]
    s = suggest_chart([REGION, ResultColumn("product", "text"), REVENUE], rows)
    assert s.kind == "table" and "2 categories" in s.reason


def test_three_measures_without_a_category_are_a_table() -> None:
    assert suggest_chart([REVENUE, COST, ResultColumn("tax", "decimal")], [[1, 2, 3]] * 2).kind == (
        "table"
    )


def test_one_measure_without_a_category_is_a_table() -> None:
    assert suggest_chart([REVENUE], [[1.0], [2.0]]).kind == "table"


def test_text_only_is_a_table() -> None:
    assert suggest_chart([REGION], [["A"], ["B"]]).kind == "table"


def test_every_suggestion_is_deterministic_and_json_round_trips() -> None:
    rows = [[r, float(i)] for i, r in enumerate(categories(25))]
    first = suggest_chart([REGION, REVENUE], rows)
    assert suggest_chart([REGION, REVENUE], list(rows)) == first
    data = first.as_json()
    assert data["y"] == ["revenue"] and data["kind"] in CHART_KINDS
    assert ChartSuggestion.from_json(data) == first


# -- real SQL results -------------------------------------------------------------------------
def duckdb_result(sql: str) -> tuple[list[ResultColumn], list[list[Any]]]:
    con = duckdb.connect()
    relation = con.sql(sql)
    logical = {"INTEGER": "integer", "BIGINT": "integer", "HUGEINT": "integer", "DATE": "date",
               "VARCHAR": "text", "DOUBLE": "decimal", "TIMESTAMP": "timestamp"}  # fmt: skip
    types = [
        logical.get(str(t), "decimal" if "DECIMAL" in str(t) else "other") for t in relation.types
    ]
    rows = [list(r) for r in relation.fetchall()]
    return [ResultColumn(n, t) for n, t in zip(relation.columns, types, strict=True)], rows


def test_a_grouped_sql_result_with_decimals_is_charted() -> None:
    columns, rows = duckdb_result(
        "SELECT 'region ' || (i % 4) AS region, sum(i * 1.50) AS revenue "
        "FROM range(100) t(i) GROUP BY 1 ORDER BY 1"
    )
    assert isinstance(rows[0][1], Decimal)
    assert suggest_chart(columns, rows).kind == "pie"


def test_a_count_over_months_from_sql_is_an_area() -> None:
    columns, rows = duckdb_result(
        "SELECT date_trunc('month', DATE '2024-01-01' + i::INTEGER) AS month, count(*) AS n "
        "FROM range(120) t(i) GROUP BY 1 ORDER BY 1"
    )
    assert suggest_chart(columns, rows).kind == "area"


def test_result_columns_of_a_semantic_result_keep_roles_and_labels() -> None:
    result = QueryResult(
        columns=["orders.region", "orders.amount"],
        rows=[["A", 1.0]],
        sql="",
        labels={"orders.amount": "Amount"},
        kinds={"orders.region": "dimension", "orders.amount": "measure"},
        types={"orders.region": "text", "orders.amount": "decimal"},
    )
    region, amount = result_columns(result)
    assert (region.role, amount.role, amount.display) == ("dimension", "measure", "Amount")


# -- planning a chosen kind -------------------------------------------------------------------
def test_no_kind_plans_the_suggestion() -> None:
    rows = [["A", 1.0], ["B", 2.0]]
    assert plan_chart([REGION, REVENUE], rows) == suggest_chart([REGION, REVENUE], rows)


def test_a_chosen_bar_takes_the_category_and_the_measures() -> None:
    rows = [["A", 1.0], ["B", 2.0]]
    plan = plan_chart([REGION, REVENUE], rows, "bar")
    assert (plan.kind, plan.x, plan.y) == ("bar", "region", ("revenue",))


def test_a_chosen_line_prefers_the_date_on_x() -> None:
    rows = [["A", d, 1.0] for d in days(3)]
    plan = plan_chart([REGION, DAY, REVENUE], rows, "line")
    assert (plan.x, plan.y) == ("day", ("revenue",))


def test_a_missing_column_is_named() -> None:
    with pytest.raises(ChartError, match="'profit' is not in the result"):
        plan_chart([REGION, REVENUE], [["A", 1.0]], "bar", y=["profit"])


def test_a_text_column_on_a_numeric_axis_is_refused_by_name() -> None:
    with pytest.raises(ChartError, match="'region' is text"):
        plan_chart([REGION, REVENUE], [["A", 1.0]], "kpi", y=["region"])


def test_a_chosen_pie_with_negative_values_is_refused_naming_the_measure() -> None:
    with pytest.raises(ChartError, match="'revenue' has negative values"):
        plan_chart([REGION, REVENUE], [["A", 1.0], ["B", -2.0]], "pie")


def test_a_chosen_pie_of_many_categories_keeps_five_plus_other() -> None:
    rows = [[r, 1.0] for r in categories(9)]
    assert plan_chart([REGION, REVENUE], rows, "pie").top_n == 5


def test_a_chosen_scatter_needs_two_numbers() -> None:
    with pytest.raises(ChartError, match="two numeric columns; the result has: revenue"):
        plan_chart([REGION, REVENUE], [["A", 1.0]], "scatter")


def test_a_chosen_kpi_without_numbers_is_refused() -> None:
    with pytest.raises(ChartError, match="no numeric column"):
        plan_chart([REGION], [["A"]], "kpi")


# -- formats ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "fmt", "text"),
    [
        (1234.5, EUR, "€1,234.50"),
        (-1234.5, EUR, "-€1,234.50"),
        (Decimal("1234.5"), NumberFormat(kind="currency", currency="$"), "$1,234.50"),
        (99.0, NumberFormat(kind="currency", currency="CHF", decimals=0), "CHF 99"),
        (1234.5, NumberFormat(kind="currency"), "1,234.50"),
        (0.125, NumberFormat(kind="percent", decimals=1), "12.5%"),
        (1234567.891, NumberFormat(kind="number", decimals=2), "1,234,567.89"),
        (1234567, None, "1,234,567"),
        (2.5, None, "2.5"),
        (None, EUR, "—"),
        (float("nan"), None, "—"),
    ],
)
def test_numbers_are_formatted_with_the_measure_format(value: Any, fmt: Any, text: str) -> None:
    assert format_number(value, fmt) == text


def test_a_year_is_shown_without_a_thousands_separator() -> None:
    assert format_value(2024, ResultColumn("year", "integer")) == "2024"


def test_dates_are_iso_and_timestamps_to_the_minute() -> None:
    assert format_value(dt.date(2024, 3, 1), DAY) == "2024-03-01"
    stamp = ResultColumn("at", "timestamp")
    assert format_value(dt.datetime(2024, 3, 1, 14, 30), stamp) == "2024-03-01 14:30"


def test_tick_formats_have_thousands_separators_and_percent() -> None:
    assert numeral_format(None) == "0,0.[00]"
    assert numeral_format(NumberFormat(kind="percent", decimals=1)) == "0,0.[0]%"
