"""From a question to an answer without a language model: the offline answerer's draft, run.

The same :class:`~pipelines.ai.answer_types.Answer` as :func:`pipelines.ai.answer.answer_question`
gives, so Explore shows either the same way::

    answer = answer_offline(
        "Revenue by month in France", catalog=catalog, run_semantic=engine.execute,
        history=[previous.turn()], model=model,
    )

The draft of :mod:`pipelines.ai.offline` (a semantic query, a clarifying question or a decline)
is taken as it is: a query is run by ``run_semantic`` and explained from what ran; it is never
widened or guessed at. A query the engine refuses becomes a ``failed`` answer saying why.
``on_step`` hears the steps as they start (see :mod:`pipelines.ai.steps`): understanding (the
draft), query (it runs), result (chart and explanation); a clarification or a decline ends
after understanding.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from pydantic import ValidationError

from pipelines.charts import ChartError, plan_chart, result_columns, suggest_chart
from pipelines.semantic import QueryResult, SemanticError, SemanticModel, SemanticQuery

from .answer_types import Answer, AnswerColumn, Turn
from .catalog import Catalog
from .explain import describe_query, left_out
from .offline import answer as offline_answer
from .steps import QUERY, RESULT, UNDERSTANDING, StepHook, report

__all__ = ["OFFLINE", "answer_offline"]

OFFLINE = "offline"
MAX_ROWS = 5000
"""Rows of a result kept in the answer; more set ``truncated`` (as with a language model)."""


def previous_query(history: Sequence[Turn]) -> SemanticQuery | None:
    """The last semantic query of the conversation, for follow-ups ("now only 2024")."""
    for turn in reversed(history):
        if turn.semantic_query:
            try:
                return SemanticQuery.model_validate(dict(turn.semantic_query))
            except ValidationError:
                return None
    return None


def answer_offline(
    question: str,
    *,
    catalog: Catalog,
    run_semantic: Callable[[SemanticQuery], QueryResult],
    history: Sequence[Turn] = (),
    model: SemanticModel | None = None,
    today: dt.date | None = None,
    on_step: StepHook | None = None,
) -> Answer:
    """Answer ``question`` with the offline answerer over ``catalog``.

    Parameters
    ----------
    question : str
        The user's question, a follow-up or a clicked choice.
    catalog : Catalog
        This workspace's fields.
    run_semantic : Callable[[SemanticQuery], QueryResult]
        Runs a semantic query in this workspace (raises SemanticError).
    history : Sequence[Turn]
        The conversation so far, oldest first; its last semantic query is what a follow-up edits.
    model : SemanticModel or None
        The workspace's model: number formats for the chart, left-out rows for the explanation.
    today : datetime.date or None
        The date relative phrases count from (today by default).
    on_step : StepHook or None
        Hears each step as it starts (see :mod:`pipelines.ai.steps`); its failures are logged.
    """
    answer = Answer(kind="decline", question=question, provider=OFFLINE, model=OFFLINE)
    report(on_step, UNDERSTANDING)
    with _timed(answer, "context_ms"):
        draft = offline_answer(question, catalog, previous_query(history), today)
    answer.explanation = draft.message
    answer.choices = [c.label for c in draft.choices]
    if draft.kind != "semantic" or draft.query is None:
        answer.kind = "clarify" if draft.kind == "clarify" else "decline"
        return answer
    query = draft.query
    report(on_step, QUERY)
    with _timed(answer, "query_ms"):
        try:
            result = run_semantic(query)
        except SemanticError as exc:
            answer.kind = "failed"
            answer.explanation = f"The query read from the question could not run: {exc.message}"
            answer.semantic_query = query.model_dump(exclude_defaults=True)
            return answer
    report(on_step, RESULT)
    with _timed(answer, "chart_ms"):
        columns = result_columns(result, model)
        rows = result.rows[:MAX_ROWS]
        try:
            chart = plan_chart(columns, rows, draft.chart) if draft.chart else None
        except ChartError:
            chart = None
        answer.chart_suggestion = chart or suggest_chart(columns, rows)
    answer.kind = "semantic"
    answer.semantic_query = query.model_dump(exclude_defaults=True)
    answer.sql = result.sql
    answer.columns = [AnswerColumn.of(c) for c in columns]
    answer.rows, answer.truncated = rows, len(result.rows) > MAX_ROWS
    with _timed(answer, "explain_ms"):
        text = describe_query(query, catalog)
        assumed = "; ".join(draft.notes)
        if assumed:
            text += f" ({assumed[0].upper()}{assumed[1:]}.)"
        if model is not None:
            left = left_out(query, result, catalog=catalog, model=model, run_semantic=run_semantic)
            text = " ".join([text, *left])
        answer.explanation = text
    return answer


@contextmanager
def _timed(answer: Answer, key: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        answer.timings[key] += (time.perf_counter() - started) * 1000
