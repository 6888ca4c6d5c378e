"""The app shell in a real browser: sign-up to sign-in, workspaces, roles, every page."""

from __future__ import annotations

import re
import time
import uuid

import pytest
from playwright.sync_api import expect

from tests.conftest import STRONG_PASSWORD, RunningServer
from tests.ui.conftest import (
    add_member_in_settings,
    api_account,
    create_workspace_in_sidebar,
    open_guarded_page,
    selected_workspace,
    sign_in,
    sign_out,
    wait_for_shell,
)

HONEST_EMPTY_STATES = {
    "sources": "Upload CSV, Parquet and Excel files here",
    "model": "Upload files on the Sources page first",
    "explore": "No data to ask about yet",
    "sql": "No tables to query yet",
    "dashboards": "No dashboards yet",
}


def test_register_workspaces_logout_and_login_again(page) -> None:
    email = f"ada-{uuid.uuid4().hex[:8]}@example.com"

    # Register: the strength meter reacts while the password is typed.
    page.goto("/register")
    page.locator("#name").fill("Ada Lovelace")
    page.locator("#email").fill(email)
    bar, verdict = page.locator("#strength-bar"), page.locator("#strength-text")
    expect(bar).to_have_attribute("data-score", "-1")
    page.locator("#password").fill("ada")
    expect(bar).to_have_attribute("data-score", re.compile(r"^[01]$"))
    expect(verdict).to_contain_text("use at least 10 characters")
    page.locator("#password").fill(STRONG_PASSWORD)
    expect(bar).to_have_attribute("data-score", re.compile(r"^[34]$"))
    expect(verdict).to_have_text(re.compile(r"^(Strong|Very strong)$"))
    page.locator("#confirm").fill(STRONG_PASSWORD)
    page.get_by_role("button", name="Create account").click()

    # A new team starts in the guided setup; the shell is around it: name and role in the user
    # menu, no workspace yet.
    page.wait_for_url("**/welcome")
    wait_for_shell(page)
    expect(page.locator(".dp-user-name")).to_have_text("Ada Lovelace")
    expect(page.locator(".dp-user-role")).to_have_text("admin")
    expect(page.locator(".dp-crumb-none")).to_have_text("No workspace selected")
    page.goto("/sources")
    wait_for_shell(page)

    # Two workspaces from the sidebar; each new one becomes the current one.
    create_workspace_in_sidebar(page, "Sales")
    create_workspace_in_sidebar(page, "Marketing")
    expect(selected_workspace(page)).to_have_text("Marketing")
    expect(page.get_by_text(HONEST_EMPTY_STATES["sources"])).to_be_visible()

    # Switch with the select; the page follows.
    page.locator(".dp-workspace-select select").select_option(label="Sales")
    expect(page.locator(".dp-crumb-workspace")).to_have_text("Sales")

    # The choice is remembered for this user across reloads and pages.
    page.reload()
    wait_for_shell(page)
    expect(selected_workspace(page)).to_have_text("Sales")
    expect(page.locator(".dp-crumb-workspace")).to_have_text("Sales")
    page.locator(".dp-nav-link", has_text="Model").click()
    page.wait_for_url("**/model")
    wait_for_shell(page)
    expect(page.locator(".dp-crumb-workspace")).to_have_text("Sales")

    # Rename the current workspace.
    page.locator(".dp-workspace-rename button").click()
    name = page.locator(".dp-workspace-name input")
    expect(name).to_have_value("Sales")
    name.fill("Sales EMEA")
    name.press("Enter")
    expect(page.locator(".dp-crumb-workspace")).to_have_text("Sales EMEA")
    expect(selected_workspace(page)).to_have_text("Sales EMEA")

    # Delete it: the button stays disabled until the exact name is typed.
    page.locator(".dp-workspace-delete button").click()
    confirm, delete = (
        page.locator(".dp-confirm-input input"),
        page.locator(".dp-confirm-delete button"),
    )
    expect(confirm).to_be_visible()
    expect(delete).to_be_disabled()
    confirm.press_sequentially("Sales")
    expect(delete).to_be_disabled()
    confirm.press_sequentially(" EMEA")
    expect(delete).to_be_enabled()
    delete.click()
    expect(page.locator(".dp-crumb-workspace")).to_have_text("Marketing")
    options = page.locator(".dp-workspace-select select option")
    expect(options).to_have_text(["Marketing"])

    # Log out through the user menu, then back in through the login form.
    sign_out(page)
    expect(page.get_by_role("status")).to_have_text("You are signed out.")
    page.goto("/sources")
    page.wait_for_url("**/login?next=/sources")
    sign_in(page, email, STRONG_PASSWORD)
    expect(page.locator(".dp-user-name")).to_have_text("Ada Lovelace")
    expect(selected_workspace(page)).to_have_text("Marketing")


def test_viewer_sees_no_editing_controls(page, new_page, base_url: str) -> None:
    # The admin registers, makes a workspace and adds a viewer in Settings.
    page.goto("/register")
    page.locator("#name").fill("Alan Admin")
    page.locator("#email").fill(f"alan-{uuid.uuid4().hex[:8]}@example.com")
    page.locator("#password").fill(STRONG_PASSWORD)
    page.locator("#confirm").fill(STRONG_PASSWORD)
    page.locator("#confirm").press("Enter")
    page.wait_for_url("**/welcome")
    wait_for_shell(page)
    create_workspace_in_sidebar(page, "Finance")
    page.goto("/settings")
    wait_for_shell(page)
    viewer_email = f"vera-{uuid.uuid4().hex[:8]}@example.com"
    password = add_member_in_settings(page, viewer_email, "Vera Viewer", "viewer")

    # The viewer signs in in another browser context.
    viewer = new_page(base_url=base_url)
    sign_in(viewer, viewer_email, password)
    expect(viewer.locator(".dp-user-role")).to_have_text("viewer")
    expect(selected_workspace(viewer)).to_have_text("Finance")
    expect(viewer.get_by_text(HONEST_EMPTY_STATES["sources"])).to_be_visible()
    for control in ("new", "rename", "delete"):
        expect(viewer.locator(f".dp-workspace-{control}")).to_be_hidden()

    viewer.goto("/settings")
    wait_for_shell(viewer)
    expect(viewer.locator(".dp-profile-name input")).to_have_value("Vera Viewer")
    expect(viewer.locator(".dp-members-section")).to_have_count(0)
    expect(viewer.get_by_role("heading", name="Members")).to_have_count(0)
    expect(viewer.get_by_text("Add member")).to_have_count(0)


def test_viewer_without_workspace_is_told_who_can_create_one(
    page, new_page, server: RunningServer
) -> None:
    admin = api_account(server)
    sign_in(page, admin.email, admin.password, then="/sources")
    page.goto("/settings")
    wait_for_shell(page)
    viewer_email = f"vic-{uuid.uuid4().hex[:8]}@example.com"
    password = add_member_in_settings(page, viewer_email, "Vic Viewer", "viewer")

    viewer = new_page(base_url=server.base_url)
    sign_in(viewer, viewer_email, password)
    expect(viewer.get_by_role("heading", name="No workspace to show yet")).to_be_visible()
    expect(viewer.get_by_text("Ask an editor or admin of your team")).to_be_visible()
    expect(viewer.locator(".dp-first-workspace-name")).to_have_count(0)
    expect(viewer.locator(".dp-workspace-new")).to_be_hidden()


@pytest.mark.parametrize("slug", ["sources", "model", "explore", "sql", "dashboards", "settings"])
def test_app_page_loads_locally_without_errors(
    page, server: RunningServer, slug: str, shared_account
) -> None:
    sign_in(page, shared_account.email, shared_account.password)
    page.goto(f"/{slug}")
    wait_for_shell(page)
    expect(page.locator(".dp-page-title")).to_have_text(slug.title() if slug != "sql" else "SQL")
    expect(page.locator(".dp-nav-link.active")).to_have_attribute("href", f"/{slug}")
    if slug in HONEST_EMPTY_STATES:
        expect(page.get_by_role("heading", name=HONEST_EMPTY_STATES[slug])).to_be_visible()
    else:
        expect(page.get_by_role("heading", name="Profile")).to_be_visible()
    # The guard fails the test on any non-local request or console error.


@pytest.mark.parametrize(
    ("path", "heading"), [("/login", "Sign in"), ("/register", "Create an account")]
)
def test_auth_page_loads_locally_without_errors(page, path: str, heading: str) -> None:
    page.goto(path)
    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    page.wait_for_load_state("networkidle")


@pytest.fixture(scope="module")
def shared_account(server: RunningServer):
    """One tenant with a workspace for the read-only page checks."""
    return api_account(server, name="Page Checker", workspaces=["Everything"])


def test_guard_records_remote_requests_and_console_errors(browser, base_url: str) -> None:
    # The guard every UI test relies on must itself catch what it promises to catch.
    # Every page now sends a Content-Security-Policy, which would block the test's own remote
    # image before the guard could see it: this page ignores it (the guard is what is tested).
    page, guard = open_guarded_page(browser, base_url, bypass_csp=True)
    expected = [
        "non-local request: GET https://cdn.example.com/logo.png",
        "console error: boom from a test",
        "page error: uncaught in a test",
    ]
    try:
        page.goto("/health")
        page.evaluate(
            """() => {
                const img = document.createElement("img");
                img.src = "https://cdn.example.com/logo.png";
                document.body.append(img);
                console.error("boom from a test");
                setTimeout(() => { throw new Error("uncaught in a test"); }, 0);
            }"""
        )
        deadline = time.monotonic() + 10
        while not all(any(e in p for p in guard.problems) for e in expected):
            assert time.monotonic() < deadline, f"guard recorded only {guard.problems}"
            page.wait_for_timeout(50)  # lets Playwright deliver the browser's events
    finally:
        page.context.close()


def test_escape_closes_the_new_workspace_form_and_creates_nothing(
    page, server: RunningServer
) -> None:
    account = api_account(server, name="Esc Ape", workspaces=["Kept"])
    sign_in(page, account.email, account.password)
    new = page.locator(".dp-workspace-new button")
    new.click()
    field = page.locator(".dp-workspace-name input")
    expect(field).to_be_visible()
    field.fill("Never made")
    field.press("Escape")

    expect(field).to_be_hidden()
    expect(new).to_be_focused()
    options = page.locator(".dp-workspace-select select option")
    expect(options).to_have_text(["Kept"])
    # The server has nothing either, after a reload.
    page.reload()
    wait_for_shell(page)
    expect(options).to_have_text(["Kept"])
