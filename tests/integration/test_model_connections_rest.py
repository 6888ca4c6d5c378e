"""Model tables on a live connection over real HTTP: save, validate and query through the model
routes, a mixed query answered 422 naming the tables, a snapshot imported through
``POST …/connections/{id}/snapshot``; and the session the engine opens is read-only with a
statement timeout."""

from __future__ import annotations

import httpx
import pytest

from pipelines.connections import RemoteQueryCancelled
from pipelines.connections.ibis_backend import driver_error, open_ibis
from tests.integration.conftest import ApiUser, assert_problem, register_api_user
from tests.integration.connections_api import connection_url, create_connection
from tests.integration.live_databases import FLIGHT_ROWS, LiveDatabase
from tests.integration.model_api import model_url, query_url
from tests.integration.model_connections_data import (
    TARGETS_CSV,
    distance_by_airline,
    flights_document,
    total_distance,
)
from tests.integration.sources_api import create_workspace, upload_ready, wait_settled


def save(client: httpx.Client, user: ApiUser, workspace: str, document: object) -> httpx.Response:
    return client.put(
        model_url(workspace), json={"version": 0, "model": document}, headers=user.headers
    )


def test_a_model_on_a_connection_is_saved_validated_and_queried(
    client: httpx.Client, live_db: LiveDatabase
) -> None:
    user = register_api_user(client)
    ws = create_workspace(client, user)
    cid = create_connection(client, user, ws, live_db, name="Warehouse")["id"]
    targets = upload_ready(client, user, ws, "targets.csv", TARGETS_CSV.encode())
    document = flights_document(cid, live_db.spec().default_schema, targets["id"])

    saved = save(client, user, ws, document)
    assert saved.status_code == 200, saved.text
    warnings = [i for i in saved.json()["issues"] if i["code"] == "join_across_engines"]
    assert [i["join_id"] for i in warnings] == ["airlines_targets"]

    answer = client.post(
        query_url(ws),
        json={"measures": ["flights.distance"], "dimensions": ["airlines.name"]},
        headers=user.headers,
    )
    assert answer.status_code == 200, answer.text
    assert {r[0]: r[1] for r in answer.json()["rows"]} == distance_by_airline()

    mixed = client.post(
        query_url(ws),
        json={"measures": ["targets.target"], "dimensions": ["airlines.name"]},
        headers=user.headers,
    )
    detail = assert_problem(mixed, 422)["detail"]
    assert detail.startswith(
        "targets is an uploaded file and airlines is in the database “Warehouse”: a query "
        "reads one engine; import a snapshot of airlines"
    )

    moved = client.patch(connection_url(ws, cid), json={"port": 1}, headers=user.headers)
    assert moved.status_code == 200
    unreachable = client.post(
        query_url(ws),
        json={"measures": ["flights.distance"], "dimensions": ["airlines.name"]},
        headers=user.headers,
    )
    assert assert_problem(unreachable, 502)["kind"] == "refused"
    assert live_db.password not in unreachable.text


def test_a_connection_of_another_tenant_cannot_be_put_in_a_model(
    client: httpx.Client, live_db: LiveDatabase
) -> None:
    alice = register_api_user(client, "Alice")
    alices = create_workspace(client, alice)
    cid = create_connection(client, alice, alices, live_db, name="Alice secret DB")["id"]
    bob = register_api_user(client, "Bob")
    bobs = create_workspace(client, bob)

    refused = save(client, bob, bobs, flights_document(cid, live_db.spec().default_schema))

    problem = assert_problem(refused, 422)
    assert "not in this workspace" in problem["detail"]
    assert "Alice" not in refused.text and live_db.database not in refused.text


def test_a_snapshot_imported_over_rest_becomes_a_ready_source(
    client: httpx.Client, live_db: LiveDatabase
) -> None:
    user = register_api_user(client)
    ws = create_workspace(client, user)
    cid = create_connection(client, user, ws, live_db)["id"]
    url = f"{connection_url(ws, cid)}/snapshot"

    started = client.post(url, json={"table": "flights"}, headers=user.headers)

    assert started.status_code == 202, started.text
    assert started.headers["Location"].endswith(f"/sources/{started.json()['id']}")
    source = wait_settled(client, user, ws, started.json()["id"])
    assert source["status"] == "ready", source["error"]
    assert source["name"] == "flights" and source["row_count"] == FLIGHT_ROWS
    document = {
        "tables": [
            {
                "name": "flights",
                "source_id": source["id"],
                "columns": [
                    {"name": "distance", "type": "integer", "role": "measure", "aggregation": "sum"}
                ],
            }
        ]
    }
    assert save(client, user, ws, document).status_code == 200
    total = client.post(
        query_url(ws), json={"measures": ["flights.distance"]}, headers=user.headers
    )
    assert total.json()["rows"] == [[total_distance()]]

    clash = client.post(url, json={"table": "flights", "name": "flights"}, headers=user.headers)
    assert "already has a source" in assert_problem(clash, 409)["detail"]
    missing = client.post(url, json={"table": "nope"}, headers=user.headers)
    assert_problem(missing, 404)


# -- the engine's session --------------------------------------------------------------------------
def test_the_engines_session_refuses_writes(live_db: LiveDatabase) -> None:
    con = open_ibis(live_db.spec("writer"), timeout_seconds=30)
    try:
        with pytest.raises(Exception) as refused:
            con.raw_sql(
                "INSERT INTO flights (id, flight_date, sched_dep, carrier, origin, dest, "
                "distance, cancelled) VALUES (99999, '2013-01-01', '2013-01-01 05:00:00', 'AA', "
                "'JFK', 'ORD', 1, FALSE)"
            )
        assert "read" in str(refused.value).lower()
        assert driver_error(refused.value, 30) is not None
    finally:
        con.disconnect()


def test_the_engines_session_stops_a_statement_at_the_timeout(live_db: LiveDatabase) -> None:
    # MariaDB's SLEEP() returns 1 when interrupted, so it gets a long scan instead
    slow = (
        "SELECT pg_sleep(5)"
        if live_db.kind == "postgres"
        else "SELECT count(*) FROM flights a, flights b, flights c"
    )
    con = open_ibis(live_db.spec(), timeout_seconds=0.5)
    try:
        with pytest.raises(Exception) as stopped:
            con.raw_sql(slow).fetchall()
        translated = driver_error(stopped.value, 0.5)
        assert isinstance(translated, RemoteQueryCancelled) and translated.reason == "timeout"
        assert "time limit of 0.5 seconds" in translated.message
    finally:
        con.disconnect()
