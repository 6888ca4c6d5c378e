"""Results bounded by bytes: the display and download limits are checked while
fetching, one value cannot be built past the value limit, and memory stays bounded."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipelines.query import (
    GuardError,
    QueryFailed,
    QueryRunner,
    ResultTooLarge,
    Sandbox,
    SandboxLimits,
    WorkspaceKey,
    check_sql,
)
from pipelines.query.results import approx_bytes
from tests.unit.query.workspace_data import ORDERS, Workspaces, make_workspaces, numbers

MB = 2**20
LIMITS = SandboxLimits(memory_limit_mb=512, threads=2, timeout_seconds=60, value_max_mb=16)


NARROW_300_MB = f"SELECT repeat('x', 1000) || i AS s FROM {numbers(300_000)}"
"""300,000 rows of about 1 KB: 300 MB in many small batches."""


def rss() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


@pytest.fixture
def spaces(tmp_path: Path) -> Workspaces:
    return make_workspaces(tmp_path)


@pytest.fixture
def sandbox(spaces: Workspaces) -> Iterator[Sandbox]:
    box = Sandbox(spaces.tables, spaces.ws, LIMITS)
    yield box
    box.close()


# -- the display limit ---------------------------------------------------------------------------
def test_a_result_over_the_display_limit_is_refused_and_says_which_limit(sandbox: Sandbox) -> None:
    with pytest.raises(ResultTooLarge) as caught:
        sandbox.execute(NARROW_300_MB, limit=1_000_000, max_bytes=20 * MB)
    assert caught.value.limit == "display"
    assert caught.value.max_bytes == 20 * MB
    assert caught.value.message == (
        "The result is larger than the 20 MB display limit; add a LIMIT or select fewer "
        "columns, or download it."
    )
    assert isinstance(caught.value, QueryFailed)  # every edge that shows a failure shows it


def test_a_refused_result_keeps_memory_bounded(sandbox: Sandbox) -> None:
    sandbox.execute("SELECT 1", limit=1, max_bytes=MB)  # warm up DuckDB's own allocations
    before = rss()
    with pytest.raises(ResultTooLarge):
        sandbox.execute(NARROW_300_MB, limit=1_000_000, max_bytes=20 * MB)
    assert rss() - before < 100 * MB


def test_rows_within_the_display_limit_keep_their_python_types(sandbox: Sandbox) -> None:
    result = sandbox.execute(
        "SELECT order_id, amount, order_date, region FROM orders ORDER BY order_id",
        limit=100,
        max_bytes=MB,
    )
    assert len(result.rows) == ORDERS and not result.truncated
    first = result.rows[0]
    assert (type(first[0]).__name__, type(first[1]).__name__, type(first[2]).__name__) == (
        "int",
        "Decimal",
        "date",
    )
    assert result.types[:3] == ["integer", "decimal", "date"]


def test_the_display_limit_counts_only_the_rows_kept(sandbox: Sandbox) -> None:
    # 300 MB in all, but only the first 10 rows are shown: far under the limit.
    result = sandbox.execute(NARROW_300_MB, limit=10, max_bytes=MB)
    assert len(result.rows) == 10 and result.truncated


# -- one value -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "sql",
    [
        "SELECT repeat('x', 2000000000)",
        "SELECT repeat(x, 2000000000) FROM (VALUES ('ab')) t(x)",
        "SELECT lpad('x', 2000000000, 'y')",
        "SELECT rpad(region, 2000000000, '-') FROM orders",
        "SELECT bar(1, 0, 1, 500000000)",
        "SELECT to_base(1, 2, 500000000)",
        "SELECT printf('%500000000s', 'x')",
        "SELECT printf('%.500000000f', 1.5)",
        "SELECT printf('%*s', 500000000, 'x')",
        "SELECT format('{:>500000000}', 'x')",
        "SELECT format('{:>{}}', 'x', 500000000)",
        "SELECT printf(f, 'x') FROM (VALUES ('%500000000s')) t(f)",
    ],
)
def test_a_huge_value_is_refused_before_it_is_built(sandbox: Sandbox, sql: str) -> None:
    before, started = rss(), time.perf_counter()
    with pytest.raises(ResultTooLarge) as caught:
        sandbox.execute(sql, limit=10, max_bytes=50 * MB)
    assert caught.value.limit == "value"
    assert "16 MB limit for one value" in caught.value.message
    assert time.perf_counter() - started < 10  # today: 40 s and 4 GB
    assert rss() - before < 100 * MB


def test_size_checked_functions_still_work_below_the_value_limit(sandbox: Sandbox) -> None:
    result = sandbox.execute(
        "SELECT repeat('ab', 3), lpad('7', 3, '0'), rpad('7', 3, '-'), repeat([1, 2], 2)",
        limit=1,
    )
    assert result.rows == [["ababab", "007", "7--", [1, 2, 1, 2]]]
    formatted = sandbox.execute(
        "SELECT printf('%5.2f|%s|%%', 3.14159, 'ok'), format('{:,.2f} {{x}} {}', 1234567.891, "
        "'b'), bar(5, 0, 10, 10), to_base(255, 16, 4), format('{}', 1), printf('x')",
        limit=1,
    )
    assert formatted.rows == [
        [" 3.14|ok|%", "1,234,567.89 {x} b", "\u2588" * 5 + " " * 5, "00FF", "1", "x"]
    ]


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT list_resize([1], 100000000)",
        "SELECT array_resize([1], 100000000)",
        "SELECT range(100000000)",
        "SELECT generate_series(1, 100000000)",
    ],
)
def test_functions_building_a_list_of_any_length_are_refused(sandbox: Sandbox, sql: str) -> None:
    # Today: 6-7 GB of memory outside DuckDB's limit until the time limit stops them.
    with pytest.raises(GuardError, match="builds a list of any length"):
        check_sql(sql, [])
    with pytest.raises(QueryFailed, match="builds a list of any length"):  # the sandbox alone
        sandbox.execute(sql, limit=1, guard=False)


@pytest.mark.parametrize("sql", ["SELECT system.main.repeat('x', 3)", "SELECT main.repeat('x', 3)"])
def test_a_schema_qualified_call_cannot_reach_the_unchecked_function(
    sandbox: Sandbox, sql: str
) -> None:
    with pytest.raises(GuardError, match="cannot name a schema"):
        check_sql(sql, [])
    with pytest.raises(QueryFailed, match="cannot name a schema"):  # the sandbox's own check
        sandbox.execute(sql, limit=1, guard=False)


def test_a_method_call_on_a_column_is_still_allowed(sandbox: Sandbox) -> None:
    result = sandbox.execute("SELECT region.upper() AS r FROM orders LIMIT 1", limit=1)
    assert result.rows[0][0] in {"NORTH", "SOUTH", "EAST"}


# -- downloads -------------------------------------------------------------------------------------
def test_a_download_over_its_limit_stops_with_the_download_limit(sandbox: Sandbox) -> None:
    before = rss()
    batches = sandbox.stream(NARROW_300_MB, max_rows=10_000_000, max_bytes=20 * MB)
    streamed = 0
    with pytest.raises(ResultTooLarge) as caught:
        for batch in batches:
            streamed += batch.nbytes
    assert caught.value.limit == "download"
    assert "20 MB download limit" in caught.value.message
    assert streamed <= 20 * MB
    assert rss() - before < 100 * MB
    assert sandbox.running() == []


def test_a_download_whose_first_batch_is_too_large_is_refused_at_the_start(
    sandbox: Sandbox,
) -> None:
    wide = f"SELECT repeat('x', 20000) || i AS s FROM {numbers(3000)}"
    batches = sandbox.stream(wide, max_rows=10_000, max_bytes=10 * MB)
    with pytest.raises(ResultTooLarge):
        next(batches)


def test_a_download_within_its_limit_is_whole(sandbox: Sandbox) -> None:
    batches = sandbox.stream(NARROW_300_MB + " LIMIT 5000", max_rows=10_000, max_bytes=20 * MB)
    assert sum(batch.num_rows for batch in batches) == 5000


# -- runner and cache ------------------------------------------------------------------------------
@pytest.fixture
def runner() -> Iterator[QueryRunner]:
    queries = QueryRunner(LIMITS, per_tenant=2, cache_mb=256)
    yield queries
    queries.close()


def test_a_result_cached_under_a_larger_limit_is_not_served_under_a_smaller_one(
    runner: QueryRunner, spaces: Workspaces
) -> None:
    key = WorkspaceKey("t1", "w1", 1)
    sql = f"SELECT repeat('x', 1000) || i AS s FROM {numbers(5000)}"
    runner.run(key, spaces.tables, spaces.ws, sql, limit=10_000, max_bytes=50 * MB)
    with pytest.raises(ResultTooLarge):
        runner.run(key, spaces.tables, spaces.ws, sql, limit=10_000, max_bytes=MB)


def test_the_cache_keeps_nothing_larger_than_the_display_limit(
    runner: QueryRunner, spaces: Workspaces
) -> None:
    key = WorkspaceKey("t1", "w1", 1)
    sql = f"SELECT repeat('x', 100) || i AS s FROM {numbers(5000)}"
    # About 0.5 MB as Arrow data, more as Python values: allowed, but not worth caching.
    result = runner.run(key, spaces.tables, spaces.ws, sql, limit=10_000, max_bytes=MB)
    assert approx_bytes(result) > MB
    assert len(runner.cache) == 0
    with pytest.raises(ResultTooLarge):
        runner.run(key, spaces.tables, spaces.ws, NARROW_300_MB, limit=10**6, max_bytes=MB)
    assert len(runner.cache) == 0
