"""Dashboards over real HTTP: CRUD, search, duplicate, stale saves, roles, bad documents, and
widget data compared with hand-written DuckDB SQL over the same CSV files (uploaded through the
API, with the model saved through the API). One tenant and dataset for the whole module."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from app.services.explore import ExploreService, Question
from tests.conftest import RunningServer
from tests.integration.conftest import API, ApiUser, Store, assert_problem
from tests.integration.dashboards_data import (
    DOCUMENT,
    Answers,
    stocked_shop,
    where,
)
from tests.integration.sql_api import queries_url


@dataclass
class Shop:
    client: httpx.Client
    admin: ApiUser
    viewer: ApiUser
    workspace: str
    answers: Answers

    @property
    def url(self) -> str:
        return f"{API}/workspaces/{self.workspace}/dashboards"

    def create(self, name: str, document: dict[str, Any] | None = None, **extra: Any) -> Any:
        body = {"name": name, "document": document, **extra}
        response = self.client.post(self.url, json=body, headers=self.admin.headers)
        assert response.status_code == 201, response.text
        return response.json()

    def data(self, dashboard_id: str, user: ApiUser | None = None, **params: Any) -> Any:
        query = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
        response = self.client.get(
            f"{self.url}/{dashboard_id}/data",
            params=query,
            headers=(user or self.admin).headers,
        )
        assert response.status_code == 200, response.text
        return {w["widget_id"]: w for w in response.json()["widgets"]} | {"_": response.json()}


@pytest.fixture(scope="module")
def shop(
    server: RunningServer, server_store: Store, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Shop]:
    with server.client() as client:
        admin, viewer, workspace = stocked_shop(client, server_store, "Dana")
        yield Shop(client, admin, viewer, workspace, Answers(tmp_path_factory.mktemp("csv")))


@pytest.fixture(scope="module")
def sales(shop: Shop) -> dict[str, Any]:
    """The dashboard of every kind of widget (dashboards_data.DOCUMENT)."""
    return shop.create("Sales overview", DOCUMENT, description="Revenue and support")


def rounded(rows: list[list[Any]]) -> list[list[Any]]:
    return [[round(v, 2) if isinstance(v, float) else v for v in row] for row in rows]


# -- CRUD ------------------------------------------------------------------------------------------
def test_create_get_list_and_search(shop: Shop, sales: dict[str, Any]) -> None:
    assert (sales["version"], sales["widgets"], sales["filters"]) == (1, 7, 2)
    got = shop.client.get(f"{shop.url}/{sales['id']}", headers=shop.admin.headers).json()
    assert got["document"]["widgets"][0]["id"] == "revenue"
    other = shop.create("Inventory", None, description="stock levels")

    def names(search: str | None) -> list[str]:
        params = {} if search is None else {"search": search}
        body = shop.client.get(shop.url, params=params, headers=shop.admin.headers).json()
        return [d["name"] for d in body["items"]]

    assert {"Sales overview", "Inventory"} <= set(names(None))
    assert names("SUPPORT") == ["Sales overview"]
    assert names("stock") == ["Inventory"]
    assert names("nothing like it") == []
    shop.client.delete(f"{shop.url}/{other['id']}", headers=shop.admin.headers)


def test_a_stale_save_answers_409_and_changes_nothing(shop: Shop) -> None:
    made = shop.create("Draft")
    url = f"{shop.url}/{made['id']}"
    first = shop.client.put(url, json={"version": 1, "name": "Draft 2"}, headers=shop.admin.headers)
    assert first.status_code == 200 and first.json()["version"] == 2

    stale = shop.client.put(
        url,
        json={"version": 1, "name": "Lost", "document": {"widgets": [DOCUMENT["widgets"][6]]}},
        headers=shop.admin.headers,
    )

    problem = assert_problem(stale, 409)
    assert problem["current_version"] == 2
    after = shop.client.get(url, headers=shop.admin.headers).json()
    assert (after["name"], after["version"], after["document"]["widgets"]) == ("Draft 2", 2, [])


def test_duplicate_then_delete(shop: Shop, sales: dict[str, Any]) -> None:
    response = shop.client.post(
        f"{shop.url}/{sales['id']}/duplicate", json={}, headers=shop.admin.headers
    )
    assert response.status_code == 201, response.text
    copy = response.json()
    assert copy["name"] == "Copy of Sales overview" and copy["version"] == 1
    assert copy["document"] == sales["document"]
    gone = shop.client.delete(f"{shop.url}/{copy['id']}", headers=shop.admin.headers)
    assert gone.status_code == 204
    missing = shop.client.get(f"{shop.url}/{copy['id']}", headers=shop.admin.headers)
    assert assert_problem(missing, 404)["detail"] == "No such dashboard."


def test_a_bad_document_answers_422_naming_the_field(shop: Shop) -> None:
    bad = {
        "widgets": [{"id": "w1", "kind": "bar", "query": {"semantic": {}}, "position": {"x": 11}}]
    }
    response = shop.client.post(
        shop.url, json={"name": "Bad", "document": bad}, headers=shop.admin.headers
    )
    problem = assert_problem(response, 422)
    assert problem["errors"][0]["field"].startswith("document.widgets.0")
    unknown = {
        "widgets": [{"id": "w2", "kind": "bar", "query": {"semantic": {"measures": ["x.y"]}}}]
    }
    response = shop.client.post(
        shop.url, json={"name": "Bad", "document": unknown}, headers=shop.admin.headers
    )
    problem = assert_problem(response, 422)
    assert problem["errors"][0]["field"] == "widgets.w2"
    assert "Widget 'w2'" in problem["detail"] and "'x'" in problem["detail"]


def test_a_viewer_reads_and_gets_data_but_cannot_write(shop: Shop, sales: dict[str, Any]) -> None:
    headers = shop.viewer.headers
    url = f"{shop.url}/{sales['id']}"
    assert shop.client.get(shop.url, headers=headers).status_code == 200
    assert shop.client.get(url, headers=headers).json()["name"] == "Sales overview"
    assert shop.data(sales["id"], shop.viewer)["revenue"]["status"] == "ok"
    writes = [
        shop.client.post(shop.url, json={"name": "Mine"}, headers=headers),
        shop.client.put(url, json={"version": 1, "name": "Mine"}, headers=headers),
        shop.client.post(f"{url}/duplicate", json={}, headers=headers),
        shop.client.delete(url, headers=headers),
    ]
    for response in writes:
        assert_problem(response, 403)
    assert shop.client.get(url, headers=headers).json()["version"] == 1


def test_bad_data_parameters_answer_422(shop: Shop, sales: dict[str, Any]) -> None:
    url = f"{shop.url}/{sales['id']}/data"
    for params, field in [
        ({"filters": "{nope"}, "filters"),
        ({"filters": json.dumps({"region": ["N"]})}, "filters.region"),
        ({"cross": json.dumps([{"field": "customers.country"}])}, "cross"),
        ({"today": "yesterday"}, "today"),
    ]:
        problem = assert_problem(
            shop.client.get(url, params=params, headers=shop.admin.headers), 422
        )
        assert problem["errors"][0]["field"] == field


# -- known answers ---------------------------------------------------------------------------------
REVENUE = (
    "SELECT c.country, sum(o.amount) FROM orders o LEFT JOIN customers c USING (customer_id) "
    "WHERE {where} GROUP BY 1 ORDER BY 1"
)
TICKETS = (
    "SELECT c.country, count(*) FROM tickets t LEFT JOIN customers c USING (customer_id) "
    "WHERE {where} GROUP BY 1 ORDER BY 1"
)
STATUSES = "SELECT status, count(*) FROM orders GROUP BY status ORDER BY status"
PERIOD = ("2024-02-01", "2024-03-15")


def test_data_without_filters_matches_duckdb(shop: Shop, sales: dict[str, Any]) -> None:
    data = shop.data(sales["id"])
    answers = shop.answers
    assert data["_"]["version"] == 1 and data["_"]["data_as_of"]
    assert rounded(data["revenue"]["rows"]) == rounded(answers.rows(REVENUE.format(where="TRUE")))
    assert data["tickets"]["rows"] == answers.rows(TICKETS.format(where="TRUE"))
    [[total]] = answers.rows("SELECT sum(amount) FROM orders")
    assert round(data["total"]["kpi"]["value"], 2) == round(total, 2)
    assert data["total"]["kpi"]["previous"] is None
    months = answers.rows(
        "SELECT date_trunc('month', order_date)::DATE, sum(amount) FROM orders GROUP BY 1 ORDER BY 1"
    )
    assert rounded(data["total"]["kpi"]["sparkline"]) == rounded(months)
    assert data["statuses"]["rows"] == answers.rows(STATUSES)
    assert data["stock"]["unreached"] == []  # no filter is active
    assert data["note"]["status"] == "text"
    assert all(w["status"] in ("ok", "text") for k, w in data.items() if k != "_")


def test_a_date_and_a_values_filter_match_duckdb(shop: Shop, sales: dict[str, Any]) -> None:
    data = shop.data(sales["id"], filters={"period": list(PERIOD), "country": ["FR", "ES"]})
    answers = shop.answers
    revenue = answers.rows(REVENUE.format(where=where(PERIOD, ["FR", "ES"])))
    assert rounded(data["revenue"]["rows"]) == rounded(revenue)
    assert data["revenue"]["applied"] == ["period", "country"]
    # tickets reach orders.order_date through customers: tickets of customers with such orders
    in_period = (
        "t.customer_id IN (SELECT customer_id FROM orders WHERE order_date BETWEEN "
        f"DATE '{PERIOD[0]}' AND DATE '{PERIOD[1]}') AND c.country IN ('FR', 'ES')"
    )
    assert data["tickets"]["rows"] == answers.rows(TICKETS.format(where=in_period))
    [[total]] = answers.rows(
        REVENUE.format(where=where(PERIOD, ["FR", "ES"]))
        .replace("c.country, sum(o.amount)", "sum(o.amount)")
        .replace(" GROUP BY 1 ORDER BY 1", "")
    )
    assert round(data["total"]["kpi"]["value"], 2) == round(total, 2)
    by_status = answers.rows(
        "SELECT status, sum(amount) FROM orders WHERE order_date BETWEEN "
        f"DATE '{PERIOD[0]}' AND DATE '{PERIOD[1]}' GROUP BY 1 ORDER BY 1"
    )
    assert rounded(data["by_status"]["rows"]) == rounded(by_status)
    assert data["by_status"]["switched_off"] == ["country"]
    assert data["statuses"]["rows"] == answers.rows(STATUSES)
    assert {u["filter_id"] for u in data["statuses"]["unreached"]} == {"period", "country"}
    [stock] = [u for u in data["stock"]["unreached"] if u["filter_id"] == "country"]
    assert stock["reason"] == "No join path from table 'stock' to table 'customers' in the model"


def test_the_kpi_compares_with_the_previous_period(shop: Shop, sales: dict[str, Any]) -> None:
    data = shop.data(sales["id"], filters={"period": "last_30_days"}, today="2024-03-15")
    answers = shop.answers

    def total(start: str, end: str) -> float:
        [[value]] = answers.rows(
            f"SELECT sum(amount) FROM orders WHERE order_date BETWEEN DATE '{start}' AND DATE '{end}'"
        )
        return round(value, 2)

    kpi = data["total"]["kpi"]
    assert round(kpi["value"], 2) == total("2024-02-15", "2024-03-15")
    assert round(kpi["previous"], 2) == total("2024-01-16", "2024-02-14")
    assert kpi["period"] == "vs 2024-01-16 to 2024-02-14"
    days = answers.rows(
        "SELECT order_date, sum(amount) FROM orders WHERE order_date BETWEEN DATE '2024-02-15' "
        "AND DATE '2024-03-15' GROUP BY 1 ORDER BY 1"
    )
    assert rounded(kpi["sparkline"]) == rounded(days)


def test_a_cross_filter_applies_to_every_widget_but_the_clicked_one(
    shop: Shop, sales: dict[str, Any]
) -> None:
    click = [{"widget_id": "revenue", "field": "customers.country", "values": ["DE"]}]
    data = shop.data(sales["id"], cross=click)
    answers = shop.answers
    assert rounded(data["revenue"]["rows"]) == rounded(answers.rows(REVENUE.format(where="TRUE")))
    assert data["tickets"]["rows"] == answers.rows(TICKETS.format(where="c.country = 'DE'"))
    assert data["tickets"]["applied"] == ["cross:revenue:customers.country"]
    assert data["revenue"]["applied"] == []
    assert data["stock"]["unreached"][0]["filter_id"] == "cross:revenue:customers.country"


def test_a_widget_that_fails_does_not_fail_the_others(shop: Shop) -> None:
    broken = {"id": "bad", "kind": "table", "query": {"source": "sql", "sql": "SELECT * FROM nope"}}
    made = shop.create("Half broken", {"widgets": [broken, DOCUMENT["widgets"][0]]})
    data = shop.data(made["id"])
    assert data["bad"]["status"] == "error" and "nope" in data["bad"]["error"]
    assert data["revenue"]["status"] == "ok"


def test_another_users_dashboards_in_the_tenant_are_shared(
    shop: Shop, sales: dict[str, Any]
) -> None:
    # Dashboards belong to the workspace, not to their author: the viewer sees the admin's.
    body = shop.client.get(shop.url, headers=shop.viewer.headers).json()
    assert sales["id"] in {d["id"] for d in body["items"]}


# -- adding a saved query or an Explore answer ----------------------------------------------------
COUNTRY_QUERY = {"measures": ["orders.amount"], "dimensions": ["customers.country"]}


def seed_answer(shop: Shop, store: Store, user: ApiUser, kind: str = "semantic") -> str:
    """An Explore answer of ``user`` recorded on the server's store; its message id."""

    def answerer(_question: Question) -> Mapping[str, Any]:
        return {
            "kind": kind,
            "semantic_query": COUNTRY_QUERY if kind == "semantic" else None,
            "sql": "SELECT 1 AS one" if kind == "sql" else None,
            "columns": [],
            "rows": [],
            "chart_suggestion": {"kind": "pie", "x": "customers.country", "y": ["orders.amount"]},
            "choices": [],
        }

    principal = store.accounts.principal_from_access_token(user.access_token)
    explore = ExploreService(store.db, principal, store.settings.ai.limits)
    return str(explore.ask(shop.workspace, "Revenue by country", answerer)["message_id"])


def add(shop: Shop, body: dict[str, Any], user: ApiUser | None = None) -> httpx.Response:
    headers = (user or shop.admin).headers
    return shop.client.post(f"{shop.url}/widgets", json=body, headers=headers)


def test_an_answer_goes_on_a_new_dashboard_as_a_semantic_widget(
    shop: Shop, server_store: Store
) -> None:
    message_id = seed_answer(shop, server_store, shop.admin)

    response = add(
        shop, {"new_dashboard_name": "From Explore", "from": {"answer_message_id": message_id}}
    )

    assert response.status_code == 200, response.text
    added = response.json()
    assert (added["dashboard_name"], added["version"], added["created"]) == (
        "From Explore",
        1,
        True,
    )
    got = shop.client.get(f"{shop.url}/{added['dashboard_id']}", headers=shop.admin.headers).json()
    [widget] = got["document"]["widgets"]
    assert (widget["id"], widget["kind"], widget["title"]) == (
        added["widget_id"],
        "pie",
        "Revenue by country",
    )
    assert widget["query"]["source"] == "semantic"
    assert widget["query"]["semantic"]["measures"] == COUNTRY_QUERY["measures"]
    assert widget["query"]["semantic"]["dimensions"] == COUNTRY_QUERY["dimensions"]
    assert widget["query"]["answer_id"] == message_id
    data = shop.data(added["dashboard_id"])[added["widget_id"]]
    assert data["status"] == "ok" and sorted(r[0] for r in data["rows"]) == ["DE", "ES", "FR"]


def test_a_saved_query_goes_below_the_tiles_of_a_dashboard(shop: Shop) -> None:
    made = shop.create("Statuses", {"widgets": [DOCUMENT["widgets"][6]]})
    saved = shop.client.post(
        queries_url(shop.workspace),
        json={
            "name": "Status counts",
            "sql": "SELECT status, count(*) AS n FROM orders GROUP BY status",
            "chart": {"kind": "bar", "x": "status", "y": ["n"]},
        },
        headers=shop.admin.headers,
    )
    assert saved.status_code == 201, saved.text

    response = add(
        shop, {"dashboard_id": made["id"], "from": {"saved_query_id": saved.json()["id"]}}
    )

    assert response.status_code == 200, response.text
    assert (response.json()["version"], response.json()["created"]) == (2, False)
    got = shop.client.get(f"{shop.url}/{made['id']}", headers=shop.admin.headers).json()
    note, widget = got["document"]["widgets"]
    assert (widget["kind"], widget["title"], widget["query"]["source"]) == (
        "bar",
        "Status counts",
        "sql",
    )
    assert widget["query"]["saved_query_id"] == saved.json()["id"]
    assert widget["position"]["y"] == note["position"]["y"] + note["position"]["h"]
    data = shop.data(made["id"])[widget["id"]]
    assert data["status"] == "ok" and sorted(r[0] for r in data["rows"]) == [
        "open",
        "paid",
        "refunded",
    ]


def test_adding_refuses_viewers_and_bad_bodies(shop: Shop, server_store: Store) -> None:
    made = shop.create("Untouched")
    mine = seed_answer(shop, server_store, shop.viewer)
    forbidden = add(
        shop, {"dashboard_id": made["id"], "from": {"answer_message_id": mine}}, shop.viewer
    )
    assert_problem(forbidden, 403)
    both = add(
        shop,
        {"dashboard_id": made["id"], "from": {"saved_query_id": "x", "answer_message_id": "y"}},
    )
    assert "exactly one" in assert_problem(both, 422)["errors"][0]["message"]
    admins = seed_answer(shop, server_store, shop.admin, kind="sql")
    no_target = add(shop, {"from": {"answer_message_id": admins}})
    assert "Choose a dashboard" in assert_problem(no_target, 422)["detail"]
    viewers_answer = add(shop, {"dashboard_id": made["id"], "from": {"answer_message_id": mine}})
    assert (
        assert_problem(viewers_answer, 404)["detail"]
        == "No such answer of yours in this workspace."
    )
    taken = add(shop, {"new_dashboard_name": "untouched", "from": {"answer_message_id": admins}})
    assert_problem(taken, 409)
    after = shop.client.get(f"{shop.url}/{made['id']}", headers=shop.admin.headers).json()
    assert (after["version"], after["document"]["widgets"]) == (1, [])
