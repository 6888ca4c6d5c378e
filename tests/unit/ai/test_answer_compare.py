"""A language model's tool call with the engine's ``compare``, through the real SDKs against the
local wire servers (Anthropic and OpenAI formats), over a real DuckDB shop of two years."""

from __future__ import annotations

import pytest

from pipelines.ai.answer import answer_question
from pipelines.ai.answer_types import Answer

from .answer_data import ORDERS_SQL, Shop, Wire, open_shop, raw

TWO_YEARS = ORDERS_SQL.replace(
    "DATE '2024-01-01' + i::INTEGER", "DATE '2023-01-01' + (2 * i)::INTEGER"
)
MONTHLY = {"measures": ["orders.amount"], "dimensions": ["orders.order_date.month"]}
YEAR_OVER_YEAR = {**MONTHLY, "compare": [{"measure": "orders.amount", "shift": "year"}]}


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Shop:
    return open_shop(tmp_path_factory.mktemp("shop"), TWO_YEARS)


def ask(shop: Shop, wire: Wire, question: str) -> Answer:
    return answer_question(
        question, catalog=shop.catalog, run_semantic=shop.engine.execute, run_sql=None,
        provider=wire.provider(), model=shop.model, explain=False,
    )  # fmt: skip


def test_a_compare_call_gives_the_previous_year_beside_each_month(shop: Shop, wire: Wire) -> None:
    assert TWO_YEARS != ORDERS_SQL
    wire.script(wire.call("run_semantic_query", YEAR_OVER_YEAR))

    answer = ask(shop, wire, "Revenue by month compared to last year")

    expected = raw(
        shop.paths,
        """WITH m AS (SELECT date_trunc('month', order_date)::DATE AS m, sum(amount) AS v
                      FROM orders GROUP BY 1)
           SELECT c.m, c.v, p.v, (c.v - p.v) / abs(p.v) FROM m c
           LEFT JOIN m p ON p.m = c.m - INTERVAL 1 YEAR ORDER BY 1""",
    )
    assert answer.kind == "semantic"
    names = [c.name for c in answer.columns]
    assert names == [
        "orders.order_date.month",
        "orders.amount",
        "orders.amount__previous_year",
        "orders.amount__change_year",
    ]
    assert [tuple(r) for r in answer.rows] == [
        (m, pytest.approx(v), pytest.approx(p), pytest.approx(c)) for m, v, p, c in expected
    ]
    assert sum(r[2] is not None for r in answer.rows) >= 7  # 2024's months have a 2023 value
    assert answer.columns[2].label == "Orders · Amount (previous year)"
    assert answer.as_json()["columns"][3]["format"]["kind"] == "percent"
    chart = answer.chart_suggestion
    assert chart is not None and chart.kind == "line"
    assert chart.y == ("orders.amount", "orders.amount__previous_year")
    assert "each month beside the same month a year earlier, with the % change" in (
        answer.explanation
    )
    assert answer.semantic_query == {**YEAR_OVER_YEAR, "compare": [{"measure": "orders.amount"}]}
    assert '"compare"' in wire.tools_json(wire.requests()[0])


def test_a_compare_without_a_time_grain_is_sent_back_with_the_engines_reason(
    shop: Shop, wire: Wire
) -> None:
    no_grain = {**YEAR_OVER_YEAR, "dimensions": ["orders.channel"]}
    wire.script(
        wire.call("run_semantic_query", no_grain),
        wire.call("run_semantic_query", YEAR_OVER_YEAR),
    )

    answer = ask(shop, wire, "Revenue vs last year")

    assert answer.kind == "semantic" and "orders.amount__previous_year" in [
        c.name for c in answer.columns
    ]
    fed_back = " ".join(wire.tool_results(wire.requests()[1]))
    assert "needs a time dimension with a grain" in fed_back
    assert [a.error != "" for a in answer.attempts] == [True, False]


def test_an_unknown_compared_measure_is_sent_back_with_the_close_name(
    shop: Shop, wire: Wire
) -> None:
    typo = {**MONTHLY, "compare": [{"measure": "orders.amout", "shift": "year"}]}
    wire.script(
        wire.call("run_semantic_query", typo),
        wire.call("run_semantic_query", YEAR_OVER_YEAR),
    )

    answer = ask(shop, wire, "Revenue year over year")

    fed_back = " ".join(wire.tool_results(wire.requests()[1]))
    assert "unknown compare measure 'orders.amout'; did you mean orders.amount" in fed_back
    assert answer.kind == "semantic"
