"""The result cache: SQL normalisation, the memory budget, and tenant separation."""

from __future__ import annotations

import pytest

from pipelines.query import CacheKey, ResultCache, SqlResult, normalise_sql
from pipelines.query.results import approx_bytes


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("SELECT a,  b\nFROM t", "SELECT a, b FROM t"),
        ("SELECT a FROM t;", "  SELECT a FROM t  "),
        ("-- first\nSELECT a /* x */ FROM t", "SELECT a FROM t"),
        ("SELECT a/**/FROM t", "SELECT a FROM t"),
        # reserved words only: unreserved ones (BY, NAME, ...) can be bare column aliases
        ("select a from t where b > 1 limit 3", "SELECT a FROM t WHERE b > 1 LIMIT 3"),
    ],
)
def test_layout_and_comments_do_not_matter(a: str, b: str) -> None:
    assert normalise_sql(a) == normalise_sql(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("SELECT 'a  b'", "SELECT 'a b'"),
        ('SELECT 1 AS "x  y"', 'SELECT 1 AS "x y"'),
        ("SELECT $$a  b$$", "SELECT $$a b$$"),
        ("SELECT a FROM t -- x\n, u", "SELECT a FROM t"),
        ("SELECT a FROM t", "SELECT A FROM t"),  # the column name in the result differs
        ("SELECT a.b", "SELECT a . b"),
        ("SELECT 1 AS all", "SELECT 1 AS ALL"),  # reserved words can name columns after AS
        ("SELECT s.from FROM t", "SELECT s.FROM FROM t"),
    ],
)
def test_text_that_changes_the_result_keeps_keys_apart(a: str, b: str) -> None:
    assert normalise_sql(a) != normalise_sql(b)


def result(rows: int, text: str = "x" * 100) -> SqlResult:
    return SqlResult(["t"], ["text"], [[text] for _ in range(rows)], False, 1.0)


def key(tenant: str, sql: str = "SELECT 1", workspace: str = "w") -> CacheKey:
    return CacheKey(tenant, workspace, 1, "files", sql, 100)


def test_cache_is_bounded_by_bytes_and_evicts_the_least_recently_used() -> None:
    one = result(100)
    cache = ResultCache(max_bytes=approx_bytes(one) * 4 + 10)
    for i in range(4):
        assert cache.put(key("a", f"q{i}"), one)
    assert cache.get(key("a", "q0")) is one  # q0 is now the most recently used
    cache.put(key("a", "q4"), one)
    assert len(cache) == 4
    assert cache.get(key("a", "q1")) is None
    assert cache.get(key("a", "q0")) is one
    assert cache.bytes <= cache.max_bytes


def test_a_result_over_a_quarter_of_the_budget_is_not_cached() -> None:
    cache = ResultCache(max_bytes=10_000)
    assert cache.put(key("a"), result(1000)) is False
    assert cache.get(key("a")) is None


def test_tenants_never_share_entries() -> None:
    cache = ResultCache(max_bytes=1_000_000)
    cache.put(key("tenant-a"), result(1, "a's rows"))
    assert cache.get(key("tenant-b")) is None
    assert cache.invalidate("tenant-b") == 0
    assert cache.get(key("tenant-a")) is not None


def test_invalidate_drops_one_workspace_or_the_whole_tenant() -> None:
    cache = ResultCache(max_bytes=1_000_000)
    cache.put(key("a", workspace="w1"), result(1))
    cache.put(key("a", workspace="w2"), result(1))
    cache.put(key("b", workspace="w1"), result(1))
    assert cache.invalidate("a", "w1") == 1
    assert cache.get(key("a", workspace="w2")) is not None
    assert cache.invalidate("a") == 1
    assert cache.get(key("b", workspace="w1")) is not None
