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
SIZE_CHECKED = {
    # name: (parameters, bytes of the result); the count is HUGEINT so the product never wraps
    "repeat": ("s, n", "CAST(n AS HUGEINT) * strlen(CAST(s AS VARCHAR))"),
    "lpad": ("s, n, f", "CAST(n AS HUGEINT) * greatest(strlen(f), 1)"),
    "rpad": ("s, n, f", "CAST(n AS HUGEINT) * greatest(strlen(f), 1)"),
}
"""Built-in functions that build a value much larger than their input, shadowed by macros."""


def size_checked_macro(name: str, max_bytes: int) -> str:
    params, size = SIZE_CHECKED[name]
    first, count, *rest = [part.strip() for part in params.split(",")]
    # The count goes through CASE so that, with constant arguments, folding the call at plan
    # time raises the error instead of building the value.
    checked = (
        f"CASE WHEN {size} > {int(max_bytes)} THEN error('{VALUE_LIMIT_MARK}') ELSE {count} END"
    )
    return (
        f"CREATE MACRO {name}({params}) AS system.main.{name}({', '.join([first, checked, *rest])})"
    )


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
