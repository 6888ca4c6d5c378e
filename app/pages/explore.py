"""Explore page."""

from __future__ import annotations

import panel as pn

from app.pages.shell import ShellState, coming_soon


def page(state: ShellState) -> pn.viewable.Viewable:
    """The Explore page's content for this session."""
    return coming_soon(
        state,
        "✦",
        "Ask questions in plain language here",
        "This page will turn a question such as “revenue by month” into SQL, a table, a chart and an explanation, using the workspace's semantic model. It needs sources and a model first.",
    )
