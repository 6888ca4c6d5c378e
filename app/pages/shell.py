"""The shared layout of every page: sidebar navigation, workspace switcher, user menu.

Each page module provides a ``Page`` Viewer that receives the session's :class:`ShellState`;
:func:`build_page` wraps it in the shell. Everything is built per session.
"""

from __future__ import annotations

import html
import logging
import uuid
from collections.abc import Callable
from typing import Any

import panel as pn
import param

from app.auth.web import SESSION_COOKIE
from app.context import AppContext
from app.services.errors import DomainError
from app.services.principal import Principal
from app.services.workspaces import WorkspaceInfo
from components.feedback import ConfirmDelete, EmptyState

log = logging.getLogger("datapilot.pages")
STYLES = ["/dp-static/shell.css"]

NAV = [
    ("sources", "Sources"),
    ("model", "Model"),
    ("explore", "Explore"),
    ("sql", "SQL"),
    ("dashboards", "Dashboards"),
    ("settings", "Settings"),
]


class ShellState(param.Parameterized):
    """Per-session state shared by the shell and the page: who, and which workspace."""

    workspaces = param.List(default=[], doc="WorkspaceInfo of the tenant, by name.")
    workspace = param.Parameter(default=None, doc="The current WorkspaceInfo, or None.")

    def __init__(self, ctx: AppContext, principal: Principal, csrf: str, **params: Any) -> None:
        super().__init__(**params)
        self.ctx = ctx
        self.principal = principal
        self.csrf = csrf
        self.service = ctx.workspaces(principal)
        self.reload()

    def reload(self, select: uuid.UUID | None = None) -> None:
        self.workspaces = list(self.service.list())
        self.workspace = (
            self.service.set_current(select) if select is not None else self.service.current()
        )


def notify_error(exc: Exception) -> None:
    """Show a domain error as a notification; anything else is logged and shown generically."""
    if isinstance(exc, DomainError):
        message = str(exc)
    else:
        log.exception("unexpected error in a page callback")
        message = "Something went wrong; it has been logged. Try again."
    if pn.state.notifications is not None:
        pn.state.notifications.error(html.escape(message), duration=6000)


def notify_success(message: str) -> None:
    if pn.state.notifications is not None:
        pn.state.notifications.success(html.escape(message), duration=3000)


def guarded(action: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a callback so a domain error becomes a notification, not a stack trace."""

    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return action(*args, **kwargs)
        except Exception as exc:
            notify_error(exc)
            return None

    return run


class WorkspaceSwitcher(pn.viewable.Viewer):
    """Select the current workspace; editors also create, rename and delete."""

    def __init__(self, state: ShellState, **params: Any) -> None:
        super().__init__(**params)
        self.state = state
        self._select = pn.widgets.Select(
            name="Workspace", sizing_mode="stretch_width", css_classes=["dp-workspace-select"]
        )
        self._select.param.watch(self._switch, "value")
        self._name = pn.widgets.TextInput(
            placeholder="Workspace name",
            sizing_mode="stretch_width",
            css_classes=["dp-workspace-name"],
        )
        self._name.param.watch(lambda _: self._save(), "enter_pressed")
        self._save_btn = pn.widgets.Button(
            name="Save", button_type="primary", css_classes=["dp-workspace-save"]
        )
        self._save_btn.on_click(lambda _: self._save())
        cancel = pn.widgets.Button(name="Cancel", button_type="light")
        cancel.on_click(lambda _: self._close())
        self._form = pn.Column(self._name, pn.Row(self._save_btn, cancel), visible=False)
        self._mode = "create"
        self._confirm = ConfirmDelete(what="workspace")
        self._confirm.param.watch(lambda _: self._delete(), "confirmed")
        self._confirm.param.watch(lambda _: self._close(), "cancelled")
        self._confirm_box = pn.Column(self._confirm, visible=False)
        new = pn.widgets.Button(name="New", css_classes=["dp-workspace-new"])
        new.on_click(lambda _: self._open("create"))
        self._rename = pn.widgets.Button(name="Rename", css_classes=["dp-workspace-rename"])
        self._rename.on_click(lambda _: self._open("rename"))
        self._remove = pn.widgets.Button(name="Delete", css_classes=["dp-workspace-delete"])
        self._remove.on_click(lambda _: self._open("delete"))
        editing = state.principal.can_edit
        self._tools = pn.Row(new, self._rename, self._remove, visible=editing)
        self._empty = pn.pane.HTML(
            "<p class='dp-hint'>No workspace yet. "
            + (
                "Create one with <b>New</b>.</p>" if editing else "Ask an editor to create one.</p>"
            ),
            visible=False,
        )
        self._layout = pn.Column(
            self._select,
            self._empty,
            self._tools,
            self._form,
            self._confirm_box,
            sizing_mode="stretch_width",
            css_classes=["dp-workspaces"],
        )
        state.param.watch(lambda _: self._sync(), ["workspaces", "workspace"])
        self._sync()

    def _sync(self) -> None:
        options = {w.name: str(w.id) for w in self.state.workspaces}
        self._select.options = options
        current = self.state.workspace
        self._select.value = str(current.id) if current else None
        self._select.visible = bool(options)
        self._empty.visible = not options
        self._rename.disabled = self._remove.disabled = current is None

    def _switch(self, event: param.parameterized.Event) -> None:
        current = self.state.workspace
        if event.new and (current is None or str(current.id) != event.new):
            guarded(self.state.reload)(uuid.UUID(event.new))

    def _open(self, mode: str) -> None:
        self._mode = mode
        current: WorkspaceInfo | None = self.state.workspace
        if mode == "delete":
            self._form.visible = False
            self._confirm.name_to_type = current.name if current else ""
            self._confirm_box.visible = True
            return
        self._confirm_box.visible = False
        self._name.value = current.name if (mode == "rename" and current) else ""
        self._save_btn.name = "Create" if mode == "create" else "Rename"
        self._form.visible = True

    def _close(self) -> None:
        self._form.visible = False
        self._confirm_box.visible = False

    @guarded
    def _save(self) -> None:
        name = self._name.value_input or self._name.value
        service = self.state.service
        if self._mode == "create":
            ws = service.create(name)
            notify_success(f"Workspace “{ws.name}” created.")
        else:
            assert self.state.workspace is not None
            ws = service.update(self.state.workspace.id, name=name)
            notify_success(f"Workspace renamed to “{ws.name}”.")
        self._close()
        self.state.reload(ws.id)

    @guarded
    def _delete(self) -> None:
        current = self.state.workspace
        if current is None:
            return
        self.state.service.delete(current.id)
        self._close()
        notify_success(f"Workspace “{current.name}” deleted.")
        self.state.reload()

    def __panel__(self) -> pn.viewable.Viewable:
        return self._layout


def _nav(active: str) -> str:
    items = "".join(
        f'<li><a href="/{slug}" class="dp-nav-link{" active" if slug == active else ""}"'
        f"{' aria-current=page' if slug == active else ''}>{label}</a></li>"
        for slug, label in NAV
    )
    return f'<nav class="dp-nav" aria-label="Main"><ul>{items}</ul></nav>'


def _user_menu(principal: Principal, csrf: str) -> str:
    return (
        '<div class="dp-user-menu">'
        f'<span class="dp-user-name">{html.escape(principal.display_name)}</span>'
        f'<span class="dp-user-role">{html.escape(principal.role)} · '
        f"{html.escape(principal.tenant_name)}</span>"
        '<form method="post" action="/logout" class="dp-logout">'
        f'<input type="hidden" name="csrf" value="{html.escape(csrf)}">'
        '<button type="submit" class="dp-logout-button">Log out</button></form></div>'
    )


def current_principal(ctx: AppContext) -> tuple[Principal, str] | None:
    return ctx.accounts.resolve_browser_session(pn.state.cookies.get(SESSION_COOKIE))


def build_page(ctx: AppContext, slug: str, page_factory: Callable[[ShellState], Any]) -> Any:
    """Build one page for this session inside the shared shell."""
    title = dict(NAV)[slug]
    template = pn.template.BootstrapTemplate(
        title="DataPilot",
        site_url="/sources",
        sidebar_width=260,
        header_background="#1f3a5f",
    )
    resolved = current_principal(ctx)
    if resolved is None:  # the auth hook normally prevents this; never render data without one
        template.main.append(
            EmptyState(
                title="Your session has ended", message="Sign in again to continue.", icon="🔒"
            )
        )
        template.main.append(pn.pane.HTML('<a href="/login">Sign in</a>'))
        return template
    principal, csrf = resolved
    state = ShellState(ctx, principal, csrf)
    template.sidebar.extend(
        [
            pn.pane.HTML(_nav(slug), sizing_mode="stretch_width", stylesheets=STYLES),
            WorkspaceSwitcher(state),
        ]
    )
    template.header.append(
        pn.pane.HTML(_user_menu(principal, csrf), sizing_mode="stretch_width", stylesheets=STYLES)
    )
    template.main.append(
        pn.pane.HTML(
            f"<h1 class='dp-page-title'>{html.escape(title)}</h1>", sizing_mode="stretch_width"
        )
    )
    template.main.append(page_factory(state))
    return template


def workspace_page(
    state: ShellState, icon: str, render: Callable[[WorkspaceInfo], Any]
) -> pn.viewable.Viewable:
    """Page content that follows the current workspace, with an empty state when there is none."""

    def content(workspace: WorkspaceInfo | None) -> Any:
        if workspace is None:
            hint = (
                "Create one in the sidebar with New."
                if state.principal.can_edit
                else "Ask an editor of your team to create one."
            )
            return EmptyState(
                title="Choose or create a workspace",
                message=f"Everything in DataPilot lives in a workspace. {hint}",
                icon=icon,
            )
        return render(workspace)

    return pn.panel(pn.bind(content, state.param.workspace), sizing_mode="stretch_width")


def coming_soon(state: ShellState, icon: str, title: str, message: str) -> pn.viewable.Viewable:
    """The honest empty state of a page whose feature is not built yet."""
    return workspace_page(
        state, icon, lambda _ws: EmptyState(title=title, message=message, icon=icon)
    )
