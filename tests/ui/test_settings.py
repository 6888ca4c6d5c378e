"""The Settings page: admins manage members, everyone manages their own profile."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from tests.conftest import STRONG_PASSWORD, RunningServer
from tests.ui.conftest import (
    Account,
    add_member_in_settings,
    api_account,
    sign_in,
    sign_out,
    wait_for_shell,
)

NEW_PASSWORD = "purple-otter-lantern-harbour-7"


@pytest.fixture
def admin(page, server: RunningServer) -> Account:
    """A fresh tenant admin, signed in on ``page`` and looking at Settings."""
    account = api_account(server, name="Sophie Admin")
    page.goto("/settings")
    sign_in(page, account.email, account.password, then="/settings")
    return account


def member_row(page, email: str):
    return page.locator(".dp-member-row").filter(has_text=email)


def notification(page, text: str):
    return page.locator(".notyf__toast").filter(has_text=text)


def test_admin_adds_member_with_role_and_changes_it(page, admin: Account) -> None:
    email = f"eddie-{uuid.uuid4().hex[:8]}@example.com"
    password = add_member_in_settings(page, email, "Eddie Editor", "editor")
    assert len(password) >= 12
    row = member_row(page, email)
    expect(row).to_contain_text("Eddie Editor")
    expect(row.locator(".dp-member-row-role select")).to_have_value("editor")

    row.locator(".dp-member-row-role select").select_option("viewer")
    expect(notification(page, f"{email} is now viewer.")).to_be_visible()

    page.reload()
    wait_for_shell(page)
    expect(member_row(page, email).locator(".dp-member-row-role select")).to_have_value("viewer")
    # The generated password was shown once; it is not on the page any more.
    expect(page.locator(".dp-generated-password")).to_have_count(0)


def test_deactivated_member_is_signed_out_and_cannot_sign_in(
    page, new_page, admin: Account, base_url: str
) -> None:
    email = f"dana-{uuid.uuid4().hex[:8]}@example.com"
    password = add_member_in_settings(page, email, "Dana Member", "viewer")
    member = new_page(base_url=base_url)
    sign_in(member, email, password)

    row = member_row(page, email)
    row.locator(".dp-member-toggle button").click()
    expect(row).to_contain_text("deactivated")
    expect(row.locator(".dp-member-toggle button")).to_have_text("Reactivate")

    # Their open session ends, and the password no longer signs them in.
    member.reload()
    member.wait_for_url("**/login?next=/sources")
    member.locator("#email").fill(email)
    member.locator("#password").fill(password)
    member.locator("#password").press("Enter")
    expect(member.get_by_role("alert")).to_be_visible()
    assert "/login" in member.url


def test_admin_cannot_change_own_role_or_deactivate_self(page, admin: Account) -> None:
    row = member_row(page, admin.email)
    expect(row).to_contain_text("(you)")
    expect(row.locator(".dp-member-row-role select")).to_be_disabled()
    expect(row.locator(".dp-member-toggle button")).to_be_disabled()


def test_changing_display_name_updates_user_menu(page, admin: Account) -> None:
    expect(page.locator(".dp-user-name")).to_have_text("Sophie Admin")
    name = page.locator(".dp-profile-name input")
    name.fill("Sophie Germain")
    name.press("Enter")
    expect(notification(page, "Your name is now Sophie Germain.")).to_be_visible()
    expect(page.locator(".dp-user-name")).to_have_text("Sophie Germain")

    page.reload()
    wait_for_shell(page)
    expect(page.locator(".dp-user-name")).to_have_text("Sophie Germain")
    expect(page.locator(".dp-profile-name input")).to_have_value("Sophie Germain")


def test_changed_password_replaces_the_old_one(page, admin: Account) -> None:
    page.locator(".dp-password-current input").fill(STRONG_PASSWORD)
    page.locator(".dp-password-new input").fill(NEW_PASSWORD)
    page.locator(".dp-password-confirm input").fill(NEW_PASSWORD)
    page.locator(".dp-password-confirm input").press("Enter")
    expect(notification(page, "Password changed.")).to_be_visible()
    expect(page.locator(".dp-password-current input")).to_have_value("")

    sign_out(page)
    page.locator("#email").fill(admin.email)
    page.locator("#password").fill(STRONG_PASSWORD)
    page.locator("#password").press("Enter")
    expect(page.get_by_role("alert")).to_have_text("Email or password is not correct.")

    sign_in(page, admin.email, NEW_PASSWORD)
    expect(page.locator(".dp-user-name")).to_have_text("Sophie Admin")


def test_wrong_current_password_shows_a_clear_error(page, admin: Account) -> None:
    page.locator(".dp-password-current input").fill("not-my-password-at-all")
    page.locator(".dp-password-new input").fill(NEW_PASSWORD)
    page.locator(".dp-password-confirm input").fill(NEW_PASSWORD)
    page.locator(".dp-password-change button").click()

    expect(page.locator(".dp-password-error")).to_contain_text(
        "The current password is not correct."
    )
    expect(notification(page, "The current password is not correct.")).to_be_visible()
    # Nothing changed: the old password still signs in.
    sign_out(page)
    sign_in(page, admin.email, STRONG_PASSWORD)


def test_mismatched_new_password_is_refused_before_saving(page, admin: Account) -> None:
    page.locator(".dp-password-current input").fill(STRONG_PASSWORD)
    page.locator(".dp-password-new input").fill(NEW_PASSWORD)
    page.locator(".dp-password-confirm input").fill(NEW_PASSWORD + "!")
    page.locator(".dp-password-confirm input").press("Enter")
    expect(page.locator(".dp-password-error")).to_contain_text(
        "The new password and its confirmation are not the same."
    )
