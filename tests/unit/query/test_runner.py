"""The process-wide runner: sandbox pool, per-tenant turns, cancel by tenant, result cache."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pipelines.query import (
    GuardError,
    QueryCancelled,
    QueryFailed,
    QueryRunner,
    SandboxLimits,
    SqlResult,
    WorkspaceKey,
)
from tests.unit.query.workspace_data import (
    LONG_SQL,
    ORDERS,
    Workspaces,
    make_workspaces,
    write_orders,
)

LIMITS = SandboxLimits(memory_limit_mb=256, threads=1, timeout_seconds=120)
A = WorkspaceKey("tenant-a", "ws1", 1)
B = WorkspaceKey("tenant-b", "ws1", 1)


@pytest.fixture
def spaces(tmp_path: Path) -> Workspaces:
    return make_workspaces(tmp_path)


@pytest.fixture
def runner() -> Iterator[QueryRunner]:
    queries = QueryRunner(LIMITS, per_tenant=2, cache_mb=16)
    yield queries
    queries.close()


class Background:
    """A query running in its own thread, with what it returned or raised."""

    def __init__(
        self, runner: QueryRunner, key: WorkspaceKey, spaces: Workspaces, sql: str, qid: str
    ):
        self.outcome: dict[str, Any] = {}
        self.qid = qid
        self.thread = threading.Thread(target=self._run, args=(runner, key, spaces, sql))
        self.thread.start()
        deadline = time.monotonic() + 10
        while qid not in runner.running(key.tenant_id) and self.thread.is_alive():
            assert time.monotonic() < deadline, f"query {qid} never registered"
            time.sleep(0.01)

    def _run(self, runner: QueryRunner, key: WorkspaceKey, spaces: Workspaces, sql: str) -> None:
        try:
            self.outcome["result"] = runner.run(
                key, spaces.tables, spaces.ws, sql, limit=100, query_id=self.qid
            )
        except Exception as exc:
            self.outcome["error"] = exc
        self.outcome["ended"] = time.perf_counter()

    def join(self) -> dict[str, Any]:
        self.thread.join(timeout=30)
        assert not self.thread.is_alive(), f"query {self.qid} did not return"
        return self.outcome


def run(runner: QueryRunner, key: WorkspaceKey, spaces: Workspaces, sql: str) -> SqlResult:
    return runner.run(key, spaces.tables, spaces.ws, sql, limit=100)


# -- results and cache -------------------------------------------------------------------------
def test_run_returns_rows_and_a_repeat_comes_from_the_cache(
    runner: QueryRunner, spaces: Workspaces
) -> None:
    first = run(runner, A, spaces, "SELECT count(*) AS n FROM orders")
    again = run(runner, A, spaces, "select   count(*) AS n\nFROM orders;  -- again")
    assert first.rows == again.rows == [[ORDERS]]
    assert (first.cached, again.cached) == (False, True)


def test_tenants_never_share_cached_results(runner: QueryRunner, spaces: Workspaces) -> None:
    run(runner, A, spaces, "SELECT count(*) FROM orders")
    assert run(runner, B, spaces, "SELECT count(*) FROM orders").cached is False


def test_a_reingested_table_is_not_served_from_the_cache(
    runner: QueryRunner, spaces: Workspaces
) -> None:
    assert run(runner, A, spaces, "SELECT count(*) FROM orders").rows == [[ORDERS]]
    write_orders(spaces.tables["orders"], rows=ORDERS + 5)
    again = run(runner, A, spaces, "SELECT count(*) FROM orders")
    assert (again.rows, again.cached) == ([[ORDERS + 5]], False)


def test_different_limits_are_cached_apart(runner: QueryRunner, spaces: Workspaces) -> None:
    short = runner.run(A, spaces.tables, spaces.ws, "SELECT * FROM orders", limit=3)
    full = runner.run(A, spaces.tables, spaces.ws, "SELECT * FROM orders", limit=100)
    assert (len(short.rows), short.truncated) == (3, True)
    assert (len(full.rows), full.truncated, full.cached) == (ORDERS, False, False)


def test_refusals_and_errors_reach_the_caller(runner: QueryRunner, spaces: Workspaces) -> None:
    with pytest.raises(GuardError, match="read_csv"):
        run(runner, A, spaces, "SELECT * FROM read_csv('/etc/passwd')")
    with pytest.raises(QueryFailed, match="nope"):
        run(runner, A, spaces, "SELECT nope FROM orders")
    assert runner.running(A.tenant_id) == []


def test_query_ids_are_unique_per_tenant(runner: QueryRunner, spaces: Workspaces) -> None:
    long = Background(runner, A, spaces, LONG_SQL, "same")
    with pytest.raises(ValueError, match="'same' is already running"):
        runner.run(A, spaces.tables, spaces.ws, "SELECT 1", limit=1, query_id="same")
    other = runner.run(B, spaces.tables, spaces.ws, "SELECT 1", limit=1, query_id="same")
    assert other.rows == [[1]]
    assert runner.cancel(A.tenant_id, "same")
    assert isinstance(long.join()["error"], QueryCancelled)


# -- sandbox pool ------------------------------------------------------------------------------
def test_a_new_model_version_gets_a_new_sandbox_and_retires_the_old(
    runner: QueryRunner, spaces: Workspaces
) -> None:
    run(runner, A, spaces, "SELECT 1 FROM orders LIMIT 1")
    newer = WorkspaceKey(A.tenant_id, A.workspace_id, 2)
    run(runner, newer, spaces, "SELECT 1 FROM orders LIMIT 1")
    assert runner.open_sandboxes() == [newer]


def test_the_pool_closes_the_least_recently_used_sandbox(spaces: Workspaces) -> None:
    runner = QueryRunner(LIMITS, max_sandboxes=2)
    try:
        keys = [WorkspaceKey("t", f"ws{i}", 1) for i in range(3)]
        for key in keys:
            run(runner, key, spaces, "SELECT count(*) FROM orders")
        run(runner, keys[1], spaces, "SELECT count(*) + 1 FROM orders")
        assert runner.open_sandboxes() == [keys[2], keys[1]]
    finally:
        runner.close()


def test_invalidate_forgets_results_and_sandboxes(runner: QueryRunner, spaces: Workspaces) -> None:
    run(runner, A, spaces, "SELECT count(*) FROM orders")
    run(runner, B, spaces, "SELECT count(*) FROM orders")
    runner.invalidate(A.tenant_id, A.workspace_id)
    assert runner.open_sandboxes() == [B]
    assert run(runner, A, spaces, "SELECT count(*) FROM orders").cached is False
    assert run(runner, B, spaces, "SELECT count(*) FROM orders").cached is True


# -- tenants, turns and cancel -----------------------------------------------------------------
def test_long_queries_in_one_tenant_do_not_stall_another(
    runner: QueryRunner, spaces: Workspaces
) -> None:
    heavy = [Background(runner, A, spaces, LONG_SQL, f"heavy-{i}") for i in range(3)]
    started = time.perf_counter()
    pages = []
    for i in range(6):
        result = run(runner, B, spaces, f"SELECT order_id, amount + {i} AS amount FROM orders")
        pages.append(result.page(2, 10, [("amount", "desc")]))
    b_done = time.perf_counter()
    assert all(page["total_rows"] == ORDERS and len(page["rows"]) == 10 for page in pages)
    assert all(query.thread.is_alive() for query in heavy), "A's heavy queries ended early"

    asked = time.perf_counter()
    for query in heavy:
        assert runner.cancel(A.tenant_id, query.qid)
    outcomes = [query.join() for query in heavy]
    assert all(isinstance(outcome.get("error"), QueryCancelled) for outcome in outcomes)
    assert all(outcome["error"].reason == "user" for outcome in outcomes)
    assert runner.running(A.tenant_id) == []
    landed = max(outcome["ended"] for outcome in outcomes) - asked
    print(
        f"\ntenant B: 6 queries + pages in {(b_done - started) * 1000:.0f} ms while tenant A ran "
        f"3 heavy queries; A's cancels landed within {landed * 1000:.0f} ms"
    )


def test_a_tenants_queries_beyond_its_limit_wait_for_a_turn(spaces: Workspaces) -> None:
    runner = QueryRunner(LIMITS, per_tenant=1)
    try:
        heavy = Background(runner, A, spaces, LONG_SQL, "heavy")
        quick = Background(runner, A, spaces, "SELECT count(*) FROM orders", "quick")
        assert run(runner, B, spaces, "SELECT count(*) FROM customers").rows == [[4]]
        time.sleep(0.3)  # room for the quick query to (wrongly) finish if it did not wait
        assert quick.thread.is_alive(), "A's second query ran beside its first"
        assert runner.cancel(A.tenant_id, "heavy")
        assert isinstance(heavy.join()["error"], QueryCancelled)
        assert quick.join()["result"].rows == [[ORDERS]]
    finally:
        runner.close()


def test_a_waiting_query_can_be_cancelled(spaces: Workspaces) -> None:
    runner = QueryRunner(LIMITS, per_tenant=1)
    try:
        heavy = Background(runner, A, spaces, LONG_SQL, "heavy")
        waiting = Background(runner, A, spaces, "SELECT count(*) FROM orders", "waiting")
        assert runner.cancel(A.tenant_id, "waiting")
        assert isinstance(waiting.join()["error"], QueryCancelled)
        assert heavy.thread.is_alive()
        assert runner.cancel(A.tenant_id, "heavy")
        assert isinstance(heavy.join()["error"], QueryCancelled)
    finally:
        runner.close()


def test_cancel_is_scoped_to_the_tenant(runner: QueryRunner, spaces: Workspaces) -> None:
    heavy = Background(runner, A, spaces, LONG_SQL, "heavy")
    assert runner.cancel(B.tenant_id, "heavy") is False
    assert runner.cancel(A.tenant_id, "no-such-query") is False
    assert heavy.thread.is_alive()
    assert runner.cancel(A.tenant_id, "heavy") is True
    assert isinstance(heavy.join()["error"], QueryCancelled)


# -- downloads ---------------------------------------------------------------------------------
def test_stream_yields_batches_and_holds_a_turn_until_closed(spaces: Workspaces) -> None:
    runner = QueryRunner(LIMITS, per_tenant=1)
    try:
        batches = runner.stream(
            A, spaces.tables, spaces.ws, "SELECT * FROM orders", max_rows=20, batch_rows=8
        )
        first = next(batches)
        assert first.num_rows == 8
        waiting = Background(runner, A, spaces, "SELECT count(*) FROM orders", "after")
        time.sleep(0.3)  # room for the query to (wrongly) run beside the download
        assert waiting.thread.is_alive(), "a query ran beside the tenant's only turn"
        assert [batch.num_rows for batch in batches] == [8, 4]  # exhausting releases the turn
        assert waiting.join()["result"].rows == [[ORDERS]]
        assert runner.running(A.tenant_id) == []
    finally:
        runner.close()


def test_stream_refusals_raise_at_once_and_free_the_turn(spaces: Workspaces) -> None:
    runner = QueryRunner(LIMITS, per_tenant=1)
    try:
        with pytest.raises(GuardError):
            runner.stream(A, spaces.tables, spaces.ws, "SELECT * FROM glob('*')", max_rows=5)
        assert runner.running(A.tenant_id) == []
        assert run(runner, A, spaces, "SELECT count(*) FROM orders").rows == [[ORDERS]]
    finally:
        runner.close()


# -- the same query asked for while it runs ----------------------------------------------------
def test_the_same_query_asked_while_it_runs_waits_for_that_run_and_takes_no_turn(
    spaces: Workspaces,
) -> None:
    runner = QueryRunner(LIMITS, per_tenant=2)
    try:
        first = Background(runner, A, spaces, LONG_SQL, "first")
        second = Background(runner, A, spaces, LONG_SQL, "second")
        # Two heavy runs would take both of A's turns; one shared run leaves a turn free.
        quick = Background(runner, A, spaces, "SELECT count(*) FROM orders", "quick")
        assert quick.join()["result"].rows == [[ORDERS]]
        assert first.thread.is_alive() and second.thread.is_alive()
        # The run's caller cancels: the one still waiting runs the query itself.
        assert runner.cancel(A.tenant_id, "first")
        assert isinstance(first.join()["error"], QueryCancelled)
        assert second.thread.is_alive()
        assert runner.cancel(A.tenant_id, "second")
        assert second.join()["error"].reason == "user"
        assert runner.running(A.tenant_id) == []
    finally:
        runner.close()


def test_the_same_query_asked_while_it_runs_gets_that_runs_result(spaces: Workspaces) -> None:
    runner = QueryRunner(LIMITS, per_tenant=1)
    sql = "SELECT customer_id, sum(amount) AS total FROM orders GROUP BY 1 ORDER BY 1"
    try:
        blocker = Background(runner, A, spaces, LONG_SQL, "blocker")  # holds A's only turn
        callers = [Background(runner, A, spaces, sql, f"caller-{i}") for i in range(3)]
        time.sleep(0.2)  # room for the callers to reach the wait for the run they share
        assert runner.cancel(A.tenant_id, "blocker")
        assert isinstance(blocker.join()["error"], QueryCancelled)
        results = [caller.join()["result"] for caller in callers]
        assert sorted(r.cached for r in results) == [False, True, True]
        assert all(r.rows == results[0].rows for r in results)
        assert len(results[0].rows) == 5  # four customers and the orders without one
        assert run(runner, A, spaces, sql).cached  # and the run's result was cached
    finally:
        runner.close()
