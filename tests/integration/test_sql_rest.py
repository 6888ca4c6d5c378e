"""The SQL workbench over real HTTP: run, truncation, guard refusals, cancel, history, tables,
saved queries, streamed downloads, roles, 401s, and a long query in one tenant while another
tenant queries and loads pages."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest

from tests.conftest import RunningServer
from tests.integration.conftest import (
    API,
    ApiUser,
    Store,
    assert_problem,
    browser_login,
    register_api_user,
)
from tests.integration.model_api import ORDERS_TOTAL, model_url, orders_document
from tests.integration.sources_api import create_workspace, upload_ready
from tests.integration.sql_api import (
    LONG_QUERY,
    InThread,
    cancel,
    cancel_when_running,
    queries_url,
    run_sql,
    sql_url,
)
from tests.integration.test_isolation import page_document
from tests.integration.test_rest_workspaces import add_member

BY_CUSTOMER = (
    "SELECT customer, sum(amount) AS amount FROM orders GROUP BY customer ORDER BY customer"
)


@pytest.fixture
def workspace(client: httpx.Client, api_user: ApiUser) -> str:
    """A workspace with the ORDERS source (120 rows), readable as table ``orders``."""
    workspace_id = create_workspace(client, api_user)
    upload_ready(client, api_user, workspace_id)
    return workspace_id


@pytest.fixture
def viewer(server_store: Store, client: httpx.Client, api_user: ApiUser) -> ApiUser:
    return add_member(server_store, client, api_user, "viewer")


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


# -- running ----------------------------------------------------------------------------------------
def test_a_query_returns_columns_types_rows_and_a_chart(
    client: httpx.Client, viewer: ApiUser, workspace: str
) -> None:
    body = ok(run_sql(client, viewer, workspace, BY_CUSTOMER, query_id="by-customer"))

    assert body["query_id"] == "by-customer"
    assert body["columns"] == ["customer", "amount"]
    assert body["types"] == ["text", "decimal"]
    assert [r[0] for r in body["rows"]] == [f"Customer {i}" for i in range(7)]
    assert sum(r[1] for r in body["rows"]) == pytest.approx(ORDERS_TOTAL)
    assert body["truncated"] is False
    assert body["elapsed_ms"] >= 0
    chart = body["chart"]
    assert (chart["kind"], chart["x"], chart["y"]) == ("bar", "customer", ["amount"])
    assert chart["reason"]


def test_the_saved_models_table_names_are_the_ones_sql_reads(
    client: httpx.Client, api_user: ApiUser
) -> None:
    workspace_id = create_workspace(client, api_user)
    source = upload_ready(client, api_user, workspace_id, "Ventes 2024.csv")
    assert ok(client.get(sql_url(workspace_id, "/tables"), headers=api_user.headers)) == {
        "items": [
            {
                "name": "ventes_2024",
                "columns": [
                    {"name": "order_id", "type": "integer"},
                    {"name": "customer", "type": "text"},
                    {"name": "amount", "type": "decimal"},
                    {"name": "shipped", "type": "text"},
                ],
            }
        ]
    }
    model = {"version": 0, "model": orders_document(source["id"])}
    assert client.put(model_url(workspace_id), json=model, headers=api_user.headers).is_success

    tables = ok(client.get(sql_url(workspace_id, "/tables"), headers=api_user.headers))
    body = ok(run_sql(client, api_user, workspace_id, "SELECT count(*) AS n FROM orders"))

    assert [t["name"] for t in tables["items"]] == ["orders"]
    assert body["rows"] == [[120]]
    assert body["chart"]["kind"] == "kpi"


def test_the_limit_truncates_and_the_display_limit_caps_it(
    client: httpx.Client, api_user: ApiUser, workspace: str
) -> None:
    ten = ok(run_sql(client, api_user, workspace, "SELECT * FROM orders ORDER BY 1", limit=10))
    # 14,400 rows asked for, more than the default display limit of 10,000.
    big = ok(
        run_sql(
            client,
            api_user,
            workspace,
            "SELECT a.order_id AS a, b.order_id AS b FROM orders a, orders b",
            limit=100_000,
        )
    )
    everything = ok(run_sql(client, api_user, workspace, "SELECT * FROM orders"))

    assert (len(ten["rows"]), ten["truncated"]) == (10, True)
    assert [r[0] for r in ten["rows"]] == list(range(1, 11))
    assert (len(big["rows"]), big["truncated"]) == (10_000, True)
    assert (len(everything["rows"]), everything["truncated"]) == (120, False)


def test_a_guard_refusal_answers_422_with_the_position(
    client: httpx.Client, api_user: ApiUser, workspace: str
) -> None:
    sql = "SELECT *\n  FROM read_csv('/etc/passwd')"

    problem = assert_problem(run_sql(client, api_user, workspace, sql), 422)

    assert "read_csv" in problem["detail"]
    position = problem["position"]
    assert sql[position["start"] : position["end"]].lower().startswith("read_csv")
    assert (position["line"], position["column"]) == (2, 8)
    assert problem["errors"] == [{"field": "sql", "message": problem["detail"]}]


def test_several_statements_are_refused_at_the_second(
    client: httpx.Client, api_user: ApiUser, workspace: str
) -> None:
    sql = "SELECT 1 AS one; DROP TABLE orders"
    problem = assert_problem(run_sql(client, api_user, workspace, sql), 422)
    assert problem["position"]["start"] >= sql.index("DROP")


def test_a_query_duckdb_cannot_run_answers_422_naming_the_column(
    client: httpx.Client, api_user: ApiUser, workspace: str
) -> None:
    problem = assert_problem(
        run_sql(client, api_user, workspace, "SELECT revenue FROM orders"), 422
    )
    assert "revenue" in problem["detail"]
    assert str(Path.home()) not in problem["detail"]


def test_a_malformed_body_answers_422_naming_the_field(
    client: httpx.Client, api_user: ApiUser, workspace: str
) -> None:
    problem = assert_problem(run_sql(client, api_user, workspace, "SELECT 1", limit=0), 422)
    assert problem["errors"][0]["field"] == "limit"
    problem = assert_problem(run_sql(client, api_user, workspace, "SELECT 1", query_id="a b"), 422)
    assert problem["errors"][0]["field"] == "query_id"


# -- cancel -----------------------------------------------------------------------------------------
def test_a_long_query_is_cancelled_from_another_request(
    client: httpx.Client, server: RunningServer, api_user: ApiUser, workspace: str
) -> None:
    query_id = f"long-{uuid.uuid4().hex[:8]}"
    with server.client() as other:
        running = InThread(
            lambda: run_sql(other, api_user, workspace, LONG_QUERY, query_id=query_id)
        )
        cancel_when_running(client, api_user, workspace, query_id)
        response = running.wait()

    problem = assert_problem(response, 409)
    assert problem["detail"] == "The query was cancelled."
    assert (problem["cancelled"], problem["reason"]) == (True, "user")
    history = ok(client.get(sql_url(workspace, "/history"), headers=api_user.headers))
    assert history["items"][0]["error"] == "The query was cancelled."
    assert not cancel(client, api_user, workspace, query_id)  # nothing left to cancel


def test_cancel_of_an_unknown_query_says_so(
    client: httpx.Client, api_user: ApiUser, workspace: str
) -> None:
    assert cancel(client, api_user, workspace, "never-started") is False


def test_a_user_cannot_cancel_someone_elses_query(
    client: httpx.Client, server: RunningServer, api_user: ApiUser, viewer: ApiUser, workspace: str
) -> None:
    query_id = f"shared-{uuid.uuid4().hex[:8]}"
    with server.client() as other:
        running = InThread(
            lambda: run_sql(other, api_user, workspace, LONG_QUERY, query_id=query_id)
        )
        try:
            # The viewer tries again and again while the owner's query is on its way and runs.
            for _ in range(20):
                assert cancel(client, viewer, workspace, query_id) is False
            assert not running.done.is_set()
        finally:
            cancel_when_running(client, api_user, workspace, query_id)
        response = running.wait()
    assert assert_problem(response, 409)["reason"] == "user"


# -- history and tables -------------------------------------------------------------------------------
def test_history_keeps_the_last_50_newest_first(
    client: httpx.Client, api_user: ApiUser, workspace: str
) -> None:
    for n in range(55):
        ok(run_sql(client, api_user, workspace, f"SELECT {n} AS n"))

    items = ok(client.get(sql_url(workspace, "/history"), headers=api_user.headers))["items"]

    assert [i["sql"] for i in items] == [f"SELECT {n} AS n" for n in range(54, 4, -1)]
    assert all(i["row_count"] == 1 and i["error"] is None for i in items)
    assert items[0]["created_at"] >= items[-1]["created_at"]


def test_history_shows_each_user_only_their_own_queries(
    client: httpx.Client, api_user: ApiUser, viewer: ApiUser, workspace: str
) -> None:
    ok(run_sql(client, api_user, workspace, "SELECT 'admin' AS who"))
    assert_problem(run_sql(client, viewer, workspace, "SELECT * FROM nowhere"), 422)

    mine = ok(client.get(sql_url(workspace, "/history"), headers=api_user.headers))["items"]
    theirs = ok(client.get(sql_url(workspace, "/history"), headers=viewer.headers))["items"]

    assert [i["sql"] for i in mine] == ["SELECT 'admin' AS who"]
    assert [i["sql"] for i in theirs] == ["SELECT * FROM nowhere"]
    assert "nowhere" in theirs[0]["error"]


# -- saved queries ----------------------------------------------------------------------------------
def test_saved_queries_crud(client: httpx.Client, api_user: ApiUser, workspace: str) -> None:
    body = {
        "name": "By customer",
        "sql": BY_CUSTOMER,
        "description": "Revenue per customer",
        "chart": {"kind": "bar", "x": "customer", "y": ["amount"]},
    }
    created = ok(client.post(queries_url(workspace), json=body, headers=api_user.headers), 201)
    url = queries_url(workspace, f"/{created['id']}")

    fetched = ok(client.get(url, headers=api_user.headers))
    listed = ok(client.get(queries_url(workspace), headers=api_user.headers))
    changed = ok(
        client.put(url, json={**body, "name": "Customers", "chart": None}, headers=api_user.headers)
    )
    deleted = client.delete(url, headers=api_user.headers)

    assert {k: created[k] for k in body} == body
    assert fetched == created
    assert listed["items"] == [created]
    assert (changed["name"], changed["chart"], changed["sql"]) == ("Customers", None, BY_CUSTOMER)
    assert changed["updated_at"] >= created["updated_at"]
    assert deleted.status_code == 204
    assert "saved query" in assert_problem(client.get(url, headers=api_user.headers), 404)["detail"]
    assert ok(client.get(queries_url(workspace), headers=api_user.headers)) == {"items": []}


def test_a_duplicate_name_answers_409(
    client: httpx.Client, api_user: ApiUser, workspace: str
) -> None:
    first = {"name": "Totals", "sql": "SELECT count(*) AS n FROM orders"}
    ok(client.post(queries_url(workspace), json=first, headers=api_user.headers), 201)
    other = ok(
        client.post(
            queries_url(workspace), json={**first, "name": "Other"}, headers=api_user.headers
        ),
        201,
    )

    again = client.post(
        queries_url(workspace), json={**first, "name": "TOTALS"}, headers=api_user.headers
    )
    renamed = client.put(
        queries_url(workspace, f"/{other['id']}"), json=first, headers=api_user.headers
    )

    assert "“TOTALS” already exists" in assert_problem(again, 409)["detail"]
    assert_problem(renamed, 409)
    names = [
        q["name"] for q in ok(client.get(queries_url(workspace), headers=api_user.headers))["items"]
    ]
    assert names == ["Other", "Totals"]


def test_saving_sql_the_guard_refuses_answers_422_with_the_position(
    client: httpx.Client, api_user: ApiUser, workspace: str
) -> None:
    body = {"name": "Sneaky", "sql": "SELECT * FROM orders, glob('/*')"}
    problem = assert_problem(
        client.post(queries_url(workspace), json=body, headers=api_user.headers), 422
    )
    assert "glob" in problem["detail"]
    assert problem["position"]["start"] == body["sql"].index("glob")


def test_a_viewer_runs_and_reads_but_cannot_save_change_or_delete(
    client: httpx.Client, api_user: ApiUser, viewer: ApiUser, workspace: str
) -> None:
    body = {"name": "Totals", "sql": "SELECT count(*) AS n FROM orders"}
    saved = ok(client.post(queries_url(workspace), json=body, headers=api_user.headers), 201)
    url = queries_url(workspace, f"/{saved['id']}")

    assert ok(run_sql(client, viewer, workspace, body["sql"]))["rows"] == [[120]]
    assert ok(client.get(url, headers=viewer.headers))["name"] == "Totals"
    for response in (
        client.post(queries_url(workspace), json={**body, "name": "Mine"}, headers=viewer.headers),
        client.put(url, json={**body, "name": "Mine"}, headers=viewer.headers),
        client.delete(url, headers=viewer.headers),
    ):
        assert "viewer" in assert_problem(response, 403)["detail"]
    assert ok(client.get(url, headers=api_user.headers)) == saved


# -- downloads --------------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_a_download_streams_the_whole_result_as_a_file(
    client: httpx.Client, api_user: ApiUser, workspace: str, fmt: str, tmp_path: Path
) -> None:
    # 14,400 rows: more than the display limit would show.
    sql = (
        "SELECT a.order_id AS a, b.customer AS customer, a.amount * b.amount AS product "
        "FROM orders a, orders b"
    )
    path = tmp_path / f"download.{fmt}"
    with client.stream(
        "POST", sql_url(workspace, "/download"), json={"sql": sql, "format": fmt},
        headers=api_user.headers,
    ) as response:  # fmt: skip
        assert response.status_code == 200
        assert "content-length" not in response.headers  # streamed as it is computed
        disposition = response.headers["content-disposition"]
        with path.open("wb") as out:
            for chunk in response.iter_bytes():
                out.write(chunk)

    assert disposition.startswith("attachment;") and f".{fmt}" in disposition
    reader = "read_csv" if fmt == "csv" else "read_parquet"
    ((count, distinct, total, first),) = duckdb.sql(
        f"SELECT count(*), count(DISTINCT a), sum(product), min(customer) FROM {reader}('{path}')"
    ).fetchall()
    assert (count, distinct, first) == (14_400, 120, "Customer 0")
    assert float(total) == pytest.approx(ORDERS_TOTAL**2)


def test_a_refused_download_answers_422_before_any_file(
    client: httpx.Client, api_user: ApiUser, workspace: str
) -> None:
    body = {"sql": "SELECT * FROM read_parquet('../*/*/data.parquet')", "format": "csv"}
    response = client.post(sql_url(workspace, "/download"), json=body, headers=api_user.headers)
    problem = assert_problem(response, 422)
    assert "read_parquet" in problem["detail"]
    assert "content-disposition" not in response.headers


# -- tenants do not stall each other ----------------------------------------------------------------
def test_a_long_query_in_one_tenant_does_not_stall_another_tenants_queries_and_pages(
    client: httpx.Client, server: RunningServer, api_user: ApiUser, workspace: str
) -> None:
    bob = register_api_user(client, "Bob", organisation=f"Bob Org {uuid.uuid4().hex[:6]}")
    bobs = create_workspace(client, bob, "Bob's numbers")
    upload_ready(client, bob, bobs)
    query_id = f"heavy-{uuid.uuid4().hex[:8]}"

    with server.client() as alice_client, server.client() as browser:
        heavy = InThread(
            lambda: run_sql(alice_client, api_user, workspace, LONG_QUERY, query_id=query_id)
        )
        try:
            # Bob queries, reads his history and loads pages while Alice's query runs.
            for n in range(3):
                body = ok(run_sql(client, bob, bobs, f"SELECT count(*) + {n} AS n FROM orders"))
                assert body["rows"] == [[120 + n]]
            assert len(ok(client.get(sql_url(bobs, "/history"), headers=bob.headers))["items"]) == 3
            assert browser_login(browser, bob.email, bob.password).status_code == 302
            for page in ("/sources", "/sql"):
                assert "Bob's numbers" in page_document(server, browser, page)
            assert not heavy.done.is_set(), "Alice's query ended before Bob was done"
        finally:
            cancel_when_running(client, api_user, workspace, query_id)
        response = heavy.wait()

    assert assert_problem(response, 409)["reason"] == "user"


# -- authentication and the OpenAPI document --------------------------------------------------------
UNAUTHENTICATED = [
    ("POST", "/sql", {"sql": "SELECT 1"}),
    ("POST", "/sql/q1/cancel", None),
    ("POST", "/sql/download", {"sql": "SELECT 1", "format": "csv"}),
    ("GET", "/sql/history", None),
    ("GET", "/sql/tables", None),
    ("GET", "/queries", None),
    ("POST", "/queries", {"name": "x", "sql": "SELECT 1"}),
    ("GET", f"/queries/{uuid.UUID(int=1)}", None),
    ("PUT", f"/queries/{uuid.UUID(int=1)}", {"name": "x", "sql": "SELECT 1"}),
    ("DELETE", f"/queries/{uuid.UUID(int=1)}", None),
]


@pytest.mark.parametrize(("method", "path", "body"), UNAUTHENTICATED)
def test_every_route_answers_401_without_a_token(
    client: httpx.Client, api_user: ApiUser, method: str, path: str, body: Any
) -> None:
    workspace_id = create_workspace(client, api_user)
    response = client.request(method, f"{API}/workspaces/{workspace_id}{path}", json=body)
    assert_problem(response, 401)


def test_the_sql_routes_are_in_the_openapi_document(
    client: httpx.Client, api_user: ApiUser
) -> None:
    document = client.get(f"{API}/openapi.json", headers=api_user.headers).json()
    documented = {
        (method.upper(), path.removeprefix(f"{API}/workspaces/{{workspace_id}}"))
        for path, item in document["paths"].items()
        for method in item
    }
    expected = {
        (m, p.replace("/q1/", "/{query_id}/").replace(str(uuid.UUID(int=1)), "{query_id}"))
        for m, p, _ in UNAUTHENTICATED
    }
    assert expected <= documented
    run = document["paths"][f"{API}/workspaces/{{workspace_id}}/sql"]["post"]
    assert {"409", "422"} <= set(run["responses"])
    download = document["paths"][f"{API}/workspaces/{{workspace_id}}/sql/download"]["post"]
    assert {"text/csv; charset=utf-8", "application/vnd.apache.parquet"} <= set(
        download["responses"]["200"]["content"]
    )
