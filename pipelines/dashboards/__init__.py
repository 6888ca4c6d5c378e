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
from .filters import ActiveFilter, CrossFilter, DateRange, FilterValueError, active_filters
from .kpi import KpiPlan, kpi_change, kpi_plan
from .reach import EffectiveQuery, FilterReach
from .results import KpiData, Unreached, WidgetData

__all__ = [
    "DATE_PRESETS",
    "GRID_COLUMNS",
    "WIDGET_KINDS",
    "ActiveFilter",
    "ChartSettings",
    "CrossFilter",
    "DashboardDocument",
    "DashboardFilter",
    "DateFilter",
    "DateRange",
    "EffectiveQuery",
    "FilterReach",
    "FilterValueError",
    "KpiData",
    "KpiPlan",
    "Position",
    "Unreached",
    "ValuesFilter",
    "Widget",
    "WidgetData",
    "WidgetQuery",
    "active_filters",
    "kpi_change",
    "kpi_plan",
]
