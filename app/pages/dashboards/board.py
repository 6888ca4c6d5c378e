"""One dashboard: its tiles on the grid, filters, cross-filters, refresh, exports and Edit mode.

Long because: the board is the page's one stateful screen. It holds the saved dashboard and the
edited copy (widgets, positions, filters), and wires the canvas, filter bar, builder and tiles
to the service; splitting it would scatter that state across modules that all need it.

View mode is for everyone: filters and clicks on charts (cross-filters, shown as chips) change
what the tiles show and the address (so a copied link reproduces the view), never the saved
dashboard. Edit mode (editors and admins) adds, edits, moves, resizes and removes widgets and
filters, with undo; Save stores the edited copy as the next version, or says that someone else
saved first (the edits stay on screen).
"""

from __future__ import annotations

import html
import io
from functools import partial
from typing import Any

import panel as pn
import param

from app.pages.dashboards import wording
from app.pages.dashboards.filter_bar import FilterBar
from app.pages.dashboards.tiles import Loader, export_buttons, layout_card, set_card_filters
from app.pages.shell import ShellState, notify_error, notify_success
from app.pages.shell.look import STATIC, button
from app.services.dashboards import DashboardInfo, StaleDashboard
from app.services.workspaces import WorkspaceInfo
from components.dashboards import WidgetBuilder, WidgetView
from components.dashboards.canvas import DashboardCanvas, body_height, first_free, frame, grid_view
from components.dashboards.export import offline_html
from components.model.try_it import dimension_options
from components.navigate import Navigator
from components.unsaved_guard import UnsavedGuard
from pipelines.dashboards import DashboardDocument, Widget, WidgetData
from pipelines.semantic import SemanticModel

STYLES = ["/dp-static/shell.css", "/dp-static/dashboards.css"]
COPY_LINK = "navigator.clipboard.writeText(window.location.href)"


class Board(pn.viewable.Viewer):
    """A dashboard of one workspace for one session."""

    editing = param.Boolean(default=False, doc="Edit mode (editors and admins only).")
    dirty = param.Boolean(default=False, doc="Unsaved edits.")
    cross = param.List(default=[], doc='Cross-filters: {"widget_id", "field", "values"}.')
    building = param.Boolean(default=False, doc="The widget builder is open.")
    as_of = param.String(default="", doc="When the data was last loaded.")

    def __init__(
        self,
        state: ShellState,
        workspace: WorkspaceInfo,
        info: DashboardInfo,
        model: SemanticModel,
        view: dict[str, Any],
        **params: Any,
    ) -> None:
        super().__init__(**params)
        self.state, self.workspace, self.info, self.model = state, workspace, info, model
        self.service = state.ctx.dashboards(state.principal)
        self.can_edit = state.principal.can_edit
        self.widgets: dict[str, Widget] = {w.id: w for w in info.document.widgets}
        self.document = info.document
        self.views: dict[str, WidgetView] = {}
        self.loader = Loader()
        self.navigator = Navigator()
        self.guard = UnsavedGuard()
        self.canvas = DashboardCanvas()
        self.filters = FilterBar(
            info.document, model, self._values, self._filters_changed, overrides=view["filters"]
        )
        self.cross = list(view["cross"])
        self.builder = WidgetBuilder(
            model=model,
            run=lambda q: state.ctx.models(state.principal).query(workspace.id, q),
            on_save=self._builder_saved,
            on_cancel=lambda: setattr(self, "building", False),
        )
        self._chips = pn.Row(
            sizing_mode="stretch_width", css_classes=["dp-dash-chips"], stylesheets=STYLES
        )
        self._toolbar = pn.Row(
            sizing_mode="stretch_width",
            min_height=64,
            css_classes=["dp-dash-toolbar"],
            stylesheets=STYLES,
        )
        self._refresh_every = pn.widgets.Select(
            options=wording.REFRESH_CHOICES,
            value=info.document.refresh_seconds or 0,
            width=150,
            css_classes=["dp-dash-autorefresh"],
            description="Reload the data on a schedule while this page is open",
        )
        self._refresh_every.param.watch(lambda _: self._schedule(), "value")
        self._periodic: Any = None
        self._build_tiles()
        self.canvas.param.watch(lambda _: self._layout_changed(), "positions")
        self.filters.param.watch(lambda _: self._view_changed(), "overrides")
        self.param.watch(lambda _: self._view_changed(), "cross")
        self._make_toolbar()
        self.param.watch(lambda *_: self._render_toolbar(), ["editing", "dirty"])
        self.param.watch(lambda e: setattr(self.guard, "active", e.new), "dirty")
        self._render_toolbar()
        self._render_chips()
        self._schedule()
        if view.get("edit") and self.can_edit:
            self.editing = True
        self.reload()

    # -- data ----------------------------------------------------------------------------------
    def reload(self, widget_ids: list[str] | None = None) -> None:
        """Evaluate the widgets (all, or ``widget_ids``) again, each in its own worker."""
        chosen = [w for w in self.document.widgets if widget_ids is None or w.id in set(widget_ids)]
        for widget in chosen:
            self.views[widget.id].data = None
        document, overrides, cross = self.document, dict(self.filters.overrides), list(self.cross)

        as_of: dict[str, str] = {}

        def evaluate(widget_id: str) -> WidgetData:
            result = self.service.evaluate(
                self.workspace.id, document, overrides, cross, widget_ids=[widget_id]
            )
            as_of["text"] = wording.as_of_text(result.data_as_of)
            return result.widgets[widget_id]

        def deliver(data: WidgetData) -> None:
            if "text" in as_of:
                self.as_of = as_of["text"]
            view = self.views.get(data.widget_id)
            if view is not None:
                view.data = data

        self.loader.load(chosen, evaluate, deliver)

    def _values(self, field: str) -> list[Any]:
        return self.service.filter_values(self.workspace.id, field)

    def _schedule(self) -> None:
        if self._periodic is not None:
            self._periodic.stop()
            self._periodic = None
        seconds = int(self._refresh_every.value or 0)
        if seconds and pn.state.curdoc is not None:
            self._periodic = pn.state.add_periodic_callback(self.reload, period=seconds * 1000)

    # -- the viewer's filters ------------------------------------------------------------------
    def _select(self, widget_id: str, field: str, value: Any, additive: bool) -> None:
        cross = [dict(c) for c in self.cross]
        mine = next((c for c in cross if c["widget_id"] == widget_id and c["field"] == field), None)
        if not additive:
            cross = [c for c in cross if c["widget_id"] != widget_id]
            mine = None
        values = wording.toggle_value(mine["values"] if mine else [], value, additive)
        cross = [c for c in cross if c is not mine]
        if values:
            cross.append({"widget_id": widget_id, "field": field, "values": values})
        self.cross = cross

    def _chip_clicked(self, index: int, _: Any = None) -> None:
        self._clear_cross(index)

    def _clear_cross(self, index: int | None = None) -> None:
        self.cross = [] if index is None else [c for i, c in enumerate(self.cross) if i != index]

    def _view_changed(self) -> None:
        self._render_chips()
        self._sync_url()
        self.reload()

    def _sync_url(self) -> None:
        """Keep the address on this view (filters, cross-filters; Edit mode is not kept)."""
        self.state.set_address(wording.board_url(self.info.id, self.filters.overrides, self.cross))

    def _render_chips(self) -> None:
        labels = {v: k for k, v in _dimension_labels(self.model).items()}
        chips: list[Any] = []
        for index, item in enumerate(self.cross):
            text = wording.chip_text(labels.get(item["field"], item["field"]), item["values"])
            chip = button(f"{text}  ✕", "dp-dash-chip", description="Clear this cross-filter")
            chip.on_click(partial(self._chip_clicked, index))
            chips.append(chip)
        if len(chips) > 1:
            clear = button("Clear all", "dp-dash-chips-clear")
            clear.on_click(lambda _: self._clear_cross())
            chips.append(clear)
        self._chips.objects = chips
        self._chips.visible = bool(chips)

    # -- tiles ---------------------------------------------------------------------------------
    def _view(self, widget: Widget) -> WidgetView:
        view = WidgetView(
            widget=widget,
            model=self.model,
            on_select=self._select,
            height=body_height(widget.position),
        )
        view.actions = export_buttons(view)
        return view

    def _card(self, widget: Widget) -> pn.Column:
        filters = {f.label or f.field: f.id for f in self.document.filters}
        return layout_card(
            widget, self._edit_widget, self._remove_widget, filters, self._filters_off
        )

    def _filters_off(self, widget_id: str, filter_ids: list[str]) -> None:
        widget = self.widgets[widget_id].model_copy(update={"filters_off": filter_ids})
        self.widgets[widget_id] = widget
        self.views[widget_id].widget = widget
        widgets = [widget if w.id == widget_id else w for w in self.document.widgets]
        self._set_document(self.document.model_copy(update={"widgets": widgets}))
        self.reload([widget_id])

    def _build_tiles(self) -> None:
        self.views = {w.id: self._view(w) for w in self.widgets.values()}
        tiles = {wid: frame(view) for wid, view in self.views.items()}
        cards = {w.id: self._card(w) for w in self.widgets.values()}
        self.canvas.set_tiles(tiles, {w.id: w.position for w in self.document.widgets}, cards)

    def _layout_changed(self) -> None:
        positions = self.canvas.positions
        widgets = [
            self.widgets[wid].model_copy(update={"position": p})
            for wid, p in positions.items()
            if wid in self.widgets
        ]
        for widget in widgets:
            self.widgets[widget.id] = widget
            view = self.views[widget.id]
            view.param.update(widget=widget, height=body_height(widget.position))
        self._set_document(self.document.model_copy(update={"widgets": widgets}))

    def _set_document(self, document: DashboardDocument) -> None:
        self.document = document
        self.dirty = document != self.info.document or self.dirty

    # -- edit mode -----------------------------------------------------------------------------
    @param.depends("editing", watch=True)
    def _edit_mode(self) -> None:
        self.canvas.editing = self.editing
        self.filters.editing = self.editing
        self._sync_url()
        if not self.editing:
            self.building = False

    def _add_widget(self) -> None:
        self.builder.reset()
        self.building = True

    def _edit_widget(self, widget_id: str) -> None:
        self.builder.widget = self.widgets[widget_id]
        self.building = True

    def _builder_saved(self, widget: Widget) -> None:
        self.building = False
        if widget.id in self.widgets and widget.id in self.canvas.positions:
            widget = widget.model_copy(update={"position": self.canvas.positions[widget.id]})
            self.widgets[widget.id] = widget
            self.views[widget.id].widget = widget
            self.canvas.replace_tile(widget.id, frame(self.views[widget.id]), self._card(widget))
            self._layout_changed()
        else:
            widget = widget.model_copy(update={"position": first_free(self.canvas.positions)})
            self.widgets[widget.id] = widget
            self.views[widget.id] = self._view(widget)
            tile, card = frame(self.views[widget.id]), self._card(widget)
            self.canvas.add(widget.id, tile, widget.position, card)
        self.reload([widget.id])

    def _remove_widget(self, widget_id: str) -> None:
        self.canvas.remove(widget_id)

    def _undo(self) -> None:
        if self.canvas.undo():
            self.reload([w for w in self.canvas.positions if self.views[w].data is None])

    def _filters_changed(self, document: DashboardDocument) -> None:
        known = {f.id for f in document.filters}
        widgets = [
            w.model_copy(update={"filters_off": [f for f in w.filters_off if f in known]})
            for w in self.document.widgets
        ]
        self.widgets.update({w.id: w for w in widgets})
        self._set_document(document.model_copy(update={"widgets": widgets}))
        self.filters.set_document(self.document)
        labels = {f.label or f.field: f.id for f in document.filters}
        for widget in widgets:
            set_card_filters(self.canvas.edit_tiles[widget.id], labels, widget.filters_off)
        self.reload()

    def _save(self) -> None:
        document = self.document.model_copy(
            update={"refresh_seconds": int(self._refresh_every.value or 0) or None}
        )
        try:
            self.info = self.service.update(
                self.workspace.id, self.info.id, self.info.version, document=document
            )
        except StaleDashboard as exc:
            notify_error(
                StaleDashboard(exc.current)  # names the version; the edits stay on screen
            )
            return
        except Exception as exc:
            notify_error(exc)
            return
        self.document = self.info.document
        self.dirty = False
        self.editing = False
        notify_success(f"Saved “{self.info.name}” (version {self.info.version}).")

    def _discard(self) -> None:
        self.guard.active = False
        self.navigator.go(wording.board_url(self.info.id))

    # -- export ----------------------------------------------------------------------------------
    def _export_html(self) -> io.BytesIO:
        views = {}
        for wid, live in self.views.items():
            if wid in self.canvas.positions:
                views[wid] = frame(
                    WidgetView(
                        widget=live.widget, data=live.data, model=self.model, height=live.height
                    )
                )
        title = pn.pane.HTML(
            f"<h1>{html.escape(self.info.name)}</h1><p>{html.escape(self.as_of)}</p>",
            sizing_mode="stretch_width",
        )
        layout = pn.Column(
            title, grid_view(views, self.canvas.positions), sizing_mode="stretch_width"
        )
        return io.BytesIO(
            offline_html(layout, self.info.name, {"dp-static": STATIC}).encode("utf-8")
        )

    # -- view ----------------------------------------------------------------------------------
    def _make_toolbar(self) -> None:
        self._name = pn.pane.HTML(
            f"<h2 class='dp-dash-name'>{html.escape(self.info.name)}</h2>",
            stylesheets=STYLES,
            margin=0,
        )
        self._as_of = pn.pane.HTML(
            self.param.as_of.rx.pipe(
                lambda text: (
                    f"<div class='dp-dash-asof'>{html.escape(text or 'Loading data…')}</div>"
                )
            ),
            stylesheets=STYLES,
            margin=0,
        )
        self._add = button("Add widget", "dp-dash-add", kind="primary")
        self._add.on_click(lambda _: self._add_widget())
        self._undo_btn = button("Undo", "dp-dash-undo", disabled=True)
        self.canvas.param.watch(
            lambda e: setattr(self._undo_btn, "disabled", not e.new), "can_undo"
        )
        self._undo_btn.on_click(lambda _: self._undo())
        self._save_btn = button("Save", "dp-dash-save", kind="success")
        self._save_btn.on_click(lambda _: self._save())
        self._done = button("Done", "dp-dash-done")
        self._done.on_click(
            lambda _: self._discard() if self.dirty else setattr(self, "editing", False)
        )
        self._refresh = button("Refresh", "dp-dash-refresh")
        self._refresh.on_click(lambda _: self.reload())
        self._link = button("Copy link", "dp-dash-copy-link")
        self._link.js_on_click(code=COPY_LINK)
        self._export = pn.widgets.FileDownload(
            callback=self._export_html,
            filename=f"{self.info.name}.html",
            label="Export HTML",
            embed=False,
            css_classes=["dp-dash-export-html"],
            margin=(2, 4),
        )
        self._edit = button("Edit", "dp-dash-edit", kind="primary", visible=self.can_edit)
        self._edit.on_click(lambda _: setattr(self, "editing", True))
        editing = [self._edit, self._add, self._undo_btn, self._save_btn, self._done]
        self._toolbar.objects = [
            pn.Column(self._name, self._as_of, sizing_mode="stretch_width", margin=(0, 6)),
            self._refresh, self._refresh_every, self._link, self._export,
            *(editing if self.can_edit else []),  # viewers get no edit controls at all
        ]  # fmt: skip

    def _render_toolbar(self) -> None:
        for widget in (self._refresh, self._link, self._export):
            widget.visible = not self.editing
        self._edit.visible = self.can_edit and not self.editing
        for widget in (self._add, self._undo_btn, self._save_btn, self._done):
            widget.visible = self.editing
        self._save_btn.disabled = not self.dirty
        self._done.name = "Discard changes" if self.dirty else "Done"

    def __panel__(self) -> pn.viewable.Viewable:
        empty = pn.pane.HTML(
            "<p class='dp-dash-hint'>This dashboard has no widgets yet."
            + (" Click Edit, then Add widget." if self.can_edit else "")
            + "</p>",
            stylesheets=STYLES,
            visible=not self.document.widgets,
        )
        self.canvas.param.watch(lambda e: setattr(empty, "visible", not e.new), "positions")
        side = pn.Column(
            self.builder, width=380, visible=self.param.building, css_classes=["dp-dash-builder"]
        )
        return pn.Column(
            self._toolbar,
            self.filters,
            self._chips,
            empty,
            pn.Row(self.canvas, side, sizing_mode="stretch_width"),
            self.navigator,
            self.guard,
            sizing_mode="stretch_width",
            css_classes=["dp-dash-board"],
        )


def _dimension_labels(model: SemanticModel) -> dict[str, str]:
    return dimension_options(model)
