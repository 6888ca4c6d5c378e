"""The words the semantic layer shares: logical column types, roles, aggregations and grains.

Plain constants with no imports from the rest of the package, so the model, the measure parser
and the query engine can all use them without importing each other.
"""

from __future__ import annotations

from typing import Literal

ColumnType = Literal["text", "integer", "decimal", "date", "timestamp", "boolean"]
"""Logical column types, the same as the ingest profile's."""

NUMERIC_TYPES: frozenset[str] = frozenset({"integer", "decimal"})
TIME_TYPES: frozenset[str] = frozenset({"date", "timestamp"})

Role = Literal["dimension", "measure", "ignored"]
Aggregation = Literal["sum", "avg", "min", "max", "count", "count_distinct"]
JoinType = Literal["left", "inner"]
Cardinality = Literal["many_to_one", "one_to_one", "one_to_many"]
"""Seen from the join's left table: ``many_to_one`` means many left rows per right row."""
Grain = Literal["day", "week", "month", "quarter", "year"]

AGGREGATIONS: tuple[Aggregation, ...] = ("sum", "avg", "min", "max", "count", "count_distinct")
GRAINS: tuple[Grain, ...] = ("day", "week", "month", "quarter", "year")
FANOUT_SAFE: frozenset[str] = frozenset({"min", "max", "count_distinct"})
"""Aggregations whose result does not change when rows are repeated by a join."""
