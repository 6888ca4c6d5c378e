"""KPI cards and the result table: the two chart kinds that are not plots."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

import panel as pn

from components.assets import TABLE_ROWS_CSS
from pipelines.charts.columns import ResultColumn
from pipelines.charts.data import to_frame
from pipelines.charts.format import format_value
from pipelines.charts.suggest import ChartSuggestion

from .format import table_formatter
from .theme import CSS

TABLE_PAGE_SIZE = 25


def kpi_html(
    columns: Sequence[ResultColumn], rows: Sequence[Sequence[Any]], plan: ChartSuggestion
) -> tuple[str, list[str]]:
    """HTML of one card per measure of ``plan.y`` (values of the first row), and notes.

    Values are formatted with the measure's format: ``€1,234.50``, ``12.5%``, ``1,204``.
    """
    by_name = {c.name: c for c in reversed(columns)}
    index = {c.name: i for i, c in reversed(list(enumerate(columns)))}
    cards = []
    for name in plan.y:
        column = by_name[name]
        value = rows[0][index[name]] if rows else None
        cards.append(
            '<div class="dp-kpi">'
            f'<div class="dp-kpi-value">{escape(format_value(value, column))}</div>'
            f'<div class="dp-kpi-label">{escape(column.display)}</div></div>'
        )
    notes = [f"Showing the first of {len(rows):,} rows"] if len(rows) > 1 else []
    return f'<div class="dp-kpis">{"".join(cards)}</div>', notes


def kpi_pane(
    columns: Sequence[ResultColumn], rows: Sequence[Sequence[Any]], plan: ChartSuggestion
) -> tuple[pn.pane.HTML, list[str]]:
    """The KPI cards as a Panel pane, and notes."""
    html, notes = kpi_html(columns, rows, plan)
    return pn.pane.HTML(html, stylesheets=[CSS], sizing_mode="stretch_width"), notes


def table_widget(
    columns: Sequence[ResultColumn], rows: Sequence[Sequence[Any]], height: int
) -> pn.widgets.Tabulator:
    """The rows in a paged, read-only Tabulator with numbers and dates formatted.

    Pagination is remote: only the current page goes to the browser.
    """
    frame = to_frame(columns, rows)
    firsts = {c.name: c for c in reversed(columns)}
    formatters = {}
    for name, column in firsts.items():
        formatter = table_formatter(column)
        if formatter is not None:
            formatters[name] = formatter
    return pn.widgets.Tabulator(
        frame,
        pagination="remote",
        page_size=TABLE_PAGE_SIZE,
        show_index=False,
        disabled=True,
        formatters=formatters,
        titles={name: column.display for name, column in firsts.items()},
        layout="fit_data_table",
        sizing_mode="stretch_width",
        max_height=max(height, 200),
        stylesheets=[TABLE_ROWS_CSS],
    )
