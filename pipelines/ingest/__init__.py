"""Ingest: CSV (and friends), Excel and Parquet files -> one Parquet file + profile.

Plain Python over paths, no web code::

    from pipelines.ingest import ingest_file, IngestOptions, ColumnOverride
    result = ingest_file("export.csv", "data/orders.parquet")
    result.profile.row_count, result.detected.delimiter, result.bad_rows.count
"""

from __future__ import annotations

from .errors import IngestError
from .excel import list_sheets
from .identifiers import make_identifiers
from .models import (
    COLUMN_TYPES,
    BadRow,
    BadRows,
    ColumnDetection,
    ColumnOverride,
    ColumnProfile,
    ColumnType,
    Detected,
    IngestOptions,
    IngestResult,
    Profile,
    ProgressCallback,
    Stage,
)
from .pipeline import ACCEPTED, file_kind, ingest_file

__all__ = [
    "ACCEPTED",
    "COLUMN_TYPES",
    "BadRow",
    "BadRows",
    "ColumnDetection",
    "ColumnOverride",
    "ColumnProfile",
    "ColumnType",
    "Detected",
    "IngestError",
    "IngestOptions",
    "IngestResult",
    "Profile",
    "ProgressCallback",
    "Stage",
    "file_kind",
    "ingest_file",
    "list_sheets",
    "make_identifiers",
]
