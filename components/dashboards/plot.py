"""The chart kinds of a widget (line, area, bar, hbar, pie, scatter) on the shared chart
builders of :mod:`components.charts.plots`, with cross-filter clicks on bars, slices and points.

The chart drawn is the widget's own settings (``widget.chart``) over the evaluated suggestion
(``data.chart``), completed by :func:`pipelines.charts.plan_chart`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import holoviews as hv

from components.charts.plots import Built, bar_plot, line_plot, pie_plot, scatter_plot
from pipelines.charts import ChartSuggestion, ResultColumn, plan_chart, role_of
from pipelines.charts.suggest import category_label
from pipelines.dashboards.document import Widget
from pipelines.dashboards.results import WidgetData

from .select import add_tap, tap_hook

PLOT_KINDS = ("line", "area", "bar", "hbar", "pie", "scatter")
Pick = Callable[[str, Any, bool], None]
"""Called with the clicked dimension's field, its value and whether the click was additive."""


def saved_plan(data: WidgetData) -> ChartSuggestion | None:
    """The chart the evaluation chose (``data.chart``), if it is readable."""
    if not data.chart:
        return None
    try:
        return ChartSuggestion.from_json(data.chart)
    except (TypeError, ValueError):
        return None


def widget_plan(
    widget: Widget, data: WidgetData, columns: Sequence[ResultColumn]
) -> ChartSuggestion:
    """What to draw for this widget: its kind, with axes from its settings, else from the
    evaluated chart when that is of the same kind, else planned from the columns.

    Raises
    ------
    ChartError
        When the result cannot be drawn as this kind (the message names the column).
    """
    base = "bar" if widget.kind == "hbar" else widget.kind
    saved = saved_plan(data)
    same = saved is not None and saved.kind == base
    settings = widget.chart
    x = settings.x or (saved.x if same and saved else None)
    y = list(settings.y) or (list(saved.y) if same and saved else [])
    series = settings.series or (saved.series if same and saved else None)
    plan = plan_chart(columns, data.rows, base, x, y, series if base in ("line", "area") else None)
    if base == "bar":
        plan = replace(plan, horizontal=widget.kind == "hbar", series=series)
    return plan


def _raw_values(
    columns: Sequence[ResultColumn], rows: Sequence[Sequence[Any]], name: str
) -> dict[str, Any]:
    index = next(i for i, c in enumerate(columns) if c.name == name)
    return {category_label(row[index]): row[index] for row in rows}


def build_plot(
    widget: Widget, data: WidgetData, columns: Sequence[ResultColumn], plan: ChartSuggestion,
    height: int, pick: Pick | None,
) -> Built:  # fmt: skip
    """The built chart; with ``pick``, clicking a bar, slice or point calls it."""
    rows = data.rows
    if plan.kind in ("line", "area"):
        return line_plot(columns, rows, plan, height, area=plan.kind == "area")
    if plan.kind == "bar":
        built = bar_plot(columns, rows, plan, height, stacked=widget.chart.stacked)
        if pick is not None and plan.x is not None:
            _pick_category(built, columns, rows, str(plan.x), "x", pick)
        return built
    if plan.kind == "pie":
        built = pie_plot(columns, rows, plan, height, donut=widget.chart.donut)
        if pick is not None and plan.x is not None:
            raw = _raw_values(columns, rows, str(plan.x))
            field = str(plan.x)
            source = built.plot.renderers[0].data_source

            def slice_clicked(index: int, additive: bool) -> None:
                label = str(source.data["label"][index])
                if label in raw:  # not the "Other" slice
                    pick(field, raw[label], additive)

            add_tap(built.plot, slice_clicked, [built.plot.renderers[0]])
        return built
    if plan.kind == "scatter":
        built = scatter_plot(columns, rows, plan, height)
        dimension = next((c for c in columns if role_of(c) == "dimension"), None)
        if pick is not None and dimension is not None:
            at = list(columns).index(dimension)

            def point_clicked(source: Any, index: int, additive: bool) -> None:
                row = int(source.data["row"][index])
                pick(dimension.name, rows[row][at], additive)

            _add_hook(built, tap_hook(point_clicked))
        return built
    raise ValueError(f"{plan.kind!r} is not a plotted chart kind")


def _pick_category(
    built: Built, columns: Sequence[ResultColumn], rows: Sequence[Sequence[Any]], field: str,
    key: str, pick: Pick,
) -> None:  # fmt: skip
    raw = _raw_values(columns, rows, field)

    def clicked(source: Any, index: int, additive: bool) -> None:
        label = str(source.data[key][index])
        if label in raw:  # not the "Other" bar
            pick(field, raw[label], additive)

    _add_hook(built, tap_hook(clicked))


def _add_hook(built: Built, hook: Callable[[Any, Any], None]) -> None:
    element = built.plot
    hooks = hv.Store.lookup_options("bokeh", element, "plot").kwargs.get("hooks", [])
    built.plot = element.opts(hooks=[*hooks, hook], backend="bokeh")
