"""Semantic model: tables, joins, column roles and measures, compiled to Ibis over DuckDB.

Plain Python, no web code::

    from pipelines.semantic import SemanticModel
    model = SemanticModel.from_json("model.json", data="parquet_folder/")
    result = model.query(measures=["orders.total_amount"], dimensions=["orders.order_date.month"])
"""

from __future__ import annotations

from .model import (
    AGGREGATIONS,
    GRAINS,
    Aggregation,
    CalculatedMeasure,
    Cardinality,
    Column,
    ColumnPair,
    ColumnType,
    Grain,
    Join,
    JoinType,
    NumberFormat,
    Position,
    Role,
    SemanticModel,
    Table,
)
from .query import Filter, QueryResult, SemanticError, SemanticQuery, Sort

__all__ = [
    "AGGREGATIONS",
    "GRAINS",
    "Aggregation",
    "CalculatedMeasure",
    "Cardinality",
    "Column",
    "ColumnPair",
    "ColumnType",
    "Filter",
    "Grain",
    "Join",
    "JoinType",
    "NumberFormat",
    "Position",
    "QueryResult",
    "Role",
    "SemanticError",
    "SemanticModel",
    "SemanticQuery",
    "Sort",
    "Table",
]
