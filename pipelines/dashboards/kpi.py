"""The extra queries of a KPI widget: the previous period and the sparkline.

A KPI with a ``time_field`` (a date or timestamp dimension) compares its value with the same
query over the previous period of equal length, when a date filter applies to it, and draws the
measure by ``time_field`` as a sparkline: by day for a range of at most 31 days, by week up to
183 days, by month beyond (and by month with no date filter). These functions only build the
semantic queries; whoever evaluates the dashboard runs them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from pipelines.semantic.model import GRAINS
from pipelines.semantic.query import SemanticError, SemanticQuery, Sort

from .document import Widget
from .filters import DateRange, date_filter
from .reach import EffectiveQuery, FilterReach

__all__ = ["KpiPlan", "kpi_change", "kpi_plan", "sparkline_grain"]

DAY_UP_TO = 31
WEEK_UP_TO = 183


@dataclass(frozen=True)
class KpiPlan:
    """What a KPI needs beyond its own query.

    ``measure`` is the column holding the KPI's number; ``previous`` the widget's effective
    query over the previous period (None without a date range or time field) and ``period``
    says which period (``"vs 2024-01-01 to 2024-01-31"``); ``sparkline`` the measure by
    ``time_field`` at ``grain`` (None without a time field, or when the measure's table does
    not reach it)."""

    measure: str
    previous: SemanticQuery | None = None
    period: str | None = None
    sparkline: SemanticQuery | None = None
    grain: str | None = None


def sparkline_grain(span: DateRange | None, offered: list[str] | None = None) -> str | None:
    """Day for at most 31 days, week up to 183, month otherwise or without a closed range;
    when the column offers only some grains, the first offered one at least that coarse."""
    days = None if span is None else span.days
    wanted = (
        "month"
        if days is None
        else "day"
        if days <= DAY_UP_TO
        else "week"
        if days <= WEEK_UP_TO
        else "month"
    )
    if not offered:
        return wanted
    order: list[str] = list(GRAINS)
    coarser = order[order.index(wanted) :]
    return next((g for g in coarser if g in offered), None)


def kpi_measure(widget: Widget, query: SemanticQuery) -> str | None:
    """The KPI's measure: the first of ``chart.y`` the query has, else its first measure."""
    for name in widget.chart.y:
        if name in query.measures:
            return name
    return query.measures[0] if query.measures else None


def kpi_plan(reach: FilterReach, widget: Widget, effective: EffectiveQuery) -> KpiPlan | None:
    """The previous-period and sparkline queries of a KPI widget (None for a widget that is
    not a semantic KPI, or a query without measures).

    Raises
    ------
    SemanticError
        When ``chart.time_field`` is not a date or timestamp dimension of the model.
    """
    query = effective.query
    if widget.kind != "kpi" or query is None:
        return None
    measure = kpi_measure(widget, query)
    if measure is None:
        return None
    if not widget.chart.time_field:
        return KpiPlan(measure)
    time = reach.time_field(widget.chart.time_field)
    span = effective.dates[0][0].span if effective.dates else None
    previous = period = None
    if effective.dates and span is not None:
        item, added = effective.dates[0]
        before = span.previous()
        shifted = None if before is None else date_filter(item.field, before, _type(reach, item))
        if before is not None and shifted is not None:
            filters = [shifted if f is added else f for f in query.filters]
            previous = query.model_copy(update={"filters": filters})
            period = f"vs {before.label()}"
    grain = sparkline_grain(span, list(time.column.grains))
    sparkline = None
    if grain is not None and reach.why_not(SemanticQuery(measures=[measure]), time.table) is None:
        dimension = f"{time.field}.{grain}"
        sparkline = SemanticQuery(
            measures=[measure],
            dimensions=[dimension],
            filters=list(query.filters),
            sort=[Sort(field=dimension)],
        )
    return KpiPlan(measure, previous, period, sparkline, grain)


def _type(reach: FilterReach, item: Any) -> str:
    try:
        return reach.filter_field(item).type
    except SemanticError:
        return "date"


def kpi_change(value: Any, previous: Any) -> float | None:
    """``(value - previous) / |previous|``; None when either is missing or previous is 0."""
    try:
        now, before = float(value), float(previous)
    except (TypeError, ValueError):
        return None
    if before == 0 or not (math.isfinite(now) and math.isfinite(before)):
        return None
    return (now - before) / abs(before)
