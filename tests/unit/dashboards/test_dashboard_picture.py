"""A KPI, table, pivot or text tile as PNG (components/dashboards/picture.py), and the tile's PNG
download on the Dashboards page. The pictures are read back with Pillow: their size, their
colours and the texts drawn (kept in the PNG's description)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image

from app.pages.dashboards.tiles import export_buttons, tile_picture
from components.dashboards import WidgetView
from components.dashboards.picture import (
    SCALE,
    Picture,
    text_blocks,
    tile_png,
    visible_rows,
)
from pipelines.dashboards import Position
from pipelines.dashboards.results import KpiData, WidgetData

from .widget_data import AMOUNT, REGION, by_region, by_region_and_segment, data, model, widget

TILE = Picture(300, 232)
GREEN, RED = (26, 127, 55), (180, 35, 24)


def read(png: bytes | None) -> Image.Image:
    assert png is not None and png.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


def drawn(image: Image.Image) -> list[str]:
    return str(image.text["Description"]).splitlines()  # type: ignore[attr-defined]


def has_colour(image: Image.Image, colour: tuple[int, int, int]) -> bool:
    return any(pixel == colour for _, pixel in image.convert("RGB").getcolors(1 << 20) or [])


def picture_of(view: WidgetView, picture: Picture = TILE) -> Image.Image:
    assert view.widget is not None
    return read(tile_png(view.widget, view.data, view.columns(), picture))


def test_a_kpi_picture_has_the_number_its_change_in_colour_and_its_sparkline() -> None:
    up = KpiData(
        value=1234.5, previous=1097.33, change=0.125, period="vs 2024-01-01 to 2024-03-31",
        sparkline=[("2024-01-01", 300.0), ("2024-02-01", 400.0), ("2024-03-01", 534.5)],
    )  # fmt: skip
    image = picture_of(
        WidgetView(widget=widget("kpi"), data=data([AMOUNT], [[1]], kpi=up), model=model())
    )
    assert image.size == (TILE.width * SCALE, TILE.height * SCALE)
    assert image.text["Title"] == "Sales"  # type: ignore[attr-defined]
    assert drawn(image) == ["Sales", "€1,234.50", "Amount", "12.5%  vs 2024-01-01 to 2024-03-31"]
    assert has_colour(image, GREEN) and not has_colour(image, RED)

    down = KpiData(value=90, previous=100, change=-0.1, period="vs last month")
    image = picture_of(WidgetView(widget=widget("kpi"), data=data([AMOUNT], [[90]], kpi=down)))
    assert drawn(image)[-1] == "10.0%  vs last month"
    assert has_colour(image, RED) and not has_colour(image, GREEN)

    plain = picture_of(
        WidgetView(widget=widget("kpi"), data=data([AMOUNT], [[4321.0]]), model=model())
    )
    assert drawn(plain) == ["Sales", "€4,321.00", "Amount"]


def test_a_long_kpi_number_is_drawn_whole_on_a_narrow_tile() -> None:
    big = data([AMOUNT], [[123_456_789_012.5]])
    image = picture_of(WidgetView(widget=widget("kpi"), data=big, model=model()), Picture(160, 120))
    assert "…" not in drawn(image)[1] and drawn(image)[1].startswith("€123,456,789,012")


def test_a_table_picture_shows_formatted_rows_and_counts_those_left_out() -> None:
    image = picture_of(WidgetView(widget=widget("table"), data=by_region(), model=model()))
    assert drawn(image) == [
        "Sales", "Region", "Amount", "North", "€1,234.50", "South", "€300.00", "East", "€80.25",
    ]  # fmt: skip

    many = data([REGION, AMOUNT], [[f"Region {i}", float(i)] for i in range(40)])
    small = Picture(300, 200)
    shown = visible_rows(small, True, 40)
    assert 1 <= shown < 40
    lines = drawn(picture_of(WidgetView(widget=widget("table"), data=many), small))
    assert f"Region {shown - 1}" in lines and f"Region {shown}" not in lines
    assert lines[-1] == f"{40 - shown} more rows not shown"

    cut = data([REGION, AMOUNT], [["North", 1.0]], truncated=True)
    lines = drawn(picture_of(WidgetView(widget=widget("table"), data=cut)))
    assert lines[-1] == "More rows not shown (the result was cut)"


def test_a_pivot_picture_has_the_series_as_columns() -> None:
    view = WidgetView(
        widget=widget("pivot", x="orders.region", series="orders.segment", y=[AMOUNT]),
        data=by_region_and_segment(), model=model(),
    )  # fmt: skip
    assert drawn(picture_of(view)) == [
        "Sales", "Region", "Retail", "Wholesale",
        "North", "€10.00", "€5.00", "South", "€7.00", "€3.00",
    ]  # fmt: skip


def test_text_is_read_as_headings_paragraphs_and_items_and_wraps_in_the_picture() -> None:
    markdown = (
        "# Weekly review\n\nNumbers are **final** on [Monday](https://example.com).\n\n"
        "- first point\n- second <script>x</script>\n\n1. one\n\nAfter."
    )
    assert text_blocks(markdown) == [
        ("h1", "Weekly review"),
        ("p", "Numbers are final on Monday."),
        ("li", "• first point"),
        ("li", "• second <script>x</script>"),
        ("li", "• one"),
        ("p", "After."),
    ]
    text = widget("text").model_copy(update={"text": "word " * 200})
    lines = drawn(picture_of(WidgetView(widget=text), Picture(200, 160)))
    assert lines[0] == "Sales" and len(lines) > 3 and lines[-1] == "…"


@pytest.mark.parametrize("kind", ["bar", "hbar", "line", "pie"])
def test_charts_are_not_drawn_here_their_toolbar_saves_them(kind: str) -> None:
    assert tile_png(widget(kind), by_region(), [], TILE) is None


def test_a_loading_or_failed_tile_has_no_picture() -> None:
    failed = WidgetData("w1", "error", error="boom")
    for state in (None, failed):
        view = WidgetView(widget=widget("table"), data=state)
        assert tile_png(widget("table"), state, view.columns(), TILE) is None


def download(button: Any) -> bytes:
    return bytes(button.callback().getvalue())


def test_the_page_offers_png_for_kpi_table_pivot_and_text_tiles_at_their_size() -> None:
    placed = widget("table").model_copy(update={"position": Position(x=0, y=0, w=6, h=4)})
    view = WidgetView(widget=placed, data=by_region(), model=model())
    buttons = {b.css_classes[0]: b for b in export_buttons(view)}
    assert set(buttons) == {"dp-dash-export-png", "dp-dash-export-csv", "dp-dash-export-xlsx"}
    assert buttons["dp-dash-export-png"].filename == "Sales.png"
    image = read(download(buttons["dp-dash-export-png"]))
    size = tile_picture(placed.position)
    assert size == Picture(596, 4 * 60 + 3 * 8)
    assert image.size == (size.width * SCALE, size.height * SCALE)

    text = [b.css_classes[0] for b in export_buttons(WidgetView(widget=widget("text")))]
    assert text == ["dp-dash-export-png"]
    bar = [b.css_classes[0] for b in export_buttons(WidgetView(widget=widget("bar")))]
    assert bar == ["dp-dash-export-csv", "dp-dash-export-xlsx"]
