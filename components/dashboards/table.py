"""Table and pivot widgets: sortable, paged Tabulators with the model's number formats.

Tabulator reads dots in field names as nested lookups and result columns are named like
``orders.amount``, so the frame's columns are ``c0``, ``c1``... with the labels as titles.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
import panel as pn

from components.charts.format import table_formatter
from pipelines.charts.columns import ResultColumn, role_of
from pipelines.charts.data import combine_repeats, to_frame
from pipelines.charts.plan import ChartError
from pipelines.charts.suggest import category_label

RowHandler = Callable[[int, bool], None]
"""Called with the clicked row (position in the frame) and whether Ctrl/Cmd was held."""


class ClickTable(pn.widgets.Tabulator):
    """A Tabulator that remembers whether the row click being handled held Ctrl/Cmd (or
    Shift): the browser sends it with the selection change (``flush`` is false), and the
    selection alone cannot tell a plain click on a selected row from a Ctrl-click elsewhere."""

    _additive: bool | None = None

    def _process_event(self, event: Any) -> None:
        if getattr(event, "event_name", "") == "selection-change":
            self._additive = not bool(getattr(event, "flush", True))
        try:
            super()._process_event(event)
        finally:
            self._additive = None


def _tabulator(
    frame: pd.DataFrame, titles: dict[str, str], formatters: dict[str, Any], numeric: list[str],
    page_size: int, on_row: RowHandler | None,
) -> pn.widgets.Tabulator:  # fmt: skip
    table = ClickTable(
        frame,
        pagination="remote",
        page_size=page_size,
        show_index=False,
        disabled=True,
        selectable=on_row is not None,
        formatters=formatters,
        titles=titles,
        text_align={c: "right" for c in numeric},
        header_align={c: "right" for c in numeric},
        layout="fit_data_table",
        sizing_mode="stretch_width",
        css_classes=["dp-widget-table"],
    )
    if on_row is not None:
        _watch_rows(table, on_row)
    return table


def _watch_rows(table: ClickTable, on_row: RowHandler) -> None:
    """Row clicks from the selection. A plain click leaves only the clicked row selected; a
    Ctrl/Cmd-click adds the row (or takes it off when it was selected: the page toggles)."""

    def changed(event: Any) -> None:
        old, new = list(event.old or []), list(event.new or [])
        added = [i for i in new if i not in old]
        removed = [i for i in old if i not in new]
        additive = getattr(table, "_additive", None)
        if additive is None:  # set from Python: infer from the rows kept
            additive = bool(removed and not added) or len(new) > 1
        if added:
            on_row(added[-1], additive)
        elif removed and additive:
            on_row(removed[-1], True)
        elif new:
            on_row(new[-1], False)  # a plain click on a row of a multi-row selection

    table.param.watch(changed, "selection")


def table_view(
    columns: Sequence[ResultColumn], rows: Sequence[Sequence[Any]], page_size: int,
    on_row: RowHandler | None = None,
) -> pn.widgets.Tabulator:  # fmt: skip
    """The rows, formatted (currency, percent, dates), sortable and paged."""
    firsts: dict[str, ResultColumn] = {}
    for column in columns:
        firsts.setdefault(column.name, column)
    frame = to_frame(columns, rows)
    fields = {name: f"c{i}" for i, name in enumerate(frame.columns)}
    frame = frame.rename(columns=fields)
    formatters = {fields[n]: f for n, c in firsts.items() if (f := table_formatter(c)) is not None}
    numeric = [fields[n] for n, c in firsts.items() if c.numeric]
    titles = {fields[n]: c.display for n, c in firsts.items()}
    return _tabulator(frame, titles, formatters, numeric, page_size, on_row)


def pivot_fields(
    columns: Sequence[ResultColumn], x: str | None, series: str | None, y: Sequence[str]
) -> tuple[ResultColumn, ResultColumn, ResultColumn]:
    """``(rows, columns, measure)`` of a pivot; missing ones come from the columns' roles."""
    by_name = {c.name: c for c in reversed(columns)}
    for name in (x, series, *y):
        if name is not None and name not in by_name:
            raise ChartError(f"Column {name!r} is not in the result")
    dimensions = [c for c in columns if role_of(c) == "dimension"]
    measures = [c for c in columns if role_of(c) == "measure" and c.numeric]
    row_col = by_name[x] if x else next(iter(dimensions), None)
    col_col = by_name[series] if series else next((d for d in dimensions if d is not row_col), None)
    value = by_name[y[0]] if y else next(iter(measures), None)
    if row_col is None or col_col is None or value is None or row_col is col_col:
        raise ChartError("A pivot needs two dimensions (its rows and columns) and a measure")
    if not value.numeric:
        raise ChartError(f"A pivot sums numbers, and {value.display!r} is {value.type}")
    return row_col, col_col, value


def pivot_frame(
    columns: Sequence[ResultColumn], rows: Sequence[Sequence[Any]], x: str | None,
    series: str | None, y: Sequence[str],
) -> tuple[ResultColumn, ResultColumn, pd.DataFrame, list[Any]]:  # fmt: skip
    """``(rows field, measure, wide frame, row labels)``: the wide frame's first column holds
    the row labels, then one column per value of the series, in order of appearance."""
    row_col, col_col, value = pivot_fields(columns, x, series, y)
    frame = to_frame(columns, rows, {row_col.name, col_col.name})
    frame = frame[[row_col.name, col_col.name, value.name]]
    frame, _ = combine_repeats(frame, [row_col.name, col_col.name], [value])
    wide = frame.pivot(index=row_col.name, columns=col_col.name, values=value.name)
    order_rows = list(dict.fromkeys(frame[row_col.name]))
    order_cols = list(dict.fromkeys(frame[col_col.name]))
    return (
        row_col,
        value,
        wide.reindex(index=order_rows, columns=order_cols).reset_index(),
        order_rows,
    )


def pivot_view(
    columns: Sequence[ResultColumn], rows: Sequence[Sequence[Any]], x: str | None,
    series: str | None, y: Sequence[str], page_size: int,
    pick: Callable[[str, Any, bool], None] | None = None,
) -> pn.widgets.Tabulator:  # fmt: skip
    """Rows by ``x``, one column per value of ``series``, cells the measure ``y[0]``.

    With ``pick``, clicking a row calls ``pick(row field, its value, additive)``.
    """
    row_col, value, wide, order_rows = pivot_frame(columns, rows, x, series, y)
    order_cols = list(wide.columns[1:])
    fields = {name: f"c{i}" for i, name in enumerate(wide.columns)}
    titles = {fields[row_col.name]: row_col.display}
    titles.update({fields[c]: str(c) for c in order_cols})
    wide.columns = list(fields.values())
    formatter = table_formatter(value)
    measure_fields = [fields[c] for c in order_cols]
    formatters = {f: formatter for f in measure_fields} if formatter is not None else {}
    at = list(columns).index(row_col)
    raw = {category_label(r[at]): r[at] for r in rows}
    keys = [raw.get(label, label) for label in order_rows]
    on_row: RowHandler | None = None
    if pick is not None:

        def on_row(row: int, additive: bool) -> None:
            if 0 <= row < len(keys):
                pick(row_col.name, keys[row], additive)

    return _tabulator(wide, titles, formatters, measure_fields, page_size, on_row)
