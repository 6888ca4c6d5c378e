"""Semantic model: tables, joins, column roles and measures, compiled to Ibis over DuckDB
(Parquet files) or over tables already in PostgreSQL, MySQL/MariaDB or Spark (``BoundTable``).

Plain Python, no web code::

    from pipelines.semantic import SemanticModel
    model = SemanticModel.from_json("model.json", data="parquet_folder/")
    result = model.query(measures=["orders.total_amount"], dimensions=["orders.order_date.month"])
"""

from __future__ import annotations

from .accept import Accepted, UnknownSuggestion, accept
from .backends import BoundTable
from .engine import SemanticEngine, run_query
from .expressions import MeasureExpression, parse_measure
from .model import (
    CalculatedMeasure,
    Column,
    ColumnPair,
    ConnectionTable,
    Join,
    NumberFormat,
    Position,
    SemanticModel,
    Table,
)
from .query import Compare, Filter, QueryResult, SemanticError, SemanticQuery, Sort
from .sources import SourceColumn, SourceSchema
from .suggest import Suggestion, apply_suggestion, suggest, table_from_source
from .validate import Issue, validate
from .vocabulary import (
    AGGREGATIONS,
    GRAINS,
    Aggregation,
    Cardinality,
    ColumnType,
    Grain,
    JoinType,
    Role,
)

__all__ = [
    "AGGREGATIONS",
    "GRAINS",
    "Aggregation",
    "BoundTable",
    "CalculatedMeasure",
    "Cardinality",
    "Column",
    "ColumnPair",
    "ColumnType",
    "Compare",
    "ConnectionTable",
    "Filter",
    "Grain",
    "Join",
    "JoinType",
    "MeasureExpression",
    "NumberFormat",
    "Position",
    "QueryResult",
    "Role",
    "SemanticEngine",
    "SemanticError",
    "SemanticModel",
    "SemanticQuery",
    "Sort",
    "Table",
    "parse_measure",
    "run_query",
]
__all__ += [
    "Accepted",
    "Issue",
    "SourceColumn",
    "SourceSchema",
    "Suggestion",
    "UnknownSuggestion",
    "accept",
    "apply_suggestion",
    "suggest",
    "table_from_source",
    "validate",
]
