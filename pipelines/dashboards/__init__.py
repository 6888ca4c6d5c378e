"""Dashboards: the stored document, which filters reach which widget, and widget data."""

from .document import (
    DATE_PRESETS,
    GRID_COLUMNS,
    WIDGET_KINDS,
    ChartSettings,
    DashboardDocument,
    DashboardFilter,
    DateFilter,
    Position,
    ValuesFilter,
    Widget,
    WidgetQuery,
)

__all__ = [
    "DATE_PRESETS",
    "GRID_COLUMNS",
    "WIDGET_KINDS",
    "ChartSettings",
    "DashboardDocument",
    "DashboardFilter",
    "DateFilter",
    "Position",
    "ValuesFilter",
    "Widget",
    "WidgetQuery",
]
