"""``Chart``: a query result as a KPI, bars, a line, an area, a pie, a scatter plot or a table.

The same object works in the web app and in Jupyter::

    from components.charts import Chart
    Chart(result=model.query(measures=["orders.amount"], dimensions=["orders.order_date.month"]),
          model=model)                                   # the suggested chart, here an area
    Chart(columns=columns, rows=rows, kind="bar", y=["revenue"], title="Revenue by region")

Without ``kind`` the chart is the suggestion of :func:`pipelines.charts.suggest_chart`; a new
result (``columns``/``rows``/``result``) brings a new suggestion, unless ``kind``, ``x`` or
``y`` are set in the same ``param.update``. A result that cannot be drawn as asked shows a
message naming the column at fault; no rows shows an empty state. Never raises while rendering.
"""

from __future__ import annotations

import logging
from html import escape
from typing import Any

import holoviews as hv
import panel as pn
import param

from pipelines.charts import CHART_KINDS, ChartError, ChartSuggestion, ResultColumn, plan_chart
from pipelines.charts.columns import result_columns
from pipelines.charts.suggest import suggest_chart

from .kpi import kpi_pane, table_widget
from .plots import Built, bar_plot, line_plot, pie_plot, render, scatter_plot
from .theme import CSS, HEIGHT

log = logging.getLogger("datapilot.components")

RESULT_PARAMS = ("columns", "rows", "result", "model")
CHOICE_PARAMS = ("kind", "x", "y", "series")
EMPTY_MESSAGE = "The query returned no rows: nothing to chart."


class Chart(pn.viewable.Viewer):
    """A chart of a query result, drawn with HoloViews and Bokeh in DataPilot's theme."""

    columns = param.List(default=[], item_type=ResultColumn, doc="The result's columns.")
    rows = param.List(default=[], doc="The result's rows, values in column order.")
    result = param.Parameter(
        default=None,
        doc="A semantic QueryResult or a SQL result; sets ``columns`` and ``rows``.",
    )
    model = param.Parameter(
        default=None, doc="The SemanticModel ``result`` came from (measure formats)."
    )
    kind = param.Selector(
        default="table", objects=list(CHART_KINDS), doc="Chart kind; the suggestion if not set."
    )
    x = param.String(default=None, allow_None=True, doc="Column on the x axis (None: planned).")
    y = param.List(default=[], item_type=str, doc="Measures plotted (empty: planned).")
    series = param.String(
        default=None, allow_None=True, doc="Line charts: the column splitting the lines."
    )
    title = param.String(default="", doc="Title shown above the chart.")
    height = param.Integer(default=HEIGHT, bounds=(120, None), doc="Height in pixels.")
    suggestion = param.ClassSelector(
        class_=ChartSuggestion, default=None, allow_None=True, constant=True,
        doc="The suggested chart for the current result (with its one-line reason).",
    )  # fmt: skip
    notes = param.List(
        default=[], item_type=str, constant=True, doc="What the caption says was changed."
    )
    error = param.String(default="", constant=True, doc="Why the chart cannot be drawn.")

    def __init__(self, **params: Any) -> None:
        if params.get("kind", "") is None:
            del params["kind"]  # None: the suggested kind
        if isinstance(params.get("y"), str):
            params["y"] = [params["y"]]
        for name in ("y", "rows", "columns"):
            if isinstance(params.get(name), tuple):
                params[name] = list(params[name])
        result = params.get("result")
        if result is not None:
            params.setdefault("columns", result_columns(result, params.get("model")))
            params.setdefault("rows", [list(r) for r in result.rows])
        chosen = "kind" in params
        super().__init__(**params)
        self._suggest()
        if not chosen and self.suggestion is not None:
            self.kind = self.suggestion.kind
        self.param.watch(self._changed, [*RESULT_PARAMS, *CHOICE_PARAMS])
        self._layout = pn.Column(
            pn.panel(self._view), sizing_mode="stretch_width", stylesheets=[CSS]
        )

    def __panel__(self) -> pn.Column:
        return self._layout

    @classmethod
    def from_result(cls, result: Any, model: Any = None, **params: Any) -> Chart:
        """A chart of a semantic ``QueryResult`` or SQL result (formats from ``model``)."""
        return cls(result=result, model=model, **params)

    # -- state --------------------------------------------------------------------------------
    def _suggest(self) -> None:
        with param.edit_constant(self):
            self.suggestion = suggest_chart(self.columns, self.rows)

    def _changed(self, *events: param.parameterized.Event) -> None:
        names = {e.name for e in events}
        if "result" in names or ("model" in names and self.result is not None):
            if self.result is not None:
                self.param.update(
                    columns=result_columns(self.result, self.model),
                    rows=[list(r) for r in self.result.rows],
                )
            return  # the columns/rows change comes back here
        if not names & {"columns", "rows"}:
            return
        self._suggest()
        reset: dict[str, Any] = {}
        if "kind" not in names and self.suggestion is not None:
            reset["kind"] = self.suggestion.kind
        if "x" not in names:
            reset["x"] = None
        if "y" not in names:
            reset["y"] = []
        if "series" not in names:
            reset["series"] = None
        self.param.update(**reset)

    @property
    def plan(self) -> ChartSuggestion | None:
        """What is drawn: the kind with its axes filled in (``None`` when it cannot be)."""
        try:
            return self._plan()
        except ChartError:
            return None

    def _plan(self) -> ChartSuggestion:
        return plan_chart(self.columns, self.rows, self.kind, self.x, self.y, self.series)

    # -- building -----------------------------------------------------------------------------
    def build(self) -> Built:
        """The chart for the current parameters: a HoloViews element, a Bokeh figure or a
        Panel object, with caption notes.

        Raises
        ------
        ChartError
            When the result cannot be drawn as asked (the message names the column).
        """
        if not self.columns or not self.rows:
            return Built(_message(EMPTY_MESSAGE, "dp-chart-empty"))
        plan = self._plan()
        if plan.kind == "bar":
            return bar_plot(self.columns, self.rows, plan, self.height)
        if plan.kind in ("line", "area"):
            return line_plot(self.columns, self.rows, plan, self.height, area=plan.kind == "area")
        if plan.kind == "scatter":
            return scatter_plot(self.columns, self.rows, plan, self.height)
        if plan.kind == "pie":
            return pie_plot(self.columns, self.rows, plan, self.height)
        if plan.kind == "kpi":
            pane, notes = kpi_pane(self.columns, self.rows, plan)
            return Built(pane, notes)
        return Built(table_widget(self.columns, self.rows, self.height))

    def figure(self) -> Any:
        """The Bokeh model of the plot (bar, line, area, pie, scatter), else the Panel object."""
        return render(self.build())

    @param.depends(
        "columns", "rows", "kind", "x", "y", "series", "title", "height",
    )  # fmt: skip
    def _view(self) -> pn.Column:
        error = ""
        try:
            built = self.build()
        except ChartError as exc:
            built, error = Built(_message(str(exc), "dp-chart-error")), str(exc)
        except Exception as exc:  # a chart must never take the page down
            log.exception("Chart of kind %s failed", self.kind)
            error = f"This {self.kind} chart could not be drawn: {exc}"
            built = Built(_message(error, "dp-chart-error"))
        with param.edit_constant(self):
            self.param.update(notes=list(built.notes), error=error)
        parts: list[Any] = []
        if self.title:
            parts.append(_html(f'<div class="dp-chart-title">{escape(self.title)}</div>'))
        plot = built.plot
        if isinstance(plot, hv.core.Dimensioned):
            plot = pn.pane.HoloViews(
                plot, backend="bokeh", linked_axes=False, sizing_mode="stretch_width"
            )
        elif not isinstance(plot, pn.viewable.Viewable):
            plot = pn.pane.Bokeh(plot, sizing_mode=getattr(plot, "sizing_mode", None))
        parts.append(plot)
        if built.notes:
            caption = " · ".join(escape(n) for n in built.notes)
            parts.append(_html(f'<div class="dp-chart-caption">{caption}</div>'))
        return pn.Column(*parts, sizing_mode="stretch_width")


def _html(text: str) -> pn.pane.HTML:
    return pn.pane.HTML(text, stylesheets=[CSS], sizing_mode="stretch_width", margin=(0, 5))


def _message(text: str, css_class: str) -> pn.pane.HTML:
    return _html(f'<div class="{css_class}">{escape(text)}</div>')
