"""The tools a language model answers with, as JSON Schema: a semantic query, a clarifying
question, a decline, and (where the caller allows it) one SQL query.

Measures and dimensions are enums of the fields shown in the prompt (a time dimension with each
of its grains), so a model that honours the schema cannot invent a field; on a very wide model
the enums are dropped and the answer is checked against the catalog instead (as it always is).
The semantic query also takes the engine's ``compare`` (a measure beside its value a year or a
period earlier, :mod:`pipelines.semantic.compare`) and ``over_time`` (rows counted in each
period they are active, :mod:`pipelines.semantic.over_time_query`): their measures are enums
of the measures, their start and end enums of the date fields (without a grain).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, get_args

from pipelines.charts import CHART_KINDS
from pipelines.semantic.over_time_query import FLOWS, OverTimeGrain
from pipelines.semantic.query import CompareShift

from .catalog import CatalogField
from .messages import ToolSpec

__all__ = [
    "ASK_CLARIFICATION",
    "DECLINE",
    "FILTER_OPS",
    "RUN_SEMANTIC_QUERY",
    "RUN_SQL",
    "answer_tools",
    "query_fields",
]

RUN_SEMANTIC_QUERY = "run_semantic_query"
ASK_CLARIFICATION = "ask_clarification"
DECLINE = "decline"
RUN_SQL = "run_sql"
FILTER_OPS = (
    "eq", "ne", "in", "not_in", "between", "gt", "gte", "lt", "lte", "contains", "is_null",
    "not_null",
)  # fmt: skip
MAX_CHOICES = 6
SHIFTS: tuple[str, ...] = get_args(CompareShift)
OVER_TIME_GRAINS: tuple[str, ...] = get_args(OverTimeGrain)


def query_fields(item: CatalogField) -> list[str]:
    """The field strings a query may use for ``item`` as a dimension or measure."""
    if item.kind == "time":
        return [item.field, *(f"{item.field}.{grain}" for grain in item.grains)]
    return [item.field]


def _name(items: Sequence[str], enums: bool, what: str) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string", "description": what}
    if enums and items:
        schema["enum"] = list(items)
    return schema


def _names(items: Sequence[str], enums: bool, what: str) -> dict[str, Any]:
    return {"type": "array", "items": _name(items, enums, what)}


def _compare_item(measures: Sequence[str], enums: bool) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "measure": _name(measures, enums, "One of the query's measures."),
            "shift": {
                "type": "string",
                "enum": list(SHIFTS),
                "description": "year: the same period a year earlier (year over year); "
                "period: the previous month, quarter... of the time dimension's grain.",
            },
        },
        "required": ["measure", "shift"],
        "additionalProperties": False,
    }


def _over_time(dates: Sequence[str], enums: bool) -> dict[str, Any]:
    return {
        "type": "object",
        "description": "Count the rows of one table active in each period (headcount, active "
        "subscriptions) instead of grouping by a date; the result has a period column.",
        "properties": {
            "start": _name(dates, enums, "The day a row starts counting (hire date)."),
            "end": _name(
                dates, enums, "The last day a row counts (exit date), same table; empty: active."
            ),
            "grain": {"type": "string", "enum": list(OVER_TIME_GRAINS)},
            "at": {
                "type": "string",
                "enum": ["end", "any"],
                "description": "end (default): rows active on the period's last day; any: on "
                "any of its days.",
            },
            "flows": {
                "type": "array",
                "items": {"type": "string", "enum": list(FLOWS)},
                "description": "Extra columns: starts (hires), ends (exits), average (average "
                "count), turnover (ends / average), tenure (average years since start).",
            },
            "tenure_bands": {
                "type": "array",
                "items": {"type": "number", "exclusiveMinimum": 0},
                "description": "Band edges in years, ascending, e.g. [1, 2, 5, 10]: split the "
                "rows counted by years since start into a tenure_band column (a tenure "
                "distribution; only the tenure flow goes with it).",
            },
            "latest": {
                "type": "boolean",
                "description": "Only the newest period (e.g. the distribution as of the latest "
                "month).",
            },
        },
        "required": ["start"],
        "additionalProperties": False,
    }


def answer_tools(
    fields: Sequence[CatalogField], *, allow_sql: bool = False, enums: bool = True
) -> list[ToolSpec]:
    """The tools for a prompt showing ``fields``.

    Parameters
    ----------
    fields : Sequence[CatalogField]
        The fields the prompt shows; measures and dimensions are enums of them.
    allow_sql : bool
        Add ``run_sql``.
    enums : bool
        List the fields as enums (False on very wide models: plain strings).
    """
    measures = [f.field for f in fields if f.kind == "measure"]
    dimensions = [
        name for f in fields if f.kind != "measure" or f.also_dimension for name in query_fields(f)
    ]
    dates = [f.field for f in fields if f.kind == "time"]
    filter_item = {
        "type": "object",
        "properties": {
            "field": {"type": "string", "description": "A dimension field of the model."},
            "op": {"type": "string", "enum": list(FILTER_OPS)},
            "value": {
                "description": (
                    "A value for eq/ne/gt/gte/lt/lte/contains, a list for in/not_in, "
                    "[low, high] for between (inclusive), nothing for is_null/not_null. "
                    "Dates as ISO text (2024-01-31)."
                )
            },
        },
        "required": ["field", "op"],
        "additionalProperties": False,
    }
    sort_item = {
        "type": "object",
        "properties": {
            "field": {
                "type": "string",
                "description": "One of the query's measures or dimensions, a compare column "
                "({measure}__change_year) or an over-time column (period, a flow).",
            },
            "descending": {"type": "boolean"},
        },
        "required": ["field"],
        "additionalProperties": False,
    }
    query = ToolSpec(
        RUN_SEMANTIC_QUERY,
        "Answer with a semantic query over the workspace's model: measures broken down by "
        "dimensions (a time dimension with a grain suffix such as .month), filtered, sorted "
        "and limited. Top N: sort by the measure descending and set limit. compare: year over "
        "year or vs the previous period; over_time: counts of rows active in each period.",
        {
            "type": "object",
            "properties": {
                "measures": _names(measures, enums, "A measure field of the model."),
                "dimensions": _names(
                    dimensions, enums, "A dimension field (time: field.grain) of the model."
                ),
                "filters": {"type": "array", "items": filter_item},
                "sort": {"type": "array", "items": sort_item},
                "limit": {"type": "integer", "minimum": 1},
                "compare": {
                    "type": "array",
                    "items": _compare_item(measures, enums),
                    "description": "Each measure beside its previous value and % change; needs "
                    "one time dimension with a grain.",
                },
                "over_time": _over_time(dates, enums),
                "chart": {
                    "type": "string",
                    "enum": list(CHART_KINDS),
                    "description": "Only when the user asks for a chart type.",
                },
            },
            "required": ["measures", "dimensions"],
            "additionalProperties": False,
        },
    )
    clarify = ToolSpec(
        ASK_CLARIFICATION,
        "Ask the user which reading of an ambiguous question they mean; each choice is a short "
        "rephrased question the user can click.",
        {
            "type": "object",
            "properties": {
                "question": {"type": "string"},
                "choices": {
                    "type": "array",
                    "items": {"type": "string"},
                    "minItems": 2,
                    "maxItems": MAX_CHOICES,
                },
            },
            "required": ["question", "choices"],
            "additionalProperties": False,
        },
    )
    decline = ToolSpec(
        DECLINE,
        "Say that the workspace's data cannot answer the question, naming what is missing.",
        {
            "type": "object",
            "properties": {
                "reason": {"type": "string"},
                "missing": {"type": "array", "items": {"type": "string"}},
            },
            "required": ["reason", "missing"],
            "additionalProperties": False,
        },
    )
    tools = [query, clarify, decline]
    if allow_sql:
        tools.append(
            ToolSpec(
                RUN_SQL,
                "Only when no semantic query can express the question: one read-only DuckDB "
                "SELECT over the workspace's tables (named as in the model).",
                {
                    "type": "object",
                    "properties": {
                        "sql": {"type": "string"},
                        "reason": {
                            "type": "string",
                            "description": "Why a semantic query cannot express it.",
                        },
                    },
                    "required": ["sql", "reason"],
                    "additionalProperties": False,
                },
            )
        )
    return tools
