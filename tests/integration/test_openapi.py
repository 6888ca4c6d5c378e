"""The OpenAPI document describes every REST route the server actually serves."""

from __future__ import annotations

import dataclasses
import re
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import tornado.web

from app.api.framework import NotFoundHandler
from app.context import AppContext
from tests.integration.conftest import API, ApiUser, make_settings

OPENAPI = f"{API}/openapi.json"
HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def template_of(pattern: str) -> str:
    """``/api/v1/workspaces/(?P<workspace_id>[^/]+)/?`` → ``/api/v1/workspaces/{workspace_id}``."""
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", pattern)
    path = path.removesuffix("$").removesuffix("/?")
    assert not re.search(r"[()\[\]*+?\\]", path), f"cannot read route pattern {pattern!r}"
    return path


def served_methods(handler: type, kwargs: dict[str, Any]) -> set[str]:
    """Methods the handler implements; a declared-operations handler answers only its own."""
    methods = {
        m
        for m in HTTP_METHODS
        if getattr(handler, m.lower()) is not getattr(tornado.web.RequestHandler, m.lower())
    }
    if "operations" in kwargs:
        methods &= set(kwargs["operations"])
    return methods


def actual_api_routes(routes: list[tuple[str, type, dict[str, Any]]]) -> set[tuple[str, str]]:
    """(METHOD, path template) for every REST route among the server's Tornado rules."""
    found = set()
    for pattern, handler, kwargs in routes:
        if not pattern.startswith((API, "/health")) or handler is NotFoundHandler:
            continue
        for method in served_methods(handler, kwargs):
            found.add((method, template_of(pattern)))
    return found


def documented(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if method.upper() in HTTP_METHODS
    }


@pytest.fixture(scope="module")
def server_routes(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[list[tuple[str, type, dict[str, Any]]]]:
    """The Tornado rules ``app.server`` gives the running server, built in-process."""
    from app.server import routes

    workdir = tmp_path_factory.mktemp("routes")
    ctx = AppContext(make_settings(workdir, f"sqlite:///{workdir / 'store.db'}"))
    yield routes(ctx)
    ctx.db.dispose()


@pytest.fixture
def document(client: httpx.Client, api_user: ApiUser) -> dict[str, Any]:
    response = client.get(OPENAPI, headers=api_user.headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


def test_openapi_document_is_public_and_describes_sign_up(client: httpx.Client) -> None:
    response = client.get(OPENAPI)  # no token: a client learns the register schema first
    assert response.status_code == 200
    document = response.json()
    register = document["paths"][f"{API}/auth/register"]["post"]
    assert register["security"] == []
    body_ref = register["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    body = document["components"]["schemas"][body_ref.rsplit("/", 1)[1]]
    assert {"email", "password"} <= set(body["properties"])
    assert document["paths"][OPENAPI]["get"]["security"] == []


def test_schema_names_are_unique_and_a_clash_is_refused() -> None:
    from pydantic import BaseModel, create_model

    from app.api.framework.openapi import openapi_document
    from app.api.v1 import api

    api.openapi()  # the real document builds: no two schemas share a name
    first = create_model("ColumnOut", name=(str, ...))
    second = create_model("ColumnOut", label=(str, ...), null_count=(int, ...))
    ops = [op for op in api.operations if op.response is not None][:2]
    clashing = [
        dataclasses.replace(op, response=model)
        for op, model in zip(ops, (first, second), strict=True)
    ]
    assert issubclass(first, BaseModel)
    with pytest.raises(ValueError, match="Two different schemas are named 'ColumnOut'"):
        openapi_document(clashing)


def test_source_profile_columns_are_documented_as_served(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    profile = schemas["ProfileOut"]["properties"]["columns"]["items"]["$ref"].rsplit("/", 1)[1]
    assert {"label", "identifier", "type", "null_count", "distinct_approx"} <= set(
        schemas[profile]["properties"]
    )


def test_the_response_contract_refuses_a_body_that_breaks_its_schema(
    server: Any, document: dict[str, Any]
) -> None:
    from tests.openapi_contract import ContractError, ResponseContract

    contract = ResponseContract(server.base_url)
    contract.load(document)
    template, op = contract.operation("GET", f"{API}/me") or (None, None)
    assert template == f"{API}/me" and op is not None
    with pytest.raises(ContractError, match="does not match its schema"):
        contract.validate("GET", template, op, 200, "application/json", {"email": 3})
    with pytest.raises(ContractError, match="does not list"):
        contract.validate("GET", template, op, 418, "application/json", {})


def test_semantic_query_is_also_served_beside_the_model_routes(document: dict[str, Any]) -> None:
    paths = document["paths"]
    model_query = paths[f"{API}/workspaces/{{workspace_id}}/model/query"]["post"]
    query = paths[f"{API}/workspaces/{{workspace_id}}/query"]["post"]
    assert model_query["requestBody"] == query["requestBody"]
    assert model_query["responses"]["200"] == query["responses"]["200"]


def test_every_served_route_is_documented(
    server_routes: list[tuple[str, type, dict]], document: dict[str, Any]
) -> None:
    actual = actual_api_routes(server_routes)
    assert len(actual) >= 10, actual  # the enumeration itself must find the routes
    missing = actual - documented(document)
    assert not missing, f"routes missing from {OPENAPI}: {sorted(missing)}"


def test_every_documented_route_is_served(
    server_routes: list[tuple[str, type, dict]], document: dict[str, Any]
) -> None:
    extra = documented(document) - actual_api_routes(server_routes)
    assert not extra, f"{OPENAPI} documents routes the server does not have: {sorted(extra)}"


def test_every_documented_route_answers_on_the_running_server(
    client: httpx.Client, document: dict[str, Any]
) -> None:
    for method, path in sorted(documented(document)):
        url = re.sub(r"\{\w+\}", str(uuid.uuid4()), path)
        response = client.request(method, url, json={})
        assert response.status_code not in (404, 405) or "No such" in response.text, (
            method,
            path,
            response.status_code,
            response.text,
        )


def test_the_route_check_notices_an_undocumented_handler(
    server_routes: list[tuple[str, type, dict]], document: dict[str, Any]
) -> None:
    class ExportHandler(tornado.web.RequestHandler):
        def get(self, workspace_id: str) -> None:
            self.finish()

    rogue = (f"{API}/workspaces/(?P<workspace_id>[^/]+)/export", ExportHandler, {})
    missing = actual_api_routes([*server_routes, rogue]) - documented(document)
    assert missing == {("GET", f"{API}/workspaces/{{workspace_id}}/export")}


def test_path_parameters_are_declared(document: dict[str, Any]) -> None:
    for path, item in document["paths"].items():
        expected = set(re.findall(r"\{(\w+)\}", path))
        for method, op in item.items():
            declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
            assert declared == expected, (method, path)


def test_operations_have_unique_ids_summaries_and_responses(document: dict[str, Any]) -> None:
    ops = [op for item in document["paths"].values() for op in item.values()]
    ids = [op["operationId"] for op in ops]
    assert len(ids) == len(set(ids))
    for op in ops:
        assert op["summary"]
        assert any(code.startswith("2") for code in op["responses"]), op["operationId"]


def test_error_responses_use_the_problem_schema(document: dict[str, Any]) -> None:
    problem = document["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail"}
    for item in document["paths"].values():
        for op in item.values():
            content = op["responses"]["401"]["content"]["application/problem+json"]
            assert content["schema"] == {"$ref": "#/components/schemas/Problem"}


def test_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    validator = pytest.importorskip("openapi_spec_validator")
    assert document["openapi"].startswith("3.1")
    validator.validate(document)


def test_document_schemas_resolve(document: dict[str, Any]) -> None:
    refs = re.findall(r'"\$ref": "#/components/schemas/(\w+)"', str(document).replace("'", '"'))
    assert refs
    assert set(refs) <= set(document["components"]["schemas"])
