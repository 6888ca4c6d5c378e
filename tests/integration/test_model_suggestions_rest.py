"""Model suggestions over real HTTP, from an empty model: every ready source is offered as a
table, `…/suggestions/apply` accepts them (all or some) and saves a model that answers at once."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.integration.conftest import ApiUser, Store, assert_problem
from tests.integration.model_api import model_url, query_url
from tests.integration.sources_api import create_workspace, upload_ready, upload_settled
from tests.integration.test_rest_workspaces import add_member

SEGMENTS = ("Retail", "Wholesale", "Online")


def segment(customer_id: int) -> str:
    return SEGMENTS[customer_id % 3]


def order_customer(order_id: int) -> int:
    return order_id % 10 + 1


def order_amount(order_id: int) -> float:
    return round(5 + order_id * 2.25, 2)


CUSTOMERS = "customer_id,name,segment\n" + "".join(
    f"{i},Customer {i},{segment(i)}\n" for i in range(1, 11)
)
PRODUCTS = "product_id,category\n" + "".join(f"P{i},Cat {i % 2}\n" for i in range(1, 6))
ORDERS = "order_id,customer_id,product_id,amount\n" + "".join(
    f"{i},{order_customer(i)},P{i % 5 + 1},{order_amount(i):.2f}\n" for i in range(1, 61)
)


@pytest.fixture
def workspace(client: httpx.Client, api_user: ApiUser) -> str:
    return create_workspace(client, api_user)


@pytest.fixture
def shop(client: httpx.Client, api_user: ApiUser, workspace: str) -> dict[str, str]:
    """Three ready sources; their ids by name."""
    files = {"customers": CUSTOMERS, "orders": ORDERS, "products": PRODUCTS}
    return {
        name: upload_ready(client, api_user, workspace, f"{name}.csv", text.encode())["id"]
        for name, text in files.items()
    }


def suggestions(client: httpx.Client, user: ApiUser, workspace: str) -> list[dict[str, Any]]:
    response = client.get(f"{model_url(workspace)}/suggestions", headers=user.headers)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def accept(
    client: httpx.Client, user: ApiUser, workspace: str, ids: Any, version: int
) -> httpx.Response:
    return client.post(
        f"{model_url(workspace)}/suggestions/apply",
        json={"ids": ids, "version": version},
        headers=user.headers,
    )


def stored(client: httpx.Client, user: ApiUser, workspace: str) -> dict[str, Any]:
    return dict(client.get(model_url(workspace), headers=user.headers).json())


def test_an_empty_model_is_offered_every_ready_source_as_a_table(
    client: httpx.Client, api_user: ApiUser, workspace: str, shop: dict[str, str]
) -> None:
    items = suggestions(client, api_user, workspace)

    tables = [i for i in items if i["kind"] == "table"]
    assert [i["id"] for i in tables] == [f"table:{shop[n]}" for n in sorted(shop)]
    assert items[:3] == tables
    orders = next(i["new_table"] for i in tables if i["table"] == "orders")
    assert (orders["source_id"], orders["primary_key"]) == (shop["orders"], "order_id")
    amount = next(c for c in orders["columns"] if c["name"] == "amount")
    assert (amount["role"], amount["aggregation"]) == ("measure", "sum")
    joins = {i["id"]: i for i in items if i["kind"] == "join"}
    join = joins["join:orders.customer_id->customers.customer_id"]
    assert join["requires"] == [f"table:{shop['orders']}", f"table:{shop['customers']}"]
    assert join["join"]["on"] == [{"left": "customer_id", "right": "customer_id"}]


def test_a_source_that_failed_is_not_offered(
    client: httpx.Client, api_user: ApiUser, workspace: str, shop: dict[str, str]
) -> None:
    failed = upload_settled(client, api_user, workspace, "broken.csv", b"")
    assert failed["status"] == "failed"

    ids = {i["id"] for i in suggestions(client, api_user, workspace)}

    assert f"table:{failed['id']}" not in ids
    assert f"table:{shop['orders']}" in ids


def test_accept_all_saves_a_model_that_answers_a_join_query(
    client: httpx.Client, api_user: ApiUser, workspace: str, shop: dict[str, str]
) -> None:
    offered = [i["id"] for i in suggestions(client, api_user, workspace)]

    response = accept(client, api_user, workspace, "all", 0)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["version"] == 1 and body["issues"] == []
    assert body["applied"] == offered and body["skipped"] == []
    model = stored(client, api_user, workspace)["model"]
    assert model == body["model"]
    assert sorted(t["name"] for t in model["tables"]) == ["customers", "orders", "products"]
    assert sorted((j["left_table"], j["right_table"]) for j in model["joins"]) == [
        ("orders", "customers"),
        ("orders", "products"),
    ]
    assert suggestions(client, api_user, workspace) == []

    answer = client.post(
        query_url(workspace),
        json={"measures": ["orders.amount"], "dimensions": ["customers.segment"]},
        headers=api_user.headers,
    )

    assert answer.status_code == 200, answer.text
    totals: dict[str, float] = {}
    for i in range(1, 61):
        key = segment(order_customer(i))
        totals[key] = totals.get(key, 0.0) + order_amount(i)
    got = {row[0]: row[1] for row in answer.json()["rows"]}
    assert got == pytest.approx(totals)


def test_accepting_some_keeps_the_ids_of_the_others(
    client: httpx.Client, api_user: ApiUser, workspace: str, shop: dict[str, str]
) -> None:
    before = [i["id"] for i in suggestions(client, api_user, workspace)]
    join = "join:orders.product_id->products.product_id"

    response = accept(client, api_user, workspace, [join], 0)

    assert response.status_code == 200, response.text
    products, orders = f"table:{shop['products']}", f"table:{shop['orders']}"
    assert response.json()["applied"] == [orders, products, join]
    after = [i["id"] for i in suggestions(client, api_user, workspace)]
    assert after == [i for i in before if i not in (orders, products, join)]
    customers = next(i for i in suggestions(client, api_user, workspace) if i["kind"] == "join")
    assert customers["requires"] == [f"table:{shop['customers']}"]


def test_a_stale_version_answers_409_and_nothing_changes(
    client: httpx.Client, api_user: ApiUser, workspace: str, shop: dict[str, str]
) -> None:
    assert accept(client, api_user, workspace, [f"table:{shop['orders']}"], 0).is_success

    problem = assert_problem(accept(client, api_user, workspace, "all", 0), 409)

    assert problem["current_version"] == 1
    current = stored(client, api_user, workspace)
    assert current["version"] == 1
    assert [t["name"] for t in current["model"]["tables"]] == ["orders"]


def test_an_unknown_id_answers_422_naming_it_and_nothing_changes(
    client: httpx.Client, api_user: ApiUser, workspace: str, shop: dict[str, str]
) -> None:
    ids = [f"table:{shop['orders']}", "join:nowhere->nothing"]

    problem = assert_problem(accept(client, api_user, workspace, ids, 0), 422)

    assert "'join:nowhere->nothing'" in problem["detail"]
    assert problem["unknown_id"] == "join:nowhere->nothing"
    assert problem["errors"][0]["field"] == "ids"
    assert stored(client, api_user, workspace)["version"] == 0


def test_a_malformed_body_answers_422(
    client: httpx.Client, api_user: ApiUser, workspace: str, shop: dict[str, str]
) -> None:
    for ids in ([], "everything", [""]):
        assert_problem(accept(client, api_user, workspace, ids, 0), 422)
    assert stored(client, api_user, workspace)["version"] == 0


def test_a_viewer_gets_403_and_an_editor_may_accept(
    server_store: Store,
    client: httpx.Client,
    api_user: ApiUser,
    workspace: str,
    shop: dict[str, str],
) -> None:
    viewer = add_member(server_store, client, api_user, "viewer")
    problem = assert_problem(accept(client, viewer, workspace, "all", 0), 403)
    assert "viewer" in problem["detail"]
    assert stored(client, api_user, workspace)["version"] == 0

    editor = add_member(server_store, client, api_user, "editor")
    assert accept(client, editor, workspace, "all", 0).status_code == 200
    assert stored(client, api_user, workspace)["version"] == 1


def test_with_nothing_to_accept_nothing_is_saved(
    client: httpx.Client, api_user: ApiUser, workspace: str, shop: dict[str, str]
) -> None:
    assert accept(client, api_user, workspace, "all", 0).is_success

    response = accept(client, api_user, workspace, "all", 1)

    assert response.status_code == 200, response.text
    assert (response.json()["version"], response.json()["applied"]) == (1, [])
    versions = client.get(f"{model_url(workspace)}/versions", headers=api_user.headers).json()
    assert [v["version"] for v in versions["items"]] == [1]
