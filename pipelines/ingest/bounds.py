"""Limits checked before the expensive work starts: table width, size, expansion.

A header with tens of thousands of columns makes DuckDB's sniffer and the per-column plans
explode in memory and time, so the width is counted on the first lines of the decoded text
(for every candidate delimiter) before anything else reads the file.
"""

from __future__ import annotations

import csv
import io

from .errors import IngestError

CANDIDATE_DELIMITERS = (",", ";", "\t", "|")
_LINES_CHECKED = 20


def size_text(count: float) -> str:
    """``count`` bytes as people write it (``8.0 GB``, ``12 MB``, ``300 bytes``)."""
    if count >= 1024**3:
        return f"{count / 1024**3:.1f} GB"
    if count >= 1024**2:
        return f"{count / 1024**2:.0f} MB"
    return f"{int(count)} bytes"


def too_many_columns(count: int, limit: int) -> IngestError:
    """The error for a table wider than ``limit`` columns."""
    return IngestError(
        f"The file has {count:,} columns; DataPilot reads at most {limit:,}. Check that it is "
        "a table with one record per line, or split it into narrower tables.",
        "too_many_columns",
    )


def _fields(line: str, delimiter: str) -> int:
    # An upper bound first (quoted delimiters count too), parsed exactly only when it matters.
    return line.count(delimiter) + 1


def _parsed_fields(line: str, delimiter: str) -> int:
    reader = csv.reader(io.StringIO(line, newline=""), delimiter=delimiter, strict=False)
    return len(next(reader, []))


def check_width(head: str, delimiter: str | None, max_columns: int) -> None:
    """Refuse a text whose first lines have more than ``max_columns`` fields.

    Parameters
    ----------
    head
        The decoded beginning of the file.
    delimiter
        The delimiter when the user forced one; otherwise every candidate is tried and the
        widest reading counts (a wrong candidate rarely appears thousands of times per line).
    max_columns
        The limit; 0 or less means none.
    """
    if max_columns <= 0:
        return
    lines = head.split("\n", _LINES_CHECKED)[:_LINES_CHECKED]
    candidates = (delimiter,) if delimiter else CANDIDATE_DELIMITERS
    widest = 0
    for line in lines:
        for candidate in candidates:
            if _fields(line, candidate) > max_columns:
                widest = max(widest, _parsed_fields(line, candidate))
    if widest > max_columns:
        raise too_many_columns(widest, max_columns)


def too_large(limit: int, what: str = "file") -> IngestError:
    """The error for data beyond the size limit (the file limit or the storage left)."""
    return IngestError(f"The {what} is larger than the limit of {size_text(limit)}.", "too_large")


def expands_too_much(ratio: float, what: str = "compressed file") -> IngestError:
    """The error for a compressed input that unpacks to far more than its own size."""
    return IngestError(
        f"The {what} unpacks to more than {ratio:g} times its size, which DataPilot refuses "
        "as a likely decompression bomb. Upload the data uncompressed, or in smaller parts.",
        "too_large",
    )
