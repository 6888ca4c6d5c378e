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
from pipelines.semantic.query import QueryResult, SemanticError, SemanticQuery

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
        fields = {*query.measures, *query.dimensions}
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
