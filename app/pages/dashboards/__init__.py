"""Dashboards page: the workspace's dashboards (``listing``), and one dashboard (``board``) at
``/dashboards?id=<id>`` with its filters, cross-filters and Edit mode (``filter_bar``,
``tiles``); ``wording`` holds what the page says and how its address keeps a view. CSS in
``app/static/dashboards.css``.
"""

from __future__ import annotations

import panel as pn

from app.pages.dashboards.board import Board
from app.pages.dashboards.listing import STYLES, DashboardList
from app.pages.dashboards.wording import read_view
from app.pages.shell import ShellState, workspace_page
from app.services.errors import DomainError, NotFound
from app.services.workspaces import WorkspaceInfo
from components.feedback import EmptyState

__all__ = ["Board", "DashboardList", "page"]
ICON = "▦"


def page(state: ShellState) -> pn.viewable.Viewable:
    """The Dashboards page's content for this session."""
    pn.extension("tabulator", "gridstack")
    view = read_view(pn.state.session_args or {})

    def dashboards(workspace: WorkspaceInfo) -> pn.viewable.Viewable | DashboardList:
        if view["id"] is None:
            return DashboardList(state, workspace)
        return open_board(state, workspace, view)

    return workspace_page(state, ICON, dashboards)


def open_board(
    state: ShellState, workspace: WorkspaceInfo, view: dict[str, object]
) -> pn.viewable.Viewable:
    """The dashboard of the address, or what to do when it cannot be shown."""
    back = pn.pane.HTML(
        "<a class='dp-dash-back' href='/dashboards'>← All dashboards</a>", stylesheets=STYLES
    )
    try:
        info = state.ctx.dashboards(state.principal).get(workspace.id, view["id"])  # type: ignore[arg-type]
        model = state.ctx.models(state.principal).get(workspace.id)
    except NotFound:
        return pn.Column(
            back,
            EmptyState(
                title="This dashboard is not here",
                message="It was deleted, or it belongs to another workspace (pick that one in "
                "the sidebar). The list of this workspace's dashboards is one click away.",
                icon=ICON,
                action_label="All dashboards",
                action_url="/dashboards",
            ),
            sizing_mode="stretch_width",
        )
    except DomainError as exc:
        return pn.Column(
            back,
            EmptyState(title="This dashboard could not be opened", message=str(exc), icon="⚠"),
            sizing_mode="stretch_width",
        )
    return pn.Column(back, Board(state, workspace, info, model, view), sizing_mode="stretch_width")
