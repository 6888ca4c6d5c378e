"""``WidgetView``: one dashboard tile, a :class:`~pipelines.dashboards.Widget` drawn from its
evaluated :class:`~pipelines.dashboards.results.WidgetData`.

    view = WidgetView(widget=widget, data=None)           # loading
    view.data = data                                       # the evaluation came back
    view.on_select = lambda wid, field, value, additive: ...   # cross-filter clicks
    view.menu = {"Export CSV": export_csv, "Remove": remove}   # callbacks get the widget id

Never raises while rendering: a result that cannot be drawn as the widget's kind shows the
reason in the tile, like an evaluation error.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

import holoviews as hv
import panel as pn
import param

from components.charts.plots import Built, render
from pipelines.charts import ChartError, ResultColumn, result_columns
from pipelines.dashboards.document import Widget
from pipelines.dashboards.results import WidgetData
from pipelines.semantic.model import SemanticModel

from .kpi import kpi_view
from .plot import build_plot, widget_plan
from .states import error_html, header_html, loading_html, note_html, text_html
from .style import CSS
from .table import pivot_view, table_view

log = logging.getLogger("datapilot.components")

BODY_HEIGHT = 300


class WidgetView(pn.viewable.Viewer):
    """A dashboard tile: header (title, unreached-filter badge, actions), then the body
    (loading, error, text, KPI, chart, table or pivot)."""

    widget = param.ClassSelector(class_=Widget, doc="The widget to draw.")
    data = param.ClassSelector(
        class_=WidgetData, default=None, allow_None=True,
        doc="Its evaluated data; None while it loads.",
    )  # fmt: skip
    model = param.ClassSelector(
        class_=SemanticModel, default=None, allow_None=True,
        doc="The semantic model, for the measures' number formats (currency, percent).",
    )  # fmt: skip
    on_select = param.Callable(
        default=None, allow_None=True,
        doc="on_select(widget_id, field, value, additive): a bar, slice, point or table row "
        "was clicked; additive is True for Ctrl/Cmd-click.",
    )  # fmt: skip
    actions = param.List(
        default=[], doc="Viewables shown at the right of the header (buttons, menus)."
    )
    menu = param.Dict(
        default={}, doc="Label -> callback(widget_id): a '⋯' menu in the header (export, edit…)."
    )
    height = param.Integer(default=BODY_HEIGHT, bounds=(80, None), doc="Body height in pixels.")
    status = param.String(
        default="loading", constant=True, doc="What is shown: loading, ok, error or text."
    )
    message = param.String(default="", constant=True, doc="The error shown, if any.")

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self._header = pn.pane.HTML("", stylesheets=[CSS], sizing_mode="stretch_width", margin=0)
        self._menu = pn.widgets.MenuButton(
            name="⋯", items=[], width=44, button_type="light", visible=False,
            css_classes=["dp-widget-menu"],
        )  # fmt: skip
        self._menu.on_click(self._menu_clicked)
        self._actions = pn.Row(margin=0, css_classes=["dp-widget-actions"])
        self._body = pn.Column(
            sizing_mode="stretch_width", margin=0, css_classes=["dp-widget-body"]
        )
        self._built: Any = None
        self._layout = pn.Column(
            pn.Row(self._header, self._actions, self._menu, sizing_mode="stretch_width", margin=0),
            self._body,
            sizing_mode="stretch_width",
            css_classes=["dp-widget"],
            stylesheets=[CSS],
        )
        self._refresh_actions()
        self._refresh()

    def __panel__(self) -> pn.Column:
        return self._layout

    # -- header ---------------------------------------------------------------------------------
    @param.depends("actions", "menu", watch=True)
    def _refresh_actions(self) -> None:
        self._actions.objects = list(self.actions)
        self._menu.items = list(self.menu)
        self._menu.visible = bool(self.menu)

    def _menu_clicked(self, event: Any) -> None:
        callback = self.menu.get(event.new)
        if callback is not None and self.widget is not None:
            callback(self.widget.id)

    # -- body -----------------------------------------------------------------------------------
    @param.depends("widget", "data", "model", "height", watch=True)
    def _refresh(self) -> None:
        widget, data = self.widget, self.data
        title = widget.title if widget is not None else ""
        self._header.object = header_html(title, data.unreached if data is not None else [])
        status, message = "loading", ""
        self._built = None
        if widget is None or (data is None and widget.kind != "text"):
            parts: list[Any] = [self._html(loading_html(title))]
        elif widget.kind == "text":
            status, parts = "text", [self._html(text_html(widget.text))]
        elif data is None or data.status == "error":
            status = "error"
            message = (data.error if data is not None else "") or "The widget's query failed."
            parts = [self._html(error_html(message))]
        else:
            try:
                status, parts = "ok", self._content(widget, data)
            except ChartError as exc:
                status, message = "error", str(exc)
                parts = [self._html(error_html(message))]
            except Exception as exc:  # a tile must never take the dashboard down
                log.exception("Widget %s of kind %s failed", widget.id, widget.kind)
                status, message = "error", f"This {widget.kind} could not be drawn: {exc}"
                parts = [self._html(error_html(message))]
        with param.edit_constant(self):
            self.param.update(status=status, message=message)
        self._body.objects = parts

    def _html(self, text: str) -> pn.pane.HTML:
        return pn.pane.HTML(text, stylesheets=[CSS], sizing_mode="stretch_width", margin=(0, 4))

    def columns(self) -> list[ResultColumn]:
        """The data's columns as the chart rules see them (formats from ``model``)."""
        if self.data is None:
            return []
        return result_columns(self.data, self.model)

    def _content(self, widget: Widget, data: WidgetData) -> list[Any]:
        columns = self.columns()
        notes = (
            [note_html("Showing the first rows only (the result was cut)")]
            if data.truncated
            else []
        )
        if not data.rows and widget.kind not in ("table", "kpi"):
            return [self._html(note_html("No rows to show.")), *notes]
        if widget.kind == "kpi":
            plan = widget_plan(widget, data, columns)
            self._built = kpi_view(columns, data.rows, plan.y[0], data.kpi)
            return [self._built, *notes]
        if widget.kind == "table":
            self._built = table_view(
                columns, data.rows, widget.chart.page_size, self._row_handler(columns, data)
            )
            return [self._built, *notes]
        if widget.kind == "pivot":
            chart = widget.chart
            self._built = pivot_view(
                columns, data.rows, chart.x, chart.series, chart.y, chart.page_size,
                self._pick,
            )  # fmt: skip
            return [self._built, *notes]
        plan = widget_plan(widget, data, columns)
        built = build_plot(widget, data, columns, plan, self.height, self._pick)
        self._built = built
        return [self._plot_pane(built), *[self._html(note_html(n)) for n in built.notes], *notes]

    def _plot_pane(self, built: Built) -> Any:
        if isinstance(built.plot, hv.core.Dimensioned):
            return pn.pane.HoloViews(
                built.plot, backend="bokeh", linked_axes=False, sizing_mode="stretch_width"
            )
        return pn.pane.Bokeh(built.plot, sizing_mode=getattr(built.plot, "sizing_mode", None))

    def figure(self) -> Any:
        """The Bokeh model of the body: the figure of a chart, else the Panel object shown."""
        if isinstance(self._built, Built):
            return render(self._built)
        return self._built

    # -- cross-filter ---------------------------------------------------------------------------
    def _pick(self, field: str, value: Any, additive: bool) -> None:
        if self.on_select is not None and self.widget is not None:
            # A cross-filter value goes into the page address as JSON: a value of a column
            # stored exactly (Decimal) goes as the number it is.
            value = float(value) if isinstance(value, Decimal) else value
            self.on_select(self.widget.id, field, value, additive)

    def _row_handler(self, columns: list[ResultColumn], data: WidgetData) -> Any:
        dimension = next(
            (i for i, c in enumerate(columns) if data.kinds.get(c.name) == "dimension"), None
        )
        if dimension is None:
            dimension = next((i for i, c in enumerate(columns) if not c.numeric), None)
        if dimension is None:
            return None
        name = columns[dimension].name

        def clicked(row: int, additive: bool) -> None:
            if 0 <= row < len(data.rows):
                self._pick(name, data.rows[row][dimension], additive)

        return clicked
