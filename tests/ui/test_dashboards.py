"""Dashboards in a real browser: build one from the builder, lay it out, filter, cross-filter,
export it, and open it as a viewer.

The source is uploaded over the real REST API and the model built by "accept all"; what the UI
saved is checked over REST too.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.conftest import RunningServer
from tests.ui.conftest import (
    Account,
    add_member_in_settings,
    api_account,
    sign_in,
    wait_for_shell,
)
from tests.ui.test_explore import Api
from tests.ui.test_sql import CUSTOMERS, ORDERS

TITLES = ("Orders", "Orders by customer", "Amount by month")


@pytest.fixture
def analyst(page: Any, server: RunningServer) -> tuple[Account, Api]:
    account = api_account(server, name="Dee Dashboard", workspaces=["Sales"])
    api = Api(server, account)
    api.orders_with_model()
    sign_in(page, account.email, account.password)
    return account, api


def pick(page: Any, scope: str, text: str) -> None:
    """Choose ``text`` in the searchable multi-select under ``scope``."""
    box = page.locator(f"{scope} input").first
    box.click()
    box.fill(text)
    option = page.locator(f"{scope} .choices__list--dropdown .choices__item--choice")
    option.filter(has_text=text).first.click()
    expect(page.locator(f"{scope} .choices__list--multiple .choices__item")).not_to_have_count(0)
    page.keyboard.press("Escape")


def add_widget(
    page: Any, measures: list[str], dimensions: list[str], title: str, suggested: str
) -> None:
    """Build a widget in the side panel; it is added as the suggested kind."""
    cards = page.locator(".dp-dash-layout-card")
    before = cards.count()
    page.locator(".dp-dash-add button").click()
    builder = ".dp-widget-builder"
    expect(page.locator(builder)).to_be_visible()
    for measure in measures:
        pick(page, f"{builder} .dp-builder-measures", measure)
    for dimension in dimensions:
        pick(page, f"{builder} .dp-builder-dimensions", dimension)
    page.locator(f"{builder} .dp-builder-title input").fill(title)
    reason = page.locator(f"{builder} div.dp-builder-reason").last
    expect(reason).to_contain_text(f"Suggested: {suggested}")
    page.locator(f"{builder} .dp-builder-save button").click()
    expect(cards).to_have_count(before + 1)


def option_text(select: Any, ending: str) -> str:
    """The label of the option of ``select`` that ends with ``ending``."""
    texts = [t.strip() for t in select.evaluate("s => Array.from(s.options).map(o => o.text)")]
    found = [t for t in texts if t.endswith(ending)]
    assert found, texts
    return found[0]


def dashboard(api: Api) -> dict[str, Any]:
    with api.client() as client:
        items = client.get(f"/api/v1/workspaces/{api.workspace_id}/dashboards").json()["items"]
        assert len(items) == 1
        reply = client.get(f"/api/v1/workspaces/{api.workspace_id}/dashboards/{items[0]['id']}")
    return dict(reply.json())


def drag(page: Any, source: Any, dx: float, dy: float) -> None:
    box = source.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + dx / 2, y + dy / 2, steps=5)
    page.mouse.move(x + dx, y + dy, steps=5)
    page.mouse.up()


def test_build_lay_out_filter_cross_filter_and_export_a_dashboard(
    page: Any,
    analyst: tuple[Account, Api],
    new_page: Callable[..., Any],
    base_url: str,
    tmp_path: Path,
) -> None:
    _, api = analyst
    page.goto("/dashboards")
    wait_for_shell(page)
    page.locator(".dp-dash-new-name input").fill("Weekly sales")
    page.locator(".dp-dash-new button").click()
    page.wait_for_url(re.compile(r"/dashboards\?id="))
    wait_for_shell(page)

    add_widget(page, ["Number of orders"], ["customer"], "Orders by customer", "Bars")
    add_widget(page, ["Number of orders"], [], "Orders", "KPI")
    add_widget(page, ["amount (sum)"], ["order_date"], "Amount by month", "Area")

    # Drag "Orders" (second, under the first) to the right of the first; widen the third.
    items = page.locator(".grid-stack-item")
    first, second, third = (items.nth(i) for i in range(3))
    width = first.bounding_box()["width"]
    drag(
        page,
        second.locator(".dp-dash-card"),
        width,
        -second.bounding_box()["y"] + first.bounding_box()["y"],
    )
    third.hover()
    handle = third.locator(".ui-resizable-se")
    drag(page, handle, width, 60)
    page.locator(".dp-dash-save button").click()
    expect(page.locator(".dp-dash-edit button")).to_be_visible()
    saved = {w["title"]: w["position"] for w in dashboard(api)["document"]["widgets"]}
    orders, by_customer, by_month = (saved[t] for t in TITLES)
    assert orders["y"] < by_customer["y"] and orders["x"] > 0, saved
    assert by_month["w"] == 12

    # After a reload the tiles sit where they were left, with their charts and numbers.
    page.reload()
    wait_for_shell(page)
    tiles = {t: page.locator(".dp-dash-tile").filter(has_text=t).first for t in TITLES}
    expect(tiles["Orders"]).to_contain_text(str(ORDERS))
    expect(page.locator(".dp-dash-tile .bk-Canvas")).to_have_count(2)
    boxes = {t: tile.bounding_box() for t, tile in tiles.items()}
    assert boxes["Orders"]["y"] < boxes["Orders by customer"]["y"]
    assert boxes["Amount by month"]["width"] > 1.8 * boxes["Orders by customer"]["width"]
    assert {w["title"]: w["position"] for w in dashboard(api)["document"]["widgets"]} == saved

    # Filters: Edit adds a date range on the order date and a list of customers.
    page.locator(".dp-dash-edit button").click()
    field = page.locator(".dp-dash-filter-field select")
    field.select_option(label=option_text(field, "order_date"))
    expect(page.locator(".dp-dash-date-preset")).to_have_count(1)
    field.select_option(label=option_text(field, "customer"))
    expect(page.locator(".dp-dash-values")).to_have_count(1)
    # The date filter is switched off for "Amount by month" (its card lists the filters).
    month_card = page.locator(".dp-dash-layout-card").filter(has_text="Amount by month")
    pick(
        page,
        ".dp-dash-layout-card:has-text('Amount by month') .dp-dash-card-filters-off",
        "order_date",
    )
    expect(
        month_card.locator(".dp-dash-card-filters-off .choices__list--multiple .choices__item")
    ).to_have_count(1)
    page.locator(".dp-dash-save button").click()
    expect(page.locator(".dp-dash-edit button")).to_be_visible()
    kpi = page.locator(".dp-dash-tile").filter(has_text="Orders").first.locator(".dp-kpi-value")
    expect(kpi).to_have_text(str(ORDERS))

    # Every order is from 2024: "Last year" (2025 and later today) leaves none; "Any date" all.
    page.locator(".dp-dash-date-preset select").select_option(label="Last year")
    expect(kpi).to_have_text("0")
    by_month = page.locator(".dp-dash-tile").filter(has_text="Amount by month").first
    expect(by_month.locator(".bk-Canvas")).to_have_count(1)  # the filter is off there
    assert "filters=" in page.url
    page.locator(".dp-dash-date-preset select").select_option(label="Any date")
    expect(kpi).to_have_text(str(ORDERS))
    pick(page, ".dp-dash-values", "Customer 1")
    expect(kpi).to_have_text(str(sum(1 for i in range(1, ORDERS + 1) if i % CUSTOMERS == 1)))
    page.locator(".dp-dash-values .choices__button").first.click()
    expect(kpi).to_have_text(str(ORDERS))

    # Clicking a bar of "Orders by customer" filters the other tiles; its chip clears it.
    canvas = page.locator(".dp-dash-tile").filter(has_text="Orders by customer").first
    plot = canvas.locator(".bk-Canvas").first
    plot.scroll_into_view_if_needed()
    box = plot.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.75)
    chip = page.locator(".dp-dash-chip")
    expect(chip).to_have_count(1)
    expect(chip).to_contain_text("customer: Customer")
    expect(kpi).to_have_text(re.compile(r"^[56]$"))  # one customer's orders
    chip.locator("button").click()
    expect(chip).to_have_count(0)
    expect(kpi).to_have_text(str(ORDERS))

    # The KPI tile downloads as a PNG picture of what it shows.
    tile = page.locator(".dp-dash-tile").filter(has=page.locator(".dp-kpi-value")).first
    with page.expect_download() as picture:
        tile.locator(".dp-dash-export-png button").click()
    assert picture.value.suggested_filename.endswith(".png")
    image = Image.open(picture.value.path())
    assert image.format == "PNG" and str(ORDERS) in image.text["Description"].splitlines()

    # The whole dashboard as one HTML file opens with the network blocked and shows the charts.
    with page.expect_download() as download:
        page.locator(".dp-dash-export-html button").click()
    path = tmp_path / "dashboard.html"
    download.value.save_as(path)
    offline = new_page(base_url=base_url)
    offline.route(
        "**/*",
        lambda route: (
            route.abort()
            if not route.request.url.startswith(("file:", "data:"))
            else route.continue_()
        ),
    )
    offline.goto(path.as_uri())
    expect(offline.locator(".bk-Canvas")).to_have_count(2)
    expect(offline.locator(".dp-kpi-value")).to_have_text(str(ORDERS))


def test_a_viewer_sees_the_dashboard_without_edit_controls_and_a_phone_one_column(
    page: Any, new_page: Callable[..., Any], analyst: tuple[Account, Api], base_url: str
) -> None:
    _, api = analyst
    document = {
        "widgets": [
            {"id": "kpi", "kind": "kpi", "title": "Orders",
             "query": {"semantic": {"measures": ["orders.count"]}},
             "position": {"x": 0, "y": 0, "w": 6, "h": 4}},
            {"id": "bars", "kind": "bar", "title": "Orders by customer",
             "query": {"semantic": {"measures": ["orders.count"],
                                    "dimensions": ["orders.customer"]}},
             "position": {"x": 6, "y": 0, "w": 6, "h": 4}},
        ]
    }  # fmt: skip
    with api.client() as client:
        reply = client.post(
            f"/api/v1/workspaces/{api.workspace_id}/dashboards",
            json={"name": "Team board", "document": document},
        )
    assert reply.status_code == 201, reply.text
    page.goto("/settings")
    wait_for_shell(page)
    email = f"vic-{uuid.uuid4().hex[:8]}@example.com"
    password = add_member_in_settings(page, email, "Vic Viewer", "viewer")

    viewer = new_page(base_url=base_url)
    viewer.goto("/dashboards")
    sign_in(viewer, email, password, then="/dashboards")
    viewer.locator(".dp-dash-open").filter(has_text="Team board").click()
    wait_for_shell(viewer)
    tiles = viewer.locator(".dp-dash-tile")
    expect(tiles).to_have_count(2)
    expect(tiles.first).to_contain_text(str(ORDERS))
    expect(viewer.locator(".dp-dash-refresh button")).to_be_visible()
    for control in (".dp-dash-edit", ".dp-dash-add", ".dp-dash-save", ".dp-dash-new"):
        expect(viewer.locator(f"{control} button")).to_have_count(0)
    # On a phone the tiles are one under the other, each as wide as the screen allows.
    viewer.set_viewport_size({"width": 390, "height": 844})
    viewer.wait_for_function("window.innerWidth === 390")
    expect(tiles.nth(1)).to_be_visible()
    first, second = (tiles.nth(i).bounding_box() for i in range(2))
    assert second["y"] >= first["y"] + first["height"] - 1
    assert abs(first["x"] - second["x"]) < 2 and abs(first["width"] - second["width"]) < 2
