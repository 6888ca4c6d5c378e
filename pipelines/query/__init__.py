"""Everything that runs SQL: the SQL guard, the per-workspace DuckDB sandbox, results and cache.

Plain Python, no web code::

    from pipelines.query import check_sql
    checked = check_sql("SELECT count(*) FROM orders", tables={"orders", "customers"})
"""

from __future__ import annotations

from .cache import CacheKey, ResultCache, normalise_sql
from .errors import QueryCancelled, QueryFailed, QueryRefused, ResultTooLarge
from .functions import ALLOWED_FUNCTIONS
from .guard import CheckedSql, GuardError, check_sql
from .results import LOGICAL_TYPES, SqlResult, logical_type
from .runner import QueryRunner, WorkspaceKey
from .sandbox import Sandbox, SandboxLimits

__all__ = [
    "ALLOWED_FUNCTIONS",
    "LOGICAL_TYPES",
    "CacheKey",
    "CheckedSql",
    "GuardError",
    "QueryCancelled",
    "QueryFailed",
    "QueryRefused",
    "QueryRunner",
    "ResultCache",
    "ResultTooLarge",
    "Sandbox",
    "SandboxLimits",
    "SqlResult",
    "WorkspaceKey",
    "check_sql",
    "logical_type",
    "normalise_sql",
]
