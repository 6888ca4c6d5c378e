"""Workspaces CRUD over real HTTP, and what each role may do."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.integration.conftest import (
    API,
    ApiUser,
    Store,
    assert_problem,
    login_api_user,
)

WORKSPACES = f"{API}/workspaces"


def create(client: httpx.Client, user: ApiUser, name: str, **extra: Any) -> httpx.Response:
    return client.post(WORKSPACES, json={"name": name, **extra}, headers=user.headers)


def names(client: httpx.Client, user: ApiUser) -> list[str]:
    response = client.get(WORKSPACES, headers=user.headers)
    assert response.status_code == 200
    return [w["name"] for w in response.json()["items"]]


def add_member(server_store: Store, client: httpx.Client, admin: ApiUser, role: str) -> ApiUser:
    """The tenant admin adds a member (as the Settings page does); the member signs in."""
    me = client.get(f"{API}/me", headers=admin.headers).json()
    principal = server_store.accounts.principal_for(
        uuid.UUID(me["user_id"]), uuid.UUID(me["tenant_id"])
    )
    assert principal is not None
    email = f"{role}-{uuid.uuid4().hex[:10]}@example.com"
    _info, password = server_store.members(principal).add(email, role.title(), role)
    assert password is not None
    return login_api_user(client, email, password)


@pytest.fixture
def viewer(server_store: Store, client: httpx.Client, api_user: ApiUser) -> ApiUser:
    return add_member(server_store, client, api_user, "viewer")


# -- CRUD ---------------------------------------------------------------------------------------------


def test_create_returns_201_with_location(client: httpx.Client, api_user: ApiUser) -> None:
    response = create(client, api_user, "Sales", description="Orders and customers")
    assert response.status_code == 201
    body = response.json()
    assert (body["name"], body["description"]) == ("Sales", "Orders and customers")
    assert response.headers["Location"] == f"{WORKSPACES}/{body['id']}"
    fetched = client.get(response.headers["Location"], headers=api_user.headers)
    assert fetched.status_code == 200
    assert fetched.json() == body


def test_list_shows_the_tenants_workspaces_by_name(client: httpx.Client, api_user: ApiUser) -> None:
    assert names(client, api_user) == []
    for name in ("marketing", "Finance", "HR"):
        assert create(client, api_user, name).status_code == 201
    assert names(client, api_user) == ["Finance", "HR", "marketing"]


def test_patch_renames(client: httpx.Client, api_user: ApiUser) -> None:
    created = create(client, api_user, "Draft").json()
    response = client.patch(
        f"{WORKSPACES}/{created['id']}", json={"name": "Final"}, headers=api_user.headers
    )
    assert response.status_code == 200
    assert response.json()["name"] == "Final"
    assert response.json()["description"] == created["description"]
    assert names(client, api_user) == ["Final"]


def test_duplicate_name_is_409(client: httpx.Client, api_user: ApiUser) -> None:
    assert create(client, api_user, "Sales").status_code == 201
    body = assert_problem(create(client, api_user, "sales"), 409)
    assert "already exists" in body["detail"]
    assert names(client, api_user) == ["Sales"]


def test_renaming_onto_an_existing_name_is_409(client: httpx.Client, api_user: ApiUser) -> None:
    create(client, api_user, "Sales")
    hr = create(client, api_user, "HR").json()
    response = client.patch(
        f"{WORKSPACES}/{hr['id']}", json={"name": "Sales"}, headers=api_user.headers
    )
    assert_problem(response, 409)
    assert names(client, api_user) == ["HR", "Sales"]


def test_delete_is_204_then_the_workspace_is_gone(client: httpx.Client, api_user: ApiUser) -> None:
    created = create(client, api_user, "Temporary").json()
    url = f"{WORKSPACES}/{created['id']}"
    response = client.delete(url, headers=api_user.headers)
    assert response.status_code == 204
    assert response.content == b""
    assert_problem(client.get(url, headers=api_user.headers), 404)
    assert_problem(client.delete(url, headers=api_user.headers), 404)
    assert names(client, api_user) == []


@pytest.mark.parametrize("workspace_id", [str(uuid.uuid4()), "not-a-uuid", "1"])
def test_unknown_workspace_is_404(
    client: httpx.Client, api_user: ApiUser, workspace_id: str
) -> None:
    body = assert_problem(client.get(f"{WORKSPACES}/{workspace_id}", headers=api_user.headers), 404)
    assert body["detail"] == "No such workspace."


def test_empty_name_is_422_naming_the_field(client: httpx.Client, api_user: ApiUser) -> None:
    for name in ("", "   "):
        body = assert_problem(create(client, api_user, name), 422)
        assert "name" in body["detail"].lower()
        assert body["errors"][0]["field"] == "name"
    assert names(client, api_user) == []


def test_too_long_name_is_422(client: httpx.Client, api_user: ApiUser) -> None:
    body = assert_problem(create(client, api_user, "x" * 121), 422)
    assert body["errors"][0]["field"] == "name"


def test_timestamps_are_utc_iso_8601(client: httpx.Client, api_user: ApiUser) -> None:
    created = create(client, api_user, "Clock").json()
    fetched = client.get(f"{WORKSPACES}/{created['id']}", headers=api_user.headers).json()
    assert created["created_at"] == fetched["created_at"]
    assert fetched["created_at"].endswith("+00:00")


# -- roles ----------------------------------------------------------------------------------------------


def test_viewer_reads_workspaces(client: httpx.Client, api_user: ApiUser, viewer: ApiUser) -> None:
    created = create(client, api_user, "Shared").json()
    assert client.get(f"{API}/me", headers=viewer.headers).json()["role"] == "viewer"
    assert names(client, viewer) == ["Shared"]
    fetched = client.get(f"{WORKSPACES}/{created['id']}", headers=viewer.headers)
    assert fetched.status_code == 200 and fetched.json()["name"] == "Shared"


def test_viewer_gets_403_on_every_write(
    client: httpx.Client, api_user: ApiUser, viewer: ApiUser
) -> None:
    created = create(client, api_user, "Shared").json()
    url = f"{WORKSPACES}/{created['id']}"
    for response in (
        create(client, viewer, "Mine"),
        client.patch(url, json={"name": "Renamed"}, headers=viewer.headers),
        client.delete(url, headers=viewer.headers),
    ):
        assert "viewer" in assert_problem(response, 403)["detail"]
    assert names(client, api_user) == ["Shared"]


def test_editor_creates_renames_and_deletes(
    server_store: Store, client: httpx.Client, api_user: ApiUser
) -> None:
    editor = add_member(server_store, client, api_user, "editor")
    created = create(client, editor, "Editor's").json()
    url = f"{WORKSPACES}/{created['id']}"
    assert client.patch(url, json={"name": "Edited"}, headers=editor.headers).status_code == 200
    assert names(client, api_user) == ["Edited"]
    assert client.delete(url, headers=editor.headers).status_code == 204
    assert names(client, api_user) == []


def test_deactivated_members_token_stops_working(
    server_store: Store, client: httpx.Client, api_user: ApiUser, viewer: ApiUser
) -> None:
    me = client.get(f"{API}/me", headers=api_user.headers).json()
    admin = server_store.accounts.principal_for(
        uuid.UUID(me["user_id"]), uuid.UUID(me["tenant_id"])
    )
    assert admin is not None
    viewer_id = client.get(f"{API}/me", headers=viewer.headers).json()["user_id"]
    server_store.members(admin).set_active(viewer_id, False)
    assert_problem(client.get(WORKSPACES, headers=viewer.headers), 401)
    assert_problem(
        client.post(f"{API}/auth/refresh", json={"refresh_token": viewer.refresh_token}), 401
    )
