"""From a question to an answer with a language model: one tool call, checked, run, explained.

::

    answer = answer_question(
        "Revenue by month in France",
        catalog=catalog,                       # build_catalog(model, paths), cached per version
        run_semantic=engine.execute,           # the workspace's SemanticEngine
        run_sql=lambda sql: sql_service.execute(workspace_id, sql).result,  # or None
        provider=provider,
        history=[previous.turn()],             # the conversation so far
        examples=verified_examples,
        model=model,
    )

The model must call a tool (``run_semantic_query``, ``ask_clarification``, ``decline`` or, when
``run_sql`` is given, ``run_sql``). A semantic query is checked against the catalog, then run by
the semantic engine; SQL goes to ``run_sql``, which must be the SQL page's own entry point (the
guard and the sandbox), never a weaker one. A refusal (unknown field, engine error, guard
refusal, failed query) is sent back to the model as the tool's error result, at most
``max_retries`` times; then the answer is ``failed`` and lists every attempt. Provider failures
(:class:`~pipelines.ai.errors.ProviderError`) and a cancelled query propagate to the caller.
``on_step`` hears each step as it starts (see :mod:`pipelines.ai.steps`): understanding, query
(a query tool call is checked and run), back to understanding after a refusal (the detail says
which attempt comes and why), result.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

from pipelines.charts import ChartError, ResultColumn, plan_chart, result_columns, suggest_chart
from pipelines.query import GuardError, QueryFailed
from pipelines.semantic import QueryResult, SemanticError, SemanticModel, SemanticQuery
from pipelines.semantic.graph import join_target

from .answer_types import Answer, AnswerColumn, Attempt, Example, Turn
from .arguments import ToolArgumentError, check_choices, semantic_query_from
from .catalog import Catalog
from .context import DEFAULT_BUDGET_TOKENS, build_context, data_json
from .explain import describe_query, left_out, summarize
from .messages import REQUIRED, Completion, Message, ToolCall, ToolResult
from .provider import Provider
from .steps import QUERY, RESULT, UNDERSTANDING, StepHook, report
from .tools import ASK_CLARIFICATION, DECLINE, RUN_SEMANTIC_QUERY, RUN_SQL

__all__ = ["MAX_ROWS", "SqlLikeResult", "answer_question"]

MAX_ROWS = 5000
"""Rows of a semantic result kept in the answer; more set ``truncated``."""
MAX_HISTORY = 6
"""Previous turns sent with a question."""
MAX_TOKENS = 1024


class SqlLikeResult(Protocol):
    """What ``run_sql`` returns (:class:`pipelines.query.SqlResult` is one)."""

    columns: list[str]
    types: list[str]
    rows: list[list[Any]]
    truncated: bool


class _Refused(Exception):
    """A tool call that could not run; the message goes back to the model."""


class _Run:
    """The state of one question: timings, usage, attempts."""

    def __init__(self, question: str, provider: Provider, on_step: StepHook | None) -> None:
        self.answer = Answer(kind="failed", question=question, model=provider.model)
        self.answer.provider = provider.label
        self.query: SemanticQuery | None = None
        self.result: QueryResult | None = None
        self.on_step = on_step

    def step(self, step: str, detail: str = "") -> None:
        report(self.on_step, step, detail)

    @contextmanager
    def timed(self, key: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.answer.timings[key] += (time.perf_counter() - start) * 1000

    def complete(self, provider: Provider, **kwargs: Any) -> Completion:
        with self.timed("llm_ms"):
            reply = provider.complete(**kwargs)
        self.answer.usage["input_tokens"] += reply.usage.input_tokens
        self.answer.usage["output_tokens"] += reply.usage.output_tokens
        if reply.model:
            self.answer.model = reply.model
        return reply


def answer_question(
    question: str,
    *,
    catalog: Catalog,
    run_semantic: Callable[[SemanticQuery], QueryResult],
    run_sql: Callable[[str], SqlLikeResult] | None,
    provider: Provider,
    history: Sequence[Turn] = (),
    examples: Sequence[Example] = (),
    explain: bool = True,
    model: SemanticModel | None = None,
    budget_tokens: int = DEFAULT_BUDGET_TOKENS,
    max_retries: int = 2,
    today: dt.date | None = None,
    on_step: StepHook | None = None,
) -> Answer:
    """Answer ``question`` about one workspace with ``provider``.

    Parameters
    ----------
    question : str
        The user's question (or a follow-up, or a clicked choice).
    catalog : Catalog
        This workspace's fields; the prompt holds nothing else of the workspace.
    run_semantic : Callable[[SemanticQuery], QueryResult]
        Runs a semantic query in this workspace (raises SemanticError).
    run_sql : Callable[[str], SqlLikeResult] or None
        Runs SQL through the SQL page's guard and sandbox (raises GuardError, QueryFailed);
        None: the model is not offered SQL.
    provider : Provider
        The language model.
    history : Sequence[Turn]
        The conversation so far (``Answer.turn()`` of each previous answer), oldest first.
    examples : Sequence[Example]
        This workspace's verified examples.
    explain : bool
        Add the left-out rows to the explanation and ask the model for a one-paragraph summary.
    model : SemanticModel or None
        The workspace's model: its joins guide which tables the prompt shows first and which
        rows the explanation reports as left out; its formats shape the chart.
    budget_tokens : int
        Tokens for the system prompt and tools (see :mod:`pipelines.ai.context`).
    max_retries : int
        Refused tool calls sent back to the model before giving up.
    today : datetime.date or None
        The date the model is told.
    on_step : StepHook or None
        Hears each step as it starts (see :mod:`pipelines.ai.steps`); its failures are logged.

    Returns
    -------
    Answer
        ``semantic`` or ``sql`` with rows, chart and explanation; ``clarify``; ``decline``; or
        ``failed`` listing what was tried.
    """
    run = _Run(question, provider, on_step)
    run.step(UNDERSTANDING)
    with run.timed("context_ms"):
        links = [(j.left_table, join_target(j)) for j in model.joins] if model else []
        context = build_context(
            question, catalog, examples=examples, history=history[-MAX_HISTORY:], links=links,
            budget_tokens=budget_tokens, allow_sql=run_sql is not None, today=today,
        )  # fmt: skip
    messages = [*_history_messages(history[-MAX_HISTORY:]), Message.user(question)]
    for attempt in range(1, max_retries + 2):
        more = attempt <= max_retries
        reply = run.complete(
            provider, messages=messages, system=context.system, tools=context.tools,
            tool_choice=REQUIRED, max_tokens=MAX_TOKENS,
        )  # fmt: skip
        if not reply.tool_calls:
            run.answer.attempts.append(
                Attempt("(no tool)", {}, "The model answered without a tool.")
            )
            messages += [
                reply.as_message() if reply.text else Message.assistant("(no answer)"),
                Message.user("Answer by calling exactly one of the tools."),
            ]
            if more:
                run.step(UNDERSTANDING, f"attempt {attempt + 1}: the model answered without a tool")
            continue
        call = reply.tool_calls[0]
        queries = call.name == RUN_SEMANTIC_QUERY or (call.name == RUN_SQL and run_sql is not None)
        if queries:
            run.step(QUERY, f"attempt {attempt}" if attempt > 1 else "")
        try:
            done = _dispatch(run, call, catalog, run_semantic, run_sql, model)
        except _Refused as refusal:
            error = str(refusal)
            run.answer.attempts.append(Attempt(call.name, call.arguments, error))
            messages += [reply.as_message(), _error_results(reply.tool_calls, error)]
            if more:
                what = "query" if queries else "call"
                retry = f"attempt {attempt + 1}: the model's {what} was refused ({error})"
                run.step(UNDERSTANDING, retry)
            continue
        run.answer.attempts.append(Attempt(call.name, call.arguments))
        if explain and done.kind in ("semantic", "sql"):
            _finish_explanation(run, provider, question, catalog, run_semantic, model)
        return done
    return _failed(run)


def _history_messages(history: Sequence[Turn]) -> list[Message]:
    """Each previous turn as the user's question and what answered it."""
    messages: list[Message] = []
    for turn in history:
        if turn.kind == "semantic" and turn.semantic_query is not None:
            query = dict(turn.semantic_query)
            if turn.chart:
                query["chart"] = turn.chart
            said = f"{RUN_SEMANTIC_QUERY} {data_json(query)}"
        elif turn.kind == "sql" and turn.sql:
            said = f"{RUN_SQL} {data_json({'sql': turn.sql})}"
        elif turn.kind == "clarify":
            said = f"{ASK_CLARIFICATION} {data_json({'question': turn.text, 'choices': list(turn.choices)})}"
        elif turn.kind == "decline":
            said = f"{DECLINE} {data_json({'reason': turn.text})}"
        else:
            said = "(no answer: every attempt was refused)"
        messages += [Message.user(turn.question), Message.assistant(said)]
    return messages


def _error_results(calls: Sequence[ToolCall], error: str) -> Message:
    """Every call of the turn answered: the first with ``error``, the others as not run."""
    first, *others = calls
    results = [ToolResult(first.id, f"Refused: {error}\nFix it and call a tool again.", True)]
    results += [ToolResult(c.id, "Not run: call one tool at a time.", True) for c in others]
    return Message.results(*results)


def _dispatch(
    run: _Run,
    call: ToolCall,
    catalog: Catalog,
    run_semantic: Callable[[SemanticQuery], QueryResult],
    run_sql: Callable[[str], SqlLikeResult] | None,
    model: SemanticModel | None,
) -> Answer:
    answer = run.answer
    args = call.arguments
    if call.name == RUN_SEMANTIC_QUERY:
        return _semantic(run, args, catalog, run_semantic, model)
    if call.name == RUN_SQL and run_sql is not None:
        return _sql(run, args, run_sql)
    if call.name == ASK_CLARIFICATION:
        try:
            answer.explanation, answer.choices = check_choices(args)
        except ToolArgumentError as exc:
            raise _Refused(str(exc)) from None
        answer.kind = "clarify"
        return answer
    if call.name == DECLINE:
        reason = args.get("reason")
        missing = args.get("missing") or []
        answer.kind = "decline"
        answer.missing = [str(m) for m in missing] if isinstance(missing, list) else [str(missing)]
        answer.explanation = str(reason).strip() if reason else "The data cannot answer this."
        if answer.missing:
            answer.explanation += " Missing: " + ", ".join(answer.missing) + "."
        return answer
    offered = [RUN_SEMANTIC_QUERY, ASK_CLARIFICATION, DECLINE] + ([RUN_SQL] if run_sql else [])
    raise _Refused(f"unknown tool {call.name!r}; use one of {', '.join(offered)}")


def _semantic(
    run: _Run,
    args: Mapping[str, Any],
    catalog: Catalog,
    run_semantic: Callable[[SemanticQuery], QueryResult],
    model: SemanticModel | None,
) -> Answer:
    answer = run.answer
    with run.timed("validate_ms"):
        try:
            query, chart = semantic_query_from(args, catalog)
        except ToolArgumentError as exc:
            raise _Refused(str(exc)) from None
    with run.timed("query_ms"):
        try:
            result = run_semantic(query)
        except SemanticError as exc:
            raise _Refused(exc.message) from None
    run.step(RESULT)
    with run.timed("chart_ms"):
        columns = result_columns(result, model)
        rows = result.rows[:MAX_ROWS]
        answer.chart_suggestion = _chart(columns, rows, chart)
    answer.kind = "semantic"
    answer.semantic_query = query.model_dump(exclude_defaults=True)
    answer.sql = result.sql
    answer.columns = [AnswerColumn.of(c) for c in columns]
    answer.rows, answer.truncated = rows, len(result.rows) > MAX_ROWS
    answer.explanation = describe_query(query, catalog)
    run.query, run.result = query, result
    return answer


def _sql(run: _Run, args: Mapping[str, Any], run_sql: Callable[[str], SqlLikeResult]) -> Answer:
    answer = run.answer
    sql = args.get("sql")
    if not isinstance(sql, str) or not sql.strip():
        raise _Refused("run_sql needs the SQL text")
    with run.timed("query_ms"):
        try:
            result = run_sql(sql)
        except (GuardError, QueryFailed) as exc:
            raise _Refused(str(exc)) from None
    run.step(RESULT)
    with run.timed("chart_ms"):
        columns = result_columns(result)
        answer.chart_suggestion = _chart(columns, result.rows, None)
    answer.kind = "sql"
    answer.sql = sql.strip()
    answer.columns = [AnswerColumn.of(c) for c in columns]
    answer.rows, answer.truncated = list(result.rows), bool(getattr(result, "truncated", False))
    reason = str(args.get("reason") or "").strip()
    answer.explanation = "Answered with SQL, as a semantic query could not express the question"
    answer.explanation += f" ({reason})." if reason else "."
    return answer


def _chart(columns: list[ResultColumn], rows: list[list[Any]], kind: str | None) -> Any:
    """The suggested chart, or the kind the user asked for when it can be drawn."""
    if kind is None:
        return suggest_chart(columns, rows)
    try:
        return plan_chart(columns, rows, kind)
    except ChartError:
        return suggest_chart(columns, rows)


def _finish_explanation(
    run: _Run,
    provider: Provider,
    question: str,
    catalog: Catalog,
    run_semantic: Callable[[SemanticQuery], QueryResult],
    model: SemanticModel | None,
) -> None:
    answer = run.answer
    if run.query is not None and run.result is not None and model is not None:
        with run.timed("explain_ms"):
            notes = left_out(
                run.query, run.result, catalog=catalog, model=model, run_semantic=run_semantic
            )
        if notes:
            answer.explanation += " " + " ".join(notes)
    with run.timed("llm_ms"):
        text, usage = summarize(
            provider, question, answer.explanation, [c.name for c in answer.columns], answer.rows
        )
    answer.summary = text
    answer.usage["input_tokens"] += usage.input_tokens
    answer.usage["output_tokens"] += usage.output_tokens


def _failed(run: _Run) -> Answer:
    answer = run.answer
    tried = [f"{i}. {a.describe()}" for i, a in enumerate(answer.attempts, 1)]
    answer.kind = "failed"
    answer.explanation = (
        f"No answer after {len(answer.attempts)} attempts; each was refused. Try rephrasing the "
        "question with the names of the measures and dimensions it is about.\n" + "\n".join(tried)
    )
    return answer
