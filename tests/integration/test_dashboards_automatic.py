"""A first dashboard made from the model over real HTTP: it is saved, every widget evaluates, the
numbers are DuckDB's over the same CSV files, names do not collide, viewers cannot make one, and
a workspace without a model is told what is missing."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.conftest import RunningServer
from tests.integration.conftest import API, ApiUser, Store, assert_problem
from tests.integration.dashboards_data import Answers, stocked_shop
from tests.integration.sources_api import create_workspace


@dataclass
class Shop:
    client: httpx.Client
    admin: ApiUser
    viewer: ApiUser
    workspace: str
    answers: Answers

    def url(self, workspace: str | None = None) -> str:
        return f"{API}/workspaces/{workspace or self.workspace}/dashboards"

    def make(self, body: dict[str, Any] | None = None, user: ApiUser | None = None) -> Any:
        return self.client.post(
            f"{self.url()}/automatic", json=body or {}, headers=(user or self.admin).headers
        )


@pytest.fixture(scope="module")
def shop(
    server: RunningServer, server_store: Store, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Shop]:
    with server.client() as client:
        admin, viewer, workspace = stocked_shop(client, server_store, "Fatou")
        yield Shop(client, admin, viewer, workspace, Answers(tmp_path_factory.mktemp("csv")))


@pytest.fixture(scope="module")
def first(shop: Shop) -> dict[str, Any]:
    response = shop.make()
    assert response.status_code == 201, response.text
    made: dict[str, Any] = response.json()
    assert response.headers["Location"] == f"{shop.url()}/{made['id']}"
    return made


def test_the_first_dashboard_is_saved_with_kpis_a_trend_and_breakdowns(
    shop: Shop, first: dict[str, Any]
) -> None:
    assert (first["name"], first["version"]) == ("First dashboard", 1)
    widgets = first["document"]["widgets"]
    assert [w["kind"] for w in widgets] == ["kpi"] * 4 + ["line", "bar", "bar", "bar"]
    assert [w["title"] for w in widgets[4:]] == [
        "Amount by week", "Amount by status", "Amount by country", "Amount by customer"
    ]  # fmt: skip
    listed = shop.client.get(shop.url(), headers=shop.admin.headers).json()["items"]
    assert [d["name"] for d in listed] == ["First dashboard"]


def test_every_widget_evaluates_and_matches_duckdb(shop: Shop, first: dict[str, Any]) -> None:
    response = shop.client.get(f"{shop.url()}/{first['id']}/data", headers=shop.viewer.headers)
    assert response.status_code == 200, response.text
    data = {w["widget_id"]: w for w in response.json()["widgets"]}

    assert {w: d["status"] for w, d in data.items()} == {
        w["id"]: "ok" for w in first["document"]["widgets"]
    }
    by_title = {w["title"]: data[w["id"]] for w in first["document"]["widgets"]}
    assert (
        by_title["Orders"]["kpi"]["value"] == shop.answers.rows("SELECT count(*) FROM orders")[0][0]
    )
    assert (
        round(by_title["Amount"]["kpi"]["value"], 2)
        == shop.answers.rows("SELECT sum(amount) FROM orders")[0][0]
    )
    countries = by_title["Amount by country"]
    expected = shop.answers.rows(
        "SELECT c.country, sum(o.amount) FROM orders o JOIN customers c USING (customer_id) "
        "GROUP BY 1 ORDER BY 2 DESC"
    )
    assert [[c, round(v, 2)] for c, v in countries["rows"]] == expected


def test_another_first_dashboard_gets_the_next_free_name(shop: Shop, first: dict[str, Any]) -> None:
    second = shop.make()
    assert second.status_code == 201, second.text
    assert second.json()["name"] == "First dashboard 2"
    taken = shop.make({"name": "first DASHBOARD"})
    assert_problem(taken, 409)
    named = shop.make({"name": "Sales at a glance"})
    assert named.status_code == 201 and named.json()["name"] == "Sales at a glance"


def test_a_viewer_cannot_make_one(shop: Shop) -> None:
    before = shop.client.get(shop.url(), headers=shop.admin.headers).json()
    assert_problem(shop.make(user=shop.viewer), 403)
    assert shop.client.get(shop.url(), headers=shop.admin.headers).json() == before


def test_a_workspace_without_a_model_is_told_what_is_missing(shop: Shop) -> None:
    empty = create_workspace(shop.client, shop.admin, "Empty")
    response = shop.client.post(f"{shop.url(empty)}/automatic", json={}, headers=shop.admin.headers)
    problem = assert_problem(response, 422)
    assert "The model has no tables yet" in problem["detail"]
    assert shop.client.get(shop.url(empty), headers=shop.admin.headers).json() == {"items": []}
