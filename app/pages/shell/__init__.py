"""The shared layout of every page: sidebar navigation, workspace switcher, user menu.

Each page module provides a ``page(state)`` factory that receives the session's
:class:`ShellState`; :func:`build_page` wraps it in the shell. Everything is built per session.

Parts: ``state`` (who and which workspace), ``notify`` (how callbacks report), ``look``
(stylesheet, icons, buttons), ``switcher`` (the workspace switcher), ``frame`` (template, nav,
user menu, page header) and ``content`` (workspace-following content and its empty states).
Pages import what they need from this package.
"""

from __future__ import annotations

from app.pages.shell.content import coming_soon, sources_first, workspace_page
from app.pages.shell.frame import NAV, build_page, current_principal
from app.pages.shell.look import STYLES, icon
from app.pages.shell.notify import guarded, notify_error, notify_success
from app.pages.shell.state import ShellState
from app.pages.shell.switcher import WorkspaceSwitcher

__all__ = [
    "NAV",
    "STYLES",
    "ShellState",
    "WorkspaceSwitcher",
    "build_page",
    "coming_soon",
    "current_principal",
    "guarded",
    "icon",
    "notify_error",
    "notify_success",
    "sources_first",
    "workspace_page",
]
