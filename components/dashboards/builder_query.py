"""The pure parts of the widget builder: fields and grains, filter text, titles, the suggested
widget kind and the preview's WidgetData."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from components.model.try_it import field_column
from pipelines.charts import ChartSuggestion, result_columns, suggest_chart
from pipelines.dashboards.document import ChartSettings, Widget, WidgetQuery
from pipelines.dashboards.results import WidgetData
from pipelines.semantic.model import GRAINS, TIME_TYPES, SemanticModel
from pipelines.semantic.over_time_query import PERIOD
from pipelines.semantic.query import Compare, QueryResult, SemanticError, SemanticQuery, Sort

from .builder_over_time import FLOW_NAMES

KIND_LABELS = {
    "kpi": "KPI", "line": "Line", "area": "Area", "bar": "Bars", "hbar": "Horizontal bars",
    "pie": "Pie", "scatter": "Scatter plot", "table": "Table", "pivot": "Pivot table",
    "text": "Text",
}  # fmt: skip
"""Widget kinds as the picker shows them, in the picker's order."""


def new_widget_id() -> str:
    return f"w_{uuid.uuid4().hex[:10]}"


def split_grain(model: SemanticModel, field: str) -> tuple[str, str | None]:
    """``("orders.day", "month")`` for ``orders.day.month`` (a time column with a grain)."""
    base, _, last = field.rpartition(".")
    if base and last in GRAINS:
        column = field_column(model, base)
        if column is not None and column.type in TIME_TYPES:
            return base, last
    return field, None


def split_grains(model: SemanticModel, fields: Sequence[str]) -> tuple[list[str], str | None]:
    """The fields without their grain, and the first grain met."""
    split = [split_grain(model, f) for f in fields]
    return [base for base, _ in split], next((g for _, g in split if g), None)


def picker_labels(measures: Mapping[str, str], dimensions: Mapping[str, str]) -> dict[str, str]:
    """Field -> short label, from the measure and dimension pickers' options."""
    labels = {v: k for k, v in measures.items()}
    labels.update({v: k.split(" \u00b7 ")[-1] for k, v in dimensions.items()})
    return labels


def is_time(model: SemanticModel, field: str) -> bool:
    column = field_column(model, field)
    return column is not None and column.type in TIME_TYPES


def field_label(model: SemanticModel, field: str, fallback: str) -> str:
    """A field's short label: the calculated measure's or the column's display name."""
    measure = model.measure(field)
    if measure is not None:
        return measure.display
    column = field_column(model, field)
    return column.display if column is not None else fallback


def filter_text(value: Any) -> str:
    """A filter value as it is typed: lists joined with commas, nothing for None."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def default_title(
    measures: Sequence[str], dimensions: Sequence[str], labels: Mapping[str, str]
) -> str:
    """``"Amount by Region, Day"`` from the picked fields' labels."""
    shown = [labels.get(m, m) for m in measures] or ["Rows"]
    text = ", ".join(shown)
    if dimensions:
        text += " by " + ", ".join(labels.get(d, d) for d in dimensions)
    return text[:200]


def query_title(model: SemanticModel, query: SemanticQuery, names: Mapping[str, str]) -> str:
    """``"Amount by day (month)"``, ``"Hires, Exits by month, Team"``: the query's field labels
    (``names``: labels of measures that are not calculated)."""
    labels = {m: field_label(model, m, names.get(m, m)) for m in query.measures}
    for field in query.dimensions:
        base, grain = split_grain(model, field)
        label = field_label(model, base, base)
        labels[field] = f"{label} ({grain})" if grain else label
    flows, period = [], []
    if query.over_time is not None:
        labels.update({**FLOW_NAMES, PERIOD: query.over_time.grain})
        flows, period = list(query.over_time.flows), [PERIOD]
    return default_title([*query.measures, *flows], [*period, *query.dimensions], labels)


def sort_options(
    model: SemanticModel, query: SemanticQuery, labels: Mapping[str, str]
) -> dict[str, str]:
    """Label -> column of what ``query`` can be sorted by: its fields (a date at its grain),
    the over-time period and flows."""
    options = {}
    for field in query_columns(query):
        base, grain = split_grain(model, field)
        options[labels.get(base, base) + (f" ({grain})" if grain else "")] = field
    return options


def widget_kind(suggestion: ChartSuggestion) -> str:
    """The widget kind of a chart suggestion (horizontal bars are their own kind)."""
    if suggestion.kind == "bar" and suggestion.horizontal:
        return "hbar"
    return suggestion.kind


def suggest(result: QueryResult, model: SemanticModel | None) -> ChartSuggestion:
    """The suggested chart of a preview result, with its reason."""
    return suggest_chart(result_columns(result, model), result.rows)


def preview_data(widget_id: str, result: QueryResult, chart: ChartSuggestion | None) -> WidgetData:
    """The preview tile's data: the result as a widget evaluation would give it."""
    return WidgetData(
        widget_id=widget_id,
        status="ok",
        columns=list(result.columns),
        rows=[list(r) for r in result.rows],
        labels=dict(result.labels),
        types=dict(result.types),
        kinds={k: str(v) for k, v in result.kinds.items()},
        chart=chart.as_json() if chart is not None else None,
        sql=result.sql,
    )


def error_data(widget_id: str, message: str) -> WidgetData:
    return WidgetData(widget_id=widget_id, status="error", error=message)


def error_message(exc: Exception) -> str | None:
    """What the preview says about a failed run; ``None`` when it should be logged instead."""
    if isinstance(exc, SemanticError):
        if exc.field and exc.field not in exc.message:
            return f"{exc.field}: {exc.message}"
        return exc.message
    if getattr(exc, "status", None) is not None:
        return str(exc)
    return None


def draft_widget(
    old: Widget | None, widget_id: str, kind: str, query: SemanticQuery, *, title: str,
    text: str, stacked: bool, donut: bool,
) -> Widget:  # fmt: skip
    """The widget a builder form describes. An edited widget (``old``) keeps its position,
    switched-off filters and chart axes still in the query; an SQL widget keeps its query."""
    sql = old is not None and old.query is not None and old.query.source == "sql"
    chart = old.chart if old is not None else ChartSettings()
    update: dict[str, Any] = {"stacked": stacked, "donut": donut}
    if not sql:
        fields = set(query_columns(query))
        update.update(
            x=chart.x if chart.x in fields else None,
            y=[y for y in chart.y if y in fields],
            series=chart.series if chart.series in fields else None,
        )
    values: dict[str, Any] = {
        "id": widget_id, "kind": kind, "title": title, "chart": chart.model_copy(update=update),
    }  # fmt: skip
    if kind == "text":
        values.update(query=None, text=text)
    elif sql and old is not None:
        values.update(query=old.query, text="")
    else:
        values.update(query=WidgetQuery(source="semantic", semantic=query), text="")
    return old.model_copy(update=values) if old is not None else Widget(**values)


def query_columns(query: SemanticQuery) -> list[str]:
    """The result columns of ``query``: its fields, the over-time period, tenure band and flows,
    the new-or-returning status and entity count, the comparison columns (what a chart axis or
    a sort may name)."""
    added = query.over_time.added_columns() if query.over_time is not None else []
    seen = query.first_seen.added_columns() if query.first_seen is not None else []
    compared = [
        f"{c.measure}__{part}_{c.shift}" for c in query.compare for part in ("previous", "change")
    ]
    return [*added[:1], *query.dimensions, *seen, *query.measures, *added[1:], *compared]


SHAPE = ("measures", "dimensions", "over_time")
"""The parts of a query whose edit re-checks its comparisons."""


def merged_query(
    loaded: SemanticQuery | None, filled: dict[str, Any], form: dict[str, Any], *, timed: bool
) -> SemanticQuery:
    """The loaded query (or an empty one) with the parts the user edited taken from the form.

    ``filled`` holds the form's parts as the loaded query filled them and ``form`` their values
    now: a part equal in both is kept as loaded, so what the form cannot show (more sort keys,
    a filter it reads differently) and every part it has no control for survive a save.
    ``timed``: the form's query has a time dimension with a grain (comparisons need one)."""
    base = loaded if loaded is not None else SemanticQuery()
    edited = {name: value for name, value in form.items() if filled.get(name) != value}
    values = base.model_dump()
    values.update(edited)
    if "sort" in edited:
        first = {s.field for s in edited["sort"]}
        rest = [s for s in base.sort[1:] if s.field not in first]
        values["sort"] = [*edited["sort"], *rest] if edited["sort"] else []
    if any(name in edited for name in SHAPE):
        values["compare"] = kept_comparisons(base.compare, values, timed)
    query = type(base).model_validate(values)  # a loaded query of a newer shape stays one
    if "sort" in edited and query.sort:
        known = set(query_columns(query))
        query = query.model_copy(update={"sort": [s for s in query.sort if s.field in known]})
    return query


def kept_comparisons(compare: list[Compare], values: dict[str, Any], timed: bool) -> list[Any]:
    """The loaded comparisons (previous year or period) the form has no control for, kept while
    their measure and a time dimension with a grain remain, and the query is not over time
    (its periods are already in the rows)."""
    if not timed or values.get("over_time") is not None:
        return []
    return [c for c in compare if c.measure in values["measures"]]


def first_sort(field: str, descending: bool) -> list[Sort]:
    return [Sort(field=field, descending=descending)] if field else []
