"""A dashboard's tiles: one :class:`WidgetView` each, framed for the grid, with their exports.

Each widget's data is evaluated in its own worker (the page pool, never the event loop) and
shown as soon as it is there, so a slow or failing widget never holds up or blanks the others.
A tile's CSV and Excel buttons export the rows it shows; a chart's toolbar saves it as PNG
(Bokeh's save tool, drawn in the browser) and the PNG button of a KPI, table, pivot or text tile
downloads the same content drawn on the server (:mod:`components.dashboards.picture`).
"""

from __future__ import annotations

import csv
import html
import io
import logging
import re
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

import panel as pn

from components.dashboards import KIND_LABELS, WidgetView
from components.dashboards.canvas import GAP_PX, ROW_PX
from components.dashboards.picture import PICTURED, Picture, tile_png
from pipelines.dashboards import GRID_COLUMNS, Position, Widget, WidgetData

log = logging.getLogger("datapilot.pages")
STYLES = ["/dp-static/shell.css", "/dp-static/dashboards.css"]
BOARD_PX = 1200
"""The width a dashboard is drawn at for a tile's PNG (a laptop screen's content width)."""
PAGE_POOL = ThreadPoolExecutor(8, thread_name_prefix="dashboard-page")
"""Workers that evaluate the widgets of open dashboards (each through the query runner)."""
_FORMULA = re.compile(r"^[=+\-@\t\r]")


def layout_card(
    widget: Widget,
    on_edit: Any,
    on_remove: Any,
    filters: dict[str, str] | None = None,
    on_filters_off: Any = None,
) -> pn.Column:
    """What a tile shows while the dashboard is arranged (Edit mode): its title, kind and
    fields, Edit and Remove, and which of the dashboard's ``filters`` (label -> id) it ignores
    (``on_filters_off(widget_id, ids)``); drag it by its body, resize it by its corner."""
    query = widget.query
    if query is None:
        fields = "Text"
    elif query.source == "sql" or query.semantic is None:
        fields = "SQL query"
    else:
        fields = ", ".join([*query.semantic.measures, *query.semantic.dimensions]) or "(no field)"
    kind = KIND_LABELS.get(widget.kind, widget.kind)
    card = pn.pane.HTML(
        f"<div class='dp-dash-card'><div class='dp-dash-card-title'>"
        f"{html.escape(widget.title or kind)}</div><div class='dp-dash-card-kind'>"
        f"{html.escape(kind)}</div><div class='dp-dash-card-fields'>{html.escape(fields)}</div>"
        "</div>",
        stylesheets=STYLES,
        sizing_mode="stretch_both",
        margin=0,
    )
    edit = pn.widgets.Button(name="Edit", css_classes=["dp-dash-card-edit"], margin=(2, 2))
    edit.on_click(lambda _: on_edit(widget.id))
    remove = pn.widgets.Button(name="Remove", css_classes=["dp-dash-card-remove"], margin=(2, 2))
    remove.on_click(lambda _: on_remove(widget.id))
    parts: list[Any] = [pn.Row(edit, remove, margin=0)]
    if on_filters_off is not None:
        off = pn.widgets.MultiChoice(
            name="Filters switched off here",
            placeholder="Every filter that reaches it applies",
            css_classes=["dp-dash-card-filters-off"],
            sizing_mode="stretch_width",
            margin=(0, 2),
        )
        parts.append(off)
        set_card_filters(parts, filters or {}, widget.filters_off)
        off.param.watch(lambda e: on_filters_off(widget.id, list(e.new)), "value")
    return pn.Column(
        *parts,
        card,
        sizing_mode="stretch_both",
        css_classes=["dp-dash-layout-card"],
        margin=4,
    )


def set_card_filters(card: Any, filters: dict[str, str], off: list[str]) -> None:
    """Offer the dashboard's ``filters`` (label -> id) on a layout card, in place: the card
    stays the one on screen, so a choice being made on it is not lost to a redraw."""
    for item in card:
        if isinstance(item, pn.widgets.MultiChoice):
            kept = [f for f in off if f in filters.values()]
            item.param.update(options=filters, value=kept, visible=bool(filters))


def csv_bytes(data: WidgetData) -> bytes:
    """The tile's rows as CSV with its column labels (formula-like text neutralised)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([data.labels.get(c, c) for c in data.columns])
    for row in data.rows:
        writer.writerow(["'" + v if isinstance(v, str) and _FORMULA.match(v) else v for v in row])
    return out.getvalue().encode("utf-8-sig")


def excel_bytes(data: WidgetData, title: str) -> bytes:
    """The tile's rows as an Excel workbook (one sheet named after the widget)."""
    from openpyxl import Workbook  # type: ignore[import-untyped, unused-ignore]

    book = Workbook(write_only=True)
    name = re.sub(r"[\[\]:*?/\\]", " ", title or "Data")[:31].strip() or "Data"
    sheet = book.create_sheet(name)
    sheet.append([data.labels.get(c, c) for c in data.columns])
    for row in data.rows:
        sheet.append(["'" + v if isinstance(v, str) and _FORMULA.match(v) else v for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def tile_picture(position: Position) -> Picture:
    """The size of a tile's PNG: its share of a :data:`BOARD_PX` wide board, its grid height."""
    width = position.w * (BOARD_PX + GAP_PX) // GRID_COLUMNS - GAP_PX
    return Picture(width, position.h * ROW_PX + (position.h - 1) * GAP_PX)


def export_buttons(view: WidgetView) -> list[Any]:
    """CSV and Excel downloads of what ``view`` shows (none for a text widget), and a PNG of
    the tile for the kinds a chart toolbar does not save (KPI, table, pivot, text)."""
    widget = view.widget
    if widget is None:
        return []
    name = re.sub(r"[^\w.-]+", "_", widget.title or widget.id).strip("_") or "widget"
    buttons = []
    if widget.kind in PICTURED:

        def picture() -> io.BytesIO:
            current = view.widget or widget
            png = tile_png(current, view.data, view.columns(), tile_picture(current.position))
            return io.BytesIO(png or b"")

        buttons.append(_download(picture, f"{name}.png", "PNG", "png"))
    if widget.kind == "text":
        return buttons

    def rows(kind: str) -> io.BytesIO:
        data = view.data
        if data is None or data.status != "ok":
            return io.BytesIO(b"")
        raw = csv_bytes(data) if kind == "csv" else excel_bytes(data, widget.title)
        return io.BytesIO(raw)

    for kind, label, ext in (("csv", "CSV", "csv"), ("xlsx", "Excel", "xlsx")):
        buttons.append(_download(lambda kind=kind: rows(kind), f"{name}.{ext}", label, kind))
    return buttons


def _download(callback: Any, filename: str, label: str, kind: str) -> pn.widgets.FileDownload:
    return pn.widgets.FileDownload(
        callback=callback,
        filename=filename,
        label=label,
        embed=False,
        button_type="light",
        width=64,
        margin=(2, 2),
        css_classes=[f"dp-dash-export-{kind}"],
    )


class Loader:
    """Evaluates widgets off the event loop; a newer load makes older results be dropped."""

    def __init__(self) -> None:
        self._generation = 0

    def load(self, widgets: list[Widget], evaluate: Any, deliver: Any) -> None:
        """Evaluate each of ``widgets`` with ``evaluate(widget_id) -> WidgetData`` in the page
        pool and ``deliver(data)`` in the session, newest load only."""
        self._generation += 1
        generation = self._generation
        doc = pn.state.curdoc

        def work(widget: Widget) -> None:
            try:
                data = evaluate(widget.id)
            except Exception as exc:  # shown on the tile, the others go on
                data = WidgetData(widget.id, "error", error=str(exc) or type(exc).__name__)
            if generation != self._generation:
                return
            if doc is None:
                deliver(data)
                return
            # The tile is drawn on the session's event loop (Bokeh models belong to it).
            doc.add_next_tick_callback(partial(self._deliver, generation, deliver, data))

        for widget in widgets:
            PAGE_POOL.submit(work, widget)

    def _deliver(self, generation: int, deliver: Any, data: WidgetData) -> None:
        if generation == self._generation:
            try:
                deliver(data)
            except Exception:
                log.exception("drawing dashboard widget %s failed", data.widget_id)
