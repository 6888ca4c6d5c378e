"""``WidgetBuilder``: the side panel that builds (or edits) a dashboard widget on the model.

    builder = WidgetBuilder(model=model, run=run_semantic_query,
                            on_save=page.put_widget, on_cancel=page.close_panel)
    builder.widget = existing          # edit: the form is filled from it

Measures and dimensions are searchable pickers (type to filter), a date dimension takes a time
grain, then filters, sort and top N; "Count rows active over time" (:mod:`.builder_over_time`)
sets the ``over_time`` part. An edited widget's query is the loaded one with only the parts the
user changed replaced, so parts the form does not show survive. Each change previews the
query: ``run(query)`` runs in a worker thread (or through ``executor``), only the newest run's answer is shown, and an error is
shown in the preview. The kind picker defaults to the suggested chart and says why.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from html import escape
from typing import Any

import panel as pn
import param

from components.model.try_it import dimension_options, measure_options, with_grain
from pipelines.charts import ChartSuggestion
from pipelines.dashboards.document import Widget
from pipelines.semantic.model import GRAINS, SemanticModel
from pipelines.semantic.query import QueryResult, SemanticQuery

from .builder_filters import FilterRows
from .builder_over_time import OverTimeControls
from .builder_query import (
    KIND_LABELS,
    SHAPE,
    draft_widget,
    error_data,
    error_message,
    first_sort,
    is_time,
    merged_query,
    new_widget_id,
    picker_labels,
    preview_data,
    query_title,
    sort_options,
    split_grain,
    split_grains,
    suggest,
    widget_kind,
)
from .style import CSS
from .view import WidgetView

log = logging.getLogger("datapilot.components")

NO_GRAIN = "(as stored)"
NO_SORT = "(as the query returns)"
PREVIEW_ID = "preview"
Executor = Callable[[Callable[[], Any]], Awaitable[Any]]


class WidgetBuilder(pn.viewable.Viewer):
    """Form + live preview producing a :class:`~pipelines.dashboards.Widget` (semantic query)."""

    model = param.ClassSelector(class_=SemanticModel, doc="The model whose fields are offered.")
    run = param.Callable(
        default=None, allow_None=True,
        doc="run(SemanticQuery) -> QueryResult for the preview; called off the event loop.",
    )  # fmt: skip
    executor = param.Callable(
        default=None, allow_None=True,
        doc="executor(fn) -> awaitable of fn(): how the preview runs (default asyncio.to_thread).",
    )  # fmt: skip
    widget = param.ClassSelector(
        class_=Widget, default=None, allow_None=True,
        doc="The widget being edited (fills the form); None builds a new one.",
    )  # fmt: skip
    on_save = param.Callable(default=None, allow_None=True, doc="on_save(Widget): Add/Save.")
    on_cancel = param.Callable(default=None, allow_None=True, doc="on_cancel(): Cancel.")
    auto_preview = param.Boolean(default=True, doc="Preview after every change of the query.")
    suggestion = param.ClassSelector(
        class_=ChartSuggestion, default=None, allow_None=True, constant=True,
        doc="The suggested chart of the last preview, with its reason.",
    )  # fmt: skip
    result = param.ClassSelector(
        class_=QueryResult, default=None, allow_None=True, constant=True,
        doc="The last preview's result.",
    )  # fmt: skip
    error = param.String(default="", constant=True, doc="Why the last preview or save failed.")
    busy = param.Boolean(default=False, constant=True, doc="True while a preview runs.")

    def __init__(self, **params: Any) -> None:
        params.setdefault("model", SemanticModel())
        super().__init__(**params)
        wide = {"sizing_mode": "stretch_width"}
        self._generation = 0
        self._kind_chosen = False
        self._filling = False
        self._suggesting = False
        self._measures = pn.widgets.MultiChoice(
            name="Measures", placeholder="Type to search measures",
            css_classes=["dp-builder-measures"], **wide,
        )  # fmt: skip
        self._dimensions = pn.widgets.MultiChoice(
            name="Dimensions", placeholder="Type to search dimensions",
            css_classes=["dp-builder-dimensions"], **wide,
        )  # fmt: skip
        self._grain = pn.widgets.Select(
            name="Time grain", options=[NO_GRAIN, *GRAINS], value="month", width=140,
            visible=False, css_classes=["dp-builder-grain"],
        )  # fmt: skip
        self._filters = FilterRows(self._query_changed)
        self._over_time = OverTimeControls(self._query_changed, self._over_time_toggled)
        self._filled: dict[str, Any] = {}  # the form's query parts as the widget filled them
        self._sort = pn.widgets.Select(
            name="Sort by", options={NO_SORT: ""}, value="", width=200,
            css_classes=["dp-builder-sort"],
        )  # fmt: skip
        self._descending = pn.widgets.Checkbox(
            name="Descending", value=True, align="end", css_classes=["dp-builder-descending"]
        )
        self._limit = pn.widgets.IntInput(
            name="Top N (0: all rows)", value=0, start=0, end=100_000, width=140,
            css_classes=["dp-builder-limit"],
        )  # fmt: skip
        self._kind = pn.widgets.Select(
            name="Widget kind", options={v: k for k, v in KIND_LABELS.items()}, value="table",
            width=200, css_classes=["dp-builder-kind"],
        )  # fmt: skip
        self._reason = pn.pane.HTML(
            "", stylesheets=[CSS], css_classes=["dp-builder-reason"], margin=(0, 6), **wide
        )
        self._stacked = pn.widgets.Checkbox(name="Stacked", visible=False)
        self._donut = pn.widgets.Checkbox(name="Donut", visible=False)
        self._title = pn.widgets.TextInput(
            name="Title", placeholder="Named from the fields when empty",
            css_classes=["dp-builder-title"], **wide,
        )  # fmt: skip
        self._text = pn.widgets.TextAreaInput(
            name="Text (Markdown)", height=160, visible=False,
            css_classes=["dp-builder-text"], **wide,
        )  # fmt: skip
        self._save = pn.widgets.Button(
            name="Add", button_type="primary", css_classes=["dp-builder-save"]
        )
        self._cancel = pn.widgets.Button(name="Cancel", css_classes=["dp-builder-cancel"])
        self._refresh_button = pn.widgets.Button(
            name="Preview", css_classes=["dp-builder-preview-button"]
        )
        self._preview = WidgetView(
            widget=Widget(id=PREVIEW_ID, kind="text", text="Pick a measure or a dimension."),
            model=self.model,
            height=240,
        )
        self._save.on_click(self._save_clicked)
        self._cancel.on_click(lambda _: self.cancel())
        self._refresh_button.on_click(self._preview_clicked)
        self._title.param.watch(lambda _: self.save(), "enter_pressed")
        for widget in (self._measures, self._dimensions, self._grain, self._sort):
            widget.param.watch(lambda _: self._query_changed(), "value")
        self._descending.param.watch(lambda _: self._query_changed(), "value")
        self._limit.param.watch(lambda _: self._query_changed(), "value")
        self._kind.param.watch(self._kind_picked, "value")
        for option in (self._stacked, self._donut, self._text):
            option.param.watch(lambda _: self._show_preview(), "value")
        self._query_box = pn.Column(
            self._measures,
            self._dimensions,
            self._grain,
            self._over_time.layout,
            pn.pane.HTML("<b>Filters</b>", margin=(6, 6, 0, 6)),
            self._filters.layout,
            self._filters.add_button,
            pn.Row(self._sort, self._descending, margin=0),
            self._limit,
            margin=0,
            **wide,
        )
        self._layout = pn.Column(
            self._query_box,
            pn.Row(self._kind, self._stacked, self._donut, margin=0),
            self._reason,
            self._title,
            self._text,
            pn.Row(self._refresh_button, margin=0),
            self._preview,
            pn.Row(self._save, self._cancel, margin=(8, 0)),
            css_classes=["dp-widget-builder"],
            stylesheets=[CSS],
            **wide,
        )
        self._sync_options()
        if self.widget is not None:
            self._fill()

    def __panel__(self) -> pn.Column:
        return self._layout

    @property
    def _model(self) -> SemanticModel:
        model = self.model
        return model if isinstance(model, SemanticModel) else SemanticModel()

    # -- options and the form -------------------------------------------------------------------
    @param.depends("model", watch=True)
    def _sync_options(self) -> None:
        measures, dimensions = measure_options(self._model), dimension_options(self._model)
        self._measures.param.update(
            options=measures, value=[v for v in self._measures.value if v in measures.values()]
        )
        self._dimensions.param.update(
            options=dimensions,
            value=[v for v in self._dimensions.value if v in dimensions.values()],
        )
        self._filters.set_fields(dimensions)
        self._over_time.set_model(self._model)
        self._preview.model = self.model
        self._sync_sort()

    def _sync_sort(self) -> None:
        """Sort by a column of the form's query: a field (a date at its grain), the period or
        a flow of the over-time part."""
        labels = picker_labels(self._measures.options, self._dimensions.options)
        labels.update(self._over_time.column_labels())
        form = {k: v for k, v in self._form_parts().items() if k in SHAPE}
        options = {NO_SORT: "", **sort_options(self._model, SemanticQuery(**form), labels)}
        keep = self._sort.value if self._sort.value in options.values() else ""
        self._sort.param.update(options=options, value=keep)

    @param.depends("widget", watch=True)
    def _fill(self) -> None:
        """Fill the form from ``widget`` (or empty it for a new one)."""
        widget = self.widget
        self._filling = True
        try:
            self._filters.clear()
            query = self._loaded()
            dimensions, grain = split_grains(self._model, query.dimensions if query else [])
            self._measures.value = list(query.measures) if query is not None else []
            self._dimensions.value = dimensions
            self._grain.value = grain or (NO_GRAIN if dimensions else "month")
            self._over_time.fill(query.over_time if query is not None else None)
            for item in query.filters if query is not None else []:
                self._filters.add(item)
            self._sync_sort()
            first = query.sort[0] if query is not None and query.sort else None
            self._sort.value = first.field if first is not None else ""
            self._descending.value = first.descending if first is not None else True
            self._limit.value = (query.limit or 0) if query is not None else 0
            self._kind_chosen = widget is not None
            self._kind.value = widget.kind if widget is not None else "table"
            self._title.value = widget.title if widget is not None else ""
            self._text.value = widget.text if widget is not None else ""
            self._stacked.value = widget.chart.stacked if widget is not None else False
            self._donut.value = widget.chart.donut if widget is not None else False
            self._save.name = "Save" if widget is not None else "Add"
        finally:
            self._filling = False
        self._filled = self._form_parts()
        self._kind_visibility()
        self._query_changed()

    def reset(self) -> None:
        """An empty form for a new widget (``widget`` set to None)."""
        if self.widget is None:
            self._fill()
        else:
            self.widget = None

    def _is_sql(self) -> bool:
        """The edited widget's query is SQL: only its title and chart can change here."""
        widget = self.widget
        return widget is not None and widget.query is not None and widget.query.source == "sql"

    def _loaded(self) -> SemanticQuery | None:
        widget = self.widget
        return widget.query.semantic if widget is not None and widget.query else None

    def _form_parts(self) -> dict[str, Any]:
        """The query parts the form shows, as it shows them."""
        grain = None if self._grain.value == NO_GRAIN else self._grain.value
        return {
            "measures": list(self._measures.value),
            "dimensions": with_grain(self._model, list(self._dimensions.value), grain),
            "filters": self._filters.filters(self._model),
            "sort": first_sort(self._sort.value, bool(self._descending.value)),
            "limit": int(self._limit.value or 0) or None,
            "over_time": self._over_time.value(),
        }

    def query(self) -> SemanticQuery:
        """The semantic query the form describes: the edited widget's query with the parts the
        user changed replaced (comparisons kept while their measure and a time grain remain)."""
        form = self._form_parts()
        timed = any(split_grain(self._model, d)[1] for d in form["dimensions"])
        return merged_query(self._loaded(), self._filled, form, timed=timed)

    def _over_time_toggled(self, on: bool) -> None:
        if on:  # a picked date dimension becomes the start (see OverTimeControls.take_date)
            grain, dimensions = self._grain.value, list(self._dimensions.value)
            self._dimensions.value = self._over_time.take_date(self._model, dimensions, grain)

    def _query_changed(self) -> None:
        if self._filling:
            return
        times = [d for d in self._dimensions.value if is_time(self._model, d)]
        self._grain.visible = bool(times)
        over = self._over_time.on
        self._grain.name = "Date dimension grain (a breakdown)" if over else "Time grain"
        self._measures.placeholder = f"Type to search measures{' (optional)' if over else ''}"
        self._sync_sort()
        if self.auto_preview and self._kind.value != "text":
            pn.state.execute(self._preview_clicked)

    def _kind_picked(self, event: Any) -> None:
        if not self._filling and not self._suggesting:
            self._kind_chosen = True
        self._kind_visibility()
        self._show_preview()

    def _kind_visibility(self) -> None:
        kind = self._kind.value
        self._stacked.visible = kind in ("bar", "hbar")
        self._donut.visible = kind == "pie"
        self._text.visible = kind == "text"
        self._query_box.visible = kind != "text" and not self._is_sql()

    # -- preview --------------------------------------------------------------------------------
    async def _preview_clicked(self, _event: Any = None) -> None:
        await self.preview()

    async def preview(self) -> QueryResult | None:
        """Run the form's query off the event loop and show it; only the newest run counts."""
        query = self.query()
        if not query.measures and not query.dimensions and query.over_time is None:
            self._set(error="", result=None)
            return None
        if self.run is None:
            self._fail("There is nothing to run the preview on.")
            return None
        self._generation += 1
        generation = self._generation
        run, executor = self.run, self.executor or asyncio.to_thread
        self._set(busy=True)
        self._preview.data = None  # the tile's loading state
        try:
            result = await executor(lambda: run(query))
        except Exception as exc:
            if generation == self._generation:
                message = error_message(exc)
                if message is None:
                    log.exception("the widget preview query failed")
                    message = "The preview could not run; the error has been logged."
                self._fail(message)
            return None
        finally:
            if generation == self._generation:
                self._set(busy=False)
        if generation != self._generation:
            return None  # a newer preview is on its way
        self._show_result(result)
        return result

    def _set(self, **values: Any) -> None:
        with param.edit_constant(self):
            self.param.update(**values)

    def _fail(self, message: str) -> None:
        self._set(error=message, busy=False)
        self._preview.param.update(
            widget=self._draft(PREVIEW_ID), data=error_data(PREVIEW_ID, message)
        )

    def _show_result(self, result: QueryResult) -> None:
        suggestion = suggest(result, self.model)
        self._set(result=result, suggestion=suggestion, error="")
        if not self._kind_chosen:
            self._suggesting = True
            try:
                self._kind.value = widget_kind(suggestion)
            finally:
                self._suggesting = False
        label = KIND_LABELS.get(widget_kind(suggestion), suggestion.kind)
        self._reason.object = (
            f'<div class="dp-builder-reason">Suggested: <b>{label}</b> — '
            f"{escape(suggestion.reason)}</div>"
        )
        self._show_preview()

    def _show_preview(self) -> None:
        if self._filling:
            return
        if self._kind.value == "text":
            self._preview.param.update(widget=self._draft(PREVIEW_ID), data=None)
            return
        if self.result is None:
            return
        draft = self._draft(PREVIEW_ID)
        chart = self.suggestion if self.suggestion is not None else None
        self._preview.param.update(widget=draft, data=preview_data(PREVIEW_ID, self.result, chart))

    # -- the widget -----------------------------------------------------------------------------
    def _draft(self, widget_id: str) -> Widget:
        kind, query = self._kind.value, self.query()
        names = {v: k for k, v in self._measures.options.items()}
        title = (self._title.value or "").strip() or query_title(self._model, query, names)
        return draft_widget(
            self.widget, widget_id, kind, query, title="" if kind == "text" else title,
            text=self._text.value or "", stacked=bool(self._stacked.value),
            donut=bool(self._donut.value),
        )  # fmt: skip

    def build(self) -> Widget:
        """The widget the form describes (the edited widget keeps its id, position, filters).

        Raises
        ------
        ValueError
            When the form does not make a widget (no field picked for a chart, say).
        """
        kind = self._kind.value
        query = self.query()
        picked = query.measures or query.dimensions or query.over_time is not None
        if kind != "text" and not picked and not self._is_sql():
            raise ValueError("Pick at least one measure or dimension.")
        widget_id = self.widget.id if self.widget is not None else new_widget_id()
        return Widget.model_validate(self._draft(widget_id).model_dump())

    def _save_clicked(self, _event: Any = None) -> None:
        self.save()

    def save(self) -> Widget | None:
        """Build the widget and hand it to ``on_save``; a problem is shown, nothing is lost."""
        try:
            widget = self.build()
        except ValueError as exc:
            self._set(error=str(exc))
            self._reason.object = (
                f'<div class="dp-widget-error" role="alert">{escape(str(exc))}</div>'
            )
            return None
        if self.on_save is not None:
            self.on_save(widget)
        return widget

    def cancel(self) -> None:
        if self.on_cancel is not None:
            self.on_cancel()
