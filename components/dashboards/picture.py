"""A KPI, table, pivot or text tile as a PNG picture, drawn on the server with Pillow.

Chart tiles save themselves as PNG through Bokeh's toolbar (the browser draws the canvas). The
other tiles are HTML, which a browser cannot turn into a picture without a rasterising script;
their "PNG" download draws the same content here instead: the title, then the KPI's number, its
change and sparkline, or the table's first rows (as many as fit, and how many were left out), or
the text's headings, paragraphs and list items. Pillow comes with Bokeh; DejaVu Sans is used when
the system has it (Debian's Chromium brings it), else Pillow's own font.

    tile = Picture(640, 300)
    png = kpi_png(tile, "Revenue", "€1.2M", "Revenue", KpiChange(0.125, "vs last month"), [])
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pandas as pd
from markdown_it import MarkdownIt
from PIL import Image, ImageDraw, ImageFont
from PIL.PngImagePlugin import PngInfo

from pipelines.charts.columns import ResultColumn
from pipelines.charts.format import format_value
from pipelines.dashboards import Widget, WidgetData

from .plot import widget_plan
from .table import pivot_frame

__all__ = [
    "KpiChange",
    "Picture",
    "kpi_png",
    "table_png",
    "text_blocks",
    "text_png",
    "tile_png",
    "visible_rows",
]

SCALE = 2
"""Pixels per CSS pixel: pictures are drawn at twice their size, sharp on a high-DPI screen."""
PAD = 12
TITLE_PX = 15
BODY_PX = 13
ROW_PX = 24
INK, MUTED, RULE, HEAD = "#1f2328", "#59636e", "#d0d7de", "#f6f8fa"
UP, DOWN, ACCENT = "#1a7f37", "#b42318", "#2f6fde"
PICTURED = frozenset({"kpi", "table", "pivot", "text"})
"""Tile kinds drawn here; chart tiles save themselves through Bokeh's toolbar."""
_MARKDOWN = MarkdownIt("js-default").enable("table").enable("strikethrough")
Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@dataclass(frozen=True)
class Picture:
    """The size of the picture in CSS pixels (the tile's size on a dashboard)."""

    width: int
    height: int


@dataclass(frozen=True)
class KpiChange:
    """The KPI's relative change (``None``: no previous value) and what it compares."""

    change: float | None
    period: str | None = None


@lru_cache(maxsize=16)
def _font(size: int, bold: bool = False) -> Font:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    try:
        return ImageFont.truetype(name, size * SCALE)
    except OSError:  # no DejaVu on this system: Pillow's bundled font
        return ImageFont.load_default(size * SCALE)


class _Page:
    """A white picture and a cursor ``y`` going down it, in CSS pixels; the texts drawn are
    kept, and saved in the PNG as its description (what a screen reader or a search reads)."""

    def __init__(self, picture: Picture, title: str) -> None:
        self.title, self.drawn = title, list[str]()
        self.width, self.height = max(160, picture.width), max(80, picture.height)
        self.image = Image.new("RGB", (self.width * SCALE, self.height * SCALE), "white")
        self.draw = ImageDraw.Draw(self.image)
        self.y = float(PAD)
        if title:
            self.text(PAD, title, _font(TITLE_PX, bold=True), INK, self.width - 2 * PAD)
            self.y += TITLE_PX + 12

    def text(self, x: float, text: str, font: Font, fill: str, room: float) -> None:
        self.at(x, self.y, fit(text, font, room), font, fill)

    def at(self, x: float, y: float, text: str, font: Font, fill: str) -> None:
        self.draw.text((x * SCALE, y * SCALE), text, font=font, fill=fill)
        self.drawn.append(text)

    def png(self) -> bytes:
        info = PngInfo()
        info.add_itxt("Title", self.title)
        info.add_itxt("Description", "\n".join(self.drawn))
        info.add_text("Software", "DataPilot")
        out = io.BytesIO()
        self.image.save(out, format="PNG", optimize=True, pnginfo=info)
        return out.getvalue()


def _width(text: str, font: Font) -> float:
    """The drawn width of ``text`` in CSS pixels."""
    return float(font.getlength(text)) / SCALE


def fit(text: str, font: Font, room: float) -> str:
    """``text``, cut with "…" so that it is at most ``room`` CSS pixels wide."""
    if _width(text, font) <= room:
        return text
    low, high = 0, len(text)
    while low < high:  # the longest prefix that fits with the ellipsis
        mid = (low + high + 1) // 2
        if _width(text[:mid] + "…", font) <= room:
            low = mid
        else:
            high = mid - 1
    return text[:low].rstrip() + "…" if low else "…"


def wrap(text: str, font: Font, room: float) -> list[str]:
    """``text`` broken into lines of at most ``room`` CSS pixels, at spaces where it can."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if _width(candidate, font) <= room or not line:
            line = candidate
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    return [fit(line, font, room) for line in lines]


# -- KPI --------------------------------------------------------------------------------------------
def kpi_png(
    picture: Picture, title: str, value: str, label: str, change: KpiChange | None,
    sparkline: Sequence[float],
) -> bytes:  # fmt: skip
    """The KPI tile: its number (large), the measure's label, the change line (a green ▲ when
    up, a red ▼ when down) and the sparkline of ``sparkline`` values, oldest first."""
    page = _Page(picture, title)
    room = page.width - 2 * PAD
    size = 44
    while size > 10 and _width(value, _font(size, bold=True)) > room:
        size -= 2  # the whole number, as large as the tile allows
    page.text(PAD, value, _font(size, bold=True), INK, room)
    page.y += size + 10
    page.text(PAD, label, _font(BODY_PX), MUTED, room)
    page.y += BODY_PX + 10
    if change is not None:
        _change_line(page, change, room)
        page.y += BODY_PX + 10
    bottom = page.height - PAD
    if len(sparkline) >= 2 and bottom - page.y >= 20:
        _line(page, sparkline, page.y, bottom)
    return page.png()


def _change_line(page: _Page, change: KpiChange, room: float) -> None:
    period = f"  {change.period}" if change.period else ""
    if change.change is None:
        page.text(PAD, "—" + period, _font(BODY_PX), MUTED, room)
        return
    percent = abs(change.change) * 100
    color = UP if change.change > 0 else DOWN if change.change < 0 else MUTED
    s, top, side = SCALE, page.y + 2, BODY_PX - 3.0
    shape: list[tuple[float, float]]
    if change.change > 0:
        shape = [(PAD, top + side), (PAD + side, top + side), (PAD + side / 2, top)]
    elif change.change < 0:
        shape = [(PAD, top), (PAD + side, top), (PAD + side / 2, top + side)]
    else:
        shape = [(PAD, top + side / 2), (PAD + side / 2, top), (PAD + side, top + side / 2)]
    page.draw.polygon([(x * s, y * s) for x, y in shape], fill=color)
    page.text(PAD + side + 6, f"{percent:,.1f}%{period}", _font(BODY_PX), color, room - side)


def _line(page: _Page, values: Sequence[float], top: float, bottom: float) -> None:
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    step = (page.width - 2 * PAD) / (len(values) - 1)
    points = [
        ((PAD + i * step) * SCALE, (bottom - (v - low) / span * (bottom - top)) * SCALE)
        for i, v in enumerate(values)
    ]
    page.draw.line(points, fill=ACCENT, width=2 * SCALE, joint="curve")


# -- tables -----------------------------------------------------------------------------------------
def visible_rows(picture: Picture, titled: bool, total: int) -> int:
    """How many of ``total`` rows a table picture of this size shows (the rest are counted)."""
    room = max(80, picture.height) - 2 * PAD - (TITLE_PX + 12 if titled else 0) - ROW_PX
    fits = max(1, int(room // ROW_PX))
    return total if total <= fits else max(1, fits - 1)  # one line says how many are left out


def table_png(
    picture: Picture, title: str, headers: Sequence[str], rows: Sequence[Sequence[str]],
    numeric: Sequence[bool], cut: bool = False,
) -> bytes:  # fmt: skip
    """A table of text cells: a header row, then as many rows as fit, numbers right-aligned;
    when rows are left out a last line counts them (``cut``: the data itself had more)."""
    page = _Page(picture, title)
    shown = list(rows[: visible_rows(picture, bool(title), len(rows) + int(cut))])
    room = page.width - 2 * PAD
    widths = _column_widths(headers, shown, room)
    head, body = _font(BODY_PX, bold=True), _font(BODY_PX)
    page.draw.rectangle(
        [PAD * SCALE, page.y * SCALE, (page.width - PAD) * SCALE, (page.y + ROW_PX) * SCALE],
        fill=HEAD,
    )
    _cells(page, headers, widths, numeric, head, INK)
    for row in shown:
        _cells(page, row, widths, numeric, body, INK)
    left = len(rows) - len(shown)
    more = f"{left:,} more row{'s' if left != 1 else ''}" if left > 0 else "More rows"
    if left > 0 or cut:
        page.text(
            PAD, more + " not shown" + (" (the result was cut)" if cut else ""), body, MUTED, room
        )
    if not shown:
        page.text(PAD, "No rows to show.", body, MUTED, room)
    return page.png()


def _column_widths(
    headers: Sequence[str], rows: Sequence[Sequence[str]], room: float
) -> list[float]:
    """Each column's share of ``room``, by its longest text (headers count), at least 40 px."""
    longest = [
        max([len(h), *(len(r[i]) for r in rows if i < len(r))]) + 2 for i, h in enumerate(headers)
    ]
    total = sum(longest) or 1
    return [max(40.0, room * n / total) for n in longest]


def _cells(
    page: _Page, cells: Sequence[str], widths: Sequence[float], numeric: Sequence[bool],
    font: Font, fill: str,
) -> None:  # fmt: skip
    x = float(PAD)
    for i, (cell, width) in enumerate(zip(cells, widths, strict=False)):
        if x >= page.width - PAD:
            break
        room = min(width, page.width - PAD - x) - 8
        shown = fit(cell, font, room)
        left = x + 4 + (room - _width(shown, font) if i < len(numeric) and numeric[i] else 0)
        page.at(left, page.y + 5, shown, font, fill)
        x += width
    page.y += ROW_PX
    page.draw.line(
        [(PAD * SCALE, page.y * SCALE), ((page.width - PAD) * SCALE, page.y * SCALE)],
        fill=RULE,
        width=1,
    )


# -- text -------------------------------------------------------------------------------------------
def text_blocks(markdown: str) -> list[tuple[str, str]]:
    """The blocks of a text widget's Markdown as ``(kind, plain text)``: kind is ``h1``…``h6``,
    ``li`` (a list item, with its bullet) or ``p``; inline marks (bold, links, code) are kept
    as their words only."""
    blocks: list[tuple[str, str]] = []
    kind = "p"
    for token in _MARKDOWN.parse(markdown or ""):
        if token.type == "heading_open":
            kind = token.tag
        elif token.type == "list_item_open":
            kind = "li"
        elif token.type == "inline":
            words = "".join(
                " " if child.type in ("softbreak", "hardbreak") else child.content
                for child in token.children or []
            )
            text = " ".join(words.split())
            if text:
                blocks.append((kind, f"• {text}" if kind == "li" else text))
            kind = "li" if kind == "li" else "p"
        elif token.type in ("heading_close", "bullet_list_close", "ordered_list_close"):
            kind = "p"
    return blocks


def text_png(picture: Picture, title: str, blocks: Sequence[tuple[str, str]]) -> bytes:
    """The text widget: headings larger and bold, paragraphs and list items wrapped; what does
    not fit ends the picture with "…"."""
    page = _Page(picture, title)
    room = page.width - 2 * PAD
    sizes = {"h1": 20, "h2": 17, "h3": 15}
    for kind, text in blocks:
        size = sizes.get(kind, BODY_PX)
        font = _font(size, bold=kind.startswith("h"))
        for line in wrap(text, font, room):
            if page.y + size * 1.4 > page.height - PAD:
                page.text(PAD, "…", font, MUTED, room)
                return page.png()
            page.text(PAD, line, font, INK, room)
            page.y += size * 1.4
        page.y += 6
    return page.png()


def chart_numbers(points: Sequence[tuple[Any, Any]]) -> list[float]:
    """The numeric values of ``(period, value)`` points, in order (missing ones skipped)."""
    numbers = []
    for _, value in points:
        try:
            numbers.append(float(value))
        except (TypeError, ValueError):
            continue
    return numbers


def tile_png(
    widget: Widget, data: WidgetData | None, columns: Sequence[ResultColumn], picture: Picture
) -> bytes | None:
    """The tile of ``widget`` as a PNG, as it shows ``data``; None for a chart kind (its
    toolbar saves it) and for a tile still loading or failed (nothing right to draw)."""
    if widget.kind not in PICTURED:
        return None
    if widget.kind == "text":
        return text_png(picture, widget.title, text_blocks(widget.text))
    if data is None or data.status != "ok":
        return None
    if widget.kind == "kpi":
        measure = widget_plan(widget, data, columns).y[0]
        at = next(i for i, c in enumerate(columns) if c.name == measure)
        kpi = data.kpi
        value = kpi.value if kpi is not None else (data.rows[0][at] if data.rows else None)
        change = None
        if kpi is not None and (kpi.change is not None or kpi.previous is not None):
            change = KpiChange(kpi.change, kpi.period)
        points = chart_numbers(kpi.sparkline) if kpi is not None else []
        shown = format_value(value, columns[at])
        return kpi_png(picture, widget.title, shown, columns[at].display, change, points)
    if widget.kind == "pivot":
        chart = widget.chart
        row_col, value_col, wide, _ = pivot_frame(
            columns, data.rows, chart.x, chart.series, chart.y
        )
        headers = [row_col.display, *(str(c) for c in wide.columns[1:])]
        cells = [
            [format_value(row[0], row_col), *(_cell(v, value_col) for v in row[1:])]
            for row in wide.itertuples(index=False)
        ]
        numeric = [row_col.numeric, *([True] * (len(headers) - 1))]
        return table_png(picture, widget.title, headers, cells, numeric)
    firsts = list(columns)
    cells = [[format_value(v, c) for v, c in zip(row, firsts, strict=False)] for row in data.rows]
    headers = [c.display for c in firsts]
    numeric = [c.numeric for c in firsts]
    return table_png(picture, widget.title, headers, cells, numeric, data.truncated)


def _cell(value: Any, column: ResultColumn) -> str:
    return (
        ""
        if value is None or (isinstance(value, float) and pd.isna(value))
        else (format_value(value, column))
    )
