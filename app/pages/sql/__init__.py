"""The SQL workbench page and the wording of its outcomes."""

import panel as pn

from app.pages.shell import ShellState, workspace_page
from app.pages.sql.handoff import handed_sql
from app.pages.sql.workbench import ICON, SqlWorkbench

__all__ = ["SqlWorkbench", "page"]


def page(state: ShellState) -> pn.viewable.Viewable:
    """The SQL page's content for this session."""
    pn.extension("tabulator")
    return workspace_page(
        state, ICON, lambda ws: SqlWorkbench(state, ws, handed=handed_sql(state.principal, ws.id))
    )
