"""A table that shows one page at a time, fetched on demand, sorted by the data source.

Only the current page ever exists in Python or in the browser: ``fetch(page, size, sort)``
returns that page (for example from DuckDB over Parquet), and paging and header clicks ask for
another one. Numbers are shown as charts show them (:func:`components.charts.format.table_formatter`):
thousands separators, the column's decimals and currency when its format is known, two decimals
otherwise, so a DOUBLE's ``266225.66000000003`` reads ``266,225.66``. ``fetch`` is called off the event loop (from Panel's callback threads or an onload
thread) and the table shows a loading indicator meanwhile.

    table = PagedTable(fetch=lambda page, size, sort: service.preview(source_id, page, size, sort))
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any

import pandas as pd
import panel as pn
import param

from components.assets import TABLE_ROWS_CSS, read_asset
from components.charts.format import table_formatter
from pipelines.charts.columns import ResultColumn
from pipelines.charts.format import MISSING

log = logging.getLogger("datapilot.components")

PAGE_SIZES = [25, 50, 100, 200]
NUMERIC_TYPES = {"integer", "decimal"}

_BAR_CSS = read_asset(__file__, "data_table_bar.css")
_BUTTON_CSS = read_asset(__file__, "data_table_button.css")
_INPUT_CSS = read_asset(__file__, "data_table_input.css")
_TABLE_CSS = read_asset(__file__, "data_table.css")


class _ServerSortedTabulator(pn.widgets.Tabulator):
    """A Tabulator whose rows arrive already sorted by the data source.

    Header clicks still update ``sorters`` (the table is in Tabulator's remote sort mode, so the
    browser does not reorder the page); re-sorting the page in pandas would disagree with the
    engine's order, so it is skipped.
    """

    def _sort_df(self, df: pd.DataFrame) -> pd.DataFrame:
        return df


class PagedTable(pn.viewable.Viewer):
    """One page of a large table with first/previous/next/last, page size and header sorting."""

    fetch = param.Callable(
        doc="``fetch(page, size, sort) -> {'columns': [{'identifier', 'label', 'type'[, 'role', "
        "'format']}], 'rows': [[...]], 'total_rows': int, 'total_pages': int}``; sort is "
        "[(column, dir)]; ``role`` and ``format`` (a NumberFormat) refine how numbers are shown."
    )
    page = param.Integer(default=1, bounds=(1, None), doc="The page shown, from 1.")
    page_size = param.Selector(default=50, objects=PAGE_SIZES, doc="Rows per page.")
    sort = param.List(default=[], doc="[(column identifier, 'asc' | 'desc')] applied by fetch.")
    total_rows = param.Integer(default=0, doc="Rows in the whole table (from the last fetch).")
    total_pages = param.Integer(default=1, doc="Pages in the whole table (from the last fetch).")
    error = param.String(default="", doc="Why the last fetch failed, if it did.")
    height = param.Integer(default=420, doc="Height of the table in pixels.")
    sortable = param.Boolean(
        default=True, doc="Whether header clicks sort (off when ``fetch`` cannot sort)."
    )

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self._lock = threading.Lock()
        self._request = 0
        self._columns: list[dict[str, Any]] = []
        # The Tabulator is built when the first page arrives (with its columns): building an
        # empty one and replacing it at once races Tabulator's own first layout in the browser.
        self._table: _ServerSortedTabulator | None = None
        self._placeholder = pn.pane.HTML(
            "", min_height=160, sizing_mode="stretch_width", css_classes=["dp-table-placeholder"]
        )

        def button(label: str, css: str) -> pn.widgets.Button:
            return pn.widgets.Button(
                name=label,
                css_classes=["dp-pager-btn", css],
                stylesheets=[_BUTTON_CSS],
                margin=(4, 2),
            )

        self._first = button("« First", "dp-page-first")
        self._prev = button("\u2039 Previous", "dp-page-prev")
        self._next = button("Next \u203a", "dp-page-next")
        self._last = button("Last »", "dp-page-last")
        self._first.on_click(lambda _: self._go(1))
        self._prev.on_click(lambda _: self._go(self.page - 1))
        self._next.on_click(lambda _: self._go(self.page + 1))
        self._last.on_click(lambda _: self._go(self.total_pages))
        self._page_input = pn.widgets.IntInput(
            value=1,
            start=1,
            width=80,
            margin=(4, 2),
            css_classes=["dp-page-number"],
            stylesheets=[_INPUT_CSS],
        )
        self._page_input.param.watch(lambda e: self._go(e.new), "value")
        self._of = pn.pane.HTML(
            "", stylesheets=[_BAR_CSS], margin=(4, 2), css_classes=["dp-page-of"]
        )
        self._info = pn.pane.HTML(
            "", stylesheets=[_BAR_CSS], margin=(4, 8), css_classes=["dp-page-info"]
        )
        self._size = pn.widgets.Select(
            options={f"{n} rows": n for n in PAGE_SIZES},
            value=self.page_size,
            width=110,
            margin=(4, 2),
            css_classes=["dp-page-size"],
            stylesheets=[_INPUT_CSS],
        )
        self._size.param.watch(self._on_size, "value")
        self._message = pn.pane.Alert(
            "", alert_type="danger", visible=False, css_classes=["dp-table-error"]
        )
        spacer = pn.layout.HSpacer()
        self._bar = pn.Row(
            self._first,
            self._prev,
            pn.pane.HTML(
                "<span class='dp-pager-info'>Page</span>", stylesheets=[_BAR_CSS], margin=(4, 2)
            ),
            self._page_input,
            self._of,
            self._next,
            self._last,
            spacer,
            self._info,
            self._size,
            sizing_mode="stretch_width",
            align="center",
            css_classes=["dp-pager"],
        )
        self._layout = pn.Column(
            self._message, self._placeholder, self._bar, sizing_mode="stretch_width"
        )
        self._sync_bar()

    def _new_table(self, **params: Any) -> _ServerSortedTabulator:
        table = _ServerSortedTabulator(
            value=params.pop("value"),
            pagination=None,
            show_index=False,
            disabled=True,
            selectable=False,
            layout="fit_data_fill",
            # One page is at most a few hundred rows: render them all (no virtual DOM).
            configuration={
                "sortMode": "remote",
                "renderVertical": "basic",
                "columnDefaults": {"headerSortTristate": False, "headerSort": self.sortable},
            },
            sizing_mode="stretch_width",
            height=self.height,
            stylesheets=[TABLE_ROWS_CSS, _TABLE_CSS],
            css_classes=["dp-paged-table"],
            **params,
        )
        table.param.watch(self._on_sorters, "sorters")
        return table

    # -- public ------------------------------------------------------------------------------------
    def reload(self) -> None:
        """Fetch the current page again (call from a thread or an onload callback)."""
        self._load(self.page)

    # -- events ------------------------------------------------------------------------------------
    def _go(self, page: int | None) -> None:
        if page is None:
            return
        page = max(1, min(int(page), self.total_pages))
        if page == self.page and not self.error and self._columns:
            self._page_input.value = page
            return
        self._load(page)

    def _on_size(self, event: param.parameterized.Event) -> None:
        first_row = (self.page - 1) * self.page_size
        self.page_size = event.new
        self._load(first_row // event.new + 1)

    def _on_sorters(self, event: param.parameterized.Event) -> None:
        sort = [(s["field"], s.get("dir", "asc")) for s in event.new or [] if s.get("field")]
        if sort == list(self.sort):
            return
        self.sort = sort
        self._load(1)

    # -- loading -----------------------------------------------------------------------------------
    def _load(self, page: int) -> None:
        if self.fetch is None:
            return
        with self._lock:
            self._request += 1
            request = self._request
        self._busy(True)
        try:
            result = self.fetch(page, int(self.page_size), [tuple(s) for s in self.sort])
        except Exception as exc:
            with self._lock:
                if request != self._request:
                    return
            if not isinstance(getattr(exc, "status", None), int):
                log.exception("fetching a table page failed")
            self.error = str(exc) if getattr(exc, "status", None) else "The page could not be read."
            self._message.object = self.error
            self._message.visible = True
            self._busy(False)
            return
        with self._lock:
            if request != self._request:  # a newer request is on its way; it wins
                return
        self._show(result)

    def _show(self, result: dict[str, Any]) -> None:
        columns = list(result.get("columns") or [])
        identifiers = [str(c["identifier"]) for c in columns]
        frame = pd.DataFrame(
            _columnar(result.get("rows") or [], len(identifiers)), columns=identifiers, dtype=object
        )
        changed = self._table is None or [_shape(c) for c in columns] != [
            _shape(c) for c in self._columns
        ]
        self._columns = columns
        with param.parameterized.batch_call_watchers(self):
            self.total_rows = int(result.get("total_rows") or 0)
            self.total_pages = max(1, int(result.get("total_pages") or 1))
            self.page = int(result.get("page") or 1)
            self.error = ""
        if changed:
            # New columns or types: a fresh table, as Tabulator keeps a column's old alignment.
            align = {c["identifier"]: "right" for c in columns if c.get("type") in NUMERIC_TYPES}
            table = self._new_table(
                value=frame,
                titles={c["identifier"]: str(c.get("label") or c["identifier"]) for c in columns},
                text_align=align,
                header_align=dict(align),
                formatters=number_formatters(columns),
                sorters=[{"field": f, "dir": d} for f, d in self.sort],
            )
            old = self._table or self._placeholder
            self._table = table
            self._layout.objects = [table if o is old else o for o in self._layout.objects]
        elif self._table is not None:
            self._table.value = frame
        self._message.visible = False
        self._busy(False)
        self._sync_bar()

    def _busy(self, busy: bool) -> None:
        (self._table or self._placeholder).loading = busy

    def _sync_bar(self) -> None:
        first = self.page <= 1
        last = self.page >= self.total_pages
        self._first.disabled = self._prev.disabled = first
        self._next.disabled = self._last.disabled = last
        self._page_input.param.update(end=self.total_pages, value=self.page)
        self._of.object = f"<span class='dp-pager-info'>of <b>{self.total_pages:,}</b></span>"
        if self.total_rows:
            start = (self.page - 1) * self.page_size + 1
            end = min(self.total_rows, self.page * self.page_size)
            text = f"Rows <b>{start:,}\u2013{end:,}</b> of <b>{self.total_rows:,}</b>"
        else:
            text = "No rows"
        self._info.object = f"<span class='dp-pager-info dp-page-rows'>{text}</span>"

    def __panel__(self) -> pn.viewable.Viewable:
        return self._layout


def _shape(column: dict[str, Any]) -> tuple[Any, ...]:
    """What a table is built for: a change of any of these needs a new Tabulator."""
    fmt = column.get("format")
    return (column["identifier"], column.get("type"), column.get("role"), repr(fmt))


def number_formatters(columns: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Tabulator formatters of the numeric columns, as the charts' tables format them."""
    formatters: dict[str, Any] = {}
    for column in columns:
        if column.get("type") not in NUMERIC_TYPES:
            continue
        result_column = ResultColumn(
            name=str(column.get("label") or column["identifier"]),
            type=str(column["type"]),
            role=column.get("role"),
            format=column.get("format"),
        )
        formatter = table_formatter(result_column)
        if hasattr(formatter, "null_format"):
            formatter.update(null_format=MISSING, nan_format=MISSING)
        if formatter is not None:
            formatters[str(column["identifier"])] = formatter
    return formatters


def _columnar(rows: Sequence[Sequence[Any]], width: int) -> list[list[Any]]:
    return [list(r)[:width] + [None] * (width - len(r)) for r in rows]
