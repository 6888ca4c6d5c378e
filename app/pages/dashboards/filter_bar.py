"""The dashboard's filters: a date range (presets or custom) and value multi-selects.

The viewer's choices are ``overrides`` (filter id -> choice, the form
:meth:`DashboardService.data` takes); they start from the URL and never change the saved
dashboard. In Edit mode the bar also adds a filter on any dimension of the model (a date or
timestamp dimension gets a date range, anything else a multi-select) and removes filters: those
change the document (``on_document``), saved with the dashboard.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from functools import partial
from typing import Any

import panel as pn
import param

from app.pages.background import Latest
from app.pages.dashboards.wording import PRESET_LABELS
from app.pages.shell import notify_error
from app.pages.shell.look import button
from components.model.try_it import column_type, dimension_options
from pipelines.dashboards import DashboardDocument, DateFilter, ValuesFilter
from pipelines.semantic import SemanticModel
from pipelines.semantic.model import TIME_TYPES

STYLES = ["/dp-static/shell.css", "/dp-static/dashboards.css"]


class FilterBar(pn.viewable.Viewer):
    """The filters of one dashboard for one viewer."""

    overrides = param.Dict(default={}, doc="Filter id -> the viewer's choice.")
    editing = param.Boolean(default=False, doc="Edit mode: add and remove filters.")

    def __init__(
        self,
        document: DashboardDocument,
        model: SemanticModel,
        values: Callable[[str], list[Any]],
        on_document: Callable[[DashboardDocument], None],
        **params: Any,
    ) -> None:
        super().__init__(**params)
        self.document = document
        self.model = model
        self.values = values
        self.on_document = on_document
        self._row = pn.Row(
            sizing_mode="stretch_width",
            min_height=40,
            css_classes=["dp-dash-filters"],
            stylesheets=STYLES,
        )
        self._field = pn.widgets.Select(
            options={"Add a filter on…": "", **dimension_options(model)},
            css_classes=["dp-dash-filter-field"],
            width=260,
        )
        self._field.param.watch(lambda e: self._add(e.new), "value")
        self.param.watch(lambda _: self._render(), "editing")
        self._render()

    def set_document(self, document: DashboardDocument) -> None:
        """Show the filters of ``document`` (after an edit, undo or reload)."""
        self.document = document
        known = {f.id for f in document.filters}
        self.overrides = {k: v for k, v in self.overrides.items() if k in known}
        self._render()

    # -- edit mode -----------------------------------------------------------------------------
    def _add(self, field: str) -> None:
        if not field:
            return
        self._field.value = ""
        fid = "f_" + uuid.uuid4().hex[:8]
        label = next((k for k, v in dimension_options(self.model).items() if v == field), field)
        kind = column_type(self.model, field)
        item: DateFilter | ValuesFilter
        if kind in TIME_TYPES:
            item = DateFilter(id=fid, field=field, label=label)
        else:
            item = ValuesFilter(id=fid, field=field, label=label)
        try:
            document = self.document.model_copy(update={"filters": [*self.document.filters, item]})
            document = DashboardDocument.model_validate(document.model_dump())
        except ValueError as exc:
            notify_error(exc)
            return
        self.on_document(document)

    def _drop(self, filter_id: str, _: Any = None) -> None:
        self._remove(filter_id)

    def _remove(self, filter_id: str) -> None:
        filters = [f for f in self.document.filters if f.id != filter_id]
        widgets = [
            w.model_copy(update={"filters_off": [x for x in w.filters_off if x != filter_id]})
            for w in self.document.widgets
        ]
        self.on_document(self.document.model_copy(update={"filters": filters, "widgets": widgets}))

    # -- view ----------------------------------------------------------------------------------
    def _render(self) -> None:
        parts: list[Any] = []
        for item in self.document.filters:
            control = self._date(item) if isinstance(item, DateFilter) else self._values(item)
            parts.append(control)
            if self.editing:
                drop = button("✕", "dp-dash-filter-remove", description="Remove this filter")
                drop.on_click(partial(self._drop, item.id))
                parts.append(drop)
        if self.editing:
            parts.append(self._field)
        elif not self.document.filters:
            parts.append(
                pn.pane.HTML(
                    "<span class='dp-dash-hint'>No filters: Edit adds a date range or a list "
                    "of values that every chart it reaches follows.</span>",
                    stylesheets=STYLES,
                )
            )
        self._row.objects = parts

    def _date(self, item: DateFilter) -> pn.Column:
        chosen = self.overrides.get(item.id, _saved_date(item))
        preset = chosen.get("preset") if isinstance(chosen, dict) else chosen
        select = pn.widgets.Select(
            name=item.label or item.field,
            options={v: k for k, v in PRESET_LABELS.items()},
            value=preset or "",
            css_classes=["dp-dash-date-preset"],
            width=170,
        )
        start = pn.widgets.DatePicker(
            name="From", value=_day(chosen, "start"), width=130, css_classes=["dp-dash-date-start"]
        )
        end = pn.widgets.DatePicker(
            name="To", value=_day(chosen, "end"), width=130, css_classes=["dp-dash-date-end"]
        )
        custom = pn.Row(start, end, visible=preset == "custom")

        def changed(_: Any) -> None:
            custom.visible = select.value == "custom"
            if select.value == "custom":
                value: Any = {
                    "preset": "custom",
                    "start": start.value.isoformat() if start.value else None,
                    "end": end.value.isoformat() if end.value else None,
                }
            else:
                value = select.value or None
            self.overrides = {**self.overrides, item.id: value}

        for widget in (select, start, end):
            widget.param.watch(changed, "value")
        return pn.Column(select, custom, css_classes=["dp-dash-date"], margin=(0, 4))

    def _values(self, item: ValuesFilter) -> pn.widgets.MultiChoice:
        chosen = self.overrides.get(item.id, list(item.values))
        choice = pn.widgets.MultiChoice(
            name=item.label or item.field,
            options=[str(v) for v in chosen],
            value=[str(v) for v in chosen],
            placeholder="All",
            search_option_limit=50,
            css_classes=["dp-dash-values"],
            width=240,
        )
        real: dict[str, Any] = {str(v): v for v in chosen}

        def loaded(result: Any) -> None:
            if isinstance(result, Exception):
                notify_error(result)
                return
            real.update({str(v): v for v in result})
            choice.options = list(dict.fromkeys([*choice.value, *real]))

        Latest(f"dashboard-values-{item.id}").submit(lambda: self.values(item.field), loaded)
        choice.param.watch(
            lambda e: setattr(
                self, "overrides", {**self.overrides, item.id: [real.get(v, v) for v in e.new]}
            ),
            "value",
        )
        return choice

    def __panel__(self) -> pn.viewable.Viewable:
        return self._row


def _saved_date(item: DateFilter) -> Any:
    if item.preset == "custom":
        return {"preset": "custom", "start": item.start, "end": item.end}
    return item.preset


def _day(chosen: Any, end: str) -> dt.date | None:
    text = chosen.get(end) if isinstance(chosen, dict) else None
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None
