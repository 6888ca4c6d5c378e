"""Every page on a phone (390 x 844, a mobile browser): the whole width for the page, the
navigation behind the menu button, side-by-side panels stacked, nothing to scroll sideways."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.conftest import RunningServer
from tests.ui.conftest import WorkspaceApi, api_account, sign_in, wait_for_shell

PAGES = ["sources", "model", "explore", "sql", "dashboards", "settings"]

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,  # a phone honours the page's viewport meta, or lays it out 980px wide
    "has_touch": True,
    "device_scale_factor": 3,
}
SALES = "region,amount\n" + "".join(f"R{i % 4},{i * 2.5}\n" for i in range(40))

# What a user sees sideways, in CSS pixels: the page, the main area and the area's scroll.
_WIDTHS = """() => {
  const main = document.querySelector("#main");
  return {
    inner: window.innerWidth,
    page: document.scrollingElement.scrollWidth,
    main: main.getBoundingClientRect().width,
    mainScroll: main.scrollWidth,
    mainClient: main.clientWidth,
  };
}"""


def box(locator: Any) -> dict[str, float]:
    expect(locator).to_be_visible()  # a page just switched to is laid out a moment later
    found = locator.bounding_box()
    assert found is not None, f"{locator} has no box"
    return dict(found)


def assert_fits_the_phone(page: Any, slug: str) -> None:
    widths = page.evaluate(_WIDTHS)
    widths["content"] = box(page.locator(".dp-page-header"))["width"]
    assert widths["inner"] == 390, f"{slug}: laid out {widths['inner']}px wide, not the phone's"
    assert widths["page"] <= widths["inner"] + 1, f"{slug} scrolls sideways: {widths}"
    assert widths["mainScroll"] <= widths["mainClient"] + 1, (
        f"{slug} main scrolls sideways: {widths}"
    )
    assert widths["main"] >= 350 and widths["content"] >= 350, f"{slug} is squeezed: {widths}"


def test_every_page_is_usable_on_a_phone(new_page: Any, server: RunningServer) -> None:
    account = api_account(server, name="Pat Phone", workspaces=["Pocket"])
    api = WorkspaceApi(server, account)
    api.wait_ready(api.upload("sales.csv", SALES.encode()))
    page = new_page(base_url=server.base_url, **PHONE)
    sign_in(page, account.email, account.password)
    sidebar, menu = page.locator("#sidebar"), page.locator("#sidebar-toggle")

    for slug in PAGES:
        page.goto(f"/{slug}")
        wait_for_shell(page)
        expect(page.locator(".dp-nav-link.active")).to_have_attribute("href", f"/{slug}")
        # The sidebar starts closed; the menu button says so and opens it.
        expect(sidebar).to_be_hidden()
        expect(menu).to_have_attribute("aria-expanded", "false")
        assert_fits_the_phone(page, slug)

    # The navigation is one tap on the menu button away, over the page, which keeps its width.
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    link = sidebar.locator(".dp-nav-link", has_text="SQL")
    expect(link).to_be_visible()
    assert box(page.locator("#main"))["width"] >= 350
    link.click()
    page.wait_for_url("**/sql")
    wait_for_shell(page)
    expect(sidebar).to_be_hidden()

    # SQL: the editor has the whole width; the result comes under it, the tables under that.
    editor = page.locator(".dp-sql-editor")
    expect(editor.locator(".ace_content")).to_be_visible()
    editor.locator(".ace_text-input").focus()
    page.keyboard.insert_text("SELECT region, sum(amount) AS total FROM sales GROUP BY region")
    page.locator(".dp-sql-run button").click()
    expect(page.locator(".dp-result-summary")).to_contain_text("4 rows")
    at, result, side = (
        box(editor),
        box(page.locator(".dp-result")),
        box(page.locator(".dp-sql-side")),
    )
    assert at["x"] >= 0 and at["x"] + at["width"] <= 390, f"editor cut off: {at}"
    assert at["width"] >= 340, f"editor squeezed: {at}"
    assert result["y"] >= at["y"] + at["height"], f"result {result} is not under editor {at}"
    assert side["y"] >= at["y"] + at["height"], f"tables {side} are not under the editor {at}"
    assert_fits_the_phone(page, "sql after a run")
