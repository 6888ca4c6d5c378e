"""The seam between Explore's store and whatever answers questions.

The service hands an :class:`AnswerFunction` a :class:`Question` (the asker, the workspace, the
text, the conversation's earlier turns, the workspace's verified examples and, optionally, a
hook that hears the answer's steps as they start) and gets back the answer as JSON, in the shape of ``pipelines.ai`` ``Answer.as_json()``::

    {kind, semantic_query, sql, columns, rows, truncated, chart_suggestion, explanation,
     choices, provider, model, usage: {input_tokens, output_tokens}, timings, ...}

The server's context holds the function (``AppContext.answer``); until the answerer is
installed it is :func:`answerer_not_installed`, which refuses with a 503 problem instead of
inventing answers.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from app.errors import DomainError
from app.principal import Principal
from pipelines.ai.steps import StepHook

MAX_QUESTION = 2000
MAX_STORED_ROWS = 200
"""Rows of an answer kept in the conversation; the rest are dropped (``truncated`` says so)."""
ANSWER_KINDS = ("semantic", "sql", "clarify", "decline", "failed")


@dataclass(frozen=True)
class Question:
    """What an answer function is asked.

    ``history`` holds the conversation's earlier turns, oldest first, each with the fields of
    ``pipelines.ai`` ``Turn`` (question, kind, semantic_query, sql, chart, text, choices);
    ``examples`` the workspace's verified examples, each ``{"question", "query"}`` like its
    ``Example``. ``on_step(step, detail)``, when given, hears the steps of the answer as they
    start (understanding, query, result; see :mod:`pipelines.ai.steps`), from the answering
    thread; an answer function may ignore it.
    """

    principal: Principal
    workspace_id: uuid.UUID
    text: str
    history: list[dict[str, Any]] = field(default_factory=list)
    examples: list[dict[str, Any]] = field(default_factory=list)
    on_step: StepHook | None = field(default=None, compare=False, repr=False)


AnswerFunction = Callable[[Question], Mapping[str, Any]]


class AnswererMissing(DomainError):
    """No answerer is installed on this server: 503."""

    status = 503
    title = "Service unavailable"


def answerer_not_installed(question: Question) -> Mapping[str, Any]:
    """The placeholder :class:`AnswerFunction`: refuses every question with a 503."""
    raise AnswererMissing(
        "Explore's answerer is not installed yet; this server cannot answer questions."
    )


def stored_answer(answer: Mapping[str, Any]) -> dict[str, Any]:
    """``answer`` as kept in the conversation: at most :data:`MAX_STORED_ROWS` rows."""
    stored = dict(answer)
    rows = list(stored.get("rows") or [])
    if len(rows) > MAX_STORED_ROWS:
        stored["rows"] = rows[:MAX_STORED_ROWS]
        stored["truncated"] = True
    return stored


def turn_of(question: str, answer: Mapping[str, Any]) -> dict[str, Any]:
    """A stored answer as an earlier turn of the conversation (see :class:`Question`)."""
    kind = str(answer.get("kind") or "")
    chart = answer.get("chart_suggestion")
    return {
        "question": question,
        "kind": kind,
        "semantic_query": answer.get("semantic_query"),
        "sql": answer.get("sql") if kind == "sql" else None,
        "chart": chart.get("kind") if isinstance(chart, Mapping) else None,
        "text": str(answer.get("explanation") or "") if kind in ("clarify", "decline") else "",
        "choices": tuple(answer.get("choices") or ()),
    }


def tokens_of(answer: Mapping[str, Any]) -> tuple[int, int]:
    """(input, output) tokens an answer reports having used."""
    usage = answer.get("usage") or {}
    return _count(usage.get("input_tokens")), _count(usage.get("output_tokens"))


def _count(value: Any) -> int:
    return value if isinstance(value, int) and value > 0 else 0
