"""Model page."""

from __future__ import annotations

import panel as pn

from app.pages.shell import ShellState, coming_soon


def page(state: ShellState) -> pn.viewable.Viewable:
    """The Model page's content for this session."""
    return coming_soon(
        state,
        "⧉",
        "The semantic model will live here",
        "This page will show the workspace's tables as a diagram where you draw joins between columns and tag columns as dimensions or measures. It becomes useful once the workspace has sources.",
    )
