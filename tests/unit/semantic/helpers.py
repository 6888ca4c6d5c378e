"""Helpers of the semantic engine tests: plain DuckDB over the same files, row comparison."""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from pipelines.semantic import SemanticEngine, SemanticQuery


def connect(paths: dict[str, Path]) -> duckdb.DuckDBPyConnection:
    """A plain DuckDB connection with one view per table, for hand-written SQL."""
    con = duckdb.connect()
    for name, path in paths.items():
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{path}')")
    return con


def quoted(engine: SemanticEngine, table: str) -> str:
    """Model table ``table`` as the engine's SQL names it (on DuckDB its view, elsewhere the
    table it is bound to), quoted in the engine's dialect."""
    name = engine.tables[table].name if table in engine.tables else table
    return "`" + name + "`" if engine.dialect in ("mysql", "pyspark") else f'"{name}"'


def rows(engine: SemanticEngine, **parts: Any) -> list[list[Any]]:
    """Rows of a query given as the keyword parts of :class:`SemanticQuery`."""
    return engine.execute(SemanticQuery(**parts)).rows


def normalise(table: Sequence[Sequence[Any]]) -> list[tuple[Any, ...]]:
    """Rows as tuples, floats rounded, sorted with NULLs last (order-insensitive comparison).

    Exact decimals (an ingested money column sums to a ``Decimal``) compare as floats, so a
    result can be checked against plain DuckDB over the CSV file (which reads ``DOUBLE``).
    """

    def cell(value: Any) -> Any:
        if isinstance(value, Decimal):
            value = float(value)
        if isinstance(value, float):
            return None if math.isnan(value) else round(value, 6)
        return value

    def key(row: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple((v is None, type(v).__name__, v if v is not None else 0) for v in row)

    return sorted((tuple(cell(v) for v in row) for row in table), key=key)
