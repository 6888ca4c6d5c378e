"""Reading a sandbox's results: Arrow batches bounded by bytes, then Python values.

Results are read as small Arrow record batches and refused (:class:`ResultTooLarge`) as soon as
the batches read so far exceed the caller's byte limit, before any becomes Python values.
DuckDB's memory limit does not cover a single value a function builds (``repeat('x',
2000000000)`` allocates 2 GB outside it), so the functions that build a large value from a small
input are shadowed by macros that check the size first (:data:`SIZE_CHECKED`).
"""

# SQL text is assembled from fixed fragments and integers.

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

import duckdb

from .errors import ResultTooLarge

if TYPE_CHECKING:
    import pyarrow as pa

RESULT_BATCH_ROWS = 2048
"""Rows per Arrow batch read from DuckDB (one DuckDB vector): the unit the byte limit checks."""
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


def first_rows(
    reader: pa.RecordBatchReader, rows: int, max_bytes: int | None
) -> list[pa.RecordBatch]:
    """Up to ``rows`` rows as batches, refused once their size passes ``max_bytes``."""
    kept: list[pa.RecordBatch] = []
    total = 0
    while rows > 0:
        try:
            batch = reader.read_next_batch()
        except StopIteration:
            break
        if batch.num_rows > rows:
            batch = batch.slice(0, rows)
        total += batch.nbytes
        if max_bytes is not None and total > max_bytes:
            raise ResultTooLarge("display", max_bytes)
        kept.append(batch)
        rows -= batch.num_rows
    return kept


def python_rows(batches: list[pa.RecordBatch], schema: pa.Schema) -> list[tuple[Any, ...]]:
    """The rows of ``batches`` as Python values, converted the way DuckDB converts them
    (dates as ``datetime.date``, decimals as ``Decimal``, maps as dicts).

    A private in-memory DuckDB reads the Arrow data: no user SQL ever reaches it.
    """
    import pyarrow as pa

    if not batches:
        return []
    table = pa.Table.from_batches(batches, schema=schema)
    # A cursor of one shared converter: opening a DuckDB connection costs ~40 ms, a cursor
    # well under 1 ms, and cursors may be used from several threads at once.
    con = _converter().cursor()
    try:
        return con.from_arrow(table).fetchall()
    finally:
        con.close()


_CONVERTER: list[duckdb.DuckDBPyConnection] = []
_CONVERTER_LOCK = threading.Lock()


def _converter() -> duckdb.DuckDBPyConnection:
    """The in-memory DuckDB that turns Arrow results into Python values, opened once."""
    with _CONVERTER_LOCK:
        if not _CONVERTER:
            _CONVERTER.append(duckdb.connect(":memory:"))
        return _CONVERTER[0]
