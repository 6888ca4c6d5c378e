"""Memory per open dashboard page: a real server, Chromium opening the same dashboard in N tabs
(each tab a Panel session with its tiles, charts and tables), the server's RSS read from /proc
before, with every tab open and after they are closed. Reported, not asserted (the issue asks
for the number). Run with ``make bench``; needs Debian Chromium (skipped without it).
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import RunningServer, start_server
from tests.ui.conftest import api_account, sign_in
from tests.ui.test_explore import Api

TABS = 10
CHROMIUM = "/usr/bin/chromium"


def rss_mb(server: RunningServer) -> float:
    status = Path(f"/proc/{server.process.pid}/status").read_text()
    line = next(x for x in status.splitlines() if x.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def dashboard_of(api: Api) -> str:
    measures = ["orders.count"]
    widgets = [
        {"id": "kpi", "kind": "kpi", "title": "Orders", "query": {"semantic": {"measures": measures}},
         "position": {"x": 0, "y": 0, "w": 4, "h": 4}},
        {"id": "bars", "kind": "bar", "title": "By customer",
         "query": {"semantic": {"measures": measures, "dimensions": ["orders.customer"]}},
         "position": {"x": 4, "y": 0, "w": 8, "h": 4}},
        {"id": "line", "kind": "line", "title": "By month",
         "query": {"semantic": {"measures": ["orders.amount"],
                                "dimensions": ["orders.order_date.month"]}},
         "position": {"x": 0, "y": 4, "w": 6, "h": 4}},
        {"id": "table", "kind": "table", "title": "Table",
         "query": {"semantic": {"measures": measures, "dimensions": ["orders.customer"]}},
         "position": {"x": 6, "y": 4, "w": 6, "h": 4}},
    ]  # fmt: skip
    with api.client() as client:
        reply = client.post(
            f"/api/v1/workspaces/{api.workspace_id}/dashboards",
            json={"name": "Memory", "document": {"widgets": widgets}},
        )
    assert reply.status_code == 201, reply.text
    return str(reply.json()["id"])


def test_memory_per_open_dashboard_page(tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        pytest.skip("Debian Chromium is not installed")
    from playwright.sync_api import expect, sync_playwright

    server = start_server(tmp_path)
    try:
        account = api_account(server, name="Mem Ory", workspaces=["Sales"])
        api = Api(server, account)
        api.orders_with_model()
        url = f"{server.base_url}/dashboards?id={dashboard_of(api)}"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            context = browser.new_context(base_url=server.base_url)
            context.set_default_timeout(60_000)
            first = context.new_page()
            first.goto("/login")
            sign_in(first, account.email, account.password)
            first.goto(url)
            expect(first.locator(".dp-dash-tile .bk-Canvas")).to_have_count(2)
            time.sleep(2)
            before = rss_mb(server)
            pages: list[Any] = []
            for _ in range(TABS):
                page = context.new_page()
                page.goto(url)
                expect(page.locator(".dp-dash-tile .bk-Canvas")).to_have_count(2)
                expect(page.locator(".dp-dash-tile .tabulator-row").first).to_be_visible()
                pages.append(page)
            time.sleep(2)
            open_mb = rss_mb(server)
            for page in pages:
                page.close()
            time.sleep(20)  # Bokeh discards a closed session's document after its lifetime
            closed = rss_mb(server)
            browser.close()
    finally:
        server.stop()
    per_tab = (open_mb - before) / TABS
    print(
        f"\n\ndashboard page sessions: {TABS} Chromium tabs on one dashboard (4 tiles: KPI, bars, "
        f"line, table); server RSS {before:.0f} MB with one tab open, {open_mb:.0f} MB with "
        f"{TABS + 1}, {closed:.0f} MB 20 s after closing {TABS}: {per_tab:.1f} MB per open page"
    )
    assert open_mb > before  # the measurement saw the sessions
