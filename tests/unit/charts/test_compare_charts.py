"""A comparison's columns in charts: the measure and its previous value are drawn on one axis;
the change (a fraction of the measure) is left to the table unless it is asked for by name."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pipelines.charts import ResultColumn, plan_chart, suggest_chart

MONTH = ResultColumn("orders.order_date.month", "date", "dimension")
AMOUNT = ResultColumn("orders.amount", "decimal", "measure")
PREVIOUS = ResultColumn("orders.amount__previous_year", "decimal", "measure")
CHANGE = ResultColumn("orders.amount__change_year", "decimal", "measure")
COLUMNS = [MONTH, AMOUNT, PREVIOUS, CHANGE]
ROWS: list[list[Any]] = [
    [dt.date(2024, m, 1), 100.0 + m, 90.0 + m, (10.0) / (90.0 + m)] for m in range(1, 7)
]


def test_the_change_of_a_comparison_is_not_a_third_line_beside_its_measure() -> None:
    suggestion = suggest_chart(COLUMNS, ROWS)

    assert (suggestion.kind, suggestion.x) == ("line", MONTH.name)
    assert suggestion.y == (AMOUNT.name, PREVIOUS.name)


def test_a_chosen_chart_leaves_the_change_out_unless_it_is_named() -> None:
    bars = plan_chart(COLUMNS, ROWS, "bar")
    named = plan_chart(COLUMNS, ROWS, "line", y=[CHANGE.name])

    assert bars.y == (AMOUNT.name, PREVIOUS.name)
    assert named.y == (CHANGE.name,)


def test_a_column_named_like_a_change_without_its_measure_is_drawn() -> None:
    rows = [[r[0], r[3]] for r in ROWS]

    assert suggest_chart([MONTH, CHANGE], rows).y == (CHANGE.name,)


def test_one_row_with_its_previous_value_and_change_is_a_table_of_two_numbers() -> None:
    suggestion = suggest_chart(COLUMNS, ROWS[:1])

    assert suggestion.kind == "table"
    assert suggestion.reason == "One row of 2 numbers: shown as a table"
