"""A dashboard widget in Chromium: clicking a bar cross-filters by its category, Ctrl-click
(Cmd-click) adds to the filter. The tile is served alone by a Panel server in this process (no app)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import panel as pn
import pytest

from components.dashboards import WidgetView
from pipelines.dashboards.document import Widget, WidgetQuery
from pipelines.dashboards.results import WidgetData
from pipelines.semantic.query import SemanticQuery
from tests.conftest import free_port
from tests.ui.conftest import expect

Picked = list[tuple[str, str, Any, bool]]
DOUBLE_TAP_MS = 300
"""Bokeh's UIGestures.doubletap_threshold."""


def bar_tile(picked: Picked) -> pn.viewable.Viewable:
    query = WidgetQuery(semantic=SemanticQuery(measures=["orders.amount"]))
    widget = Widget(id="w1", kind="bar", title="Amount by region", query=query)
    data = WidgetData(
        widget_id="w1", status="ok", columns=["orders.region", "orders.amount"],
        rows=[["North", 1000.0], ["South", 950.0], ["East", 900.0]],
        types={"orders.region": "text", "orders.amount": "decimal"},
        kinds={"orders.region": "dimension", "orders.amount": "measure"},
    )  # fmt: skip
    view = WidgetView(widget=widget, data=data, on_select=lambda *args: picked.append(args))
    table = WidgetView(
        widget=widget.model_copy(update={"id": "w2", "kind": "table"}), data=data,
        on_select=lambda *args: picked.append(args),
    )  # fmt: skip
    return pn.Column(
        pn.Column(view, css_classes=["dp-test-tile"]),
        pn.Column(table, css_classes=["dp-test-table"]),
        width=900,
    )


@pytest.fixture(scope="module")
def tile_server() -> Iterator[tuple[str, Picked]]:
    picked: Picked = []
    port = free_port()
    thread = pn.serve(
        {"tile": lambda: bar_tile(picked)}, port=port, address="127.0.0.1", show=False,
        threaded=True, websocket_origin=[f"127.0.0.1:{port}"],
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{url}/tile", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, "the Panel server did not start"
        time.sleep(0.1)
    yield url, picked
    thread.stop()


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 15
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_clicking_a_bar_selects_its_region_and_ctrl_or_cmd_click_adds(
    new_page: Callable[..., Any], tile_server: tuple[str, Picked]
) -> None:
    url, picked = tile_server
    picked.clear()
    page = new_page(base_url=url)
    page.goto("/tile")
    canvas = page.locator(".dp-test-tile .bk-Canvas").first
    expect(canvas).to_be_visible()
    box = canvas.bounding_box()
    assert box is not None
    # Three bars of similar height fill the frame: aim low in the first and the last third.
    y = box["y"] + box["height"] * 0.7
    page.mouse.click(box["x"] + box["width"] * 0.2, y)
    wait_for(lambda: len(picked) == 1, "the first click")
    assert picked[0] == ("w1", "orders.region", "North", False)
    # Bokeh reads a second click within 300 ms as a double tap, which the tap tool ignores
    # (a double click on a bar selects it once): the next click is a separate gesture.
    page.wait_for_timeout(DOUBLE_TAP_MS + 50)
    page.keyboard.down("Control")
    page.mouse.click(box["x"] + box["width"] * 0.85, y)
    page.keyboard.up("Control")
    wait_for(lambda: len(picked) == 2, "the Ctrl-click")
    assert picked[1] == ("w1", "orders.region", "East", True)
    page.wait_for_timeout(DOUBLE_TAP_MS + 50)
    page.keyboard.down("Meta")  # Cmd on a Mac
    page.mouse.click(box["x"] + box["width"] * 0.5, y)
    page.keyboard.up("Meta")
    wait_for(lambda: len(picked) == 3, "the Cmd-click")
    assert picked[2] == ("w1", "orders.region", "South", True)


def test_clicking_a_table_row_selects_its_region_and_ctrl_click_adds(
    new_page: Callable[..., Any], tile_server: tuple[str, Picked]
) -> None:
    url, picked = tile_server
    picked.clear()
    page = new_page(base_url=url)
    page.goto("/tile")
    rows = page.locator(".dp-test-table .tabulator-row")
    expect(rows).to_have_count(3)
    rows.nth(1).click()
    wait_for(lambda: len(picked) == 1, "the row click")
    rows.nth(2).click(modifiers=["Control"])
    wait_for(lambda: len(picked) == 2, "the Ctrl-click")
    assert picked == [
        ("w2", "orders.region", "South", False),
        ("w2", "orders.region", "East", True),
    ]
