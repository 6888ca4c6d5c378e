"""Dashboards: the stored document, which filters reach which widget, and widget data."""

from .adding import (
    TooManyWidgets,
    WidgetDraft,
    append_widget,
    draft_from_chart,
    first_free,
    widget_kind,
)
from .auto import CATALOG_VALUES, NoMeasure, first_dashboard
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
from .kpi import KpiCompare, KpiPlan, kpi_change, kpi_compare, kpi_plan
from .reach import EffectiveQuery, FilterReach
from .results import KpiData, Unreached, WidgetData

__all__ = [
    "CATALOG_VALUES",
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
    "KpiCompare",
    "KpiData",
    "KpiPlan",
    "NoMeasure",
    "Position",
    "TooManyWidgets",
    "Unreached",
    "ValuesFilter",
    "Widget",
    "WidgetData",
    "WidgetDraft",
    "WidgetQuery",
    "active_filters",
    "append_widget",
    "draft_from_chart",
    "first_dashboard",
    "first_free",
    "kpi_change",
    "kpi_compare",
    "kpi_plan",
    "widget_kind",
]
