"""The Settings page: admins manage members, everyone manages their own profile."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.conftest import STRONG_PASSWORD, RunningServer
from tests.openai_models_server import ModelsServer, running
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


def _luminance(css_rgb: str) -> float:
    """Relative luminance (WCAG) of a computed ``rgb(r, g, b)`` colour."""
    channels = [int(part) / 255 for part in re.findall(r"\d+", css_rgb)[:3]]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


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
    own = row.locator(".dp-member-row-role select")
    expect(own).to_be_disabled()
    expect(row.locator(".dp-member-toggle button")).to_be_disabled()
    # Disabled, yet readable: dark text on a light field (it was grey on solid blue).
    expect(own).to_have_value("admin")
    text, background = own.evaluate(
        "e => [getComputedStyle(e).color, getComputedStyle(e).backgroundColor]"
    )
    light, dark = sorted((_luminance(text), _luminance(background)), reverse=True)
    assert (light + 0.05) / (dark + 0.05) >= 4.5, f"{text} on {background}"
    assert _luminance(background) > 0.7, f"a disabled select is a light field, not {background}"


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


# -- Settings → AI ----------------------------------------------------------------------------------
AI_KEY = f"sk-ui-{uuid.uuid4().hex}Lq7v"


@pytest.fixture(scope="module")
def models_server():
    with running(ModelsServer(key=AI_KEY)) as served:
        yield served


def test_admin_adds_a_compatible_provider_tests_it_and_sees_only_the_last_four(
    page, admin: Account, models_server: ModelsServer
) -> None:
    section = page.locator(".dp-ai-section")
    section.locator(".dp-ai-kind select").select_option("OpenAI-compatible server")
    section.locator(".dp-ai-key input").fill(AI_KEY)
    section.locator(".dp-ai-base-url input").fill(models_server.base_url)
    section.locator(".dp-ai-load-models button").click()
    expect(notification(page, "2 models listed")).to_be_visible()
    section.locator(".dp-ai-model-input input").fill("gpt-test-mini")
    section.locator(".dp-ai-save button").click()
    expect(notification(page, "OpenAI-compatible server saved.")).to_be_visible()

    row = section.locator(".dp-ai-row")
    expect(row).to_have_count(1)
    expect(row.locator(".dp-ai-key-hint")).to_have_text(f"…{AI_KEY[-4:]}")
    expect(row).to_contain_text("gpt-test-mini")
    expect(section.locator(".dp-ai-key input")).to_have_value("")

    row.locator(".dp-ai-test button").click()
    expect(row.locator(".dp-ai-ok")).to_contain_text("Connected")
    assert models_server.requests[-1]["headers"]["authorization"] == f"Bearer {AI_KEY}"

    page.reload()
    wait_for_shell(page)
    expect(page.locator(".dp-ai-row .dp-ai-key-hint")).to_have_text(f"…{AI_KEY[-4:]}")
    assert AI_KEY not in page.content()


def test_a_refused_key_shows_the_failure_and_delete_asks_first(
    page, admin: Account, models_server: ModelsServer
) -> None:
    section = page.locator(".dp-ai-section")
    section.locator(".dp-ai-kind select").select_option("OpenAI")
    section.locator(".dp-ai-model-input input").fill("gpt-test-mini")
    section.locator(".dp-ai-key input").fill("sk-wrong-" + "w" * 30)
    section.locator(".dp-ai-base-url input").fill(models_server.base_url)
    section.locator(".dp-ai-save button").click()
    row = section.locator(".dp-ai-row")
    expect(row).to_have_count(1)

    row.locator(".dp-ai-test button").click()
    expect(row.locator(".dp-ai-failed")).to_contain_text("Failed.")
    assert "w" * 12 not in page.content()

    row.locator(".dp-ai-delete button").click()
    row.locator(".dp-ai-confirm button").click()
    expect(notification(page, "and its key were deleted.")).to_be_visible()
    expect(section.locator(".dp-ai-row")).to_have_count(0)
    expect(section.locator(".dp-ai-none")).to_contain_text("installation default")


def test_members_who_are_not_admins_see_only_which_provider_is_active(
    page, new_page, admin: Account, base_url: str
) -> None:
    section = page.locator(".dp-ai-section")
    section.locator(".dp-ai-kind select").select_option("Offline answerer")
    section.locator(".dp-ai-save button").click()
    expect(section.locator(".dp-ai-row")).to_have_count(1)
    email = f"vera-{uuid.uuid4().hex[:8]}@example.com"
    password = add_member_in_settings(page, email, "Vera Viewer", "viewer")

    viewer = new_page(base_url=base_url)
    viewer.goto("/settings")
    sign_in(viewer, email, password, then="/settings")
    card = viewer.locator(".dp-ai-section")
    expect(card).to_contain_text("Explore uses Offline answerer")
    expect(card.locator(".dp-ai-save")).to_have_count(0)
