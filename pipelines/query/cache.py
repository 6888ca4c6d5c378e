"""A result cache bounded by memory, keyed by tenant, workspace, model version, SQL and limits."""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from dataclasses import dataclass

import duckdb

from .results import SqlResult, approx_bytes


@functools.cache
def _reserved() -> frozenset[str]:
    con = duckdb.connect()
    try:
        rows = con.execute(
            "SELECT keyword_name FROM duckdb_keywords() WHERE keyword_category = 'reserved'"
        ).fetchall()
    finally:
        con.close()
    return frozenset(row[0].upper() for row in rows)


def normalise_sql(sql: str) -> str:
    """``sql`` with comments removed, whitespace between tokens collapsed, reserved words upper.

    Tokens come from DuckDB's own tokenizer, so text inside string literals and quoted
    identifiers is kept exactly, and tokens that touch stay touching. Reserved words are
    upper-cased except right after ``AS`` or ``.``, where they name a column (whose case shows
    in the result). A trailing ``;`` is dropped.
    """
    tokens = duckdb.tokenize(sql)
    reserved = _reserved()
    parts: list[str] = []
    previous = ""
    for index, (start, kind) in enumerate(tokens):
        end = tokens[index + 1][0] if index + 1 < len(tokens) else len(sql)
        if kind == duckdb.token_type.comment:
            if parts and parts[-1] != " ":
                parts.append(" ")
            continue
        text = sql[start:end].rstrip()
        folded = text.upper()
        if kind == duckdb.token_type.keyword and folded in reserved and previous not in ("AS", "."):
            text = folded
        parts.append(text)
        previous = folded
        if len(text) < end - start:
            parts.append(" ")
    while parts and parts[-1] in (" ", ";"):
        parts.pop()
    return "".join(parts).strip()


@dataclass(frozen=True)
class CacheKey:
    """What makes two results the same: never equal across tenants."""

    tenant_id: str
    workspace_id: str
    model_version: int
    tables: str
    """A fingerprint of the workspace's table files (names, paths, sizes, modification times)."""
    sql: str
    """The SQL after :func:`normalise_sql`."""
    limit: int
    max_bytes: int | None = None
    """The byte limit it ran under: a result allowed by a larger limit is not one by a smaller."""


class ResultCache:
    """Least-recently-used results, bounded by their approximate size in memory.

    Parameters
    ----------
    max_bytes : int
        Budget for all cached results; a single result above a quarter of it is not cached.
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[CacheKey, tuple[SqlResult, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    @property
    def bytes(self) -> int:
        """Approximate bytes held now."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: CacheKey) -> SqlResult | None:
        """The cached result for ``key`` (marked as the most recently used), or None."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            self._entries.move_to_end(key)
            return entry[0]

    def put(self, key: CacheKey, result: SqlResult) -> bool:
        """Cache ``result``; returns False when it is too big to cache."""
        size = approx_bytes(result)
        if size > self.max_bytes // 4:
            return False
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            self._entries[key] = (result, size)
            self._bytes += size
            while self._bytes > self.max_bytes and self._entries:
                _, (_, freed) = self._entries.popitem(last=False)
                self._bytes -= freed
        return True

    def invalidate(self, tenant_id: str, workspace_id: str | None = None) -> int:
        """Drop a tenant's results (of one workspace, or all); returns how many were dropped."""
        with self._lock:
            doomed = [
                key
                for key in self._entries
                if key.tenant_id == tenant_id
                and (workspace_id is None or key.workspace_id == workspace_id)
            ]
            for key in doomed:
                self._bytes -= self._entries.pop(key)[1]
        return len(doomed)
