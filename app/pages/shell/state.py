"""The per-session state every page shares: who is signed in, and which workspace is current."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import panel as pn
import param

from app.context import AppContext
from app.pages.shell.notify import notify_success
from app.principal import Principal
from app.services.workspaces import WorkspaceInfo


class ShellState(param.Parameterized):
    """Per-session state shared by the shell and the page: who, and which workspace."""

    workspaces = param.List(default=[], doc="WorkspaceInfo of the tenant, by name.")
    workspace = param.Parameter(default=None, doc="The current WorkspaceInfo, or None.")
    display_name = param.String(default="", doc="The signed-in user's name as shown.")
    returns = param.Integer(
        default=0,
        doc="Counts a kept page shown again (see app/pages/shell/router.py): the page re-reads "
        "what other pages may have changed since.",
    )

    def __init__(
        self, ctx: AppContext, principal: Principal, csrf: str, slug: str = "", **params: Any
    ) -> None:
        super().__init__(display_name=principal.display_name, **params)
        self.slug = slug
        self.building = ""
        """The page being built, while a page factory runs (pages are built one at a time)."""
        self.set_address: Callable[[str], None] = _address_bar
        """Show a view's address (path and query) in the browser; the page router replaces it."""
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


def _address_bar(url: str) -> None:
    location = pn.state.location
    if location is not None:
        location.search = "?" + url.partition("?")[2]
