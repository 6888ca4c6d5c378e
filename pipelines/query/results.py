"""The result of a SQL query: columns, logical types, rows, and paging for the results table."""

from __future__ import annotations

import datetime as dt
import decimal
import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

LOGICAL_TYPES = ("integer", "decimal", "text", "date", "timestamp", "boolean", "other")

_BY_ID = {
    **dict.fromkeys(
        (
            "tinyint",
            "smallint",
            "integer",
            "bigint",
            "hugeint",
            "utinyint",
            "usmallint",
            "uinteger",
            "ubigint",
            "uhugeint",
        ),
        "integer",
    ),
    **dict.fromkeys(("decimal", "float", "double"), "decimal"),
    **dict.fromkeys(("varchar", "enum"), "text"),
    "date": "date",
    **dict.fromkeys(
        (
            "timestamp",
            "timestamp_s",
            "timestamp_ms",
            "timestamp_ns",
            "timestamp with time zone",
        ),
        "timestamp",
    ),
    "boolean": "boolean",
}


def logical_type(duckdb_type: Any) -> str:
    """The logical type (integer, decimal, text, date, timestamp, boolean, other) of a DuckDB type.

    Parameters
    ----------
    duckdb_type : duckdb.DuckDBPyType or str
        A type from a cursor's ``description`` (its ``id``), or a type id such as ``"bigint"``.
    """
    type_id = getattr(duckdb_type, "id", None) or str(duckdb_type)
    return _BY_ID.get(type_id.lower(), "other")


def json_value(value: Any) -> Any:
    """``value`` as something ``json.dumps`` accepts: ISO text for dates, floats for decimals."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, decimal.Decimal):
        return float(value) if value.is_finite() else None
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, list | tuple):
        return [json_value(item) for item in value]
    if isinstance(value, dict):
        return {str(key): json_value(item) for key, item in value.items()}
    if isinstance(value, uuid.UUID):
        return str(value)
    return str(value)


def json_rows(rows: Sequence[Sequence[Any]]) -> list[list[Any]]:
    """Every value of ``rows`` through :func:`json_value`."""
    return [[json_value(value) for value in row] for row in rows]


def _sorted_by(rows: list[list[Any]], index: int, descending: bool) -> list[list[Any]]:
    """Stable sort on one column; empty values (None) go last in both directions."""
    present = [row for row in rows if row[index] is not None]
    empty = [row for row in rows if row[index] is None]
    try:
        present.sort(key=lambda row: row[index], reverse=descending)
    except TypeError:  # values of mixed or unordered kinds (structs, NaN-free mixes)
        present.sort(key=lambda row: str(row[index]), reverse=descending)
    return present + empty


@dataclass
class SqlResult:
    """Rows of one query, at most the display limit of them.

    Attributes
    ----------
    columns : list of str
        Column names, in order.
    types : list of str
        Logical types: integer, decimal, text, date, timestamp, boolean or other.
    rows : list of list
        The rows as Python values (dates as ``datetime.date``, decimals as ``Decimal``).
    truncated : bool
        True when the query had more rows than the limit.
    elapsed_ms : float
        Wall time of the query in milliseconds (guard, execution and fetch).
    cached : bool
        True when the rows came from the result cache.
    """

    columns: list[str]
    types: list[str]
    rows: list[list[Any]]
    truncated: bool
    elapsed_ms: float
    cached: bool = field(default=False)

    def as_json(self) -> dict[str, Any]:
        """The result as JSON-ready data (ISO text for dates and times)."""
        return {
            "columns": list(self.columns),
            "types": list(self.types),
            "rows": json_rows(self.rows),
            "truncated": self.truncated,
            "elapsed_ms": round(self.elapsed_ms, 3),
            "cached": self.cached,
        }

    def page(self, page: int, size: int, sort: Sequence[tuple[str, str]] = ()) -> dict[str, Any]:
        """One page of the rows, for a table with remote pagination and sorting.

        Parameters
        ----------
        page : int
            1-based page number; clamped to the pages there are.
        size : int
            Rows per page (at least 1).
        sort : sequence of (column, "asc" | "desc")
            Sort order, most significant first; empty values sort last.

        Returns
        -------
        dict
            ``{"rows": [[...], ...], "total_rows": int, "page": int, "pages": int}`` with
            JSON-ready values.
        """
        if size < 1:
            raise ValueError(f"Page size must be at least 1, got {size}")
        rows = self.rows
        for name, direction in reversed(list(sort)):
            if name not in self.columns:
                raise ValueError(
                    f"Cannot sort by column '{name}': the result has no such column; "
                    f"columns: {', '.join(self.columns)}"
                )
            if direction.lower() not in ("asc", "desc"):
                raise ValueError(
                    f"Sort direction for column '{name}' must be 'asc' or 'desc', got {direction!r}"
                )
            rows = _sorted_by(rows, self.columns.index(name), direction.lower() == "desc")
        total = len(rows)
        pages = max(1, math.ceil(total / size))
        page = min(max(1, page), pages)
        start = (page - 1) * size
        return {
            "rows": json_rows(rows[start : start + size]),
            "total_rows": total,
            "page": page,
            "pages": pages,
        }


def approx_bytes(result: SqlResult) -> int:
    """A rough size of a result in memory, for the cache's budget."""
    size = 200 + 64 * len(result.columns)
    for row in result.rows:
        size += 56 + 8 * len(row)
        for value in row:
            if isinstance(value, str | bytes):
                size += 49 + len(value)
            elif isinstance(value, list | dict | tuple):
                size += 64 + 48 * len(value)
            else:
                size += 32
    return size
