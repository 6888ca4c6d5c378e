"""The connections service over real stores (SQLite, PostgreSQL) and real databases.

Roles, encryption at rest, logs without the password, pools closed on change, the tenant's
query turns, and the read-only path from a saved connection to rows.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from app.services.connections.errors import (
    ConnectionQueryCancelled,
    ConnectionQueryFailed,
    ConnectionSqlRefused,
)
from app.services.errors import Forbidden, NotFound, Throttled
from app.store.models import DatabaseConnection
from tests.integration.conftest import Store
from tests.integration.connections_helpers import (
    Connections,
    add_connection,
    sleep_sql,
    sleeping,
    wait_for,
)
from tests.integration.live_databases import FLIGHT_ROWS, LiveDatabase


@pytest.fixture
def connections(store: Store) -> Iterator[Connections]:
    made = Connections(store)
    yield made
    made.close()


def _workspace(store: Store, principal) -> str:  # type: ignore[no-untyped-def]
    return str(store.workspaces(principal).create("Flights").id)


def test_the_password_is_encrypted_at_rest_and_never_returned(
    store: Store, connections: Connections, live_db: LiveDatabase
) -> None:
    admin = store.register()
    ws = _workspace(store, admin)
    info = add_connection(connections.service(admin), ws, live_db)
    assert info.password_set
    assert live_db.password not in str(info.as_json())
    with store.db.transaction() as session:
        stored = session.scalars(sa.select(DatabaseConnection)).one()
        assert stored.encrypted_password and live_db.password not in stored.encrypted_password
        assert connections.vault.decrypt(stored.encrypted_password) == live_db.password


def test_a_saved_connection_is_tested_browsed_previewed_and_queried(
    store: Store, connections: Connections, live_db: LiveDatabase
) -> None:
    admin = store.register()
    ws = _workspace(store, admin)
    service = connections.service(admin)
    info = add_connection(service, ws, live_db)
    check = service.test(ws, info.id)
    assert check.ok and check.read_only
    assert live_db.spec().default_schema in service.schemas(ws, info.id)
    assert {t.name for t in service.tables(ws, info.id, None)} == {
        "airlines", "airports", "flights",
    }  # fmt: skip
    page = service.preview(ws, info.id, None, "flights", limit=10, offset=590)
    assert [r[0] for r in page.rows] == list(range(591, 601))
    result = service.run(ws, info.id, "SELECT count(*) AS n FROM flights")
    assert result.rows == [[FLIGHT_ROWS]]
    profile = service.profile(ws, info.id, None, "flights")
    assert profile.sample_rows == FLIGHT_ROWS and not profile.sampled


def test_a_writer_account_is_warned(
    store: Store, connections: Connections, live_db: LiveDatabase
) -> None:
    admin = store.register()
    ws = _workspace(store, admin)
    service = connections.service(admin)
    check = service.test(ws, add_connection(service, ws, live_db, "writer").id)
    assert check.ok and check.read_only is False and "can write to" in check.message


def test_the_last_test_is_kept_for_every_member_until_the_settings_change(
    store: Store, connections: Connections, live_db: LiveDatabase
) -> None:
    admin = store.register()
    ws = _workspace(store, admin)
    service = connections.service(admin)
    info = add_connection(service, ws, live_db, "writer")
    assert info.last_check is None and info.last_tested_at is None
    viewer, _ = store.add_member(admin, "viewer")
    connections.service(viewer).test(ws, info.id)  # any member may test; all see the outcome
    kept = service.get(ws, info.id)
    assert kept.last_check is not None and kept.last_tested_at is not None
    assert kept.last_check["ok"] is True and kept.last_check["read_only"] is False
    assert "can write to" in kept.last_check["message"]
    assert live_db.password not in str(kept.as_json())
    assert service.update(ws, info.id, name="Renamed").last_check is None
    assert service.get(ws, info.id).last_tested_at is None


def test_viewers_browse_and_query_but_cannot_change_connections(
    store: Store, connections: Connections, live_db: LiveDatabase
) -> None:
    admin = store.register()
    ws = _workspace(store, admin)
    info = add_connection(connections.service(admin), ws, live_db)
    viewer, _ = store.add_member(admin, "viewer")
    service = connections.service(viewer)
    assert [c.id for c in service.list(ws)] == [info.id]
    assert service.run(ws, info.id, "SELECT 1 AS one").rows == [[1]]
    with pytest.raises(Forbidden):
        add_connection(service, ws, live_db, name="Mine")
    with pytest.raises(Forbidden):
        service.update(ws, info.id, name="Renamed")
    with pytest.raises(Forbidden):
        service.delete(ws, info.id)
    spec = live_db.spec()
    with pytest.raises(Forbidden):
        service.test_settings(
            ws, kind=spec.kind, host=spec.host, port=spec.port, database=spec.database,
            user=spec.user, password=spec.password,
        )  # fmt: skip


def test_sql_is_guarded_and_errors_are_domain_errors(
    store: Store, connections: Connections, live_db: LiveDatabase
) -> None:
    admin = store.register()
    ws = _workspace(store, admin)
    service = connections.service(admin)
    info = add_connection(service, ws, live_db, "writer")
    with pytest.raises(ConnectionSqlRefused):
        service.run(ws, info.id, "DELETE FROM flights")
    with pytest.raises(ConnectionQueryFailed):
        service.run(ws, info.id, "SELECT no_such_column FROM flights")
    with pytest.raises(NotFound):
        service.preview(ws, info.id, None, "no_such_table")


def test_update_closes_the_pool_and_uses_the_new_settings(
    store: Store, connections: Connections, live_db: LiveDatabase
) -> None:
    admin = store.register()
    ws = _workspace(store, admin)
    service = connections.service(admin)
    info = add_connection(service, ws, live_db)
    service.run(ws, info.id, "SELECT 1 AS one")
    assert connections.pools.open_count() == 1
    updated = service.update(ws, info.id, database="no_such_database_here")
    assert connections.pools.open_count() == 0
    assert updated.password_set  # a password left out stays
    check = service.test(ws, info.id)
    assert not check.ok and check.kind == "unknown_database"
    service.delete(ws, info.id)
    assert service.list(ws) == []


def test_the_password_is_not_logged(
    store: Store, connections: Connections, live_db: LiveDatabase, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="sqlalchemy")  # every statement and pool event too
    admin = store.register()
    ws = _workspace(store, admin)
    service = connections.service(admin)
    info = add_connection(service, ws, live_db)
    service.test(ws, info.id)
    service.run(ws, info.id, "SELECT carrier FROM airlines")
    service.update(ws, info.id, host="no-such-host.invalid")
    assert not service.test(ws, info.id).ok
    logged = {r.name for r in caplog.records}
    assert "app.services.connections.service" in logged, logged  # what the check looks at
    assert any(n.startswith("sqlalchemy.engine") for n in logged), logged
    assert live_db.password not in caplog.text


def test_a_tenant_runs_at_most_its_turns_and_cancel_stops_its_query(
    store: Store, live_db: LiveDatabase
) -> None:
    connections = Connections(store, per_tenant_queries=1, queue_seconds=0)
    try:
        a, b = store.register("Ada"), store.register("Bob")
        ws_a, ws_b = _workspace(store, a), _workspace(store, b)
        service_a, service_b = connections.service(a), connections.service(b)
        conn_a = add_connection(service_a, ws_a, live_db)
        conn_b = add_connection(service_b, ws_b, live_db)
        outcome: list[BaseException] = []

        def long_query() -> None:
            try:
                service_a.run(ws_a, conn_a.id, sleep_sql(live_db.kind, 31), query_id="long")
            except BaseException as exc:
                outcome.append(exc)

        thread = threading.Thread(target=long_query)
        thread.start()
        wait_for(sleeping(live_db, live_db.reader, 31))
        with pytest.raises(Throttled):
            service_a.run(ws_a, conn_a.id, "SELECT 1 AS one")
        assert service_b.run(ws_b, conn_b.id, "SELECT 1 AS one").rows == [[1]]
        assert not service_b.cancel(ws_b, conn_b.id, "long")  # another tenant's query: not seen
        assert service_a.cancel(ws_a, conn_a.id, "long")
        thread.join(10)
        assert len(outcome) == 1 and isinstance(outcome[0], ConnectionQueryCancelled)
        assert service_a.run(ws_a, conn_a.id, "SELECT 1 AS one").rows == [[1]]  # turn is back
    finally:
        connections.close()


def test_two_processes_together_keep_to_the_tenants_turns(
    store: Store, live_db: LiveDatabase
) -> None:
    """Each server process has its own pools; the tenant's limit is shared through the store."""
    first = Connections(store, shared_limit=True, per_tenant_queries=1, queue_seconds=0)
    second = Connections(store, shared_limit=True, per_tenant_queries=1, queue_seconds=0)
    try:
        a, b = store.register("Ada"), store.register("Bob")
        ws_a, ws_b = _workspace(store, a), _workspace(store, b)
        conn_a = add_connection(first.service(a), ws_a, live_db)
        conn_b = add_connection(second.service(b), ws_b, live_db)
        outcome: list[BaseException] = []

        def long_query() -> None:
            try:
                first.service(a).run(ws_a, conn_a.id, sleep_sql(live_db.kind, 31), query_id="l")
            except BaseException as exc:
                outcome.append(exc)

        thread = threading.Thread(target=long_query)
        thread.start()
        wait_for(sleeping(live_db, live_db.reader, 31))
        with pytest.raises(Throttled):  # the other process: the tenant's one turn is taken
            second.service(a).run(ws_a, conn_a.id, "SELECT 1 AS one")
        assert second.service(b).run(ws_b, conn_b.id, "SELECT 1 AS one").rows == [[1]]
        assert first.service(a).cancel(ws_a, conn_a.id, "l")
        thread.join(10)
        assert len(outcome) == 1 and isinstance(outcome[0], ConnectionQueryCancelled)
        assert second.service(a).run(ws_a, conn_a.id, "SELECT 1 AS one").rows == [[1]]
    finally:
        first.close()
        second.close()


def test_the_statement_timeout_answers_a_cancelled_query(
    store: Store, live_db: LiveDatabase
) -> None:
    connections = Connections(store, timeout_seconds=0.5)
    try:
        admin = store.register()
        ws = _workspace(store, admin)
        service = connections.service(admin)
        info = add_connection(service, ws, live_db)
        with pytest.raises(ConnectionQueryCancelled) as caught:
            service.run(ws, info.id, sleep_sql(live_db.kind, 20))
        assert caught.value.reason == "timeout"
    finally:
        connections.close()


def test_rotating_the_master_key_reencrypts_connection_passwords(
    store: Store, connections: Connections
) -> None:
    from cryptography.fernet import Fernet

    from app.services.ai.rotation import reencrypt_all
    from app.services.ai.vault import KeyVault

    admin = store.register()
    ws = _workspace(store, admin)
    connections.service(admin).create(
        ws, name="Warehouse", kind="postgres", host="db.example", port=5432,
        database="dw", user="reader", password="s3cret-Password",
    )  # fmt: skip
    new_key = Fernet.generate_key().decode()
    rotated = KeyVault([new_key, *store.settings.secrets.encryption_keys])
    done = reencrypt_all(store.db, rotated)
    assert done.changed == 1 and done.unreadable == 0
    with store.db.transaction() as session:
        token = session.scalars(sa.select(DatabaseConnection)).one().encrypted_password
    assert token is not None
    assert KeyVault([new_key]).decrypt(token) == "s3cret-Password"
