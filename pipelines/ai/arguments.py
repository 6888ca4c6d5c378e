"""A model's tool arguments checked against the catalog before anything runs.

An unknown measure or dimension, a grain the field does not offer, a text value that is not
among a fully sampled dimension's values (``France`` where the data says ``FR``): each becomes a
line of a :class:`ToolArgumentError`, whose message goes back to the model for another try.
A value differing from a known one only in case is corrected (``web`` -> ``Web``). A comparison
(``compare``) must name known measures and a shift (year or period); an over-time part
(``over_time``) known date fields for its start and end. What only the engine can judge (a
compared measure missing from the measures, no time dimension with a grain) comes back from
the engine as its error, which goes to the model the same way.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from pipelines.charts import CHART_KINDS
from pipelines.semantic import SemanticQuery
from pipelines.semantic.compare import compare_columns
from pipelines.semantic.over_time_query import PERIOD, TENURE_BAND, OverTime

from .catalog import MAX_VALUES, Catalog, CatalogField
from .tools import FILTER_OPS, SHIFTS, query_fields

__all__ = ["ToolArgumentError", "check_choices", "semantic_query_from"]

_QUERY_KEYS = (
    "measures",
    "dimensions",
    "filters",
    "sort",
    "limit",
    "compare",
    "over_time",
    "chart",
)
_VALUE_OPS = frozenset({"eq", "ne", "in", "not_in"})


class ToolArgumentError(ValueError):
    """The tool call cannot run as it is; the message (one problem a line) is for the model."""


def _close(name: str, known: list[str]) -> str:
    near = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
    return f"; did you mean {', '.join(near)}?" if near else ""


def _strings(value: Any, what: str, problems: list[str]) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.append(f"{what} must be a list of field names")
        return []
    return list(value)


def _dimension_names(catalog: Catalog) -> list[str]:
    return [name for item in catalog.dimensions for name in query_fields(item)]


def semantic_query_from(
    arguments: Mapping[str, Any], catalog: Catalog
) -> tuple[SemanticQuery, str | None]:
    """The semantic query and the chart kind asked for (or None) of ``run_semantic_query``.

    Raises
    ------
    ToolArgumentError
        Listing every problem: unknown fields (with close names), bad grains, values not in
        the data, malformed filters, sort or limit.
    """
    problems: list[str] = []
    extra = sorted(set(arguments) - set(_QUERY_KEYS))
    if extra:
        problems.append(f"unknown arguments {', '.join(extra)}; use {', '.join(_QUERY_KEYS)}")
    measures = _strings(arguments.get("measures"), "measures", problems)
    dimensions = _strings(arguments.get("dimensions"), "dimensions", problems)
    measure_names = [f.field for f in catalog.measures]
    dimension_names = _dimension_names(catalog)
    for name in measures:
        if name not in measure_names:
            problems.append(f"unknown measure {name!r}{_close(name, measure_names)}")
    for name in dimensions:
        if name not in dimension_names:
            problems.append(f"unknown dimension {name!r}{_close(name, dimension_names)}")
    filters = _filters(arguments.get("filters"), catalog, dimension_names, problems)
    compare = _compare(arguments.get("compare"), measure_names, problems)
    over_time = _over_time(arguments.get("over_time"), catalog, problems)
    chart = arguments.get("chart")
    if chart is not None and chart not in CHART_KINDS:
        problems.append(f"unknown chart {chart!r}; use one of {', '.join(CHART_KINDS)}")
    payload = {
        "measures": measures,
        "dimensions": dimensions,
        "filters": filters,
        "sort": arguments.get("sort") or [],
        "limit": arguments.get("limit"),
        "compare": compare,
        "over_time": over_time,
    }
    sortable = [*measures, *dimensions]
    sortable += [n for c in compare for n in compare_columns(c["measure"], c["shift"])]
    if over_time is not None:
        flows = over_time.get("flows")
        sortable += [PERIOD, *(flows if isinstance(flows, list) else [])]
        sortable += [TENURE_BAND] if over_time.get("tenure_bands") else []
    for item in payload["sort"] if isinstance(payload["sort"], list) else ():
        field = item.get("field") if isinstance(item, Mapping) else None
        if field not in sortable:
            problems.append(
                f"sort field {field!r} is not among the query's measures and dimensions"
                + (" (or its compare or over-time columns)" if compare or over_time else "")
            )
    if not measures and not dimensions and not (over_time and over_time.get("flows")):
        problems.append("give at least one measure or dimension")
    if problems:
        raise ToolArgumentError("\n".join(problems))
    try:
        query = SemanticQuery.model_validate(payload)
    except ValidationError as exc:
        lines = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:5]]
        raise ToolArgumentError("\n".join(lines)) from None
    return query, chart if isinstance(chart, str) else None


def _filters(
    value: Any, catalog: Catalog, dimension_names: list[str], problems: list[str]
) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append("filters must be a list of {field, op, value}")
        return []
    out: list[dict[str, Any]] = []
    for item in value:
        if not isinstance(item, Mapping) or not isinstance(item.get("field"), str):
            problems.append(f"filter {item!r} needs a field, an op and a value")
            continue
        field, op = item["field"], item.get("op", "eq")
        if field not in dimension_names:
            problems.append(f"unknown filter field {field!r}{_close(field, dimension_names)}")
            continue
        if op not in FILTER_OPS:
            problems.append(f"filter on {field!r}: unknown op {op!r}; use {', '.join(FILTER_OPS)}")
            continue
        entry = {"field": field, "op": op, "value": item.get("value")}
        known = catalog.get(field)
        if known is not None and op in _VALUE_OPS:
            entry["value"] = _known_values(known, entry["value"], problems)
        out.append(entry)
    return out


def _compare(value: Any, measure_names: list[str], problems: list[str]) -> list[dict[str, Any]]:
    """The comparisons asked: each a known measure and a shift (year or period)."""
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append("compare must be a list of {measure, shift}")
        return []
    out: list[dict[str, Any]] = []
    for item in value:
        if not isinstance(item, Mapping) or not isinstance(item.get("measure"), str):
            problems.append(
                f"compare {item!r} needs a measure (one of the query's measures) and a shift "
                f"({' or '.join(SHIFTS)})"
            )
            continue
        measure, shift = item["measure"], item.get("shift", "year")
        if measure not in measure_names:
            problems.append(f"unknown compare measure {measure!r}{_close(measure, measure_names)}")
        elif shift not in SHIFTS:
            problems.append(
                f"compare {measure!r}: unknown shift {shift!r}; use year (the same period a "
                "year earlier) or period (the previous month, quarter... of the time grain)"
            )
        else:
            out.append({"measure": measure, "shift": shift})
    return out


def _over_time(value: Any, catalog: Catalog, problems: list[str]) -> dict[str, Any] | None:
    """The over-time part asked: its start and end must be date fields of the catalog
    (without a grain); the rest is checked by the query model."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        problems.append("over_time must be an object {start, end, grain, flows}")
        return None
    keys = list(OverTime.model_fields)
    extra = sorted(set(value) - set(keys))
    if extra:
        problems.append(f"over_time: unknown keys {', '.join(extra)}; use {', '.join(keys)}")
    dates = [f.field for f in catalog.time_dimensions]
    for key in ("start", "end"):
        name = value.get(key)
        if name is None and key == "end":
            continue
        if not isinstance(name, str) or name not in dates:
            near = _close(name, dates) if isinstance(name, str) else ""
            listed = ", ".join(dates[:10]) or "none"
            problems.append(
                f"over_time {key} {name!r} is not a date field of the model (write table.column "
                f"without a grain){near or f'; the date fields are: {listed}'}"
            )
    return {k: v for k, v in value.items() if k in keys}


def _known_values(item: CatalogField, value: Any, problems: list[str]) -> Any:
    """``value`` with case corrected to the data's; a problem when a value is not in the data.

    Only a dimension whose values were all sampled (fewer than the catalog keeps) is checked:
    for the others an unlisted value may still exist.
    """
    if not item.values or item.type != "text" or len(item.values) >= MAX_VALUES:
        return value
    by_case = {v.casefold(): v for v in item.values}
    values = value if isinstance(value, list) else [value]
    fixed: list[Any] = []
    for one in values:
        if not isinstance(one, str) or one in item.values:
            fixed.append(one)
            continue
        match = by_case.get(one.casefold())
        if match is None:
            shown = ", ".join(item.values[:20])
            problems.append(
                f"{one!r} is not a value of {item.field!r} in the data; its values are: {shown}"
            )
        fixed.append(match if match is not None else one)
    return fixed if isinstance(value, list) else fixed[0]


def check_choices(arguments: Mapping[str, Any]) -> tuple[str, list[str]]:
    """The question and choices of ``ask_clarification`` (ToolArgumentError when malformed)."""
    question = arguments.get("question")
    choices = arguments.get("choices")
    if not isinstance(question, str) or not question.strip():
        raise ToolArgumentError("ask_clarification needs a question")
    if not isinstance(choices, list) or not all(isinstance(c, str) and c.strip() for c in choices):
        raise ToolArgumentError("ask_clarification needs choices: a list of short texts")
    unique = list(dict.fromkeys(c.strip() for c in choices))
    if len(unique) < 2:
        raise ToolArgumentError("ask_clarification needs at least two different choices")
    return question.strip(), unique[:6]
