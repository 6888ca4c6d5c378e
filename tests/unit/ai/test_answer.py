"""answer_question through the real SDKs against the local wire servers, over a real DuckDB shop.

Every test runs on the Anthropic and the OpenAI wire format: the server answers with scripted
tool calls and records what DataPilot sent.
"""

from __future__ import annotations

import pytest

from pipelines.ai.answer import answer_question
from pipelines.ai.answer_types import Answer, Turn

from .answer_data import Shop, Wire, raw


def ask(shop: Shop, wire: Wire, question: str, **kwargs: object) -> Answer:
    options: dict[str, object] = {
        "catalog": shop.catalog,
        "run_semantic": shop.engine.execute,
        "run_sql": None,
        "provider": wire.provider(),
        "model": shop.model,
    }
    options.update(kwargs)
    return answer_question(question, **options)  # type: ignore[arg-type]


REVENUE_BY_COUNTRY_WEB = {
    "measures": ["orders.amount"],
    "dimensions": ["customers.country"],
    "filters": [{"field": "orders.channel", "op": "eq", "value": "Web"}],
    "sort": [{"field": "orders.amount", "descending": True}],
}


def test_a_tool_call_gives_the_known_rows_chart_and_explanation(shop: Shop, wire: Wire) -> None:
    wire.script(
        wire.call("run_semantic_query", REVENUE_BY_COUNTRY_WEB),
        wire.text("Germany leads Web revenue."),
    )
    answer = ask(shop, wire, "Web revenue by country, biggest first")

    expected = raw(
        shop.paths,
        """SELECT c.country, sum(o.amount) AS s FROM orders o
           LEFT JOIN customers c USING (customer_id) WHERE o.channel = 'Web'
           GROUP BY 1 ORDER BY s DESC""",
    )
    assert answer.kind == "semantic"
    assert [tuple(r) for r in answer.rows] == [(c, pytest.approx(s)) for c, s in expected]
    assert [c.name for c in answer.columns] == ["customers.country", "orders.amount"]
    assert answer.chart_suggestion is not None and answer.chart_suggestion.kind in ("bar", "pie")
    assert answer.explanation.startswith(
        "Sum of Amount by Country, for Channel = Web; sorted by Sum of Amount (highest first)."
    )
    # Orders 40-44 mod 45 have no customer: the left join counts them under (blank).
    blank = raw(
        shop.paths,
        """SELECT count(*) FROM orders WHERE channel = 'Web'
           AND customer_id NOT IN (SELECT customer_id FROM customers)""",
    )[0][0]
    assert blank > 0
    assert f"{blank} orders have no Country" in answer.explanation
    assert answer.summary == "Germany leads Web revenue."
    assert answer.usage == {"input_tokens": 150, "output_tokens": 30}
    assert answer.semantic_query is not None and answer.semantic_query["measures"] == [
        "orders.amount"
    ]
    assert answer.sql and "SELECT" in answer.sql
    first = wire.requests()[0]
    assert "<model>" in wire.system(first) and "orders.amount" in wire.tools_json(first)
    tool_choice = first.body["tool_choice"]
    assert tool_choice in ({"type": "any"}, "required")
    assert answer.as_json()["kind"] == "semantic"


def test_an_unknown_field_is_fed_back_and_the_second_call_succeeds(shop: Shop, wire: Wire) -> None:
    wire.script(
        wire.call("run_semantic_query", {"measures": ["orders.revenue"], "dimensions": []}),
        wire.call("run_semantic_query", {"measures": ["orders.amount"], "dimensions": []}),
    )
    answer = ask(shop, wire, "Total revenue", explain=False)

    assert answer.kind == "semantic"
    total = raw(shop.paths, "SELECT sum(amount) FROM orders")[0][0]
    assert answer.rows == [[pytest.approx(total)]]
    second = wire.requests()[1]
    fed_back = " ".join(wire.tool_results(second))
    assert "unknown measure 'orders.revenue'" in fed_back
    assert "orders.amount" in fed_back  # the close name is suggested
    assert [a.error != "" for a in answer.attempts] == [True, False]


def test_an_engine_error_is_fed_back(shop: Shop, wire: Wire) -> None:
    bad_date = {"field": "orders.order_date", "op": "gte", "value": "last spring"}
    good_date = {"field": "orders.order_date", "op": "gte", "value": "2024-06-01"}
    wire.script(
        wire.call("run_semantic_query", {"measures": ["orders.count"], "filters": [bad_date]}),
        wire.call("run_semantic_query", {"measures": ["orders.count"], "filters": [good_date]}),
    )
    answer = ask(shop, wire, "Orders since June", explain=False)

    assert answer.rows == [
        [raw(shop.paths, "SELECT count(*) FROM orders WHERE order_date >= '2024-06-01'")[0][0]]
    ]
    fed_back = " ".join(wire.tool_results(wire.requests()[1]))
    assert "'last spring' is not a valid date value" in fed_back


def test_three_refusals_give_a_clear_failure_listing_the_attempts(shop: Shop, wire: Wire) -> None:
    wire.script(
        wire.call("run_semantic_query", {"measures": ["orders.profit"], "dimensions": []}),
        wire.call("run_semantic_query", {"measures": ["orders.margin"], "dimensions": []}),
        wire.call("run_semantic_query", {"measures": ["orders.gain"], "dimensions": []}),
        wire.call("run_semantic_query", {"measures": ["orders.amount"], "dimensions": []}),
    )
    answer = ask(shop, wire, "Profit?")

    assert answer.kind == "failed"
    assert len(wire.requests()) == 3  # the first try and two retries, no more
    assert answer.rows == []
    assert "No answer after 3 attempts" in answer.explanation
    for name in ("orders.profit", "orders.margin", "orders.gain"):
        assert name in answer.explanation
    assert [a.tool for a in answer.attempts] == ["run_semantic_query"] * 3
    assert answer.as_json()["attempts"][2]["error"].startswith("unknown measure 'orders.gain'")


def test_a_value_not_in_the_data_is_fed_back_and_case_is_corrected(shop: Shop, wire: Wire) -> None:
    france = {"field": "customers.country", "op": "eq", "value": "France"}
    fr = {"field": "customers.country", "op": "eq", "value": "fr"}
    wire.script(
        wire.call("run_semantic_query", {"measures": ["orders.count"], "filters": [france]}),
        wire.call("run_semantic_query", {"measures": ["orders.count"], "filters": [fr]}),
    )
    answer = ask(shop, wire, "How many orders from France?", explain=False)

    fed_back = " ".join(wire.tool_results(wire.requests()[1]))
    assert "'France' is not a value of 'customers.country'" in fed_back
    assert "FR" in fed_back
    expected = raw(
        shop.paths,
        "SELECT count(*) FROM orders JOIN customers USING (customer_id) WHERE country = 'FR'",
    )
    assert answer.rows == [[expected[0][0]]]
    assert answer.semantic_query is not None
    assert answer.semantic_query["filters"][0]["value"] == "FR"


def test_clarify_returns_the_question_and_clickable_choices(shop: Shop, wire: Wire) -> None:
    wire.script(
        wire.call(
            "ask_clarification",
            {
                "question": "Which sales do you mean?",
                "choices": ["Sum of amount by month", "Number of orders by month"],
            },
        )
    )
    answer = ask(shop, wire, "Sales by month")
    assert answer.kind == "clarify"
    assert answer.explanation == "Which sales do you mean?"
    assert answer.choices == ["Sum of amount by month", "Number of orders by month"]
    assert answer.rows == [] and answer.chart_suggestion is None
    assert len(wire.requests()) == 1  # no summary call for a question back


def test_decline_names_what_is_missing(shop: Shop, wire: Wire) -> None:
    wire.script(
        wire.call("decline", {"reason": "The model has no costs.", "missing": ["product cost"]})
    )
    answer = ask(shop, wire, "What is our margin?")
    assert answer.kind == "decline"
    assert answer.missing == ["product cost"]
    assert answer.explanation == "The model has no costs. Missing: product cost."


def test_a_follow_up_sends_the_previous_question_and_query(shop: Shop, wire: Wire) -> None:
    previous = {"measures": ["orders.amount"], "dimensions": ["customers.country"]}
    history = [Turn(question="Revenue by country", semantic_query=previous, chart="bar")]
    follow_up = {**previous, "filters": [{"field": "orders.channel", "op": "eq", "value": "Web"}]}
    wire.script(wire.call("run_semantic_query", follow_up))
    answer = ask(shop, wire, "now only Web", history=history, explain=False)

    turns = wire.conversation(wire.requests()[0])
    assert turns[0] == ("user", "Revenue by country")
    assert turns[1][0] == "assistant" and '"customers.country"' in turns[1][1]
    assert '"chart":"bar"' in turns[1][1]
    assert turns[-1] == ("user", "now only Web")
    assert answer.kind == "semantic" and answer.turn().semantic_query == answer.semantic_query


def test_a_requested_chart_kind_is_kept(shop: Shop, wire: Wire) -> None:
    query = {"measures": ["orders.amount"], "dimensions": ["orders.order_date.month"]}
    wire.script(wire.call("run_semantic_query", {**query, "chart": "bar"}))
    answer = ask(shop, wire, "Revenue by month as a bar chart", explain=False)
    assert answer.chart_suggestion is not None and answer.chart_suggestion.kind == "bar"
    assert answer.explanation == "Sum of Amount by Month of Order date."


def test_the_summary_is_skipped_when_the_provider_fails(shop: Shop, wire: Wire) -> None:
    wire.script(
        wire.call("run_semantic_query", {"measures": ["orders.count"], "dimensions": []}),
        wire.bad_request(),
    )
    answer = ask(shop, wire, "How many orders?")
    assert answer.kind == "semantic" and answer.rows == [[300]]
    assert answer.summary == ""
    assert answer.explanation == "Number of orders overall."
