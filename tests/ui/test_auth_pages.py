"""Sign-in and registration pages as a user meets them: errors keep what was typed."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect

from tests.conftest import STRONG_PASSWORD, RunningServer
from tests.ui.conftest import api_account, sign_in, wait_for_shell


def test_wrong_password_shows_message_and_keeps_email(page, server: RunningServer) -> None:
    account = api_account(server)
    page.goto("/login")
    page.locator("#email").fill(account.email)
    page.locator("#password").fill("not-the-right-password")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("alert")).to_have_text("Email or password is not correct.")
    expect(page.locator("#email")).to_have_value(account.email)
    expect(page.locator("#password")).to_have_value("")
    assert "/login" in page.url


def test_register_with_mismatched_confirmation_keeps_name_and_email(page) -> None:
    email = f"mismatch-{uuid.uuid4().hex[:8]}@example.com"
    page.goto("/register")
    page.locator("#name").fill("Katherine Johnson")
    page.locator("#email").fill(email)
    page.locator("#password").fill(STRONG_PASSWORD)
    page.locator("#confirm").fill(STRONG_PASSWORD + "x")
    expect(page.locator("#confirm-text")).to_have_text("The passwords are not the same.")
    page.locator("#confirm").press("Enter")

    expect(page.get_by_role("alert")).to_have_text("The two passwords are not the same.")
    expect(page.locator("#name")).to_have_value("Katherine Johnson")
    expect(page.locator("#email")).to_have_value(email)
    expect(page.locator("#password")).to_have_value("")


def test_signed_out_visit_to_settings_returns_there_after_sign_in(
    page, server: RunningServer
) -> None:
    account = api_account(server, name="Dorothy Vaughan")
    page.goto("/settings")
    page.wait_for_url("**/login?next=/settings")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()

    sign_in(page, account.email, account.password, then="/settings")
    expect(page.locator(".dp-page-title")).to_have_text("Settings")
    expect(page.locator(".dp-profile-name input")).to_have_value("Dorothy Vaughan")


def test_register_lands_in_the_guided_setup_as_admin_of_a_new_team(page) -> None:
    page.goto("/register")
    page.locator("#name").fill("Mary Jackson")
    page.locator("#email").fill(f"mary-{uuid.uuid4().hex[:8]}@example.com")
    page.locator("#organisation").fill("Langley Analytics")
    page.locator("#password").fill(STRONG_PASSWORD)
    page.locator("#confirm").fill(STRONG_PASSWORD)
    page.get_by_role("button", name="Create account").click()

    page.wait_for_url("**/welcome")
    wait_for_shell(page)
    expect(page.locator(".dp-onb-name input")).to_be_focused()  # step 1: name the workspace
    expect(page.locator(".dp-user-name")).to_have_text("Mary Jackson")
    expect(page.locator(".dp-user-role")).to_have_text("admin")
    expect(page.locator(".dp-crumb-tenant")).to_have_text("Langley Analytics")


def test_register_meter_scores_a_password_against_the_typed_name_email_and_team(page) -> None:
    page.goto("/register")
    page.locator("#name").fill("User A")
    page.locator("#password").fill("usera@tenanta")
    expect(page.locator("#strength-text")).to_have_text("Very strong")  # for a stranger ...
    page.locator("#email").fill("usera@tenanta.example")  # ... not for usera@tenanta
    expect(page.locator("#strength-text")).to_contain_text("Very weak —")
    page.locator("#password").fill("Tenant c 2024")
    expect(page.locator("#strength-text")).to_have_text("Very strong")
    page.locator("#organisation").fill("Tenant C")
    expect(page.locator("#strength-text")).to_contain_text("Fair —")
    assert int(page.locator("#strength-bar").get_attribute("data-score") or "-1") < 3
