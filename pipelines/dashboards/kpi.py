"""The extra queries of a KPI widget: the previous period and the sparkline.

A KPI with a ``time_field`` (a date or timestamp dimension) compares its value with the same
query over the previous period of equal length, when a date filter applies to it, and draws the
measure by ``time_field`` as a sparkline: by day for a range of at most 31 days, by week up to
183 days, by month beyond (and by month with no date filter). These functions only build the
semantic queries; whoever evaluates the dashboard runs them.

A KPI whose query compares its measure with the previous year or period (``compare``, see
:mod:`pipelines.semantic.compare`) shows that comparison instead: the query's first row holds
the value, the previous value and the change (:class:`KpiCompare`), so no extra query runs.
Sorted by its time dimension, newest first, with ``limit: 1``, it is "the latest year against
the year before".
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pipelines.semantic.compare import compare_columns
from pipelines.semantic.model import GRAINS
from pipelines.semantic.query import CompareShift, SemanticError, SemanticQuery, Sort

from .document import Widget
from .filters import DateRange, date_filter
from .reach import EffectiveQuery, FilterReach

__all__ = ["KpiCompare", "KpiPlan", "kpi_change", "kpi_compare", "kpi_plan", "sparkline_grain"]

DAY_UP_TO = 31
WEEK_UP_TO = 183


@dataclass(frozen=True)
class KpiCompare:
    """Where a KPI whose query compares its measure finds its change: the result's
    ``previous`` and ``change`` columns, beside ``time`` (the time dimension, at ``grain``)."""

    previous: str
    change: str
    time: str
    grain: str
    shift: CompareShift

    def values(self, columns: Sequence[str], row: Sequence[Any] | None) -> tuple[Any, Any, str]:
        """``(previous, change, period)`` of the result row the KPI shows; the period reads
        ``"2024 vs previous year"`` (``"vs previous year"`` without a row)."""
        word = "year" if self.shift == "year" else self.grain
        if row is None:
            return None, None, f"vs previous {word}"
        cell = {name: row[i] for i, name in enumerate(columns) if i < len(row)}
        change = cell.get(self.change)
        number = None if change is None else float(change)
        when = _bucket(cell.get(self.time), self.grain)
        period = f"{when} vs previous {word}" if when else f"vs previous {word}"
        return cell.get(self.previous), number, period


def _bucket(value: Any, grain: str) -> str:
    """A time bucket as people write it: ``2024``, ``2024-Q1``, ``2024-03``, ``2024-03-04``."""
    if not isinstance(value, dt.date):
        return "" if value is None else str(value)
    if grain == "year":
        return str(value.year)
    if grain == "quarter":
        return f"{value.year}-Q{(value.month - 1) // 3 + 1}"
    if grain == "month":
        return f"{value.year}-{value.month:02d}"
    return value.date().isoformat() if isinstance(value, dt.datetime) else value.isoformat()


def kpi_compare(reach: FilterReach, query: SemanticQuery, measure: str) -> KpiCompare | None:
    """The comparison of ``measure`` in ``query`` (the first listed), if it has one."""
    item = next((c for c in query.compare if c.measure == measure), None)
    if item is None or query.over_time is not None:
        return None
    timed = [d for d in (reach.fields.dimension(n) for n in query.dimensions) if d.grain]
    if len(timed) != 1:
        return None  # the engine refuses the query and says why
    previous, change = compare_columns(measure, item.shift)
    grain = timed[0].grain
    assert grain is not None
    return KpiCompare(previous, change, timed[0].field, grain, item.shift)


@dataclass(frozen=True)
class KpiPlan:
    """What a KPI needs beyond its own query.

    ``measure`` is the column holding the KPI's number; ``previous`` the widget's effective
    query over the previous period (None without a date range or time field) and ``period``
    says which period (``"vs 2024-01-01 to 2024-01-31"``); ``sparkline`` the measure by
    ``time_field`` at ``grain`` (None without a time field, or when the measure's table does
    not reach it). With ``compare`` (the query compares the measure itself) there is no
    ``previous`` query: the change is read from the query's own row."""

    measure: str
    previous: SemanticQuery | None = None
    period: str | None = None
    sparkline: SemanticQuery | None = None
    grain: str | None = None
    compare: KpiCompare | None = None


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
    compared = kpi_compare(reach, query, measure)
    if not widget.chart.time_field:
        return KpiPlan(measure, compare=compared)
    time = reach.time_field(widget.chart.time_field)
    span = effective.dates[0][0].span if effective.dates else None
    previous = period = None
    if effective.dates and span is not None and compared is None:
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
    return KpiPlan(measure, previous, period, sparkline, grain, compared)


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
