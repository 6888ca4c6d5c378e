"""The semantic model and semantic queries over real HTTP: each route, roles, 401/409/422."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from pipelines.semantic import SemanticModel
from tests.integration.conftest import API, ApiUser, Store, assert_problem
from tests.integration.model_api import (
    CUSTOMER_0_TOTAL,
    ORDERS_TOTAL,
    model_url,
    orders_document,
    query_url,
)
from tests.integration.sources_api import create_workspace, upload_ready
from tests.integration.test_rest_workspaces import add_member


@pytest.fixture
def workspace(client: httpx.Client, api_user: ApiUser) -> str:
    return create_workspace(client, api_user)


@pytest.fixture
def orders(client: httpx.Client, api_user: ApiUser, workspace: str) -> dict[str, Any]:
    return upload_ready(client, api_user, workspace)


@pytest.fixture
def saved(
    client: httpx.Client, api_user: ApiUser, workspace: str, orders: dict[str, Any]
) -> dict[str, Any]:
    """The orders model saved once (version 1)."""
    response = save(client, api_user, workspace, orders_document(orders["id"]), 0)
    assert response.status_code == 200, response.text
    return dict(response.json())


@pytest.fixture
def viewer(server_store: Store, client: httpx.Client, api_user: ApiUser) -> ApiUser:
    return add_member(server_store, client, api_user, "viewer")


def save(
    client: httpx.Client, user: ApiUser, workspace: str, document: dict[str, Any], version: int
) -> httpx.Response:
    return client.put(
        model_url(workspace), json={"version": version, "model": document}, headers=user.headers
    )


def current(client: httpx.Client, user: ApiUser, workspace: str) -> dict[str, Any]:
    response = client.get(model_url(workspace), headers=user.headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


# -- GET / PUT the model ---------------------------------------------------------------------------
def test_a_model_never_saved_is_empty_at_version_0(
    client: httpx.Client, api_user: ApiUser, workspace: str
) -> None:
    body = current(client, api_user, workspace)
    assert body["version"] == 0
    assert (body["model"]["tables"], body["model"]["joins"], body["issues"]) == ([], [], [])


def test_put_saves_a_new_version_that_get_returns(
    client: httpx.Client, api_user: ApiUser, workspace: str, orders: dict[str, Any]
) -> None:
    document = orders_document(orders["id"])

    first = save(client, api_user, workspace, document, 0)
    second = save(client, api_user, workspace, {**document, "measures": []}, 1)

    assert first.status_code == second.status_code == 200
    assert (first.json()["version"], second.json()["version"]) == (1, 2)
    body = current(client, api_user, workspace)
    assert body["version"] == 2
    assert body["model"]["tables"] == SemanticModel.from_dict(document).to_dict()["tables"]
    assert body["model"]["tables"][0]["source_id"] == orders["id"]
    assert body["model"]["measures"] == []
    assert body["issues"] == []


def test_a_stale_put_answers_409_and_keeps_the_newer_model(
    client: httpx.Client, api_user: ApiUser, workspace: str, saved: dict[str, Any]
) -> None:
    document = saved["model"]
    ours = save(client, api_user, workspace, {**document, "measures": []}, 1)
    assert ours.status_code == 200

    theirs = save(client, api_user, workspace, {**document, "joins": []}, 1)

    problem = assert_problem(theirs, 409)
    assert problem["detail"] == "The model was changed by someone else (version 2); reload it."
    assert problem["current_version"] == 2
    body = current(client, api_user, workspace)
    assert (body["version"], body["model"]["measures"]) == (2, [])


def test_a_malformed_model_answers_422_naming_the_field(
    client: httpx.Client, api_user: ApiUser, workspace: str, orders: dict[str, Any]
) -> None:
    document = orders_document(orders["id"])
    document["tables"][0]["name"] = "Order Lines"

    problem = assert_problem(save(client, api_user, workspace, document, 0), 422)

    assert problem["errors"][0]["field"] == "model.tables.0.name"
    assert "Order Lines" in problem["detail"]
    assert current(client, api_user, workspace)["version"] == 0


def test_a_table_on_a_source_of_another_workspace_answers_422_naming_the_table(
    client: httpx.Client, api_user: ApiUser, workspace: str, orders: dict[str, Any]
) -> None:
    other = create_workspace(client, api_user)

    problem = assert_problem(save(client, api_user, other, orders_document(orders["id"]), 0), 422)

    assert "Table “orders” uses a source that is not in this workspace" in problem["detail"]
    assert problem["errors"] == [{"field": "tables.orders.source_id", "message": problem["detail"]}]


def test_a_column_gone_from_the_source_is_saved_and_reported_as_an_issue(
    client: httpx.Client, api_user: ApiUser, workspace: str, orders: dict[str, Any]
) -> None:
    document = orders_document(orders["id"])
    document["tables"][0]["columns"][1]["name"] = "client"

    response = save(client, api_user, workspace, document, 0)

    assert response.status_code == 200, response.text
    issues = response.json()["issues"]
    errors = [(i["table"], i["column"]) for i in issues if i["level"] == "error"]
    assert errors == [("orders", "client")]
    assert "client" in issues[0]["message"]
    assert current(client, api_user, workspace)["issues"] == issues


def test_a_viewer_reads_the_model_but_a_put_answers_403(
    client: httpx.Client, viewer: ApiUser, workspace: str, saved: dict[str, Any]
) -> None:
    assert current(client, viewer, workspace)["version"] == 1

    problem = assert_problem(save(client, viewer, workspace, saved["model"], 1), 403)

    assert "viewer" in problem["detail"]
    assert current(client, viewer, workspace)["version"] == 1


def test_an_editor_can_save(
    server_store: Store,
    client: httpx.Client,
    api_user: ApiUser,
    workspace: str,
    orders: dict[str, Any],
) -> None:
    editor = add_member(server_store, client, api_user, "editor")
    response = save(client, editor, workspace, orders_document(orders["id"]), 0)
    assert response.status_code == 200, response.text


# -- versions and restore ----------------------------------------------------------------------------
def test_versions_list_the_saves_newest_first_with_their_author(
    client: httpx.Client, api_user: ApiUser, workspace: str, saved: dict[str, Any]
) -> None:
    assert save(client, api_user, workspace, {**saved["model"], "measures": []}, 1).is_success

    response = client.get(f"{model_url(workspace)}/versions", headers=api_user.headers)

    assert response.status_code == 200
    items = response.json()["items"]
    assert [i["version"] for i in items] == [2, 1]
    assert items[0]["created_by"] == {"name": "Ada", "email": api_user.email}
    assert [(i["tables"], i["joins"], i["measures"]) for i in items] == [(1, 0, 1), (1, 0, 2)]
    assert items[0]["created_at"] >= items[1]["created_at"]


def test_a_version_returns_the_model_as_saved_then(
    client: httpx.Client, api_user: ApiUser, workspace: str, saved: dict[str, Any]
) -> None:
    assert save(client, api_user, workspace, {**saved["model"], "measures": []}, 1).is_success

    response = client.get(f"{model_url(workspace)}/versions/1", headers=api_user.headers)

    assert response.status_code == 200
    assert response.json()["version"] == 1
    assert response.json()["model"]["measures"] == saved["model"]["measures"]


def test_a_version_not_kept_answers_404_and_a_bad_number_422(
    client: httpx.Client, api_user: ApiUser, workspace: str, saved: dict[str, Any]
) -> None:
    missing = client.get(f"{model_url(workspace)}/versions/7", headers=api_user.headers)
    assert "version 7" in assert_problem(missing, 404)["detail"]
    bad = client.get(f"{model_url(workspace)}/versions/latest", headers=api_user.headers)
    assert assert_problem(bad, 422)["errors"][0]["field"] == "version"


def test_restore_saves_the_old_version_as_a_new_one(
    client: httpx.Client, api_user: ApiUser, workspace: str, saved: dict[str, Any]
) -> None:
    assert save(client, api_user, workspace, {**saved["model"], "measures": []}, 1).is_success

    response = client.post(
        f"{model_url(workspace)}/versions/1/restore", json={"version": 2}, headers=api_user.headers
    )

    assert response.status_code == 200, response.text
    assert response.json()["version"] == 3
    body = current(client, api_user, workspace)
    assert (body["version"], body["model"]["measures"]) == (3, saved["model"]["measures"])


def test_a_stale_restore_answers_409_and_a_viewer_restore_403(
    client: httpx.Client,
    api_user: ApiUser,
    viewer: ApiUser,
    workspace: str,
    saved: dict[str, Any],
) -> None:
    assert save(client, api_user, workspace, {**saved["model"], "measures": []}, 1).is_success
    url = f"{model_url(workspace)}/versions/1/restore"

    assert_problem(client.post(url, json={"version": 1}, headers=api_user.headers), 409)
    assert_problem(client.post(url, json={"version": 2}, headers=viewer.headers), 403)
    assert current(client, api_user, workspace)["version"] == 2


# -- suggestions ----------------------------------------------------------------------------------
def test_suggestions_name_what_the_saved_model_could_add(
    client: httpx.Client, api_user: ApiUser, workspace: str, orders: dict[str, Any]
) -> None:
    document = orders_document(orders["id"])
    document["tables"][0]["primary_key"] = None
    amount = document["tables"][0]["columns"][2]
    amount.update(role="dimension", aggregation=None)
    assert save(client, api_user, workspace, document, 0).is_success

    response = client.get(f"{model_url(workspace)}/suggestions", headers=api_user.headers)

    assert response.status_code == 200, response.text
    found = {(i["kind"], i["table"], i["column"]) for i in response.json()["items"]}
    assert ("primary_key", "orders", "order_id") in found
    assert ("role", "orders", "amount") in found


# -- queries ---------------------------------------------------------------------------------------
def run(
    client: httpx.Client, user: ApiUser, workspace: str, query: dict[str, Any]
) -> httpx.Response:
    return client.post(query_url(workspace), json=query, headers=user.headers)


def test_a_query_returns_columns_rows_and_sql(
    client: httpx.Client, viewer: ApiUser, workspace: str, saved: dict[str, Any]
) -> None:
    response = run(
        client,
        viewer,
        workspace,
        {
            "measures": ["orders.amount", "order_count"],
            "dimensions": ["orders.customer"],
            "sort": [{"field": "orders.amount", "descending": True}],
        },
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["columns"] == ["orders.customer", "orders.amount", "order_count"]
    assert len(body["rows"]) == 7
    assert sum(r[1] for r in body["rows"]) == pytest.approx(ORDERS_TOTAL)
    assert sum(r[2] for r in body["rows"]) == 120
    amounts = [r[1] for r in body["rows"]]
    assert amounts == sorted(amounts, reverse=True)
    assert "SELECT" in body["sql"].upper()
    assert body["kinds"] == {
        "orders.customer": "dimension",
        "orders.amount": "measure",
        "order_count": "measure",
    }
    assert set(body["labels"]) == set(body["types"]) == set(body["columns"])


def test_a_filtered_query_returns_the_expected_number(
    client: httpx.Client, api_user: ApiUser, workspace: str, saved: dict[str, Any]
) -> None:
    response = run(
        client,
        api_user,
        workspace,
        {
            "measures": ["orders.amount"],
            "filters": [{"field": "orders.customer", "op": "eq", "value": "Customer 0"}],
        },
    )

    assert response.status_code == 200, response.text
    assert response.json()["rows"] == [[pytest.approx(CUSTOMER_0_TOTAL)]]


def test_the_query_is_also_served_under_the_model_routes(
    client: httpx.Client, viewer: ApiUser, workspace: str, saved: dict[str, Any]
) -> None:
    query = {"measures": ["orders.amount"], "dimensions": ["orders.customer"]}
    beside = client.post(
        f"{API}/workspaces/{workspace}/model/query", json=query, headers=viewer.headers
    )
    assert beside.status_code == 200, beside.text
    assert beside.json()["rows"] == run(client, viewer, workspace, query).json()["rows"]
    assert len(beside.json()["rows"]) == 7


def test_a_query_on_an_unknown_measure_answers_422_with_the_field(
    client: httpx.Client, api_user: ApiUser, workspace: str, saved: dict[str, Any]
) -> None:
    response = run(client, api_user, workspace, {"measures": ["orders.revenue"]})

    problem = assert_problem(response, 422)
    assert "revenue" in problem["detail"]
    assert problem["field"] and "revenue" in problem["field"]
    assert problem["errors"][0]["field"] == problem["field"]


def test_a_query_without_a_model_answers_422(
    client: httpx.Client, api_user: ApiUser, workspace: str
) -> None:
    problem = assert_problem(run(client, api_user, workspace, {"measures": ["orders.x"]}), 422)
    assert "no model yet" in problem["detail"]


def test_a_malformed_query_answers_422(
    client: httpx.Client, api_user: ApiUser, workspace: str, saved: dict[str, Any]
) -> None:
    response = run(client, api_user, workspace, {"measures": ["orders.amount"], "limit": 0})
    assert assert_problem(response, 422)["errors"][0]["field"] == "limit"


# -- authentication and the OpenAPI document ------------------------------------------------------------
UNAUTHENTICATED = [
    ("GET", "/model", None),
    ("PUT", "/model", {"version": 0, "model": {}}),
    ("GET", "/model/versions", None),
    ("GET", "/model/versions/1", None),
    ("POST", "/model/versions/1/restore", {"version": 1}),
    ("GET", "/model/suggestions", None),
    ("POST", "/model/suggestions/apply", {"ids": "all", "version": 0}),
    ("POST", "/query", {"measures": []}),
    ("POST", "/model/query", {"measures": []}),
]


@pytest.mark.parametrize(("method", "path", "body"), UNAUTHENTICATED)
def test_every_route_answers_401_without_a_token(
    client: httpx.Client, workspace: str, method: str, path: str, body: Any
) -> None:
    url = f"{API}/workspaces/{workspace}{path}"
    response = client.request(method, url, json=body)
    assert_problem(response, 401)


def test_the_model_routes_are_in_the_openapi_document(
    client: httpx.Client, api_user: ApiUser
) -> None:
    document = client.get(f"{API}/openapi.json", headers=api_user.headers).json()
    documented = {
        (method.upper(), path.removeprefix(f"{API}/workspaces/{{workspace_id}}"))
        for path, item in document["paths"].items()
        for method in item
    }
    expected = {(m, p.replace("/1", "/{version}")) for m, p, _ in UNAUTHENTICATED}
    assert expected <= documented
    schema = document["components"]["schemas"]["SaveBody"]
    assert set(schema["required"]) == {"version", "model"}
    schemas = document["components"]["schemas"]
    items = schemas["SuggestionList"]["properties"]["items"]["items"]
    assert items == {"$ref": "#/components/schemas/SuggestionOut"}
    suggestion = schemas["SuggestionOut"]["properties"]
    assert suggestion["kind"]["enum"] == ["table", "role", "primary_key", "join"]
    assert {"$ref": "#/components/schemas/Join"} in suggestion["join"]["anyOf"]
    assert {"$ref": "#/components/schemas/Table"} in suggestion["new_table"]["anyOf"]
    assert set(schemas["AcceptBody"]["required"]) == {"ids", "version"}
