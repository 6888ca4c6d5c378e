"""A dashboard drawn in Jupyter with the web app's own tiles and grid.

    view = dashboard_view(document, data.widgets, model)   # a Panel object; display it

The tiles are :class:`WidgetView` (the same KPI, charts, tables and text as the Dashboards
page) laid on the View-mode CSS grid, without the page's exports and cross-filter clicks.
"""

from __future__ import annotations

from collections.abc import Mapping

import panel as pn

from pipelines.dashboards import DashboardDocument, WidgetData
from pipelines.semantic import SemanticModel

from .canvas import body_height, frame, grid_view
from .view import WidgetView

__all__ = ["dashboard_view"]


def dashboard_view(
    document: DashboardDocument, data: Mapping[str, WidgetData], model: SemanticModel | None = None
) -> pn.Column:
    """``document``'s widgets showing ``data`` (by widget id; a widget without data shows its
    loading state), on the dashboard's grid."""
    tiles = {
        widget.id: frame(
            WidgetView(
                widget=widget,
                data=data.get(widget.id),
                model=model,
                height=body_height(widget.position),
            )
        )
        for widget in document.widgets
    }
    return grid_view(tiles, {w.id: w.position for w in document.widgets})
