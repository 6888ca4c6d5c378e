"""The steps an answer reports while it is worked out (``on_step``): with a language model
through the real SDKs against the local wire servers, and with the offline answerer, over a
real DuckDB shop. Each step is recorded with what had happened by then (requests the model's
server received, queries the engine ran), so the tests check when it was reported too."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from pipelines.ai.answer import answer_question
from pipelines.ai.answer_offline import answer_offline
from pipelines.ai.answer_types import Answer
from pipelines.ai.steps import StepHook
from pipelines.semantic import QueryResult, SemanticEngine, SemanticQuery

from .answer_data import Shop, Wire, raw


@dataclass
class Steps:
    """An ``on_step`` hook keeping (step, detail, what had happened by then)."""

    happened: Callable[[], int]
    seen: list[tuple[str, str, int]] = field(default_factory=list)

    def __call__(self, step: str, detail: str) -> None:
        self.seen.append((step, detail, self.happened()))

    @property
    def names(self) -> list[str]:
        return [step for step, _, _ in self.seen]


@dataclass
class Counted:
    """``run_semantic`` counting the queries it ran."""

    engine: SemanticEngine
    runs: int = 0

    def __call__(self, query: SemanticQuery) -> QueryResult:
        self.runs += 1
        return self.engine.execute(query)


def ask_model(
    shop: Shop, wire: Wire, question: str, on_step: StepHook, explain: bool = True
) -> Answer:
    return answer_question(
        question,
        catalog=shop.catalog,
        run_semantic=shop.engine.execute,
        run_sql=None,
        provider=wire.provider(),
        model=shop.model,
        explain=explain,
        on_step=on_step,
    )


def test_a_refused_then_accepted_call_goes_back_to_understanding_then_runs(
    shop: Shop, wire: Wire
) -> None:
    wire.script(
        wire.call("run_semantic_query", {"measures": ["orders.revenue"], "dimensions": []}),
        wire.call("run_semantic_query", {"measures": ["orders.amount"], "dimensions": []}),
        wire.text("Total revenue is shown."),
    )
    steps = Steps(lambda: len(wire.requests()))
    answer = ask_model(shop, wire, "Total revenue", steps)

    total = raw(shop.paths, "SELECT sum(amount) FROM orders")[0][0]
    assert answer.kind == "semantic" and answer.rows == [[pytest.approx(total)]]
    assert steps.names == ["understanding", "query", "understanding", "query", "result"]
    # When each was said: before the first model call, after each reply, before the summary.
    assert [n for _, _, n in steps.seen] == [0, 1, 1, 2, 2]
    assert len(wire.requests()) == 3
    first, query, retry, again, result = (detail for _, detail, _ in steps.seen)
    assert first == "" and query == "" and result == ""
    assert retry.startswith("attempt 2: the model's query was refused (unknown measure")
    assert "orders.revenue" in retry
    assert again == "attempt 2"


def test_a_question_asked_back_only_reports_understanding(shop: Shop, wire: Wire) -> None:
    wire.script(wire.call("ask_clarification", {"question": "Which sales?", "choices": ["a", "b"]}))
    steps = Steps(lambda: len(wire.requests()))
    answer = ask_model(shop, wire, "Sales", steps)

    assert answer.kind == "clarify"
    assert steps.seen == [("understanding", "", 0)]


def test_every_refusal_but_the_last_is_reported_as_a_new_attempt(shop: Shop, wire: Wire) -> None:
    wire.script(
        wire.text("I think it is about 5."),
        wire.call("run_semantic_query", {"measures": ["orders.profit"]}),
        wire.call("run_semantic_query", {"measures": ["orders.gain"]}),
    )
    steps = Steps(lambda: len(wire.requests()))
    answer = ask_model(shop, wire, "Profit?", steps, explain=False)

    assert answer.kind == "failed"
    assert steps.names == ["understanding", "understanding", "query", "understanding", "query"]
    assert steps.seen[1][1] == "attempt 2: the model answered without a tool"
    assert steps.seen[3][1].startswith("attempt 3: the model's query was refused")


def test_the_offline_answerer_reports_understanding_query_and_result(shop: Shop) -> None:
    run = Counted(shop.engine)
    steps = Steps(lambda: run.runs)
    answer = answer_offline(
        "Number of orders by channel",
        catalog=shop.catalog,
        run_semantic=run,
        model=shop.model,
        on_step=steps,
    )

    expected = raw(shop.paths, "SELECT channel, count(*) FROM orders GROUP BY 1 ORDER BY 1")
    assert answer.kind == "semantic"
    assert sorted(tuple(r) for r in answer.rows) == expected
    assert steps.seen == [("understanding", "", 0), ("query", "", 0), ("result", "", 1)]


def test_an_offline_decline_only_reports_understanding(shop: Shop) -> None:
    steps = Steps(lambda: 0)
    answer = answer_offline(
        "What is the weather on Mars?", catalog=shop.catalog, run_semantic=shop.engine.execute,
        on_step=steps,
    )  # fmt: skip

    assert answer.kind in ("decline", "clarify")
    assert steps.names == ["understanding"]


def broken_hook(step: str, detail: str) -> None:
    raise RuntimeError(f"the page went away during {step}")


def test_a_raising_hook_does_not_break_a_model_answer(
    shop: Shop, wire: Wire, caplog: pytest.LogCaptureFixture
) -> None:
    wire.script(
        wire.call("run_semantic_query", {"measures": ["orders.count"], "dimensions": []}),
        wire.text("300 orders."),
    )
    with caplog.at_level(logging.WARNING, logger="pipelines.ai.steps"):
        answer = ask_model(shop, wire, "How many orders?", broken_hook)

    assert answer.kind == "semantic" and answer.rows == [[300]]
    assert answer.summary == "300 orders."
    failed = [r for r in caplog.records if r.name == "pipelines.ai.steps"]
    assert len(failed) == 3 and failed[0].exc_info is not None  # understanding, query, result


def test_a_raising_hook_does_not_break_an_offline_answer(
    shop: Shop, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="pipelines.ai.steps"):
        answer = answer_offline(
            "Number of orders", catalog=shop.catalog, run_semantic=shop.engine.execute,
            on_step=broken_hook,
        )  # fmt: skip

    assert answer.kind == "semantic" and answer.rows == [[300]]
    assert len([r for r in caplog.records if r.name == "pipelines.ai.steps"]) == 3
