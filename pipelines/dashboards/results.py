"""What evaluating a widget gives back: its rows (or its error), which dashboard filters did not
reach it and why, and for a KPI its change against the previous period and its sparkline."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from pipelines.ingest.profile import json_safe

WidgetStatus = Literal["ok", "error", "text"]


@dataclass(frozen=True)
class KpiData:
    """A KPI's number, the same measure over the previous period of equal length (``None``
    without a date filter or time field), the relative change (``None`` when the previous
    value is missing or zero) and ``sparkline`` points ``(period start, value)`` in time order."""

    value: Any
    previous: Any = None
    change: float | None = None
    period: str | None = None
    """What the change compares, e.g. "vs 2024-01-01 to 2024-03-31"."""
    sparkline: list[tuple[Any, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "value": json_safe(self.value),
            "previous": json_safe(self.previous),
            "change": self.change,
            "period": self.period,
            "sparkline": [[json_safe(t), json_safe(v)] for t, v in self.sparkline],
        }


@dataclass(frozen=True)
class Unreached:
    """A dashboard filter that does not apply to a widget, and why (in one sentence)."""

    filter_id: str
    reason: str

    def as_json(self) -> dict[str, Any]:
        return {"filter_id": self.filter_id, "reason": self.reason}


@dataclass(frozen=True)
class WidgetData:
    """One widget's evaluated data. ``status`` is ``"error"`` with ``error`` set (the other
    widgets still have their data), or ``"text"`` for a text widget (no rows).

    ``columns`` are the result's column names in order, ``labels`` / ``types`` / ``kinds``
    (dimension or measure) describe them, ``chart`` is the chart to draw (the widget's own
    settings over the suggestion, as JSON of :class:`~pipelines.charts.ChartSuggestion`),
    ``applied`` the dashboard and cross-filter ids that did apply, ``switched_off`` the
    dashboard filters the widget turns off (``Widget.filters_off``) that would otherwise apply."""

    widget_id: str
    status: WidgetStatus
    columns: list[str] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)
    truncated: bool = False
    chart: dict[str, Any] | None = None
    kpi: KpiData | None = None
    error: str | None = None
    applied: list[str] = field(default_factory=list)
    unreached: list[Unreached] = field(default_factory=list)
    switched_off: list[str] = field(default_factory=list)
    sql: str | None = None
    elapsed_ms: float = 0.0
    cached: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "widget_id": self.widget_id,
            "status": self.status,
            "columns": self.columns,
            "rows": [[json_safe(v) for v in row] for row in self.rows],
            "labels": self.labels,
            "types": self.types,
            "kinds": self.kinds,
            "truncated": self.truncated,
            "chart": self.chart,
            "kpi": None if self.kpi is None else self.kpi.as_json(),
            "error": self.error,
            "applied": self.applied,
            "unreached": [u.as_json() for u in self.unreached],
            "switched_off": self.switched_off,
            "sql": self.sql,
            "elapsed_ms": round(self.elapsed_ms, 3),
            "cached": self.cached,
        }
