"""A KPI widget: the number, its change against the previous period and a sparkline."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

import pandas as pd
import panel as pn
from bokeh.models import Plot
from bokeh.plotting import figure

from components.charts.theme import ACCENT
from pipelines.charts.columns import ResultColumn
from pipelines.charts.format import format_value
from pipelines.dashboards.results import KpiData

from .style import CSS

SPARKLINE_HEIGHT = 56


def change_html(kpi: KpiData | None) -> str:
    """``▲ 12.5% vs …`` (up, green), ``▼ 3.0% vs …`` (down, red) or ``—`` without a change."""
    if kpi is None or (kpi.change is None and kpi.previous is None):
        return ""
    period = f' <span class="dp-kpi-period">{escape(kpi.period)}</span>' if kpi.period else ""
    if kpi.change is None:
        return f'<div class="dp-kpi-change dp-kpi-flat">—{period}</div>'
    percent = abs(kpi.change) * 100
    if kpi.change > 0:
        arrow, css, what = "▲", "dp-kpi-up", "up"
    elif kpi.change < 0:
        arrow, css, what = "▼", "dp-kpi-down", "down"
    else:
        arrow, css, what = "●", "dp-kpi-flat", "unchanged"
    return (
        f'<div class="dp-kpi-change {css}" aria-label="{what} {percent:.1f}%">'
        f"{arrow} {percent:,.1f}%{period}</div>"
    )


def kpi_card_html(value: Any, column: ResultColumn, kpi: KpiData | None) -> str:
    """The card: formatted value, the measure's label and the change line."""
    return (
        '<div class="dp-widget-kpi">'
        f'<div class="dp-kpi-value">{escape(format_value(value, column))}</div>'
        f'<div class="dp-kpi-label">{escape(column.display)}</div>'
        f"{change_html(kpi)}</div>"
    )


def sparkline(points: Sequence[tuple[Any, Any]]) -> Plot | None:
    """A small line of ``(period start, value)`` points; ``None`` for fewer than two."""
    if len(points) < 2:
        return None
    times = pd.to_datetime(pd.Series([p[0] for p in points], dtype=object), errors="coerce")
    values = pd.to_numeric(pd.Series([p[1] for p in points], dtype=object), errors="coerce")
    keep = times.notna() & values.notna()
    if int(keep.sum()) < 2:
        return None
    fig = figure(
        height=SPARKLINE_HEIGHT,
        x_axis_type="datetime",
        toolbar_location=None,
        tools="",
        sizing_mode="stretch_width",
        min_border=2,
    )
    fig.line(list(times[keep]), list(values[keep].astype(float)), line_width=2, color=ACCENT)
    fig.axis.visible = False
    fig.grid.visible = False
    fig.outline_line_color = None
    fig.background_fill_alpha = 0
    fig.border_fill_alpha = 0
    return fig


def kpi_view(
    columns: Sequence[ResultColumn], rows: Sequence[Sequence[Any]], measure: str,
    kpi: KpiData | None,
) -> pn.Column:  # fmt: skip
    """The KPI as Panel objects: the card, then the sparkline when there is one."""
    index = next(i for i, c in enumerate(columns) if c.name == measure)
    column = columns[index]
    value = kpi.value if kpi is not None else (rows[0][index] if rows else None)
    parts: list[Any] = [
        pn.pane.HTML(
            kpi_card_html(value, column, kpi), stylesheets=[CSS], sizing_mode="stretch_width"
        )
    ]
    line = sparkline(kpi.sparkline) if kpi is not None else None
    if line is not None:
        parts.append(pn.pane.Bokeh(line, sizing_mode="stretch_width", css_classes=["dp-kpi-spark"]))
    return pn.Column(*parts, sizing_mode="stretch_width")
