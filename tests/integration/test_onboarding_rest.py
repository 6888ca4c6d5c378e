"""The guided setup's REST routes over real HTTP: the state, the stored status, a sample, and
the first dashboard (from the sample's template); viewers cannot do the steps that write; and
the isolation pair: another tenant gets 404 on every route and changes nothing."""

from __future__ import annotations

from typing import Any

import httpx

from tests.integration.conftest import API, ApiUser, Store, assert_problem, register_api_user
from tests.integration.model_api import model_url
from tests.integration.sources_api import create_workspace, sources_url, wait_settled
from tests.integration.test_rest_workspaces import add_member


def onboarding_url(workspace: str, rest: str = "") -> str:
    return f"{API}/workspaces/{workspace}/onboarding{rest}"


def state(client: httpx.Client, user: ApiUser, workspace: str) -> dict[str, Any]:
    response = client.get(onboarding_url(workspace), headers=user.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_the_state_follows_the_workspace_and_the_status_is_kept(client: httpx.Client) -> None:
    ada = register_api_user(client, "Ada")
    workspace = create_workspace(client, ada, "Empty")
    first = state(client, ada, workspace)
    assert (first["step"], first["step_name"], first["status"], first["shown"]) == (
        2, "data", None, True
    )  # fmt: skip
    assert [s["done"] for s in first["steps"]] == [True, False, False, False, False]

    skipped = client.put(onboarding_url(workspace), json={"status": "skipped"}, headers=ada.headers)
    assert skipped.status_code == 200, skipped.text
    assert (skipped.json()["status"], skipped.json()["shown"]) == ("skipped", False)
    assert state(client, ada, workspace)["status"] == "skipped"

    refused = client.put(onboarding_url(workspace), json={"status": "paused"}, headers=ada.headers)
    assert_problem(refused, 422)
    assert state(client, ada, workspace)["status"] == "skipped"


def test_a_sample_then_the_first_dashboard_from_its_template(client: httpx.Client) -> None:
    ada = register_api_user(client, "Ada")
    workspace = create_workspace(client, ada, "People")
    added = client.post(
        onboarding_url(workspace, "/sample"), json={"sample": "HR"}, headers=ada.headers
    )
    assert added.status_code == 202, added.text
    items = added.json()["items"]
    assert [s["name"] for s in items] == ["departments", "employees", "movements"]
    for item in items:
        assert wait_settled(client, ada, workspace, item["id"])["status"] == "ready"
    assert state(client, ada, workspace)["step_name"] == "model"
    applied = client.post(
        f"{model_url(workspace)}/suggestions/apply",
        json={"ids": "all", "version": 0},
        headers=ada.headers,
    )
    assert applied.status_code == 200, applied.text

    made = client.post(onboarding_url(workspace, "/dashboard"), headers=ada.headers)
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["template"] == "hr" and body["dashboard"]["document"]["widgets"]
    assert made.headers["Location"].endswith(f"/dashboards/{body['dashboard']['id']}")
    final = state(client, ada, workspace)
    assert (final["status"], final["finished"], final["shown"], final["dashboards"]) == (
        "done", True, False, 1
    )  # fmt: skip


def test_a_model_without_tables_gets_no_dashboard_and_says_why(client: httpx.Client) -> None:
    ada = register_api_user(client, "Ada")
    workspace = create_workspace(client, ada, "Bare")
    body = assert_problem(
        client.post(onboarding_url(workspace, "/dashboard"), headers=ada.headers), 422
    )
    assert "table" in body["detail"]
    assert state(client, ada, workspace)["status"] is None


def test_viewers_cannot_add_a_sample_or_make_the_dashboard(
    client: httpx.Client, server_store: Store
) -> None:
    ada = register_api_user(client, "Ada")
    workspace = create_workspace(client, ada, "Shared")
    viewer = add_member(server_store, client, ada, "viewer")
    assert state(client, viewer, workspace)["shown"] is False
    sample = client.post(
        onboarding_url(workspace, "/sample"), json={"sample": "Sales"}, headers=viewer.headers
    )
    assert_problem(sample, 403)
    assert_problem(
        client.post(onboarding_url(workspace, "/dashboard"), headers=viewer.headers), 403
    )
    assert client.get(sources_url(workspace), headers=ada.headers).json()["items"] == []


def test_another_tenant_gets_404_on_every_route_and_changes_nothing(client: httpx.Client) -> None:
    alice = register_api_user(client, "Alice", organisation="Alice Org")
    workspace = create_workspace(client, alice, "Payroll")
    started = client.put(
        onboarding_url(workspace), json={"status": "active"}, headers=alice.headers
    )
    assert started.status_code == 200, started.text
    before = state(client, alice, workspace)
    bob = register_api_user(client, "Bob", organisation="Bob Org")

    attempts = [
        client.get(onboarding_url(workspace), headers=bob.headers),
        client.put(onboarding_url(workspace), json={"status": "skipped"}, headers=bob.headers),
        client.post(
            onboarding_url(workspace, "/sample"), json={"sample": "Sales"}, headers=bob.headers
        ),
        client.post(onboarding_url(workspace, "/dashboard"), headers=bob.headers),
    ]
    for response in attempts:
        body = assert_problem(response, 404)
        assert "Payroll" not in response.text and "Alice" not in body["detail"]
    assert state(client, alice, workspace) == before
    assert client.get(sources_url(workspace), headers=alice.headers).json()["items"] == []
    listed = client.get(f"{API}/workspaces/{workspace}/dashboards", headers=alice.headers)
    assert listed.json()["items"] == []
