"""Query results as CSV or Parquet bytes, written batch by batch.

Each function turns an iterator of Arrow record batches into an iterator of byte chunks, so a
download never holds more than one batch (and, for Parquet, one row group) in memory.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from typing import Literal

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

ExportFormat = Literal["csv", "parquet"]
MEDIA_TYPES: dict[str, str] = {
    "csv": "text/csv; charset=utf-8",
    "parquet": "application/vnd.apache.parquet",
}


def export(batches: Iterable[pa.RecordBatch], fmt: ExportFormat) -> Iterator[bytes]:
    """Chunks of ``batches`` written as ``fmt`` (``csv`` with a header, or ``parquet``).

    Closing the returned iterator closes ``batches`` too (which stops the query behind them).
    """
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"Unknown download format {fmt!r}; use csv or parquet.")
    write = csv_chunks if fmt == "csv" else parquet_chunks
    try:
        yield from write(batches)
    finally:
        close = getattr(batches, "close", None)
        if close is not None:
            close()


def csv_chunks(batches: Iterable[pa.RecordBatch]) -> Iterator[bytes]:
    """UTF-8 CSV: a header line, then one chunk per batch."""
    header = True
    for batch in batches:
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
