"""The workspace's dashboards: search, open, create, duplicate and delete (asked first), and
make a first dashboard from the model in one click (planned and saved in a worker thread).

Each dashboard opens at ``/dashboards?id=<id>`` (a plain link: the address can be shared).
Viewers see the list and open dashboards; editors also create, duplicate and delete.
"""

from __future__ import annotations

import html
import uuid
from typing import Any

import panel as pn
import param

from app.pages.background import Latest
from app.pages.dashboards.templates import TemplateForm
from app.pages.dashboards.wording import board_url
from app.pages.shell import ShellState, notify_error, notify_success
from app.pages.shell.look import button
from app.services.dashboards import DashboardInfo
from app.services.workspaces import WorkspaceInfo
from components.feedback import EmptyState
from components.navigate import Navigator

STYLES = ["/dp-static/shell.css", "/dp-static/dashboards.css"]


class DashboardList(pn.viewable.Viewer):
    """The list of one workspace's dashboards, with its actions."""

    search = param.String(default="", doc="Text the names or descriptions must contain.")
    items = param.List(default=[], doc="DashboardInfo shown, by name.")
    loading = param.Boolean(default=True)
    asking = param.String(default="", doc="Id of the dashboard whose delete is being asked.")
    making = param.Boolean(default=False, doc="A first dashboard is being made from the model.")

    def __init__(self, state: ShellState, workspace: WorkspaceInfo, **params: Any) -> None:
        super().__init__(**params)
        self.state = state
        self.workspace = workspace
        self.service = state.ctx.dashboards(state.principal)
        self.can_edit = state.principal.can_edit
        self.navigator = Navigator()
        self._work = Latest("dashboards-list")
        self._making = Latest("dashboards-first")
        self._search = pn.widgets.TextInput(
            placeholder="Search dashboards", css_classes=["dp-dash-search"], width=280
        )
        self._search.param.watch(lambda e: setattr(self, "search", e.new), "value_input")
        self._name = pn.widgets.TextInput(
            placeholder="Name of the new dashboard", css_classes=["dp-dash-new-name"], width=280
        )
        self._name.param.watch(lambda _: self._create(), "enter_pressed")
        self._new = button("New dashboard", "dp-dash-new", kind="primary")
        self._new.on_click(lambda _: self._create())
        self._first = self._first_button()
        self._first_empty = self._first_button("primary")
        self._templates = TemplateForm(state, workspace)
        self._use = button("Use template", "dp-dash-use-template")
        self._use.on_click(lambda _: self._templates.toggle())
        self._rows = pn.Column(sizing_mode="stretch_width", css_classes=["dp-dash-list"])
        self.param.watch(lambda _: self.reload(), "search")
        self.param.watch(lambda *_: self._render(), ["items", "loading", "asking"])
        self.param.watch(self._show_making, "making")
        self.reload()

    # -- data ---------------------------------------------------------------------------------
    def reload(self) -> None:
        """Read the list again, off the event loop."""
        self.loading = not self.items
        search, workspace = self.search, self.workspace.id
        self._work.submit(lambda: self.service.list(workspace, search), self._loaded)

    def shown_again(self) -> None:
        """Back on the page: dashboards made elsewhere (Explore, the guided setup) are listed."""
        self.reload()

    def _loaded(self, result: Any) -> None:
        if isinstance(result, Exception):
            notify_error(result)
            result = []
        self.param.update(items=list(result), loading=False)

    # -- actions -------------------------------------------------------------------------------
    def _create(self) -> None:
        name = (self._name.value_input or self._name.value or "").strip()
        if not name:
            notify_error(ValueError("Name the new dashboard first."))
            return
        try:
            created = self.service.create(self.workspace.id, name)
        except Exception as exc:
            notify_error(exc)
            return
        self.navigator.go(board_url(created.id, edit=True))

    def _first_button(self, kind: str = "default") -> pn.widgets.Button:
        made = button("Make a first dashboard", "dp-dash-first", kind=kind)
        made.on_click(lambda _: self._make_first())
        return made

    def _make_first(self) -> None:
        """Plan and save a first dashboard off the event loop, then open it."""
        if self.making:
            return
        self.making = True
        workspace = self.workspace.id
        self._making.submit(lambda: self.service.create_automatic(workspace), self._first_made)

    def _first_made(self, result: Any) -> None:
        self.making = False
        if isinstance(result, Exception):
            notify_error(result)
            return
        self.navigator.go(board_url(result.id))  # shown with its data; Edit is one click away

    def _show_making(self, event: Any) -> None:
        for made in (self._first, self._first_empty):
            made.loading = made.disabled = bool(event.new)

    def _duplicate(self, dashboard_id: uuid.UUID) -> None:
        try:
            copy = self.service.duplicate(self.workspace.id, dashboard_id)
        except Exception as exc:
            notify_error(exc)
            return
        notify_success(f"Made “{copy.name}”.")
        self.reload()

    def _delete(self, dashboard_id: uuid.UUID) -> None:
        try:
            self.service.delete(self.workspace.id, dashboard_id)
        except Exception as exc:
            notify_error(exc)
            return
        self.asking = ""
        notify_success("Dashboard deleted.")
        self.reload()

    # -- view ----------------------------------------------------------------------------------
    def _render(self) -> None:
        if self.loading:
            self._rows.objects = [
                pn.pane.HTML("<p class='dp-loading-text'>Loading…</p>", stylesheets=STYLES)
            ]
        elif not self.items:
            self._rows.objects = [self._empty()]
        else:
            self._rows.objects = [self._row(info) for info in self.items]

    def _empty(self) -> Any:
        if self.search:
            return pn.pane.HTML(
                f"<p class='dp-dash-none'>No dashboard matches “{html.escape(self.search)}”.</p>",
                stylesheets=STYLES,
            )
        empty = EmptyState(
            title="No dashboards yet",
            message=(
                "A dashboard is a grid of charts built from the model's measures and dimensions. "
                "Name one above to start it, or let DataPilot make a first one from the model."
                if self.can_edit
                else "An editor of your team can make one; it will be listed here."
            ),
            icon="▦",
        )
        if not self.can_edit:
            return empty
        return pn.Column(
            empty,
            pn.Row(pn.layout.HSpacer(), self._first_empty, pn.layout.HSpacer()),
            sizing_mode="stretch_width",
        )

    def _row(self, info: DashboardInfo) -> pn.Row:
        widgets = len(info.document.widgets)
        text = (
            f"<a class='dp-dash-open' href='{html.escape(board_url(info.id))}'>"
            f"{html.escape(info.name)}</a><div class='dp-dash-meta'>"
            f"{widgets} widget{'s' if widgets != 1 else ''} · changed "
            f"{info.updated_at:%d %b %Y}</div>"
            + (
                f"<div class='dp-dash-desc'>{html.escape(info.description)}</div>"
                if info.description
                else ""
            )
        )
        parts: list[Any] = [
            pn.pane.HTML(text, stylesheets=STYLES, sizing_mode="stretch_width", margin=(4, 8))
        ]
        if self.can_edit:
            parts.extend(self._row_actions(info))
        return pn.Row(*parts, sizing_mode="stretch_width", css_classes=["dp-dash-item"])

    def _row_actions(self, info: DashboardInfo) -> list[Any]:
        key = str(info.id)
        if self.asking == key:
            confirm = button("Delete", "dp-dash-delete-yes", kind="danger")
            confirm.on_click(lambda _: self._delete(info.id))
            keep = button("Keep", "dp-dash-delete-no")
            keep.on_click(lambda _: setattr(self, "asking", ""))
            ask = pn.pane.HTML(
                f"<span class='dp-dash-ask'>Delete “{html.escape(info.name)}” and its "
                "widgets?</span>",
                stylesheets=STYLES,
            )
            return [ask, confirm, keep]
        copy = button("Duplicate", "dp-dash-duplicate")
        copy.on_click(lambda _: self._duplicate(info.id))
        delete = button("Delete…", "dp-dash-delete")
        delete.on_click(lambda _: setattr(self, "asking", key))
        return [copy, delete]

    def __panel__(self) -> pn.viewable.Viewable:
        top: list[Any] = [self._search, pn.layout.HSpacer()]
        if self.can_edit:
            top += [self._name, self._new, self._first, self._use]
        return pn.Column(
            pn.Row(*top, sizing_mode="stretch_width", css_classes=["dp-dash-top"]),
            self._templates,
            self._rows,
            self.navigator,
            sizing_mode="stretch_width",
            css_classes=["dp-dashboards"],
        )
