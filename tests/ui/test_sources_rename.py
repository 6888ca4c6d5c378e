"""Renaming a column of a headerless file in the schema editor, in a real browser."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.conftest import RunningServer
from tests.ui.conftest import Account, api_account, sign_in, wait_for_shell
from tests.ui.test_sources import Api, schema_row


@pytest.fixture(name="api")
def signed_in_api(page: Any, server: RunningServer) -> Api:
    """A fresh tenant admin with a workspace, signed in on ``page``, and its REST API."""
    account: Account = api_account(server, name="Edith Editor", workspaces=["Sales"])
    sign_in(page, account.email, account.password)
    return Api(server, account)


def test_a_headerless_column_is_renamed_(page: Any, api: Api, tmp_path: Path) -> None:
    path = tmp_path / "contacts.csv"
    path.write_text("ann@example.com,$74.69,Paris\nbob@example.org,-$5.00,Lyon\n")
    source_id = api.upload_file(path)
    page.goto(f"/sources?source={source_id}")
    wait_for_shell(page)
    expect(schema_row(page, "email").locator(".dp-col-label")).to_have_text("Email")

    schema_row(page, "column_3").locator("[tabulator-field=name]").click()
    page.keyboard.type("City")
    page.keyboard.press("Enter")
    apply = page.locator(".dp-schema-apply button")
    expect(apply).to_have_text("Re-ingest with 1 change")
    apply.click()

    city = schema_row(page, "city")
    expect(city.locator(".dp-col-label")).to_have_text("City")
    expect(city.locator("[tabulator-field=how]")).to_have_text("renamed from column_3")
    expect(page.locator(".dp-detail-header .dp-status")).to_have_text("Ready")
    detail = api.source(source_id).json()
    assert [c["identifier"] for c in detail["profile"]["columns"]] == ["email", "amount", "city"]
    assert detail["overrides"]["column_3"]["name"] == "City"
