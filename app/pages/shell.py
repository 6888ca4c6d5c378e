"""The shared layout of every page: sidebar navigation, workspace switcher, user menu.

Each page module provides a ``page(state)`` factory that receives the session's
:class:`ShellState`; :func:`build_page` wraps it in the shell. Everything is built per session.

Panel renders every pane in its own shadow root, so page-level CSS does not reach pane content:
panes and widgets that need the shell's look get ``stylesheets=STYLES``.
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
from app.principal import Principal
from app.services.errors import DomainError
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

# Inline 24x24 stroke icons: no icon font, nothing fetched.
_ICONS = {
    "sources": '<ellipse cx="12" cy="5.5" rx="8" ry="3"/><path d="M4 5.5v13c0 1.7 3.6 3 8 3s8-1.3 '
    '8-3v-13"/><path d="M4 12c0 1.7 3.6 3 8 3s8-1.3 8-3"/>',
    "model": '<rect x="3" y="3" width="7" height="7" rx="1.5"/><rect x="14" y="14" width="7" '
    'height="7" rx="1.5"/><path d="M10 6.5h4.5a2 2 0 0 1 2 2V14"/>',
    "explore": '<circle cx="11" cy="11" r="7"/><path d="m20.5 20.5-4.5-4.5"/>',
    "sql": '<path d="m8 7-5 5 5 5"/><path d="m16 7 5 5-5 5"/><path d="m14 4-4 16"/>',
    "dashboards": '<rect x="3" y="3" width="8" height="10" rx="1.5"/><rect x="13" y="3" width="8" '
    'height="6" rx="1.5"/><rect x="13" y="11" width="8" height="10" rx="1.5"/><rect x="3" y="15" '
    'width="8" height="6" rx="1.5"/>',
    "settings": '<path d="M4 6h9M17 6h3M4 12h3M11 12h9M4 18h11M19 18h1"/><circle cx="15" cy="6" '
    'r="2"/><circle cx="9" cy="12" r="2"/><circle cx="17" cy="18" r="2"/>',
    "chevron": '<path d="m6 9 6 6 6-6"/>',
    "logout": '<path d="M15 4h3a2 2 0 0 1 2 2v12a2 2 0 0 1-2 2h-3"/><path d="m10 17 5-5-5-5"/>'
    '<path d="M15 12H4"/>',
}


def icon(name: str, size: int = 18) -> str:
    """An inline SVG icon from the shell's small set."""
    return (
        f'<svg class="dp-icon" width="{size}" height="{size}" viewBox="0 0 24 24" fill="none" '
        'stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round" '
        f'aria-hidden="true">{_ICONS[name]}</svg>'
    )


class ShellState(param.Parameterized):
    """Per-session state shared by the shell and the page: who, and which workspace."""

    workspaces = param.List(default=[], doc="WorkspaceInfo of the tenant, by name.")
    workspace = param.Parameter(default=None, doc="The current WorkspaceInfo, or None.")
    display_name = param.String(default="", doc="The signed-in user's name as shown.")

    def __init__(
        self, ctx: AppContext, principal: Principal, csrf: str, slug: str = "", **params: Any
    ) -> None:
        super().__init__(display_name=principal.display_name, **params)
        self.slug = slug
        self.ctx = ctx
        self.principal = principal
        self.csrf = csrf
        self.service = ctx.workspaces(principal)
        self.reload()

    def reload(self, select: uuid.UUID | None = None) -> None:
        """Re-read the workspaces; ``select`` also becomes the user's remembered workspace."""
        workspaces = list(self.service.list())
        current = self.service.set_current(select) if select is not None else self.service.current()
        with param.parameterized.batch_call_watchers(self):
            self.workspaces = workspaces
            self.workspace = current

    def create_workspace(self, name: str) -> WorkspaceInfo:
        """Create a workspace, make it the current one and say so."""
        workspace = self.service.create(name)
        self.reload(workspace.id)
        notify_success(f"Workspace “{workspace.name}” created.")
        return workspace


def notify_error(exc: Exception) -> None:
    """Show a domain error as a notification; anything else is logged and shown generically."""
    if isinstance(exc, DomainError):
        message = str(exc)
    else:
        log.exception("unexpected error in a page callback")
        message = "Something went wrong; it has been logged. Try again."
    if pn.state.notifications is not None:
        pn.state.notifications.error(html.escape(message), duration=8000)


def notify_success(message: str) -> None:
    if pn.state.notifications is not None:
        pn.state.notifications.success(html.escape(message), duration=4000)


def guarded(action: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a callback so a domain error becomes a notification, not a stack trace."""

    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return action(*args, **kwargs)
        except Exception as exc:
            notify_error(exc)
            return None

    return run


def _button(label: str, css: str, kind: str = "default", **params: Any) -> pn.widgets.Button:
    params.setdefault("margin", (2, 4))
    return pn.widgets.Button(
        name=label, button_type=kind, css_classes=[css], stylesheets=STYLES, **params
    )


class WorkspaceSwitcher(pn.viewable.Viewer):
    """Select the current workspace; editors also create, rename and delete."""

    def __init__(self, state: ShellState, **params: Any) -> None:
        super().__init__(**params)
        self.state = state
        editing = state.principal.can_edit
        self._heading = pn.pane.HTML(
            "<div class='dp-section-label'>Workspace</div>",
            sizing_mode="stretch_width",
            stylesheets=STYLES,
            margin=(0, 5),
        )
        self._select = pn.widgets.Select(
            sizing_mode="stretch_width",
            css_classes=["dp-workspace-select"],
            stylesheets=STYLES,
            margin=(2, 4, 8, 4),
        )
        self._select.param.watch(self._switch, "value")
        self._name = pn.widgets.TextInput(
            placeholder="Workspace name",
            sizing_mode="stretch_width",
            css_classes=["dp-workspace-name"],
            stylesheets=STYLES,
        )
        self._name.param.watch(lambda _: self._save(), "enter_pressed")
        self._save_btn = _button(
            "Create", "dp-workspace-save", "primary", sizing_mode="stretch_width"
        )
        self._save_btn.on_click(lambda _: self._save())
        cancel = _button("Cancel", "dp-workspace-cancel", sizing_mode="stretch_width")
        cancel.on_click(lambda _: self._close())
        self._form_title = pn.pane.HTML("", stylesheets=STYLES, margin=(0, 5))
        self._form = pn.Column(
            self._form_title,
            self._name,
            pn.Row(self._save_btn, cancel, sizing_mode="stretch_width"),
            visible=False,
            sizing_mode="stretch_width",
            css_classes=["dp-sidebar-form"],
            stylesheets=STYLES,
        )
        self._mode = "create"
        self._confirm = ConfirmDelete(what="workspace")
        self._confirm.param.watch(lambda _: self._delete(), "confirmed")
        self._confirm.param.watch(lambda _: self._close(), "cancelled")
        self._confirm_box = pn.Column(
            self._confirm, visible=False, sizing_mode="stretch_width", margin=(4, 0)
        )
        new = _button("New", "dp-workspace-new", sizing_mode="stretch_width")
        new.on_click(lambda _: self._open("create"))
        self._rename = _button("Rename", "dp-workspace-rename", sizing_mode="stretch_width")
        self._rename.on_click(lambda _: self._open("rename"))
        self._remove = _button("Delete", "dp-workspace-delete", sizing_mode="stretch_width")
        self._remove.on_click(lambda _: self._open("delete"))
        self._tools = pn.Row(
            new,
            self._rename,
            self._remove,
            visible=editing,
            sizing_mode="stretch_width",
            css_classes=["dp-workspace-tools"],
        )
        self._empty = pn.pane.HTML(
            "<p class='dp-hint'>No workspace yet. "
            + (
                "Create one with <b>New</b>.</p>"
                if editing
                else "An editor of your team can create one.</p>"
            ),
            visible=False,
            stylesheets=STYLES,
            margin=(0, 5),
        )
        self._layout = pn.Column(
            self._heading,
            self._select,
            self._empty,
            self._tools,
            self._form,
            self._confirm_box,
            sizing_mode="stretch_width",
            css_classes=["dp-workspaces"],
        )
        state.param.watch(lambda *_: self._sync(), ["workspaces", "workspace"])
        self._sync()

    def _sync(self) -> None:
        options = {w.name: str(w.id) for w in self.state.workspaces}
        current = self.state.workspace
        self._select.param.update(options=options, value=str(current.id) if current else None)
        self._select.visible = bool(options)
        self._empty.visible = not options
        self._rename.disabled = self._remove.disabled = current is None

    def _switch(self, event: param.parameterized.Event) -> None:
        current = self.state.workspace
        if event.new and (current is None or str(current.id) != event.new):
            self._close()
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
        self._name.value = self._name.value_input = (
            current.name if (mode == "rename" and current) else ""
        )
        self._form_title.object = (
            "<div class='dp-form-title'>New workspace</div>"
            if mode == "create"
            else "<div class='dp-form-title'>Rename workspace</div>"
        )
        self._save_btn.name = "Create" if mode == "create" else "Rename"
        self._form.visible = True

    def _close(self) -> None:
        self._form.visible = False
        self._confirm_box.visible = False

    @guarded
    def _save(self) -> None:
        if not self._form.visible:
            return
        name = self._name.value_input or self._name.value
        if self._mode == "create":
            self.state.create_workspace(name)
        else:
            assert self.state.workspace is not None
            ws = self.state.service.update(self.state.workspace.id, name=name)
            self.state.reload(ws.id)
            notify_success(f"Workspace renamed to “{ws.name}”.")
        self._close()

    @guarded
    def _delete(self) -> None:
        current = self.state.workspace
        if current is None:
            return
        self.state.service.delete(current.id)
        self._close()
        self.state.reload()
        notify_success(f"Workspace “{current.name}” deleted.")

    def __panel__(self) -> pn.viewable.Viewable:
        return self._layout


def _nav(active: str) -> str:
    items = "".join(
        f'<li><a href="/{slug}" class="dp-nav-link{" active" if slug == active else ""}"'
        f"{' aria-current=page' if slug == active else ''}>{icon(slug)}<span>{label}</span></a></li>"
        for slug, label in NAV
    )
    return f'<nav class="dp-nav" aria-label="Main"><ul>{items}</ul></nav>'


def _initials(name: str) -> str:
    parts = [p for p in name.split() if p[:1].isalnum()]
    letters = "".join(p[0] for p in parts[:2]) if parts else (name[:1] or "?")
    return letters.upper()


def _user_menu(principal: Principal, csrf: str, display_name: str) -> str:
    """Header account button; the menu is a native popover (light dismiss, Escape, top layer)."""
    name, role = html.escape(display_name), html.escape(principal.role)
    return (
        '<div class="dp-user-menu">'
        '<button type="button" class="dp-user-button" popovertarget="dp-user-popover" '
        f'aria-haspopup="menu" title="Account: {name}">'
        f'<span class="dp-avatar" aria-hidden="true">{html.escape(_initials(display_name))}</span>'
        f'<span class="dp-user-text"><span class="dp-user-name">{name}</span>'
        f'<span class="dp-user-role">{role}</span></span>{icon("chevron", 16)}</button>'
        '<div id="dp-user-popover" class="dp-user-popover" popover role="menu">'
        '<div class="dp-user-summary">'
        f'<div class="dp-user-summary-name">{name}</div>'
        f'<div class="dp-user-summary-email">{html.escape(principal.email)}</div>'
        f'<div class="dp-user-summary-tenant"><span class="dp-role-badge">{role}</span> '
        f"{html.escape(principal.tenant_name)}</div></div>"
        f'<a class="dp-menu-item" role="menuitem" href="/settings">{icon("settings", 16)}'
        "<span>Settings</span></a>"
        '<form method="post" action="/logout" class="dp-logout">'
        f'<input type="hidden" name="csrf" value="{html.escape(csrf)}">'
        '<button type="submit" role="menuitem" class="dp-menu-item dp-logout-button">'
        f"{icon('logout', 16)}<span>Log out</span></button></form></div></div>"
    )


def current_principal(ctx: AppContext) -> tuple[Principal, str] | None:
    return ctx.accounts.resolve_browser_session(pn.state.cookies.get(SESSION_COOKIE))


def _page_header(state: ShellState, title: str) -> pn.viewable.Viewable:
    def render(workspace: WorkspaceInfo | None) -> str:
        where = (
            f"<span class='dp-crumb-workspace'>{html.escape(workspace.name)}</span>"
            if workspace is not None
            else "<span class='dp-crumb-none'>No workspace selected</span>"
        )
        return (
            "<header class='dp-page-header'><div class='dp-page-context'>"
            f"<span class='dp-crumb-tenant'>{html.escape(state.principal.tenant_name)}</span>"
            f"<span class='dp-crumb-sep' aria-hidden='true'>/</span>{where}</div>"
            f"<h1 class='dp-page-title'>{html.escape(title)}</h1></header>"
        )

    return pn.pane.HTML(
        pn.bind(render, state.param.workspace), sizing_mode="stretch_width", stylesheets=STYLES
    )


def _template() -> pn.template.BootstrapTemplate:
    template = pn.template.BootstrapTemplate(
        title="DataPilot",
        site_url="/sources",
        logo="/dp-static/favicon.svg",
        favicon="/dp-static/favicon.svg",
        sidebar_width=264,
        header_background="#1f3a5f",
        header_color="#ffffff",
        main_max_width="1180px",
    )
    template.config.css_files.append(STYLES[0])
    return template


def build_page(ctx: AppContext, slug: str, page_factory: Callable[[ShellState], Any]) -> Any:
    """Build one page for this session inside the shared shell."""
    title = dict(NAV)[slug]
    template = _template()
    resolved = current_principal(ctx)
    if resolved is None:  # the auth hook normally prevents this; never render data without one
        template.main.append(
            EmptyState(
                title="Your session has ended",
                message="Sign in again to continue.",
                icon="🔒",
                action_label="Sign in",
                action_url=f"/login?next=/{slug}",
            )
        )
        return template
    principal, csrf = resolved
    state = ShellState(ctx, principal, csrf, slug=slug)
    template.sidebar.extend(
        [
            WorkspaceSwitcher(state),
            pn.pane.HTML(
                _nav(slug), sizing_mode="stretch_width", stylesheets=STYLES, margin=(0, 4)
            ),
        ]
    )
    menu = pn.pane.HTML(
        pn.bind(lambda name: _user_menu(principal, csrf, name), state.param.display_name),
        sizing_mode="stretch_width",
        stylesheets=STYLES,
        css_classes=["dp-header-items"],
    )
    template.header.append(menu)
    template.main.append(_page_header(state, title))
    try:
        content = page_factory(state)
    except Exception:
        # Never show a traceback to a user; the log has it.
        log.exception("building the %s page failed", slug)
        content = EmptyState(
            title="This page could not be shown",
            message="Something went wrong on our side and it has been logged. Reload the page; "
            "if it keeps happening, tell your admin the time it happened.",
            icon="⚠",
        )
    template.main.append(content)
    return template


class _FirstWorkspaceForm(pn.viewable.Viewer):
    """Inline 'name your first workspace' form shown in the empty state."""

    def __init__(self, state: ShellState, **params: Any) -> None:
        super().__init__(**params)
        self.state = state
        self._name = pn.widgets.TextInput(
            placeholder="Name your first workspace, e.g. Sales",
            width=320,
            css_classes=["dp-first-workspace-name"],
            stylesheets=STYLES,
        )
        self._name.param.watch(lambda _: self._create(), "enter_pressed")
        create = _button("Create workspace", "dp-first-workspace-create", "primary")
        create.on_click(lambda _: self._create())
        self._layout = pn.Row(self._name, create, align="center", css_classes=["dp-first-form"])

    @guarded
    def _create(self) -> None:
        self.state.create_workspace(self._name.value_input or self._name.value)

    def __panel__(self) -> pn.viewable.Viewable:
        return self._layout


def _page_icon(state: ShellState) -> str:
    # The page's own sidebar icon, drawn large: consistent, and no font glyph that may be missing.
    return icon(state.slug, 34) if state.slug in _ICONS else ""


def workspace_page(
    state: ShellState, icon: str, render: Callable[[WorkspaceInfo], Any]
) -> pn.viewable.Viewable:
    """Page content that follows the current workspace, with an empty state when there is none."""

    def content(workspace: WorkspaceInfo | None) -> Any:
        if workspace is None:
            if state.principal.can_edit:
                return pn.Column(
                    EmptyState(
                        title="Create your first workspace",
                        message="Everything in DataPilot lives in a workspace: its sources, "
                        "model and dashboards. Name one to get started; you can add more later "
                        "with New in the sidebar.",
                        icon=icon,
                        icon_html=_page_icon(state),
                    ),
                    _FirstWorkspaceForm(state),
                    sizing_mode="stretch_width",
                )
            return EmptyState(
                title="No workspace to show yet",
                message="Everything in DataPilot lives in a workspace, and your team has none "
                "yet. Ask an editor or admin of your team to create one; it will appear in the "
                "sidebar.",
                icon=icon,
                icon_html=_page_icon(state),
            )
        return render(workspace)

    return pn.panel(pn.bind(content, state.param.workspace), sizing_mode="stretch_width")


def coming_soon(state: ShellState, icon: str, title: str, message: str) -> pn.viewable.Viewable:
    """The honest empty state of a page whose feature is not built yet."""
    return workspace_page(
        state,
        icon,
        lambda _ws: EmptyState(
            title=title, message=message, icon=icon, icon_html=_page_icon(state)
        ),
    )
