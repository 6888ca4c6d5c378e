"""The Dashboards page's pure parts: the address that keeps a view, cross-filter clicks, chips,
and a tile's CSV and Excel exports."""

from __future__ import annotations

import io
import uuid
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

from openpyxl import load_workbook

from app.pages.dashboards.tiles import csv_bytes, excel_bytes
from app.pages.dashboards.wording import board_url, chip_text, read_view, toggle_value
from components.dashboards.canvas import body_height
from pipelines.dashboards import Position, WidgetData

ID = uuid.UUID("2b6f1c4e-8a86-4c59-9d0a-6f1c1b2a3d4e")


def test_the_address_round_trips_filters_and_cross_filters() -> None:
    filters = {"period": "last_30_days", "country": ["FR", "DE"]}
    cross = [{"widget_id": "w1", "field": "orders.channel", "values": ["Web"]}]
    url = board_url(ID, filters, cross)
    args = {
        k: [v.encode()] for k, v in ((k, v[0]) for k, v in parse_qs(urlsplit(url).query).items())
    }

    view = read_view(args)

    assert view == {"id": ID, "filters": filters, "cross": cross, "edit": False}
    assert board_url(ID) == f"/dashboards?id={ID}"
    assert read_view({"id": [str(ID).encode()], "edit": [b"1"]})["edit"] is True


def test_an_unreadable_address_opens_the_dashboard_as_saved() -> None:
    view = read_view({"id": [b"not-a-uuid"], "filters": [b"{oops"], "cross": [b'{"a": 1}']})
    assert view == {"id": None, "filters": {}, "cross": [], "edit": False}
    assert read_view({"filters": [b"[" + b"1," * 5000 + b"1]"]})["filters"] == {}


def test_clicks_replace_and_ctrl_clicks_add_or_take_out() -> None:
    assert toggle_value(["FR"], "DE", additive=False) == ["DE"]
    assert toggle_value(["FR"], "DE", additive=True) == ["FR", "DE"]
    assert toggle_value(["FR", "DE"], "FR", additive=True) == ["DE"]
    assert chip_text("Country", ["FR", None, "DE", "ES"]) == "Country: FR, (empty), DE +1"


def test_a_tile_exports_its_rows_with_labels_and_formulas_neutralised() -> None:
    data = WidgetData(
        "w1",
        "ok",
        columns=["customers.name", "orders.amount"],
        rows=[["Ada", 12.5], ["=HYPERLINK(1)", 3.0]],
        labels={"customers.name": "Customer", "orders.amount": "Amount"},
    )
    text = csv_bytes(data).decode("utf-8-sig")
    assert text.splitlines() == ["Customer,Amount", "Ada,12.5", "'=HYPERLINK(1),3.0"]

    sheet = load_workbook(io.BytesIO(excel_bytes(data, "Top: customers?"))).active
    assert sheet.title == "Top  customers"
    assert [list(r) for r in sheet.iter_rows(values_only=True)] == [
        ["Customer", "Amount"], ["Ada", 12.5], ["'=HYPERLINK(1)", 3.0],
    ]  # fmt: skip


def test_a_tile_exports_exact_money_as_written_to_csv_and_as_numbers_to_excel() -> None:
    # A sum over a column stored as DECIMAL arrives as Decimal values.
    data = WidgetData(
        "w1", "ok", columns=["region", "total"], rows=[["N", Decimal("599020.10")], ["S", None]]
    )

    assert csv_bytes(data).decode("utf-8-sig").splitlines() == ["region,total", "N,599020.10", "S,"]
    sheet = load_workbook(io.BytesIO(excel_bytes(data, "Totals"))).active
    assert [list(r) for r in sheet.iter_rows(values_only=True)][1:] == [
        ["N", 599020.1],
        ["S", None],
    ]


def test_a_tile_body_fills_its_rows_under_the_header() -> None:
    assert body_height(Position(h=4)) == 4 * 60 + 3 * 8 - 46
    assert body_height(Position(h=1)) == 80
