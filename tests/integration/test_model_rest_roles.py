"""Role-playing joins over real HTTP: a join's alias and label are saved, read back, documented
in OpenAPI, checked, and queried (an employee's manager, a self-join)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.integration.conftest import API, ApiUser, assert_problem
from tests.integration.model_api import model_url, query_url
from tests.integration.sources_api import create_workspace, upload_ready

EMPLOYEES = (
    "employee_id,name,dept,manager_id,salary\n"
    "1,Grace,Board,,300\n"
    "2,Alan,Research,1,200\n"
    "3,Ada,Sales,1,180\n"
    "4,Linus,Research,2,120\n"
    "5,Barbara,Research,2,110\n"
)


@pytest.fixture
def workspace(client: httpx.Client, api_user: ApiUser) -> str:
    return create_workspace(client, api_user)


@pytest.fixture
def employees(client: httpx.Client, api_user: ApiUser, workspace: str) -> dict[str, Any]:
    return upload_ready(client, api_user, workspace, "employees.csv", EMPLOYEES.encode())


def document(source_id: str, **join: Any) -> dict[str, Any]:
    """Employees joined to themselves as their manager."""
    return {
        "tables": [
            {
                "name": "employees",
                "source_id": source_id,
                "primary_key": "employee_id",
                "columns": [
                    {"name": "employee_id", "type": "integer"},
                    {"name": "name", "type": "text"},
                    {"name": "dept", "type": "text"},
                    {"name": "manager_id", "type": "integer"},
                    {"name": "salary", "type": "integer", "role": "measure", "aggregation": "sum"},
                ],
            }
        ],
        "joins": [
            {
                "id": "manager",
                "left_table": "employees",
                "right_table": "employees",
                "on": [{"left": "manager_id", "right": "employee_id"}],
                "alias": "manager",
                "label": "Manager",
                **join,
            }
        ],
        "measures": [],
    }


def put(client: httpx.Client, user: ApiUser, workspace: str, model: dict[str, Any]) -> Any:
    body = {"version": 0, "model": model}
    return client.put(model_url(workspace), json=body, headers=user.headers)


def test_alias_and_label_are_saved_and_read_back(
    client: httpx.Client, api_user: ApiUser, workspace: str, employees: dict[str, Any]
) -> None:
    response = put(client, api_user, workspace, document(employees["id"]))
    assert response.status_code == 200, response.text

    body = client.get(model_url(workspace), headers=api_user.headers).json()
    (join,) = body["model"]["joins"]
    assert (join["alias"], join["label"]) == ("manager", "Manager")
    assert body["issues"] == []


def test_a_query_through_the_alias_returns_each_manager(
    client: httpx.Client, api_user: ApiUser, workspace: str, employees: dict[str, Any]
) -> None:
    assert put(client, api_user, workspace, document(employees["id"])).status_code == 200
    response = client.post(
        query_url(workspace),
        json={"measures": ["employees.salary"], "dimensions": ["manager.name"]},
        headers=api_user.headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["rows"] == [["Alan", 230], ["Grace", 380], [None, 300]]
    assert body["labels"]["manager.name"] == "Manager \u00b7 name"


def test_a_self_join_without_alias_is_saved_and_reported(
    client: httpx.Client, api_user: ApiUser, workspace: str, employees: dict[str, Any]
) -> None:
    response = put(client, api_user, workspace, document(employees["id"], alias=None))
    assert response.status_code == 200, response.text
    issues = client.get(model_url(workspace), headers=api_user.headers).json()["issues"]
    assert [i["code"] for i in issues] == ["join_self"]
    assert "give it an alias" in issues[0]["message"]


def test_a_malformed_alias_answers_422_naming_the_field(
    client: httpx.Client, api_user: ApiUser, workspace: str, employees: dict[str, Any]
) -> None:
    response = put(client, api_user, workspace, document(employees["id"], alias="The Boss"))
    problem = assert_problem(response, 422)
    assert "alias" in problem["errors"][0]["field"]
    assert "Join alias 'The Boss' must start with a lowercase letter" in problem["detail"]


def test_the_openapi_document_shows_alias_and_label(
    client: httpx.Client, api_user: ApiUser
) -> None:
    document = client.get(f"{API}/openapi.json", headers=api_user.headers).json()
    join = document["components"]["schemas"]["Join"]["properties"]
    assert {"alias", "label"} <= set(join)
    assert "role-playing" in join["alias"].get("description", "")
