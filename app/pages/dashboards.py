"""Dashboards page."""

from __future__ import annotations

import panel as pn

from app.pages.shell import ShellState, coming_soon


def page(state: ShellState) -> pn.viewable.Viewable:
    """The Dashboards page's content for this session."""
    return coming_soon(
        state,
        "▦",
        "No dashboards yet",
        "This page will hold drag-and-drop grids of charts built from the model's measures and dimensions, with Sales and HR templates and filters.",
    )
