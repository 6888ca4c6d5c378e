"""What the Explore page shows for an answer, a failure or a conversation: pure functions.

Everything here turns service data (the answer JSON of :meth:`ExploreService.ask`, stored
conversations, exceptions) into what the page shows, so it is tested without a browser.
"""

from __future__ import annotations

import html
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.errors import Throttled
from app.services.errors import DomainError
from app.services.explore.answerer import ProviderFailed
from app.services.explore.answering import AnswererMissing
from components.sql.results import page_of
from pipelines.ai.steps import STEPS, UNDERSTANDING
from pipelines.charts import CHART_KINDS, ResultColumn
from pipelines.query import SqlResult
from pipelines.semantic.model import NumberFormat

log = logging.getLogger("datapilot.pages")

ROWS_KINDS = ("semantic", "sql")
MAX_NAME = 120


@dataclass(frozen=True)
class Failure:
    """Why a question got no answer, as the chat says it."""

    title: str
    message: str
    kind: str
    """``limit`` (429), ``provider`` (502), ``unavailable`` (503), ``input``, ``unexpected``."""


def describe_failure(exc: BaseException) -> Failure:
    """The chat's wording for an exception raised while asking (bugs say nothing inside)."""
    if isinstance(exc, Throttled):
        return Failure("Too many questions for now", str(exc), "limit")
    if isinstance(exc, ProviderFailed):
        return Failure(
            "The language model did not answer",
            f"{exc} Your question is kept: ask it again in a moment, or ask an admin to check "
            "Settings → AI.",
            "provider",
        )
    if isinstance(exc, AnswererMissing):
        return Failure("Explore cannot answer on this server", str(exc), "unavailable")
    if isinstance(exc, DomainError):
        return Failure("The question could not be asked", str(exc), "input")
    log.error("asking a question failed unexpectedly", exc_info=exc)
    return Failure(
        "Something went wrong",
        "The question could not be answered because of an error on our side; it has been "
        "logged. Ask again; if it keeps happening, tell your admin the time it happened.",
        "unexpected",
    )


def failure_html(failure: Failure) -> str:
    """The failure as the chat message's body."""
    return (
        f"<div class='dp-explore-failure {failure.kind}' role='alert'>"
        f"<b>{html.escape(failure.title)}.</b> {html.escape(failure.message)}</div>"
    )


def has_rows(answer: Mapping[str, Any]) -> bool:
    """Whether the answer carries a result (a table and maybe a chart)."""
    return answer.get("kind") in ROWS_KINDS and bool(answer.get("columns"))


def answer_result(answer: Mapping[str, Any]) -> SqlResult:
    """The answer's rows as an ``SqlResult`` (for paging and the table)."""
    columns = list(answer.get("columns") or [])
    timings = answer.get("timings") or {}
    return SqlResult(
        columns=[str(c.get("name")) for c in columns],
        types=[str(c.get("type") or "other") for c in columns],
        rows=[list(r) for r in answer.get("rows") or []],
        truncated=bool(answer.get("truncated")),
        elapsed_ms=float(timings.get("query_ms") or 0.0),
    )


def answer_columns(answer: Mapping[str, Any]) -> list[ResultColumn]:
    """The answer's columns for the chart and the table: type, role, label and number format
    (a comparison's change shows as a percent)."""
    found = []
    for column in answer.get("columns") or []:
        role = column.get("role")
        shown = column.get("format")
        found.append(
            ResultColumn(
                name=str(column.get("name")),
                type=str(column.get("type") or "other"),
                role=role if role in ("dimension", "measure") else None,
                format=NumberFormat.model_validate(shown) if isinstance(shown, dict) else None,
                label=str(column.get("label") or ""),
            )
        )
    return found


def table_fetch(answer: Mapping[str, Any]) -> Callable[[int, int, Any], dict[str, Any]]:
    """The answer table's ``fetch(page, size, sort)``: pages of its rows with each column's
    role and number format (a comparison's change shows as a percent)."""
    result = answer_result(answer)
    columns = answer_columns(answer)
    return lambda page, size, sort: page_of(result, page, size, sort, columns)


def chart_choice(answer: Mapping[str, Any]) -> dict[str, Any]:
    """``{kind, x, y, series}`` of the answer's suggested chart (a table without one)."""
    chart = answer.get("chart_suggestion") or {}
    kind = chart.get("kind") if chart.get("kind") in CHART_KINDS else "table"
    y = chart.get("y") or []
    return {
        "kind": kind,
        "x": chart.get("x"),
        "y": [y] if isinstance(y, str) else [str(v) for v in y],
        "series": chart.get("series"),
    }


def explanation_html(answer: Mapping[str, Any]) -> str:
    """The explanation (and the model's summary, and what is missing) as paragraphs."""
    parts = []
    explanation = str(answer.get("explanation") or "").strip()
    if explanation:
        parts.append(f"<p class='dp-explore-explanation'>{html.escape(explanation)}</p>")
    summary = str(answer.get("summary") or "").strip()
    if summary:
        parts.append(f"<p class='dp-explore-summary'>{html.escape(summary)}</p>")
    missing = [str(m) for m in answer.get("missing") or []]
    if missing and answer.get("kind") == "decline":
        parts.append(
            "<p class='dp-explore-missing'>Missing: " + html.escape(", ".join(missing)) + "</p>"
        )
    if answer.get("truncated"):
        parts.append(
            "<p class='dp-explore-truncated'>Only the first rows are shown; open the query in "
            "the SQL editor for the whole result.</p>"
        )
    return "".join(parts) or "<p class='dp-explore-explanation'>No explanation was given.</p>"


STEP_LABELS = ("Understanding the question", "Running the query", "Preparing the result")


def steps_html(
    answer: Mapping[str, Any] | None,
    failed: bool = False,
    running: str = UNDERSTANDING,
    detail: str = "",
) -> str:
    """The answer's steps: understanding → query → result, with what each took.

    ``None`` (still asking) shows ``running`` (a step of ``pipelines.ai.steps.STEPS``) running
    with its ``detail``, the steps before it done and the others waiting; a failure marks the
    running step.
    """
    states: list[tuple[str, str]]
    if answer is None:
        at = STEPS.index(running) if running in STEPS else 0
        states = [("done" if i < at else "waiting", "") for i in range(len(STEPS))]
        states[at] = ("failed" if failed else "running", detail)
    else:
        timings = answer.get("timings") or {}
        understood = _ms(timings, "context_ms", "llm_ms")
        kind = str(answer.get("kind") or "")
        if kind in ROWS_KINDS:
            rows = len(answer.get("rows") or [])
            states = [
                ("done", understood),
                ("done", f"{rows:,} row{'s' if rows != 1 else ''}, "
                 f"{_ms(timings, 'validate_ms', 'query_ms')}"),
                ("done", _ms(timings, "chart_ms", "explain_ms")),
            ]  # fmt: skip
        elif kind == "failed":
            states = [("done", understood), ("failed", "refused"), ("skipped", "")]
        else:
            label = "asked back" if kind == "clarify" else "not answerable"
            states = [("done", f"{understood}, {label}"), ("skipped", ""), ("skipped", "")]
    items = "".join(
        f"<li class='dp-step {state}'><span class='dp-step-label'>{label}"
        f"{'…' if state == 'running' else ''}</span>"
        + (f" <span class='dp-step-detail'>{html.escape(detail)}</span>" if detail else "")
        + "</li>"
        for label, (state, detail) in zip(STEP_LABELS, states, strict=True)
    )
    return f"<ol class='dp-explore-steps' aria-label='Steps'>{items}</ol>"


def _ms(timings: Mapping[str, Any], *keys: str) -> str:
    total = sum(float(timings.get(k) or 0.0) for k in keys)
    return f"{total:,.0f} ms"


def query_html(answer: Mapping[str, Any]) -> str:
    """The semantic query (as JSON) and the SQL that ran, for "Show query"."""
    parts = []
    semantic = answer.get("semantic_query")
    if semantic:
        text = json.dumps(semantic, indent=2, ensure_ascii=False, default=str)
        parts.append(
            "<div class='dp-query-label'>Semantic query</div>"
            f"<pre class='dp-query-semantic'>{html.escape(text)}</pre>"
        )
    sql = str(answer.get("sql") or "").strip()
    if sql:
        parts.append(
            f"<div class='dp-query-label'>SQL</div><pre class='dp-query-sql'>{html.escape(sql)}</pre>"
        )
    return "".join(parts) or "<p>No query ran for this answer.</p>"


def query_name(question: str) -> str:
    """A saved query's suggested name: the question, on one line, not too long."""
    text = " ".join(question.split())
    return text if len(text) <= MAX_NAME else text[: MAX_NAME - 1] + "…"


def feedback_note(outcome: Mapping[str, Any]) -> str:
    """What the chat says after 👍/👎 (:meth:`ExploreService.feedback`'s result)."""
    if outcome.get("example_id"):
        return "Saved as a verified example: later questions like this one are answered this way."
    if outcome.get("feedback") == 1:
        note = outcome.get("note")
        return f"Thanks for the 👍. {note}" if note else "Thanks for the 👍."
    return "Thanks for the 👎; this answer is marked as not helpful."


@dataclass(frozen=True)
class Exchange:
    """A question and its stored answer, as a conversation is shown again."""

    question: str
    answer: dict[str, Any]
    message_id: str
    feedback: int | None


def exchanges(messages: Sequence[Mapping[str, Any]]) -> list[Exchange]:
    """The question/answer pairs of a stored conversation, oldest first."""
    found = []
    for message in messages:
        if message.get("role") != "assistant":
            continue
        found.append(
            Exchange(
                question=str(message.get("question") or ""),
                answer=dict(message.get("answer") or {}),
                message_id=str(message.get("id")),
                feedback=message.get("feedback"),
            )
        )
    return found


def conversation_label(entry: Mapping[str, Any]) -> str:
    """A conversation as its list entry says it (its title, one line)."""
    title = " ".join(str(entry.get("title") or "").split()) or "Untitled conversation"
    return title if len(title) <= 60 else title[:59] + "…"
