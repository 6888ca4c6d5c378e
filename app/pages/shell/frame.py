"""The frame around every page: template, sidebar navigation, user menu and page header.

Each page module provides a ``page(state)`` factory that receives the session's
:class:`ShellState`; :func:`build_page` wraps it in the shell. Everything is built per session.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import panel as pn

from app.auth.web import SESSION_COOKIE
from app.context import AppContext
from app.pages.shell.banner import SetupBanner
from app.pages.shell.look import SHELL_JS, STYLES, ShellDesign, icon
from app.pages.shell.router import PageFactory, Pages
from app.pages.shell.state import ShellState
from app.pages.shell.switcher import WorkspaceSwitcher
from app.principal import Principal
from app.services.workspaces import WorkspaceInfo
from components.feedback import EmptyState

NAV = [
    ("sources", "Sources"),
    ("model", "Model"),
    ("explore", "Explore"),
    ("sql", "SQL"),
    ("dashboards", "Dashboards"),
    ("settings", "Settings"),
]
TITLES = {**dict(NAV), "welcome": "Get started"}
"""Every page's title: the navigation's, and pages reached otherwise."""


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
        f'<a class="dp-menu-item" role="menuitem" href="/welcome">{icon("welcome", 16)}'
        "<span>Guided setup</span></a>"
        '<form method="post" action="/logout" class="dp-logout">'
        f'<input type="hidden" name="csrf" value="{html.escape(csrf)}">'
        '<button type="submit" role="menuitem" class="dp-menu-item dp-logout-button">'
        f"{icon('logout', 16)}<span>Log out</span></button></form></div></div>"
    )


def current_principal(ctx: AppContext) -> tuple[Principal, str] | None:
    """The signed-in principal and CSRF token of this browser session, or None."""
    return ctx.accounts.resolve_browser_session(pn.state.cookies.get(SESSION_COOKIE))


def _page_header(state: ShellState, slug: Any) -> pn.viewable.Viewable:
    def render(workspace: WorkspaceInfo | None, slug: str) -> str:
        where = (
            f"<span class='dp-crumb-workspace'>{html.escape(workspace.name)}</span>"
            if workspace is not None
            else "<span class='dp-crumb-none'>No workspace selected</span>"
        )
        return (
            "<header class='dp-page-header'><div class='dp-page-context'>"
            f"<span class='dp-crumb-tenant'>{html.escape(state.principal.tenant_name)}</span>"
            f"<span class='dp-crumb-sep' aria-hidden='true'>/</span>{where}</div>"
            f"<h1 class='dp-page-title'>{html.escape(TITLES[slug])}</h1></header>"
        )

    return pn.pane.HTML(
        pn.bind(render, state.param.workspace, slug),
        sizing_mode="stretch_width",
        stylesheets=STYLES,
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
        design=ShellDesign,
        # Without it a phone lays the page out 980px wide and shrinks it: no @media rule applies.
        meta_viewport="width=device-width, initial-scale=1",
    )
    template.config.css_files.append(STYLES[0])
    # Every page's extensions, whichever page the session opens on: the others are switched to
    # without a new document, so their scripts must already be there.
    pn.extension("tabulator", "gridstack", "codeeditor")
    # The template drops its own config's scripts; Panel's config here is this session's copy.
    pn.config.js_files["dp_shell"] = SHELL_JS
    return template


def _address() -> str:
    context = getattr(pn.state.curdoc, "session_context", None)
    uri = getattr(getattr(context, "request", None), "uri", None)
    return uri if isinstance(uri, str) and uri.startswith("/") else ""


def _invites(slug: str) -> bool:
    return slug != "welcome"


def build_page(ctx: AppContext, slug: str, factories: Mapping[str, PageFactory]) -> Any:
    """Build this session's app inside the shared shell, opened on ``slug``'s page.

    The other pages of ``factories`` are built when the user first switches to them, without a
    new document (see :mod:`app.pages.shell.router`).
    """
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
    # The sidebar's pages are drawn ahead, hidden, once the browser is idle (router.js).
    warm = [s for s, _ in NAV if s in factories] if ctx.settings.server.prefetch_pages else []
    pages = Pages(state, factories, slug, _address() or f"/{slug}", warm=warm)
    current = pages.router.param.slug
    template.sidebar.extend(
        [
            WorkspaceSwitcher(state),
            pn.pane.HTML(
                pn.bind(_nav, current),
                sizing_mode="stretch_width",
                stylesheets=STYLES,
                margin=(0, 4),
            ),
        ]
    )
    menu = pn.pane.HTML(
        pn.bind(lambda name: _user_menu(principal, csrf, name), state.param.display_name),
        sizing_mode="stretch_width",
        stylesheets=STYLES,
        css_classes=["dp-header-items"],
    )
    template.header.extend([menu, pages.router])
    # The setup's own page needs no invitation to it.
    invitation = pn.Column(
        SetupBanner(state),
        visible=pn.bind(_invites, current),
        sizing_mode="stretch_width",
        margin=0,
    )
    template.main.extend([_page_header(state, current), invitation, pages.view])
    return template
