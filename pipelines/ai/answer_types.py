"""What answering a question produces: the :class:`Answer`, the conversation's :class:`Turn`
and the workspace's verified :class:`Example`.

The JSON form of an answer (:meth:`Answer.as_json`) is the REST shape of ``/ai/query``::

    {kind, question, semantic_query, sql, columns, rows, truncated, chart_suggestion,
     explanation, summary, choices, missing, provider, model, usage, timings, attempts}
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pipelines.charts import ChartSuggestion, ResultColumn
from pipelines.query.results import json_rows
from pipelines.semantic.model import NumberFormat

AnswerKind = Literal["semantic", "sql", "clarify", "decline", "failed"]
"""``semantic``/``sql``: rows came back; ``clarify``: a question back with ``choices``;
``decline``: the data cannot answer (``missing`` says what is lacking); ``failed``: every attempt
was refused (``attempts`` lists them)."""

TIMING_KEYS = ("context_ms", "llm_ms", "validate_ms", "query_ms", "chart_ms", "explain_ms")


@dataclass(frozen=True)
class AnswerColumn:
    """A result column: its name in the rows, how it is shown, its logical type and role, and
    how its numbers are shown (a comparison's change is a percent)."""

    name: str
    label: str
    type: str
    role: str | None = None
    format: NumberFormat | None = None

    @classmethod
    def of(cls, column: ResultColumn) -> AnswerColumn:
        """The answer's column for a result column (see :func:`pipelines.charts.result_columns`)."""
        return cls(column.name, column.display, column.type, column.role, column.format)

    def as_json(self) -> dict[str, Any]:
        shown = self.format.model_dump() if self.format is not None else None
        return {
            "name": self.name,
            "label": self.label,
            "type": self.type,
            "role": self.role,
            "format": shown,
        }


@dataclass(frozen=True)
class Attempt:
    """One tool call of the model and why it was refused (``error`` empty when it succeeded)."""

    tool: str
    arguments: Mapping[str, Any]
    error: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"tool": self.tool, "arguments": dict(self.arguments), "error": self.error}

    def describe(self) -> str:
        """One line: the tool, its main argument and the error."""
        if self.tool == "run_sql":
            what = str(self.arguments.get("sql", "")).strip()
        else:
            what = json.dumps(dict(self.arguments), ensure_ascii=False, default=str)
        what = what if len(what) <= 300 else what[:299] + "…"
        return f"{self.tool} {what}" + (f" → {self.error}" if self.error else "")


@dataclass
class Answer:
    """The answer to one question (see the module docstring for its JSON form)."""

    kind: AnswerKind
    question: str
    semantic_query: dict[str, Any] | None = None
    sql: str | None = None
    columns: list[AnswerColumn] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)
    truncated: bool = False
    chart_suggestion: ChartSuggestion | None = None
    explanation: str = ""
    """What was measured, grouped, filtered and left out; for clarify the question asked back,
    for decline the reason, for failed what was tried."""
    summary: str = ""
    """One paragraph about the result from the model (empty when not asked or not available)."""
    choices: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    provider: str = ""
    model: str = ""
    usage: dict[str, int] = field(default_factory=lambda: {"input_tokens": 0, "output_tokens": 0})
    timings: dict[str, float] = field(default_factory=lambda: dict.fromkeys(TIMING_KEYS, 0.0))
    attempts: list[Attempt] = field(default_factory=list)

    @property
    def overhead_ms(self) -> float:
        """DataPilot's own time around the model: everything timed except the model calls."""
        return sum(v for k, v in self.timings.items() if k != "llm_ms")

    def as_json(self) -> dict[str, Any]:
        """JSON-safe form (dates as ISO text, decimals as floats)."""
        return {
            "kind": self.kind,
            "question": self.question,
            "semantic_query": self.semantic_query,
            "sql": self.sql,
            "columns": [c.as_json() for c in self.columns],
            "rows": json_rows(self.rows),
            "truncated": self.truncated,
            "chart_suggestion": self.chart_suggestion.as_json() if self.chart_suggestion else None,
            "explanation": self.explanation,
            "summary": self.summary,
            "choices": list(self.choices),
            "missing": list(self.missing),
            "provider": self.provider,
            "model": self.model,
            "usage": dict(self.usage),
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
            "attempts": [a.as_json() for a in self.attempts],
        }

    def turn(self) -> Turn:
        """This answer as a turn of the conversation, for the next question's ``history``."""
        chart = self.chart_suggestion.kind if self.chart_suggestion is not None else None
        return Turn(
            question=self.question,
            kind=self.kind,
            semantic_query=self.semantic_query,
            sql=self.sql if self.kind == "sql" else None,
            chart=chart,
            text=self.explanation if self.kind in ("clarify", "decline") else "",
            choices=tuple(self.choices),
        )


@dataclass(frozen=True)
class Turn:
    """A previous question of the conversation and what answered it."""

    question: str
    kind: AnswerKind = "semantic"
    semantic_query: Mapping[str, Any] | None = None
    sql: str | None = None
    chart: str | None = None
    text: str = ""
    """The question asked back (clarify) or the reason (decline)."""
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Example:
    """A verified example of this workspace: a question and the semantic query answering it."""

    question: str
    query: Mapping[str, Any]
