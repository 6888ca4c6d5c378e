"""Query results as CSV or Parquet bytes, written batch by batch.

Each function turns an iterator of Arrow record batches into an iterator of byte chunks, so a
download never holds more than one batch (and, for Parquet, one row group) in memory.

CSV is opened by spreadsheets, which run a cell that starts with ``=``, ``+``, ``-``, ``@``, a
tab or a carriage return as a formula (CSV injection: ``=HYPERLINK(...)``). As OWASP
recommends, such text cells get a leading ``'`` so the spreadsheet shows them as text; numbers
are never touched (-5 stays -5). ``sql.csv_neutralise_formulas: false`` turns it off for
machine consumers that need the exact text. Parquet is typed and left as it is.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from typing import Literal

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

ExportFormat = Literal["csv", "parquet"]
FORMULA_START = r"^[=+\-@\t\r]"
"""A text cell a spreadsheet would run as a formula (OWASP's CSV injection list)."""
MEDIA_TYPES: dict[str, str] = {
    "csv": "text/csv; charset=utf-8",
    "parquet": "application/vnd.apache.parquet",
}


def export(
    batches: Iterable[pa.RecordBatch], fmt: ExportFormat, *, neutralise_formulas: bool = True
) -> Iterator[bytes]:
    """Chunks of ``batches`` written as ``fmt`` (``csv`` with a header, or ``parquet``).

    ``neutralise_formulas`` prefixes CSV text cells that start like a formula with ``'``.
    Closing the returned iterator closes ``batches`` too (which stops the query behind them).
    """
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"Unknown download format {fmt!r}; use csv or parquet.")
    try:
        if fmt == "csv":
            yield from csv_chunks(batches, neutralise_formulas=neutralise_formulas)
        else:
            yield from parquet_chunks(batches)
    finally:
        close = getattr(batches, "close", None)
        if close is not None:
            close()


def neutralised(batch: pa.RecordBatch) -> pa.RecordBatch:
    """``batch`` with a ``'`` before every text cell that starts like a formula."""
    columns = []
    for column in batch.columns:
        if pa.types.is_dictionary(column.type) and _is_text(column.type.value_type):
            column = column.cast(column.type.value_type)
        if _is_text(column.type):
            risky = pc.match_substring_regex(column, FORMULA_START)
            quoted = pc.binary_join_element_wise(pa.scalar("'"), column, pa.scalar(""))
            column = pc.if_else(risky, quoted, column)
        columns.append(column)
    return pa.RecordBatch.from_arrays(columns, names=batch.schema.names)


def _is_text(kind: pa.DataType) -> bool:
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind)) or (
        hasattr(pa.types, "is_string_view") and pa.types.is_string_view(kind)
    )


def csv_chunks(
    batches: Iterable[pa.RecordBatch], *, neutralise_formulas: bool = True
) -> Iterator[bytes]:
    """UTF-8 CSV: a header line, then one chunk per batch."""
    header = True
    for batch in batches:
        if neutralise_formulas:
            batch = neutralised(batch)
        sink = io.BytesIO()
        pa_csv.write_csv(batch, sink, pa_csv.WriteOptions(include_header=header))
        header = False
        yield sink.getvalue()


class _Drain(io.RawIOBase):
    """A write-only stream whose bytes are taken out as they come (``take``)."""

    def __init__(self) -> None:
        super().__init__()
        self._parts: list[bytes] = []
        self._position = 0

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        chunk = bytes(data)
        self._parts.append(chunk)
        self._position += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self._position

    def take(self) -> bytes:
        data, self._parts = b"".join(self._parts), []
        return data


def parquet_chunks(batches: Iterable[pa.RecordBatch]) -> Iterator[bytes]:
    """A Parquet file: one row group per batch, the footer last."""
    drain = _Drain()
    writer: pq.ParquetWriter | None = None
    try:
        for batch in batches:
            if writer is None:
                writer = pq.ParquetWriter(drain, batch.schema)
            writer.write_batch(batch)
            data = drain.take()
            if data:
                yield data
        if writer is None:  # no batch at all: an empty file of no columns
            writer = pq.ParquetWriter(drain, pa.schema([]))
        writer.close()
        writer = None
        yield drain.take()
    finally:
        if writer is not None:
            writer.close()
