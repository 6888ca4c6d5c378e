"""A page of a table's rows, and its profile on a bounded sample.

Both name the table through the catalog (:func:`~.catalog.find_table`) and SQLAlchemy, and
run through the :class:`~.runner.ReadOnlyRunner` (read-only, with its timeout). The profile
never scans a whole large table: PostgreSQL reads a ``TABLESAMPLE SYSTEM`` slice sized from
the catalog's row estimate, MySQL the first rows of a plain scan, both capped at
``sample_rows``; the result says whether it was sampled and from how many rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from pipelines.query.results import json_value

from .catalog import RemoteColumn, RemoteTable, table_clause
from .runner import ReadOnlyRunner, RemoteResult


@dataclass(frozen=True)
class ColumnSample:
    """One column over the sample: null fraction, distinct values, min and max."""

    name: str
    type: str
    null_fraction: float
    distinct: int
    min: Any
    max: Any

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "null_fraction": self.null_fraction,
            "distinct": self.distinct,
            "min": json_value(self.min),
            "max": json_value(self.max),
        }


@dataclass(frozen=True)
class SampledProfile:
    """A table's profile; ``sampled`` says it was computed on ``sample_rows`` rows only."""

    table: RemoteTable
    sampled: bool
    sample_rows: int
    row_estimate: int | None
    columns: tuple[ColumnSample, ...]

    @property
    def note(self) -> str:
        if not self.sampled:
            return f"Computed on all {self.sample_rows:,} rows."
        method = "a random sample" if self.row_estimate else "the first rows"
        return (
            f"Computed on {method} of {self.sample_rows:,} rows, not the whole table: "
            "distinct counts, minimum and maximum are those of the sample."
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "table": self.table.as_json(),
            "sampled": self.sampled,
            "sample_rows": self.sample_rows,
            "row_estimate": self.row_estimate,
            "note": self.note,
            "columns": [c.as_json() for c in self.columns],
        }


def preview(
    runner: ReadOnlyRunner,
    table: RemoteTable,
    columns: list[RemoteColumn],
    key: list[str],
    *,
    limit: int,
    offset: int,
) -> RemoteResult:
    """Rows ``offset`` to ``offset + limit`` of ``table``, in primary-key order when it has one."""
    source = table_clause(table, columns)
    query = sa.select(*source.columns).select_from(source)
    if key:
        query = query.order_by(*[source.c[name] for name in key])
    query = query.limit(limit + 1).offset(offset)
    return runner.execute(query, max_rows=limit)


def profile(
    runner: ReadOnlyRunner,
    table: RemoteTable,
    columns: list[RemoteColumn],
    *,
    sample_rows: int,
) -> SampledProfile:
    """Null fraction, distinct count, min and max per column on at most ``sample_rows`` rows."""
    source: Any = table_clause(table, columns)
    estimate = table.row_estimate
    sliced = runner.spec.kind == "postgres" and estimate is not None and estimate > sample_rows
    if sliced and estimate is not None:
        # SYSTEM picks whole pages: ask for twice the share needed, then cap the rows.
        percent = min(100.0, 200.0 * sample_rows / estimate)
        source = sa.tablesample(source, sa.func.system(percent), name="sampled")
    inner = sa.select(*source.columns).select_from(source).limit(sample_rows).subquery("s")
    parts: list[Any] = [sa.func.count().label("n")]
    for index, column in enumerate(columns):
        value = inner.c[column.name]
        parts.append(sa.func.count(value).label(f"c{index}"))
        parts.append(sa.func.count(sa.distinct(value)).label(f"d{index}"))
        if column.type == "boolean" and runner.spec.kind == "postgres":
            parts.append(sa.func.bool_and(value).label(f"lo{index}"))
            parts.append(sa.func.bool_or(value).label(f"hi{index}"))
        else:
            parts.append(sa.func.min(value).label(f"lo{index}"))
            parts.append(sa.func.max(value).label(f"hi{index}"))
    result = runner.execute(sa.select(*parts), max_rows=1)
    row = result.rows[0]
    total = int(row[0])
    found = []
    for index, column in enumerate(columns):
        present, distinct, low, high = row[1 + 4 * index : 5 + 4 * index]
        nulls = (total - int(present)) / total if total else 0.0
        found.append(
            ColumnSample(column.name, column.type, round(nulls, 6), int(distinct), low, high)
        )
    # Sampled: a slice of the pages was read, or the row cap was reached (more may follow).
    sampled = sliced or total >= sample_rows
    return SampledProfile(table, sampled, total, estimate, tuple(found))
