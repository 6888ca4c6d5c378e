"""Sources page."""

from __future__ import annotations

import panel as pn

from app.pages.shell import ShellState, coming_soon


def page(state: ShellState) -> pn.viewable.Viewable:
    """The Sources page's content for this session."""
    return coming_soon(
        state,
        "▤",
        "Upload CSV, Parquet and Excel files here",
        "This page will list the workspace's data sources: drop CSV, TSV, Parquet or Excel files, and DataPilot will detect their format and types, store them as Parquet and show each one's schema and a preview. File upload is not available yet in this version.",
    )
