"""SQL page."""

from __future__ import annotations

import panel as pn

from app.pages.shell import ShellState, coming_soon


def page(state: ShellState) -> pn.viewable.Viewable:
    """The SQL page's content for this session."""
    return coming_soon(
        state,
        "⌨",
        "A SQL workbench will be here",
        "This page will offer an editor that completes your tables and columns, runs read-only queries safely inside this workspace, and shows results as a table or a chart.",
    )
