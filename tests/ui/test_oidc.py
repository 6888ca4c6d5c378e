"""OIDC sign-in in a real browser, beside password accounts, against a real OpenID provider.

DataPilot runs on 127.0.0.1 and the provider on localhost, so the browser crosses sites exactly
as with a hosted issuer. The provider's own pages load pico.css from a CDN: those requests are
the provider's business and get an empty stylesheet; any non-local request made by a DataPilot
page still fails the test through the guard of ``tests/ui/conftest.py``.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Locator, Page, Route, expect

from tests.conftest import STRONG_PASSWORD, RunningServer
from tests.oidc_idp import (
    DOMAIN,
    PROVIDER,
    PROVIDER_LABEL,
    TENANT,
    Idp,
    running_idp,
    start_oidc_server,
    users_named,
)

pytestmark = pytest.mark.filterwarnings("ignore:get_jwt_config:DeprecationWarning")


@pytest.fixture(scope="module")
def idp() -> Iterator[Idp]:
    with running_idp() as running:
        yield running


@pytest.fixture(scope="module")
def app_server(tmp_path_factory: pytest.TempPathFactory, idp: Idp) -> Iterator[RunningServer]:
    server = start_oidc_server(tmp_path_factory.mktemp("oidc-ui"), idp)
    yield server
    server.stop()


@pytest.fixture
def base_url(app_server: RunningServer) -> str:
    return app_server.base_url


@pytest.fixture
def browser_page(new_page: Callable[..., Any], base_url: str, idp: Idp) -> Page:
    """A guarded page on DataPilot; the provider's pages get their CDN stylesheet stubbed."""
    page: Page = new_page(base_url=base_url)

    def from_idp_page(route: Route) -> None:
        frame_url = route.request.frame.url if route.request.frame else ""
        if frame_url.startswith(idp.origin + "/"):
            route.fulfill(status=200, content_type="text/css", body="")
        else:
            route.fallback()  # the guard records and aborts it

    # Registered after the guard, so it runs first and hands everything else back to it.
    page.context.route(
        lambda url: urlsplit(url).hostname not in ("127.0.0.1", "localhost"), from_idp_page
    )
    return page


def new_person(idp: Idp, *, domain: str = DOMAIN, verified: bool = True, name: str = "") -> str:
    """A subject at the provider with an email of ``domain``; returns the email."""
    sub = f"{name.lower() or 'user'}-{uuid.uuid4().hex[:8]}"
    email = f"{sub}@{domain}"
    idp.set_user(sub, email, verified=verified, name=name)
    return email


def sign_in_with_sso(page: Page, idp: Idp, email: str) -> None:
    """From the login page, through the provider's authorize page, back to DataPilot."""
    page.goto("/login")
    page.get_by_role("link", name=f"Sign in with {PROVIDER_LABEL}").click()
    expect(page).to_have_url(re.compile(re.escape(f"{idp.issuer}/oauth2/authorize?")))
    page.get_by_placeholder("sub").fill(email.split("@")[0])
    page.get_by_role("button", name="Authorize").click()


def open_account_menu(page: Page) -> Locator:
    page.locator(".dp-user-button").click()
    menu = page.get_by_role("menu")
    expect(menu).to_be_visible()
    return menu


def expect_signed_in(
    page: Page, base_url: str, name: str, email: str, role: str, tenant: str
) -> None:
    """On /sources, and the account menu names this user, role and tenant."""
    expect(page).to_have_url(f"{base_url}/sources")
    expect(page.locator(".dp-user-name")).to_have_text(name)
    menu = open_account_menu(page)
    expect(menu).to_contain_text(email, use_inner_text=True)
    expect(menu).to_contain_text(re.compile(rf"\b{role}\b", re.IGNORECASE), use_inner_text=True)
    expect(menu).to_contain_text(tenant, use_inner_text=True)
    page.keyboard.press("Escape")


def expect_refused(page: Page, base_url: str, message: str) -> None:
    """Back on the login page with ``message`` and no session."""
    expect(page).to_have_url(f"{base_url}/login")
    expect(page.get_by_role("alert")).to_have_text(message)
    expect(page.get_by_role("button", name="Sign in", exact=True)).to_be_visible()
    page.goto("/sources")
    expect(page).to_have_url(re.compile(re.escape(f"{base_url}/login")))


def test_login_page_offers_sso_beside_the_password_form(browser_page: Page) -> None:
    browser_page.goto("/login")

    expect(browser_page.get_by_label("Email")).to_be_visible()
    expect(browser_page.get_by_label("Password")).to_be_visible()
    expect(browser_page.get_by_role("link", name=f"Sign in with {PROVIDER_LABEL}")).to_be_visible()


def test_first_sso_sign_in_provisions_an_editor_in_the_domain_tenant(
    browser_page: Page, base_url: str, idp: Idp, app_server: RunningServer
) -> None:
    email = new_person(idp, name="Alice")

    sign_in_with_sso(browser_page, idp, email)

    expect_signed_in(browser_page, base_url, "Alice", email, "editor", TENANT)
    assert len(users_named(app_server, email)) == 1


def test_second_sso_sign_in_after_logout_is_the_same_user(
    browser_page: Page, base_url: str, idp: Idp, app_server: RunningServer
) -> None:
    email = new_person(idp, name="Bruno")
    sign_in_with_sso(browser_page, idp, email)
    expect_signed_in(browser_page, base_url, "Bruno", email, "editor", TENANT)
    open_account_menu(browser_page).get_by_role("menuitem", name="Log out").click()
    expect(browser_page.get_by_role("status")).to_have_text("You are signed out.")

    sign_in_with_sso(browser_page, idp, email)

    expect_signed_in(browser_page, base_url, "Bruno", email, "editor", TENANT)
    rows = users_named(app_server, email)
    assert len(rows) == 1, rows


def test_password_user_signing_in_with_sso_lands_in_their_own_tenant(
    browser_page: Page, base_url: str, idp: Idp, app_server: RunningServer
) -> None:
    email = new_person(idp, name="Dana")
    registered = httpx.post(
        f"{base_url}/api/v1/auth/register",
        json={
            "name": "Dana Password",
            "email": email,
            "password": STRONG_PASSWORD,
            "organisation": "Dana Analytics",
        },
        timeout=30,
    )
    assert registered.status_code == 201, registered.text

    sign_in_with_sso(browser_page, idp, email)

    expect_signed_in(browser_page, base_url, "Dana Password", email, "admin", "Dana Analytics")
    rows = users_named(app_server, email)
    assert len(rows) == 1 and rows[0].split()[0] != TENANT, rows


def test_unverified_email_is_refused_with_a_message(
    browser_page: Page, base_url: str, idp: Idp
) -> None:
    email = new_person(idp, name="Victor", verified=False)

    sign_in_with_sso(browser_page, idp, email)

    expect_refused(
        browser_page,
        base_url,
        f"{PROVIDER_LABEL} has not verified the email {email}. Verify it there, then try again.",
    )


def test_email_without_account_or_provisioning_rule_is_refused(
    browser_page: Page, base_url: str, idp: Idp, app_server: RunningServer
) -> None:
    email = new_person(idp, name="Olga", domain="elsewhere.test")

    sign_in_with_sso(browser_page, idp, email)

    expect_refused(
        browser_page,
        base_url,
        f"There is no DataPilot account for {email}. Ask an admin to add you.",
    )
    assert users_named(app_server, email) == []


def test_denying_at_the_provider_returns_to_login_with_a_message(
    browser_page: Page, base_url: str, idp: Idp
) -> None:
    browser_page.goto("/login")
    browser_page.get_by_role("link", name=f"Sign in with {PROVIDER_LABEL}").click()

    browser_page.get_by_role("button", name="Deny").click()

    expect_refused(
        browser_page,
        base_url,
        f"Sign-in with {PROVIDER_LABEL} was denied or cancelled. "
        "Try again, or sign in with your email and password.",
    )


def test_callback_with_a_forged_state_is_refused(
    browser_page: Page, base_url: str, idp: Idp
) -> None:
    browser_page.goto("/login")
    browser_page.get_by_role("link", name=f"Sign in with {PROVIDER_LABEL}").click()
    expect(browser_page).to_have_url(re.compile(re.escape(idp.issuer)))

    browser_page.goto(f"/auth/oidc/{PROVIDER}/callback?code=forged&state=forged")

    expect_refused(
        browser_page, base_url, "The sign-in response does not match the request; try again."
    )


def test_password_sign_in_still_works_beside_sso(
    browser_page: Page, base_url: str, app_server: RunningServer
) -> None:
    email = f"pat-{uuid.uuid4().hex[:8]}@password.test"
    registered = httpx.post(
        f"{base_url}/api/v1/auth/register",
        json={"name": "Pat", "email": email, "password": STRONG_PASSWORD, "organisation": "Pat Co"},
        timeout=30,
    )
    assert registered.status_code == 201, registered.text
    browser_page.goto("/login")

    browser_page.get_by_label("Email").fill(email)
    browser_page.get_by_label("Password").fill(STRONG_PASSWORD)
    browser_page.get_by_role("button", name="Sign in", exact=True).click()

    expect_signed_in(browser_page, base_url, "Pat", email, "admin", "Pat Co")
