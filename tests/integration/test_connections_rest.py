"""The connection routes over real HTTP, on a server with a SQLite store and one with a
PostgreSQL store, against databases on the local PostgreSQL and MariaDB."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.store.db import Database
from tests.conftest import PG_URL, RunningServer, start_server
from tests.integration.conftest import assert_problem, register_api_user
from tests.integration.connections_api import (
    connection_body,
    connection_url,
    connections_url,
    create_connection,
)
from tests.integration.live_databases import FLIGHT_ROWS, LiveDatabase
from tests.integration.sources_api import create_workspace


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def rest_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    """A server whose metadata store is SQLite, or a PostgreSQL database made for it."""
    if request.param == "sqlite":
        yield request.getfixturevalue("server")
        return
    if not PG_URL:
        pytest.skip("DATAPILOT_TEST_POSTGRES_URL is not set; PostgreSQL tests skipped")
    name = f"datapilot_conn_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    store = Database(url)
    store.upgrade()
    store.dispose()
    running = start_server(
        Path(tmp_path_factory.mktemp("pg-store")), settings={"database": {"url": url}}
    )
    try:
        yield running
    finally:
        running.stop()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def test_create_list_test_browse_preview_profile_and_run(
    rest_server: RunningServer, live_db: LiveDatabase
) -> None:
    with rest_server.client() as client:
        user = register_api_user(client)
        ws = create_workspace(client, user)
        before = client.post(
            f"{connections_url(ws)}/test", json=connection_body(live_db), headers=user.headers
        ).json()
        assert before["ok"] is True and before["read_only"] is True
        assert client.get(connections_url(ws), headers=user.headers).json()["items"] == []
        created = create_connection(client, user, ws, live_db)
        assert created["password_set"] is True and "password" not in created
        assert live_db.password not in str(created)
        cid = created["id"]
        headers = user.headers

        listed = client.get(connections_url(ws), headers=headers).json()["items"]
        assert [c["id"] for c in listed] == [cid]
        assert live_db.password not in str(listed)

        assert listed[0]["last_check"] is None  # not tested yet
        check = client.post(f"{connection_url(ws, cid)}/test", headers=headers).json()
        assert check["ok"] is True and check["read_only"] is True
        kept = client.get(connection_url(ws, cid), headers=headers).json()
        assert kept["last_check"] == check and kept["last_tested_at"]

        tables = client.get(f"{connection_url(ws, cid)}/tables", headers=headers).json()["items"]
        assert {t["name"] for t in tables} == {"airlines", "airports", "flights"}
        flights = next(t for t in tables if t["name"] == "flights")
        params = {"schema": flights["schema"], "table": "flights"}

        columns = client.get(f"{connection_url(ws, cid)}/columns", params=params, headers=headers)
        assert {c["name"]: c["type"] for c in columns.json()["items"]}["sched_dep"] == "timestamp"

        page = client.get(
            f"{connection_url(ws, cid)}/preview",
            params={**params, "limit": 5, "offset": 10},
            headers=headers,
        ).json()
        assert [r[0] for r in page["rows"]] == [11, 12, 13, 14, 15] and page["truncated"]

        profile = client.get(f"{connection_url(ws, cid)}/profile", params=params, headers=headers)
        assert profile.json()["sample_rows"] == FLIGHT_ROWS

        run = client.post(
            f"{connection_url(ws, cid)}/sql",
            json={"sql": "SELECT count(*) AS n FROM flights", "query_id": "count"},
            headers=headers,
        ).json()
        assert run["columns"] == ["n"] and run["rows"] == [[FLIGHT_ROWS]]


def test_refusals_answer_problems(rest_server: RunningServer, live_db: LiveDatabase) -> None:
    with rest_server.client() as client:
        user = register_api_user(client)
        ws = create_workspace(client, user)
        cid = create_connection(client, user, ws, live_db, who="writer")["id"]
        url, headers = connection_url(ws, cid), user.headers

        guarded = client.post(f"{url}/sql", json={"sql": "DELETE FROM flights"}, headers=headers)
        assert assert_problem(guarded, 422)["position"]["line"] == 1
        failed = client.post(
            f"{url}/sql", json={"sql": "SELECT nope FROM flights"}, headers=headers
        )
        assert "refused the query" in assert_problem(failed, 422)["detail"]
        missing = client.get(f"{url}/preview", params={"table": "nope"}, headers=headers)
        assert_problem(missing, 404)

        check = client.post(f"{url}/test", headers=headers).json()
        assert check["read_only"] is False and "can write to" in check["message"]

        moved = client.patch(url, json={"port": 1}, headers=headers)
        assert moved.status_code == 200 and moved.json()["password_set"] is True
        unreachable = client.get(f"{url}/tables", headers=headers)
        assert assert_problem(unreachable, 502)["kind"] == "refused"

        assert client.delete(url, headers=headers).status_code == 204
        assert_problem(client.get(url, headers=headers), 404)
