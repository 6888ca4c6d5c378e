"""Typed inputs and outputs of the ingest pipeline (plain dataclasses, JSON-friendly)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

ColumnType = Literal["text", "integer", "decimal", "date", "timestamp", "boolean"]
"""Logical column types. Stored in Parquet as VARCHAR, BIGINT, DECIMAL(p, s) or DOUBLE (see
:mod:`.exact`), DATE, TIMESTAMP, BOOLEAN."""

COLUMN_TYPES: tuple[ColumnType, ...] = (
    "text",
    "integer",
    "decimal",
    "date",
    "timestamp",
    "boolean",
)

SQL_TYPES: dict[ColumnType, str] = {  # a decimal column stored exactly says DECIMAL(p, s) instead
    "text": "VARCHAR",
    "integer": "BIGINT",
    "decimal": "DOUBLE",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "boolean": "BOOLEAN",
}

Stage = Literal["reading", "detecting", "converting", "profiling"]
"""Progress stages in order; ``reading`` only happens when a file must be decompressed or
transcoded to UTF-8 first."""

ProgressCallback = Callable[[Stage, "float | None"], None]
"""``progress(stage, fraction)``; ``fraction`` is in [0, 1], or None when unknown."""

JsonValue = Any
"""A value that ``json.dumps`` accepts (str, int, float, bool, None)."""

GIB = 1024**3
MIB = 1024**2


@dataclass(frozen=True)
class ColumnOverride:
    """A user's forced reading of one column.

    Parameters
    ----------
    type
        The logical type to produce.
    format
        ``strptime`` format for ``date``/``timestamp`` (e.g. ``"%d/%m/%Y"``); None means ISO.
    decimal_separator
        ``"."`` or ``","`` for ``decimal``/``integer``; None means ``"."``.
    thousands_separator
        ``""``, ``","``, ``"."``, ``" "`` (any space) or ``"'"``; None means none.
    """

    type: ColumnType
    format: str | None = None
    decimal_separator: str | None = None
    thousands_separator: str | None = None


@dataclass(frozen=True)
class IngestOptions:
    """Options for :func:`pipelines.ingest.ingest_file`.

    Parameters
    ----------
    sheet
        Worksheet name for ``.xlsx`` files; None takes the first sheet.
    overrides
        Forced column readings keyed by column identifier (or original label).
    max_bytes
        Limit on the (decompressed) size of the data; larger inputs fail early.
    max_line_bytes
        Longest accepted line (record) in a text file.
    sample_rows
        Rows used to decide types up front; the whole column is then verified while writing.
    bad_row_examples
        How many unreadable rows are kept as examples.
    preview_rows
        Rows kept in the profile as a sample.
    exact_distinct_rows
        Up to this many rows the distinct count scans the whole column; above it, it is
        estimated from evenly spread slices.
    encoding, delimiter, header
        Force the encoding, delimiter or header presence instead of detecting them.
    names
        New column labels keyed by the column identifier (or label) the file's own reading
        gives; each renamed column's identifier is derived from its new label.
    cancel
        Set this event (from any thread) to stop the ingest as soon as it can; it then
        raises ``IngestError`` with code ``"cancelled"`` and leaves nothing behind.
    timeout_seconds
        Longest an ingest may run before it is stopped (code ``"timeout"``); 0 for no limit.
    max_columns
        Widest table accepted; counted on the first lines before any detection (0: no limit).
    memory_limit_mb, threads
        Memory and threads DuckDB may use for this ingest (it spills to disk beyond the
        memory limit where it can, and fails with a clear message where it cannot).
    max_expansion_ratio
        A compressed input (gzip, the parts of an .xlsx) may unpack to at most this many
        times its compressed size (0: no limit).
    max_cells
        Most cells read from a workbook sheet, declared or actual (0: no limit).
    """

    sheet: str | None = None
    overrides: Mapping[str, ColumnOverride] = field(default_factory=dict)
    max_bytes: int = 20 * GIB
    max_line_bytes: int = 8 * MIB
    sample_rows: int = 50_000
    bad_row_examples: int = 10
    preview_rows: int = 100
    exact_distinct_rows: int = 2_000_000
    encoding: str | None = None
    delimiter: str | None = None
    header: bool | None = None
    names: Mapping[str, str] = field(default_factory=dict)
    cancel: threading.Event | None = field(default=None, compare=False)
    timeout_seconds: float = 1800
    max_columns: int = 2_000
    memory_limit_mb: int = 1024
    threads: int = 2
    max_expansion_ratio: float = 100
    max_cells: int = 50_000_000


@dataclass(frozen=True)
class BadRow:
    """One row that could not be read: physical line number, raw text and reason."""

    line: int
    raw: str
    reason: str


@dataclass(frozen=True)
class BadRows:
    """How many rows could not be read, with the first examples."""

    count: int = 0
    examples: tuple[BadRow, ...] = ()


@dataclass(frozen=True)
class CurrencyFormat:
    """How a currency column was written, so a table or chart can write it the same way.

    ``$74.69`` is ``code="USD", symbol="$", position="prefix", space=False,
    decimal_separator=".", thousands_separator="", decimals=2, negative="sign"``;
    ``1.234,50 €`` is ``EUR``, ``€``, ``suffix``, ``space=True``, ``,``, ``.``, 2.
    """

    code: str
    """ISO 4217 code (``USD``, ``EUR``, ``GBP``, ``CHF``); ``$`` is read as US dollars."""
    symbol: str
    """The symbol or code as written in the file."""
    position: Literal["prefix", "suffix"]
    space: bool
    """Whether a space separates the symbol from the number."""
    decimal_separator: str
    thousands_separator: str
    """``""`` when no value had thousands grouped."""
    decimals: int
    """The most digits after the decimal separator in any value."""
    negative: Literal["sign", "parentheses"] = "sign"
    """How negative amounts were written: ``-$5.00`` or ``($5.00)``."""


@dataclass(frozen=True)
class ColumnDetection:
    """How one column was read.

    ``source_format`` is the ``strptime`` format(s) for dates, ``percent`` means values were
    divided by 100 (``12,5 %`` -> 0.125), ``currency`` is the stripped symbol.
    """

    identifier: str
    label: str
    type: ColumnType
    source_format: str | None = None
    decimal_separator: str | None = None
    thousands_separator: str | None = None
    percent: bool = False
    currency: str | None = None
    true_values: tuple[str, ...] = ()
    null_tokens: tuple[str, ...] = ()
    ambiguous: bool = False
    forced: bool = False
    note: str | None = None
    currency_format: CurrencyFormat | None = None
    detected_identifier: str | None = None
    """When the user renamed the column: the identifier the file's own reading gives it (the
    key of its overrides and name); None otherwise."""
    detected_label: str | None = None
    """When the user renamed the column: its label in the file (or the generic one)."""


@dataclass(frozen=True)
class Detected:
    """What was detected about the file (and what the user may want to correct).

    ``skipped_lines`` counts the lines before the header (a title, an export date...), whose
    text is in ``preamble``; ``header_lines`` is 2 when two header lines were merged into one
    name per column (0 without a header).
    """

    file_format: str
    compression: str | None = None
    encoding: str | None = None
    bom: bool = False
    delimiter: str | None = None
    quote: str | None = None
    escape: str | None = None
    header: bool = True
    header_lines: int = 1
    skipped_lines: int = 0
    preamble: tuple[str, ...] = ()
    null_padding: bool = False
    decimal_separator: str | None = None
    thousands_separator: str | None = None
    date_formats: dict[str, str] = field(default_factory=dict)
    ambiguous_dates: tuple[str, ...] = ()
    sheet: str | None = None
    sheets: tuple[str, ...] = ()
    dropped_empty_columns: int = 0
    padded_rows: int = 0
    """Short rows completed with empty values (repaired rather than left out)."""
    full_scan: bool = False
    columns: tuple[ColumnDetection, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ColumnProfile:
    """Profile of one output column; ``min``/``max`` are JSON-safe (ISO text for dates).

    ``currency`` says how the values of a currency column were written (they are stored as
    plain numbers).
    """

    label: str
    identifier: str
    type: ColumnType
    null_count: int
    distinct_approx: int
    min: JsonValue = None
    max: JsonValue = None
    currency: CurrencyFormat | None = None


@dataclass(frozen=True)
class Profile:
    """Row count, per-column profile and the first rows (keyed by identifier)."""

    row_count: int
    columns: tuple[ColumnProfile, ...]
    sample_rows: tuple[dict[str, JsonValue], ...] = ()
    distinct_estimated: bool = False
    bounds_estimated: bool = False
    """The min and max of text columns come from evenly spread slices, not every row."""


@dataclass(frozen=True)
class IngestResult:
    """Outcome of a successful ingest."""

    path: Path
    profile: Profile
    bad_rows: BadRows
    detected: Detected

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dictionary of the whole result."""
        data = asdict(self)
        data["path"] = str(self.path)
        return data
