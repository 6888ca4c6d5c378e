"""Delimited text (CSV, TSV, TXT, and sheets exported to CSV) -> Parquet, in DuckDB SQL.

The file is read once with a strict conversion per column planned from the first rows
(see :mod:`.inference` and :mod:`.plans`). When a later value does not fit its column, the
write stops, every column is re-planned over the *whole* file and the write runs again, so
no value is ever silently turned into NULL.

:func:`ingest_text` runs the steps in order: detect the dialect (padding ragged rows), sample
the first rows, plan the columns, apply the user's overrides, convert (the write loop lives in
:mod:`.conversion`), check the encoding and describe what was detected.
"""

from __future__ import annotations

# SQL text is assembled from sql.literal()/sql.ident() quoted parts and fixed fragments.
# ruff: noqa: S608
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import NoReturn

import duckdb

from .bounds import check_width, too_many_columns
from .conversion import TextColumns, TextReader, convert
from .dialect import Dialect, detect_dialect
from .errors import IngestError
from .headers import typed_names
from .identifiers import make_identifiers
from .inference import infer_plans
from .models import BadRows, ColumnOverride, Detected, IngestOptions
from .naming import content_labels
from .plans import ColumnPlan, accepts_sql
from .ragged import pad_short_rows
from .rejects import collect_bad_rows, first_invalid_encoding_line, reject_types
from .renames import apply_names, mark_renamed
from .runtime import Reporter, Written
from .shape_notes import shape_notes
from .textfile import TextInput, has_utf8_sequences


class RetryAsWindows1252(Exception):
    """The head looked like ASCII UTF-8 but later rows are not UTF-8."""


def _resolve_overrides(
    overrides: Mapping[str, ColumnOverride], labels: list[str], identifiers: list[str]
) -> dict[int, ColumnOverride]:
    resolved: dict[int, ColumnOverride] = {}
    for key, override in overrides.items():
        if key in identifiers:
            resolved[identifiers.index(key)] = override
        elif key in labels:
            resolved[labels.index(key)] = override
        else:
            raise IngestError(
                f"There is no column {key!r} to override; columns are: {', '.join(identifiers)}.",
                "bad_override",
            )
    return resolved


def _decide_header(
    con: duckdb.DuckDBPyConnection, plans: list[ColumnPlan], dialect: Dialect
) -> bool:
    typed = [p for p in plans if p.type != "text"]
    if not typed:
        return True if dialect.sniffed_header is None else dialect.sniffed_header
    checks = ", ".join(f"{accepts_sql(p)}, {p.raw} IS NOT NULL AND {p.raw} <> ''" for p in typed)
    row = con.execute(f"SELECT {checks} FROM dp_sample WHERE rowid = 0").fetchone()
    if row is None:
        return True
    fits = [bool(row[2 * i]) for i in range(len(typed))]
    filled = [bool(row[2 * i + 1]) for i in range(len(typed))]
    # The first row is data only when every typed column accepts it (and it has values).
    return not (all(fits) and any(filled))


def _numbers_summary(plans: list[ColumnPlan]) -> tuple[str | None, str | None]:
    numeric = [p for p in plans if p.type in ("integer", "decimal") and p.style]
    decimals = Counter(p.style[0] for p in numeric if p.style and p.type == "decimal")
    thousands = Counter(p.style[1] for p in numeric if p.style and p.style[1])
    decimal = decimals.most_common(1)[0][0] if decimals else None
    return decimal, (thousands.most_common(1)[0][0] if thousands else None)


def ingest_text(
    con: duckdb.DuckDBPyConnection,
    text: TextInput,
    out: Path,
    options: IngestOptions,
    report: Reporter,
    *,
    file_format: str,
    forced_delimiter: str | None = None,
    prefer_tab: bool = False,
) -> Written:
    """Detect, plan and convert a UTF-8 delimited text file into the Parquet file ``out``."""
    report("detecting", 0.0)
    check_width(text.head, forced_delimiter or options.delimiter, options.max_columns)
    dialect = detect_dialect(
        con,
        text,
        forced_delimiter=forced_delimiter or options.delimiter,
        prefer_tab=prefer_tab,
    )
    if 0 < options.max_columns < dialect.columns:
        raise too_many_columns(dialect.columns, options.max_columns)
    if options.header is False and dialect.header_lines:
        dialect = replace(dialect, header_lines=0, header_names=(), header_note=None)
    text, padded_rows = _pad(text, dialect, out.parent, report.check)
    reader = TextReader(str(text.path), dialect, options.max_line_bytes)
    raw_labels, sampled = _sample(con, reader, options.sample_rows)
    if sampled == 0 and not dialect.header_names:
        _raise_unreadable(con, reader)
    columns, totals = _plan(con, reader, raw_labels, sampled, options.header)
    report("detecting", 1.0)
    _apply_overrides(columns, options.overrides, raw_labels, totals, reader.indexes)
    columns.labels, columns.identifiers, columns.renamed = apply_names(
        options.names, columns.labels, columns.identifiers
    )
    written = convert(con, reader, columns, out, report)
    _check_encoding(con, text, options)
    bad_rows = _bad_rows(con, reader, columns, raw_labels, options.bad_row_examples)
    row_count = int(written[1])
    if row_count == 0 and (bad_rows.count or not columns.header):
        _raise_no_rows(bad_rows)
    return Written(
        path=out,
        row_count=row_count,
        stats=written[4] or {},
        columns=[
            (columns.labels[p.index], columns.identifiers[p.index], p.type) for p in columns.kept
        ],
        bad_rows=bad_rows,
        detected=_describe(text, dialect, columns, file_format, padded_rows, bad_rows, row_count),
    )


def _bad_rows(
    con: duckdb.DuckDBPyConnection,
    reader: TextReader,
    columns: TextColumns,
    raw_labels: list[str],
    examples: int,
) -> BadRows:
    """The rows the last read rejected, explained against the header's width."""
    dialect = reader.dialect
    filled = [i for i, label in enumerate(raw_labels) if label != ""]
    named = len(dialect.header_names) or (filled[-1] + 1 if filled else 0)
    return collect_bad_rows(
        con,
        Path(reader.path),
        delimiter=dialect.delimiter,
        quote=dialect.quote,
        escape=dialect.escape,
        columns=dialect.columns,
        header_width=named if columns.header else None,
        examples=examples,
    )


def _pad(
    text: TextInput, dialect: Dialect, folder: Path, check: Callable[[], None] | None
) -> tuple[TextInput, int]:
    """Copy the file with its short rows padded when the dialect says rows are ragged (or the
    lines before the data must lose a stray quote).

    Returns the text to read from now on and the number of rows padded.
    """
    if not dialect.null_padding and not dialect.rewrite_header:
        return text, 0
    padded_path = folder / "padded.csv"
    padded_rows = pad_short_rows(text.path, padded_path, dialect, check)
    return replace(text, path=padded_path), padded_rows


def _sample(
    con: duckdb.DuckDBPyConnection, reader: TextReader, sample_rows: int
) -> tuple[list[str], int]:
    """Load the first rows, as text, into the temp table ``dp_sample``.

    Returns the first row's values (the header, if there is one) and the number of rows
    sampled. When the header lines were read during detection (``header_names``), the sample
    holds data rows only and their names are returned.
    """
    sampled = 0
    # With ignore_errors alone, DuckDB's parallel reader returns nothing at all when the
    # first line is unreadable (seen with DuckDB 2.0); keeping its rejects reads on past it.
    for source in (
        reader.sql(header=False, ignore_errors=True),
        reader.sql(header=False, rejects=True),
    ):
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE dp_sample AS SELECT * FROM {source} "
            f"LIMIT {int(sample_rows) + 1}"
        )
        count_row = con.execute("SELECT count(*) FROM dp_sample").fetchone()
        sampled = int(count_row[0]) if count_row else 0
        if sampled:
            break
    names = reader.dialect.header_names
    if names:
        return [*names, *[""] * (reader.dialect.columns - len(names))], sampled
    if sampled == 0:
        return [], 0
    first = con.execute("SELECT * FROM dp_sample WHERE rowid = 0").fetchone() or ()
    return [str(v).strip() if v is not None else "" for v in first], sampled


def _plan(
    con: duckdb.DuckDBPyConnection,
    reader: TextReader,
    raw_labels: list[str],
    sampled: int,
    header: bool | None,
) -> tuple[TextColumns, dict[int, int]]:
    """Plan each column from the sample and decide (unless ``header`` says) if row 1 is a header.

    Returns the columns and, per column index, the number of non-null values sampled.
    """
    dialect = reader.dialect
    indexes = reader.indexes
    identifiers = make_identifiers(raw_labels)
    given = bool(dialect.header_names)
    plans, totals = infer_plans(
        con,
        "dp_sample" if given else "(SELECT * FROM dp_sample WHERE rowid >= 1)",
        indexes,
        identifiers,
        delimiter=dialect.delimiter,
    )
    if header is None and given:
        header = True
    elif header is None and sampled == 1:
        # A lone line is a header (a report export with no rows) unless it holds values.
        header = not typed_names(raw_labels)
    elif header is None:
        header = _decide_header(con, plans, dialect)
    if header:
        labels = [label or f"column_{i + 1}" for i, label in enumerate(raw_labels)]
    else:
        labels = [f"column_{i + 1}" for i in indexes]
        identifiers = make_identifiers(labels)
        plans, totals = infer_plans(
            con, "dp_sample", indexes, identifiers, delimiter=dialect.delimiter
        )
        labels = content_labels(con, "dp_sample", plans, labels)
        identifiers = make_identifiers(labels)
    return TextColumns(header=header, labels=labels, identifiers=identifiers, plans=plans), totals


def _apply_overrides(
    columns: TextColumns,
    overrides: Mapping[str, ColumnOverride],
    raw_labels: list[str],
    totals: dict[int, int],
    indexes: list[int],
) -> None:
    """Put the user's column choices into the plan and leave out empty unnamed columns."""
    columns.overrides = _resolve_overrides(overrides, columns.labels, columns.identifiers)
    dropped = {i for i in indexes if columns.header and not raw_labels[i] and totals.get(i, 0) == 0}
    columns.dropped = dropped - set(columns.overrides)
    columns.plans = columns.with_overrides(columns.plans)


def _check_encoding(
    con: duckdb.DuckDBPyConnection, text: TextInput, options: IngestOptions
) -> None:
    """Turn rows rejected for invalid UTF-8 into an error, or a retry as Windows-1252."""
    if "INVALID ENCODING" not in reject_types(con):
        return
    if text.bom and text.encoding == "utf-8":
        line = first_invalid_encoding_line(con, text.path)
        raise IngestError(
            "The file declares UTF-8 (it starts with a byte order mark) but contains "
            f"invalid UTF-8 on line {line}.",
            "invalid_utf8",
        )
    if (
        text.ascii_head
        and text.encoding == "utf-8"
        and not options.encoding
        and not has_utf8_sequences(text.path)
    ):
        raise RetryAsWindows1252


def _raise_unreadable(con: duckdb.DuckDBPyConnection, reader: TextReader) -> NoReturn:
    """No row could be read at all: say why, from the rejects of the sample's last read."""
    dialect = reader.dialect
    bad_rows = collect_bad_rows(
        con,
        Path(reader.path),
        delimiter=dialect.delimiter,
        quote=dialect.quote,
        escape=dialect.escape,
        columns=dialect.columns,
        header_width=None,
        examples=1,
    )
    _raise_no_rows(bad_rows)


def _raise_no_rows(bad_rows: BadRows) -> NoReturn:
    """Explain why nothing was written: every row was unreadable, or there were none."""
    if bad_rows.count:
        example = bad_rows.examples[0]
        raise IngestError(
            f"None of the {bad_rows.count} data rows could be read; line {example.line} "
            f"{example.reason}.",
            "no_readable_rows",
        )
    raise IngestError("No row of the file could be read.", "no_readable_rows")


def _describe(
    text: TextInput,
    dialect: Dialect,
    columns: TextColumns,
    file_format: str,
    padded_rows: int,
    bad_rows: BadRows,
    row_count: int,
) -> Detected:
    """What was detected and decided, for the user to review (and override)."""
    kept = columns.kept
    identifiers, labels = columns.identifiers, columns.labels
    decimal, thousands = _numbers_summary(kept)
    notes = shape_notes(dialect, header=columns.header, columns=len(kept), rows=row_count)
    notes += [f"{labels[p.index]}: {p.note}" for p in kept if p.note]
    if padded_rows:
        notes.append(f"{padded_rows} short row(s) were padded with empty values")
    if columns.dropped:
        notes.append(f"{len(columns.dropped)} empty column(s) without a header were left out")
    if bad_rows.count:
        notes.append(f"{bad_rows.count} row(s) could not be read and were left out")
    if not columns.header:
        notes.append(
            "the file has no header row: columns were named from their content where it was "
            "clear; rename them in the schema"
        )
    return Detected(
        file_format=file_format,
        compression=text.compression,
        encoding=text.encoding,
        bom=text.bom,
        delimiter=dialect.delimiter,
        quote=dialect.quote,
        escape=dialect.escape,
        header=columns.header,
        header_lines=(dialect.header_lines or 1) if columns.header else 0,
        skipped_lines=dialect.skip_lines,
        preamble=dialect.preamble,
        null_padding=dialect.null_padding,
        decimal_separator=decimal,
        thousands_separator=thousands,
        date_formats={
            identifiers[p.index]: " | ".join(p.formats)
            for p in kept
            if p.type in ("date", "timestamp")
        },
        ambiguous_dates=tuple(
            identifiers[p.index] for p in kept if p.ambiguous and p.type in ("date", "timestamp")
        ),
        dropped_empty_columns=len(columns.dropped),
        padded_rows=padded_rows,
        full_scan=columns.full_scan,
        columns=mark_renamed(
            [p.detection(identifiers[p.index], labels[p.index]) for p in kept],
            [p.index for p in kept],
            columns.renamed,
        ),
        notes=tuple(notes),
    )
