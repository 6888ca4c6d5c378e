"""Reading a sandbox's results bounded by bytes: Python rows for display, Arrow batches for
downloads.

Displayed results are fetched from DuckDB's streaming result in chunks of one vector
(:func:`fetch_rows`) and refused (:class:`ResultTooLarge`) as soon as the rows read so far exceed
the caller's byte limit, counted the way Arrow would store them; a chunk is at most 2,048 rows,
so no more than one chunk is ever held beyond the limit. (Reading through an Arrow reader instead
made DuckDB bind every query twice, 6-10 ms per query on TPC-H, for the same bound.)
DuckDB's memory limit does not cover a single value a function builds (``repeat('x',
2000000000)`` allocates 2 GB outside it), so the functions that build a large value from a small
input are shadowed by macros that check the size first (:data:`SIZE_CHECKED`).
"""

# SQL text is assembled from fixed fragments and integers.

from __future__ import annotations

from typing import Any

import duckdb

from .errors import ResultTooLarge

RESULT_BATCH_ROWS = 2048
"""Rows read from DuckDB at a time (one DuckDB vector): the unit the byte limit checks."""
VALUE_LIMIT_MARK = "DATAPILOT-VALUE-LIMIT"
"""What the size-checked macros raise; turned into :class:`ResultTooLarge` ("value")."""
_PRINTF_UNBOUNDED = r"%[-+ #0]*(\*|[0-9]{4,}|[0-9]*\.(\*|[0-9]{4,}))"
"""A printf width or precision taken from an argument (``*``) or of four digits or more."""
_FORMAT_UNBOUNDED = r"\{[^{}]*:[^{}]*(\{|[0-9]{4,})"
"""A format() spec whose width or precision comes from an argument (``{:>{}}``) or has four
digits or more (``{:>99999}``); ``{{`` (an escaped brace) and ``{1234}`` (an index) pass."""


def _format_size(pattern: str) -> str:
    # Widths under 1,000 each, in a format string of n bytes: the result is under 1,000 n bytes.
    return (
        f"CASE WHEN regexp_matches(f, '{pattern}') THEN CAST(1e30 AS HUGEINT) "
        "ELSE CAST(strlen(f) AS HUGEINT) * 1000 END"
    )


def _variadic(pattern: str, most: int = 10) -> tuple[tuple[str, str | None, str], ...]:
    params = ["f", *(f"a{i}" for i in range(1, most))]
    return tuple((", ".join(params[:n]), "f", _format_size(pattern)) for n in range(1, most + 1))


SIZE_CHECKED: dict[str, tuple[tuple[str, str | None, str], ...]] = {
    # name: overloads of (parameters, the parameter checked, bytes of the result it allows);
    # counts are HUGEINT so products never wrap. An overload checking nothing passes through.
    "repeat": (("s, n", "n", "CAST(n AS HUGEINT) * strlen(CAST(s AS VARCHAR))"),),
    "lpad": (("s, n, f", "n", "CAST(n AS HUGEINT) * greatest(strlen(f), 1)"),),
    "rpad": (("s, n, f", "n", "CAST(n AS HUGEINT) * greatest(strlen(f), 1)"),),
    "bar": (("x, lo, hi", None, ""), ("x, lo, hi, w", "w", "CAST(w AS HUGEINT) * 3")),
    "to_base": (("n, r", None, ""), ("n, r, m", "m", "CAST(m AS HUGEINT)")),
    "printf": _variadic(_PRINTF_UNBOUNDED),
    "format": _variadic(_FORMAT_UNBOUNDED),
}
"""Built-in functions that build a value much larger than their input, shadowed by macros
that check the size first (printf and format: no width from an argument or over 999)."""


def size_checked_macro(name: str, max_bytes: int) -> str:
    """``CREATE MACRO name(...)`` with one overload per entry of :data:`SIZE_CHECKED`."""
    overloads = []
    for params, checked, size in SIZE_CHECKED[name]:
        names = [part.strip() for part in params.split(",")]
        args = list(names)
        if checked is not None:
            # Through CASE so that, with constant arguments, folding the call at plan time
            # raises the error instead of building the value.
            args[names.index(checked)] = (
                f"CASE WHEN {size} > {int(max_bytes)} THEN error('{VALUE_LIMIT_MARK}') "
                f"ELSE {checked} END"
            )
        overloads.append(f"({params}) AS system.main.{name}({', '.join(args)})")
    return f"CREATE MACRO {name}" + ", ".join(overloads)


FIXED_BYTES = {
    "boolean": 1, "tinyint": 1, "utinyint": 1, "smallint": 2, "usmallint": 2, "integer": 4,
    "uinteger": 4, "bigint": 8, "ubigint": 8, "hugeint": 16, "uhugeint": 16, "float": 4,
    "double": 8, "decimal": 16, "date": 4, "time": 8, "time_ns": 8, "timestamp": 8,
    "timestamp_s": 8, "timestamp_ms": 8, "timestamp_ns": 8, "timestamp with time zone": 8,
    "time with time zone": 8, "interval": 16, "uuid": 16,
}  # fmt: skip
"""Bytes per value of the fixed-width DuckDB types (as Arrow stores them); other types (text,
blobs, lists, structs, maps) are measured value by value."""


def fetch_rows(
    cursor: duckdb.DuckDBPyConnection, rows: int, max_bytes: int | None
) -> list[tuple[Any, ...]]:
    """Up to ``rows`` rows of ``cursor``'s pending result, read one vector at a time and refused
    once their size passes ``max_bytes``.

    Raises
    ------
    ResultTooLarge
        The rows read so far are larger than ``max_bytes``.
    """
    widths = [
        FIXED_BYTES.get(str(getattr(d[1], "id", d[1])).lower()) for d in cursor.description or []
    ]
    fixed = sum(w for w in widths if w is not None)
    variable = [i for i, w in enumerate(widths) if w is None]
    kept: list[tuple[Any, ...]] = []
    total = 0
    while len(kept) < rows:
        chunk = cursor.fetchmany(min(RESULT_BATCH_ROWS, rows - len(kept)))
        if not chunk:
            break
        if max_bytes is not None:
            total += fixed * len(chunk)
            for i in variable:
                total += sum(value_bytes(row[i]) for row in chunk)
            if total > max_bytes:
                raise ResultTooLarge("display", max_bytes)
        kept.extend(chunk)
    return kept


def value_bytes(value: Any) -> int:
    """About the bytes Arrow takes for one value of a variable-width column: a text's or blob's
    length plus its 4-byte offset; lists, structs and maps the sum of their parts."""
    if value is None:
        return 1
    if isinstance(value, str | bytes | bytearray | memoryview):
        return len(value) + 4
    if isinstance(value, dict):
        return 4 + sum(value_bytes(k) + value_bytes(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return 4 + sum(value_bytes(v) for v in value)
    return 16
