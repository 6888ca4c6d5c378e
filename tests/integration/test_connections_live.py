"""Live connections on the local PostgreSQL and MariaDB: test, browse, preview, profile, SQL.

Every test runs on both servers (``live_db`` is parametrised), against a database of
nycflights-like tables made for this module and dropped after it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa

from pipelines.connections import (
    ConnectionSpec,
    ReadOnlyRunner,
    RemoteQueryCancelled,
    RemoteQueryFailed,
    RemoteTable,
    UnknownTable,
    check_remote_sql,
    find_table,
    list_columns,
    list_schemas,
    list_tables,
    open_engine,
    preview,
    profile,
)
from pipelines.connections import test_connection as check_connection
from pipelines.query import GuardError
from tests.conftest import free_port
from tests.integration.live_databases import FLIGHT_ROWS, LiveDatabase, flights

CANCELLED_FLIGHTS = sum(1 for f in flights() if f["cancelled"])


@pytest.fixture
def runner(live_db: LiveDatabase) -> Iterator[ReadOnlyRunner]:
    spec = live_db.spec()
    made = ReadOnlyRunner(spec, open_engine(spec, pool_size=2), timeout_seconds=10)
    yield made
    made.dispose()


def wait_for(condition: Callable[[], bool], timeout: float = 10) -> None:
    done = threading.Event()
    for _ in range(int(timeout / 0.05)):
        if condition():
            return
        done.wait(0.05)
    raise AssertionError("condition not met in time")


# -- test connection ----------------------------------------------------------------------------
def test_read_only_user_is_reported_read_only(live_db: LiveDatabase) -> None:
    result = check_connection(live_db.spec())
    assert result.ok and result.read_only is True, result.message
    assert "read-only" in result.message
    assert result.writes == ()


def test_writer_is_warned_that_it_can_write_to_flights(live_db: LiveDatabase) -> None:
    result = check_connection(live_db.spec("writer"))
    assert result.ok and result.read_only is False
    assert "this user can write to" in result.message
    assert any("flights" in w for w in result.writes), result.writes
    assert not any("airlines" in w for w in result.writes)


def test_nothing_listening_is_refused(live_db: LiveDatabase) -> None:
    result = check_connection(live_db.spec(port=free_port()))
    assert not result.ok and result.kind == "refused", result
    assert "Nothing answers at" in result.message


def test_unknown_database_is_named(live_db: LiveDatabase) -> None:
    result = check_connection(live_db.spec(database="no_such_database_here"))
    assert not result.ok and result.kind == "unknown_database", result
    assert "no_such_database_here" in result.message


def test_unknown_user_or_bad_password_is_auth(live_db: LiveDatabase) -> None:
    # PostgreSQL here trusts 127.0.0.1 (any password passes): an unknown role is refused.
    spec = (
        live_db.spec(password="wrong-password")
        if live_db.kind == "mysql"
        else live_db.spec("nobody_by_that_name")
    )
    result = check_connection(spec)
    assert not result.ok and result.kind == "auth", result
    assert "check the user name and password" in result.message
    assert "wrong-password" not in result.message


def test_unknown_host_is_named(live_db: LiveDatabase) -> None:
    result = check_connection(live_db.spec(host="no-such-host.invalid"))
    assert not result.ok and result.kind == "unknown_host", result


def _server_has_tls(live_db: LiveDatabase) -> bool:
    admin = live_db.admin()
    try:
        with admin.connect() as conn:
            if live_db.kind == "postgres":
                return conn.exec_driver_sql("SHOW ssl").scalar() == "on"
            row = conn.exec_driver_sql("SHOW VARIABLES LIKE 'have_ssl'").first()
            return row is not None and row[1] == "YES"
    finally:
        admin.dispose()


def test_required_tls_is_never_given_up(live_db: LiveDatabase) -> None:
    result = check_connection(live_db.spec(tls="require"))
    if _server_has_tls(live_db):
        assert result.ok, result
    else:  # these servers run without TLS: a plain-text session must be refused
        assert not result.ok and result.kind == "tls", result
        assert "TLS" in result.message or "encrypted" in result.message


def test_spec_repr_hides_the_password(live_db: LiveDatabase) -> None:
    spec = live_db.spec()
    assert spec.password not in repr(spec)


# -- browse -----------------------------------------------------------------------------------
def test_browse_lists_schema_tables_with_estimates_and_typed_columns(
    live_db: LiveDatabase, runner: ReadOnlyRunner
) -> None:
    spec = live_db.spec()
    with runner.engine.connect() as conn:
        assert spec.default_schema in list_schemas(conn, spec.kind)
        tables = {t.name: t for t in list_tables(conn, spec.kind, spec.default_schema)}
        assert set(tables) == {"airlines", "airports", "flights"}
        estimate = tables["flights"].row_estimate
        assert estimate is not None and 0.5 * FLIGHT_ROWS <= estimate <= 2 * FLIGHT_ROWS
        columns = {c.name: c.type for c in list_columns(conn, tables["flights"])}
    assert columns == {
        "id": "integer",
        "flight_date": "date",
        "sched_dep": "timestamp",
        "carrier": "text",
        "origin": "text",
        "dest": "text",
        "dep_delay": "decimal",
        "distance": "integer",
        "cancelled": "boolean",
    }


def test_a_table_outside_the_catalog_is_unknown(
    live_db: LiveDatabase, runner: ReadOnlyRunner
) -> None:
    with runner.engine.connect() as conn, pytest.raises(UnknownTable):
        find_table(conn, live_db.kind, live_db.spec().default_schema, "flights; DROP TABLE x")


# -- preview and profile ------------------------------------------------------------------------
def _flights(live_db: LiveDatabase, runner: ReadOnlyRunner):  # type: ignore[no-untyped-def]
    with runner.engine.connect() as conn:
        table = find_table(conn, live_db.kind, live_db.spec().default_schema, "flights")
        return table, list_columns(conn, table)


def test_preview_pages_in_key_order(live_db: LiveDatabase, runner: ReadOnlyRunner) -> None:
    table, columns = _flights(live_db, runner)
    page = preview(runner, table, columns, ["id"], limit=50, offset=100)
    assert [row[0] for row in page.rows] == list(range(101, 151))
    assert page.truncated
    last = preview(runner, table, columns, ["id"], limit=50, offset=FLIGHT_ROWS - 20)
    assert len(last.rows) == 20 and not last.truncated


def test_profile_on_a_small_table_is_exact(live_db: LiveDatabase, runner: ReadOnlyRunner) -> None:
    table, columns = _flights(live_db, runner)
    found = profile(runner, table, columns, sample_rows=10_000)
    assert not found.sampled and found.sample_rows == FLIGHT_ROWS
    by_name = {c.name: c for c in found.columns}
    assert by_name["dep_delay"].null_fraction == pytest.approx(
        CANCELLED_FLIGHTS / FLIGHT_ROWS, abs=1e-6
    )
    assert by_name["carrier"].distinct == 3
    assert by_name["id"].min == 1 and by_name["id"].max == FLIGHT_ROWS


def test_profile_of_a_larger_table_reads_a_capped_sample(
    live_db: LiveDatabase, runner: ReadOnlyRunner
) -> None:
    table, columns = _flights(live_db, runner)
    found = profile(runner, table, columns, sample_rows=100)
    assert found.sampled and found.sample_rows <= 100
    assert "not the whole table" in found.note


def test_profile_of_a_huge_table_never_scans_it(
    live_db: LiveDatabase, runner: ReadOnlyRunner
) -> None:
    table, columns = _flights(live_db, runner)
    huge = RemoteTable(table.schema, table.name, table.kind, row_estimate=100_000_000)
    sent: list[str] = []
    sa.event.listen(runner.engine, "before_cursor_execute", lambda *a: sent.append(a[2]))
    cap = 1_000 if live_db.kind == "postgres" else 100  # MySQL: the capped scan of the first rows
    found = profile(runner, huge, columns, sample_rows=cap)
    profiled = [s for s in sent if "count(DISTINCT" in s]
    assert len(profiled) == 1
    assert "LIMIT" in profiled[0]
    if live_db.kind == "postgres":  # a 0.002 % slice of the pages, then capped
        assert "TABLESAMPLE system(" in profiled[0]
    assert found.sampled and found.sample_rows <= cap and "not the whole table" in found.note


def test_a_pooled_session_keeps_no_row_cap_or_time_limit_after_a_query(
    live_db: LiveDatabase,
) -> None:
    spec = live_db.spec()
    single = ReadOnlyRunner(spec, open_engine(spec, pool_size=1), timeout_seconds=10)
    try:
        assert single.execute("SELECT 1 AS one", max_rows=1).rows == [[1]]  # capped at 2 rows
        with single.engine.connect() as conn:  # the same, only, connection of the pool
            tables = list_tables(conn, spec.kind, spec.default_schema)
            flights_rows = conn.execute(sa.text("SELECT id FROM flights")).all()
        assert len(tables) == 3 and len(flights_rows) == FLIGHT_ROWS
    finally:
        single.dispose()


# -- SQL ----------------------------------------------------------------------------------------
def test_guarded_sql_runs_with_a_row_cap(live_db: LiveDatabase, runner: ReadOnlyRunner) -> None:
    sql = check_remote_sql(
        "SELECT a.name, count(*) AS n FROM flights f JOIN airlines a ON a.carrier = f.carrier "
        "GROUP BY a.name ORDER BY a.name;",
        live_db.spec().dialect,
    )
    result = runner.execute(sql, max_rows=2)
    assert result.columns == ("name", "n")
    assert result.rows == [["American Airlines", 200], ["Delta Air Lines", 200]]
    assert result.truncated and result.types == ("text", "integer")


@pytest.mark.parametrize(
    "sql",
    [
        "INSERT INTO flights (id) VALUES (9999)",
        "SELECT 1; DELETE FROM flights",
        "SELECT * FROM flights FOR UPDATE",
        "UPDATE flights SET distance = 0",
    ],
)
def test_the_guard_refuses_writes(live_db: LiveDatabase, sql: str) -> None:
    with pytest.raises(GuardError):
        check_remote_sql(sql, live_db.spec().dialect)


def test_the_read_only_transaction_refuses_a_write_the_guard_did_not_see(
    live_db: LiveDatabase,
) -> None:
    spec = live_db.spec("writer")  # an account that may INSERT: only the transaction stops it
    writer = ReadOnlyRunner(spec, open_engine(spec), timeout_seconds=10)
    try:
        with pytest.raises(RemoteQueryFailed, match=r"(?i)read.only"):
            writer.execute(
                "INSERT INTO flights (id, flight_date, sched_dep, carrier, origin, dest, "
                "distance, cancelled) VALUES (9999, '2013-01-01', '2013-01-01 05:00:00', 'AA', "
                "'JFK', 'ORD', 700, false)",
                max_rows=10,
            )
    finally:
        writer.dispose()
    admin = live_db.admin()
    with admin.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM flights")).scalar() == FLIGHT_ROWS
    admin.dispose()


def _sleep(spec: ConnectionSpec, seconds: int) -> str:
    call = f"pg_sleep({seconds})" if spec.kind == "postgres" else f"SLEEP({seconds})"
    return check_remote_sql(f"SELECT {call} AS slept", spec.dialect)


def test_statement_timeout_stops_a_long_query(
    live_db: LiveDatabase, runner: ReadOnlyRunner
) -> None:
    with pytest.raises(RemoteQueryCancelled) as caught:
        runner.execute(_sleep(runner.spec, 20), max_rows=1, timeout_seconds=0.5)
    assert caught.value.reason == "timeout"
    assert runner.execute("SELECT 1 AS one", max_rows=1).rows == [[1]]  # the pool still works


def _active(live_db: LiveDatabase, admin: sa.Engine) -> bool:
    with admin.connect() as conn:
        if live_db.kind == "postgres":
            sql = (
                "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' "
                "AND query LIKE '%pg_sleep(30)%' AND usename = :u"
            )
        else:
            sql = (
                "SELECT count(*) FROM information_schema.processlist "
                "WHERE info LIKE '%SLEEP(30)%' AND user = :u"
            )
        return bool(conn.execute(sa.text(sql), {"u": live_db.reader}).scalar())


def test_cancel_from_another_thread_stops_the_query(
    live_db: LiveDatabase, runner: ReadOnlyRunner
) -> None:
    outcome: list[BaseException] = []

    def run() -> None:
        try:
            runner.execute(_sleep(runner.spec, 30), max_rows=1, query_id="q1")
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    admin = live_db.admin()
    try:
        wait_for(lambda: _active(live_db, admin))
        assert runner.cancel("q1")
        thread.join(10)
        assert not thread.is_alive()
    finally:
        admin.dispose()
    assert len(outcome) == 1 and isinstance(outcome[0], RemoteQueryCancelled)
    assert outcome[0].reason == "user"
    assert not runner.cancel("q1")  # nothing runs under that id any more
