"""Column names and currencies over real HTTP: the profile's typed currency, renaming through
``/retry``, and refusals with a problem document."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.integration.conftest import ApiUser, assert_problem
from tests.integration.sources_api import create_workspace, source_url, upload_ready, wait_settled

HEADERLESS = b"ann@example.com,$74.69,Paris\nbob@example.org,-$5.00,Lyon\n"


@pytest.fixture
def customers(client: httpx.Client, api_user: ApiUser) -> dict[str, Any]:
    workspace = create_workspace(client, api_user)
    return upload_ready(client, api_user, workspace, "customers.csv", HEADERLESS)


def test_get_returns_named_columns_and_the_currency_format(
    client: httpx.Client, api_user: ApiUser, customers: dict[str, Any]
) -> None:
    url = source_url(customers["workspace_id"], customers["id"])
    source = client.get(url, headers=api_user.headers).json()

    columns = source["profile"]["columns"]
    assert [c["identifier"] for c in columns] == ["email", "amount", "column_3"]
    assert columns[1]["currency"] == {
        "code": "USD",
        "symbol": "$",
        "position": "prefix",
        "space": False,
        "decimal_separator": ".",
        "thousands_separator": "",
        "decimals": 2,
        "negative": "sign",
    }
    assert columns[0]["currency"] is None
    preview = client.get(url + "/preview", headers=api_user.headers).json()
    assert preview["columns"][1]["currency"]["code"] == "USD"


def test_retry_with_a_name_renames_the_column(
    client: httpx.Client, api_user: ApiUser, customers: dict[str, Any]
) -> None:
    workspace, source_id = customers["workspace_id"], customers["id"]
    url = source_url(workspace, source_id)
    body = {"overrides": {"column_3": {"name": "City"}, "amount": {"type": "text", "name": "Paid"}}}

    response = client.post(url + "/retry", json=body, headers=api_user.headers)

    assert response.status_code == 202, response.text
    source = wait_settled(client, api_user, workspace, source_id)
    assert source["status"] == "ready", source["error"]
    columns = source["profile"]["columns"]
    assert [(c["label"], c["identifier"], c["type"]) for c in columns] == [
        ("Email", "email", "text"),
        ("Paid", "paid", "text"),
        ("City", "city", "text"),
    ]
    assert source["overrides"]["column_3"] == {
        "type": None,
        "format": None,
        "decimal_separator": None,
        "thousands_separator": None,
        "name": "City",
    }
    assert source["overrides"]["amount"]["name"] == "Paid"
    assert source["detected"]["columns"][2]["detected_identifier"] == "column_3"


@pytest.mark.parametrize(
    ("overrides", "says"),
    [
        ({"column_3": {}}, "give a type, a name"),
        ({"column_3": {"name": ""}}, "at least 1 character"),
        ({"column_3": {"name": "x" * 201}}, "at most 200 characters"),
        ({"column_3": {"name": "Email"}}, "column 'Email' is already called 'email'"),
        ({"nope": {"name": "City"}}, "no column 'nope' to rename"),
    ],
)
def test_retry_refuses_bad_names_and_keeps_the_source(
    client: httpx.Client,
    api_user: ApiUser,
    customers: dict[str, Any],
    overrides: dict[str, Any],
    says: str,
) -> None:
    url = source_url(customers["workspace_id"], customers["id"])
    response = client.post(url + "/retry", json={"overrides": overrides}, headers=api_user.headers)
    assert_problem(response, 422)
    assert says in response.text
    source = client.get(url, headers=api_user.headers).json()
    assert (source["status"], source["overrides"]) == ("ready", {})
