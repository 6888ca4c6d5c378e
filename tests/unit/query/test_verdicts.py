"""The guard's remembered verdicts: reused only for the same text, tables, scope and rules."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pipelines.query import GuardError, Sandbox, SandboxLimits, check_sql, guard
from pipelines.query.guard import VERDICTS
from pipelines.query.verdicts import MAX_CACHED_SQL, VerdictCache, table_fingerprint
from tests.unit.query.workspace_data import Workspaces, make_workspaces, write_orders

TABLES = {"orders", "customers"}
SQL = "SELECT o.order_id, c.name FROM orders o JOIN customers c USING (customer_id)"
LIMITS = SandboxLimits(memory_limit_mb=256, threads=1, timeout_seconds=20)


@pytest.fixture(autouse=True)
def fresh_verdicts() -> Iterator[None]:
    VERDICTS.clear()
    yield
    VERDICTS.clear()


@pytest.fixture
def spaces(tmp_path: Path) -> Workspaces:
    return make_workspaces(tmp_path)


def test_the_same_text_and_tables_reuse_the_verdict() -> None:
    first = check_sql(SQL, TABLES)
    again = check_sql(SQL, set(TABLES))

    assert again is first
    assert (VERDICTS.hits, VERDICTS.misses) == (1, 1)
    assert again.tables == frozenset({"orders", "customers"})


def test_a_table_set_without_the_table_refuses_what_a_larger_one_accepted() -> None:
    check_sql(SQL, TABLES)

    with pytest.raises(GuardError, match="customers"):
        check_sql(SQL, {"orders"})


def test_another_scope_checks_again() -> None:
    check_sql(SQL, TABLES, scope="workspace-a")
    check_sql(SQL, TABLES, scope="workspace-b")

    assert (VERDICTS.hits, VERDICTS.misses) == (0, 2)
    check_sql(SQL, TABLES, scope="workspace-a")
    assert VERDICTS.hits == 1


def test_a_changed_rule_never_reuses_an_older_verdict(monkeypatch: pytest.MonkeyPatch) -> None:
    check_sql(SQL, TABLES)

    def refuse(sql: str, known: dict[str, str]) -> None:
        raise GuardError("refused by the new rule")

    monkeypatch.setattr(guard.native, "check", refuse)
    with pytest.raises(GuardError, match="the new rule"):
        check_sql(SQL, TABLES)


def test_refusals_are_not_remembered() -> None:
    for _ in range(2):
        with pytest.raises(GuardError):
            check_sql("SELECT getenv('HOME')", TABLES)
    assert len(VERDICTS) == 0


def test_each_text_keeps_its_own_statement() -> None:
    plain = check_sql("SELECT 1 AS one", set())
    spaced = check_sql("SELECT 1 AS one;  -- done", set())

    assert plain.sql == "SELECT 1 AS one"
    assert spaced.sql == "SELECT 1 AS one"
    assert VERDICTS.misses == 2  # different texts are never one key


def test_very_long_sql_is_checked_every_time() -> None:
    sql = "SELECT 1 AS one" + " " * MAX_CACHED_SQL
    check_sql(sql, set())
    check_sql(sql, set())
    assert (VERDICTS.hits, len(VERDICTS)) == (0, 0)


def test_the_cache_forgets_the_least_recently_used_beyond_its_bound() -> None:
    cache: VerdictCache[str] = VerdictCache(max_entries=2)
    cache.put("a", "A")
    cache.put("b", "B")
    assert cache.get("a") == "A"  # now "b" is the least recently used
    cache.put("c", "C")

    assert (cache.get("a"), cache.get("b"), cache.get("c")) == ("A", None, "C")


def test_a_sandbox_scopes_its_verdicts_to_its_tables_and_files(spaces: Workspaces) -> None:
    sql = "SELECT count(*) FROM orders"
    box = Sandbox(spaces.tables, spaces.ws, LIMITS)
    try:
        assert box.scope == table_fingerprint(spaces.tables, spaces.ws)
        assert box.execute(sql, limit=10).rows == box.execute(sql, limit=10).rows
        assert (VERDICTS.hits, VERDICTS.misses) == (1, 1)
    finally:
        box.close()

    # Re-ingested: same names, new file, so a new scope and a fresh check.
    write_orders(spaces.tables["orders"], rows=7)
    again = Sandbox(spaces.tables, spaces.ws, LIMITS)
    try:
        assert again.scope != box.scope
        assert again.execute(sql, limit=10).rows == [[7]]
        assert VERDICTS.misses == 2
    finally:
        again.close()


def test_a_sandbox_without_the_table_refuses_what_another_accepted(spaces: Workspaces) -> None:
    sql = "SELECT count(*) FROM customers"
    full = Sandbox(spaces.tables, spaces.ws, LIMITS)
    only_orders = Sandbox({"orders": spaces.tables["orders"]}, spaces.ws, LIMITS)
    try:
        full.execute(sql, limit=10)
        with pytest.raises(GuardError, match="customers"):
            only_orders.execute(sql, limit=10)
    finally:
        full.close()
        only_orders.close()


def test_the_fingerprint_changes_with_the_files(spaces: Workspaces) -> None:
    before = table_fingerprint(spaces.tables, spaces.ws)
    assert table_fingerprint(spaces.tables, spaces.ws) == before
    renamed = {"orders_2" if k == "orders" else k: v for k, v in spaces.tables.items()}
    assert table_fingerprint(renamed, spaces.ws) != before
    write_orders(spaces.tables["orders"], rows=3)
    assert table_fingerprint(spaces.tables, spaces.ws) != before
