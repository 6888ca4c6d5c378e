"""The first hour in a real browser: a new user signs up, lands in the guided setup, names the
workspace with the keyboard, chooses a CSV the test writes, and sees a dashboard with its data
after at most five clicks (counted from the moment the file is chosen). Each step's main control
has the keyboard focus when it is drawn."""

from __future__ import annotations

import random
import re
import uuid
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import expect

from tests.conftest import STRONG_PASSWORD, RunningServer
from tests.ui.conftest import ClickCounter, wait_for_shell

ROWS = 360
MAX_CLICKS = 5
PRODUCTS = ("Tea", "Coffee", "Cocoa", "Mate")


def write_sales(path: Path, rows: int = ROWS) -> None:
    """A small sales export of the test's own making (seeded)."""
    rnd = random.Random(7)
    lines = ["sold_on;region;product;quantity;amount"]
    for i in range(rows):
        lines.append(
            f"2024-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d};"
            f"{('North', 'South', 'East')[i % 3]};{PRODUCTS[i % 4]};{rnd.randint(1, 9)};"
            f"{rnd.randint(100, 99_999) / 100}"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def sign_up(page: Any, email: str) -> None:
    """Register through the form, with the keyboard (no click)."""
    page.goto("/register")
    page.locator("#name").fill("Nora Newcomer")
    page.locator("#email").fill(email)
    page.locator("#password").fill(STRONG_PASSWORD)
    page.locator("#confirm").fill(STRONG_PASSWORD)
    page.locator("#confirm").press("Enter")


def dashboards_of(server: RunningServer, email: str) -> list[dict[str, Any]]:
    """The new user's dashboards, over REST (what the UI made)."""
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        login = client.post(
            "/api/v1/auth/login", json={"email": email, "password": STRONG_PASSWORD}
        )
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        [workspace] = client.get("/api/v1/workspaces", headers=headers).json()["items"]
        url = f"/api/v1/workspaces/{workspace['id']}/dashboards"
        listed = client.get(url, headers=headers).json()["items"]
        return [client.get(f"{url}/{d['id']}", headers=headers).json() for d in listed]


def test_a_new_user_goes_from_a_chosen_file_to_a_dashboard_in_five_clicks(
    page: Any, server: RunningServer, clicks: ClickCounter, tmp_path: Path
) -> None:
    csv = tmp_path / "shop_sales.csv"
    write_sales(csv)
    email = f"nora-{uuid.uuid4().hex[:8]}@example.com"
    sign_up(page, email)

    # Step 1, keyboard only: the name field has the focus, Enter creates the workspace.
    page.wait_for_url("**/welcome")
    wait_for_shell(page)
    name = page.locator(".dp-onb-name input")
    expect(name).to_be_focused()
    name.fill("Shop")
    name.press("Enter")
    expect(page.locator(".dp-crumb-workspace")).to_have_text("Shop")

    # Step 2: the drop zone has the focus; the file is chosen. From here every click counts.
    expect(page.locator(".dp-onb-drop .dz")).to_be_focused()
    page.locator(".dp-onb-drop input[type=file]").set_input_files(str(csv))

    # Step 3: once the file is read, the suggested model, and Accept with the focus.
    model = page.locator(".dp-onb-model")
    expect(model).to_contain_text("Tables (1)", timeout=60_000)
    expect(model).to_contain_text("amount (sum)")
    accept = page.locator(".dp-onb-accept button")
    expect(accept).to_be_focused()
    clicks.click(accept)

    # Step 4: starter questions from the model; one click asks, the answer shows.
    starter = page.locator(".dp-onb-starter button").first
    expect(starter).to_be_visible()
    expect(page.locator(".dp-onb-question input")).to_be_focused()
    asked = starter.inner_text().strip()
    clicks.click(starter)
    expect(page.locator(".dp-onb-asked")).to_have_text(asked)
    next_step = page.locator(".dp-onb-next button")
    expect(next_step).to_be_focused()

    # Step 5: the first dashboard is made and shown with its data.
    clicks.click(next_step)
    page.wait_for_url(re.compile(r"/dashboards\?id="), timeout=60_000)
    wait_for_shell(page)
    [board] = dashboards_of(server, email)
    widgets = board["document"]["widgets"]
    expect(page.locator(".dp-dash-tile")).to_have_count(len(widgets))
    count = next(w for w in widgets if w["query"]["semantic"]["measures"] == ["shop_sales.count"])
    tile = page.locator(".dp-dash-tile").filter(has_text=count["title"]).first
    expect(tile.locator(".dp-kpi-value")).to_have_text(str(ROWS))
    expect(page.locator(".dp-dash-tile .bk-Canvas").first).to_be_visible()

    assert clicks.count <= MAX_CLICKS, clicks.clicked
    # The setup is over: no invitation on the dashboard.
    expect(page.locator(".dp-onb-banner-text")).to_be_hidden()
