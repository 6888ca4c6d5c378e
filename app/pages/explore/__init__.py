"""Explore page: questions in plain language answered from the workspace's semantic model.

``chat`` (the page: :class:`ExplorePage`, its chat, starters and conversations), ``answer``
(one answer in the chat: steps, explanation, chart, table, query, actions), ``wording`` (what
the page says, as pure functions). CSS in ``app/static/explore.css``.
"""

from __future__ import annotations

import panel as pn

from app.pages.explore.chat import ICON, ExplorePage
from app.pages.shell import ShellState, workspace_page
from app.services.workspaces import WorkspaceInfo
from pipelines.ai.starters import language_of

__all__ = ["ExplorePage", "page"]


def page(state: ShellState) -> pn.viewable.Viewable:
    """The Explore page's content for this session."""
    pn.extension("tabulator")
    header = (pn.state.headers or {}).get("Accept-Language")
    language = language_of(header if isinstance(header, str) else None)

    def explore(workspace: WorkspaceInfo) -> ExplorePage:
        return ExplorePage(state, workspace, language=language)

    return workspace_page(state, ICON, explore)
