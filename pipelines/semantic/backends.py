"""Where a semantic engine's tables live: Parquet files on DuckDB, or tables of another backend.

By default a :class:`~pipelines.semantic.engine.SemanticEngine` reads each model table from a
Parquet file through DuckDB. Given an Ibis connection to PostgreSQL, MySQL/MariaDB or Spark and
a :class:`BoundTable` per model table, it reads the tables where they are instead: nothing is
copied, the query compiles to that backend's SQL and runs there.

The compiled semantics are the same on every backend (the known-answer suite runs on each).
What a backend cannot do is refused by :func:`require` with a :class:`SemanticError` naming
the feature and the backend, never answered with different numbers:

- MySQL/MariaDB has no arrays, so over-time queries (whose period spine unnests arrays) and
  their tenure bands are refused there.

Text comparison follows the backend's collation: on MySQL/MariaDB a column with a
case-insensitive collation (the server default) groups and filters ``'a'`` and ``'A'``
together, as every other query on that database does; give the columns a binary collation
(``utf8mb4_bin``) for DuckDB's case-sensitive behaviour.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.operations as ops
import ibis.expr.types as ir

from .query import SemanticError

__all__ = ["BACKEND_NAMES", "BoundTable", "bind_tables", "portable", "read_bound", "require"]

BACKEND_NAMES: Mapping[str, str] = {
    "duckdb": "DuckDB",
    "postgres": "PostgreSQL",
    "mysql": "MySQL/MariaDB",
    "pyspark": "Spark",
}
"""Ibis backend name to the name shown in messages."""

_LACKING: Mapping[str, Mapping[str, str]] = {
    "mysql": {
        "arrays": "over-time queries (their period spine unnests arrays, which MySQL lacks)",
    },
}
"""Features a backend lacks, with what they are needed for."""


@dataclass(frozen=True)
class BoundTable:
    """A table already in the engine's backend that a model table reads.

    Parameters
    ----------
    name
        The table's (or view's) name in the backend.
    database
        Where it is, as Ibis's ``database`` argument: a schema (``"public"``), a database,
        or a ``(catalog, database)`` pair; ``None`` for the connection's current one.
    """

    name: str
    database: str | tuple[str, str] | None = None


def bind_tables(tables: Mapping[str, str | BoundTable]) -> dict[str, BoundTable]:
    """``tables`` (model table name -> backend table name or :class:`BoundTable`) checked."""
    bound: dict[str, BoundTable] = {}
    for model_name, ref in tables.items():
        ref = BoundTable(ref) if isinstance(ref, str) else ref
        if not isinstance(ref, BoundTable) or not ref.name:
            raise ValueError(f"Table {model_name!r}: bind it to a backend table name")
        bound[model_name] = ref
    return bound


def read_bound(con: ibis.BaseBackend, model_name: str, ref: BoundTable) -> ir.Table:
    """The backend table ``ref`` that model table ``model_name`` reads."""
    try:
        return con.table(ref.name, database=ref.database)
    except Exception as exc:  # each backend raises its own error for a missing table
        where = f" in {ref.database!r}" if ref.database is not None else ""
        raise SemanticError(
            f"Table {model_name!r} is bound to {ref.name!r}{where}, which the "
            f"{backend_name(con.name)} connection cannot read ({type(exc).__name__})",
            field=model_name,
        ) from exc


def backend_name(dialect: str) -> str:
    """The name messages show for the Ibis backend ``dialect``."""
    return BACKEND_NAMES.get(dialect, dialect)


def require(dialect: str, feature: str) -> None:
    """Refuse, with the feature and the backend named, what the backend ``dialect`` lacks."""
    needed_for = _LACKING.get(dialect, {}).get(feature)
    if needed_for is not None:
        raise SemanticError(
            f"{backend_name(dialect)} cannot run {needed_for}; run this query on DuckDB "
            "(import a snapshot of the tables) or leave the feature out",
            field=feature,
        )


def portable(expr: ir.Table, dialect: str) -> ir.Table:
    """``expr`` with what other backends compute differently from DuckDB made explicit.

    An average of integers or decimals is a ``DOUBLE`` on DuckDB, a ``NUMERIC`` on PostgreSQL
    and a ``DECIMAL`` with four more decimals (``div_precision_increment``) on MySQL, which
    rounds it: elsewhere its argument is cast to a double first, so every backend gives the
    same number. Spark reads a literal such as ``365.25`` as a ``DECIMAL``, so a division by it
    is rounded to a few decimals: there it is cast to a double. DuckDB's expression is left
    as it is."""
    if dialect == "duckdb":
        return expr

    def rewrite(node: Any, changed: dict[str, Any] | None) -> Any:
        if changed:
            node = node.copy(**changed)
        if isinstance(node, ops.Mean) and not node.arg.dtype.is_floating():
            return node.copy(arg=ops.Cast(node.arg, to=dt.float64))
        if dialect == "pyspark" and isinstance(node, ops.Literal) and node.dtype.is_floating():
            return ops.Cast(node, to=dt.float64)
        return node

    rewritten = expr.op().replace(rewrite)
    assert isinstance(rewritten, ops.Relation)
    return rewritten.to_expr()
