"""Delimited text (CSV, TSV, TXT, and sheets exported to CSV) -> Parquet, in DuckDB SQL.

The file is read once with a strict conversion per column planned from the first rows
(see :mod:`.inference` and :mod:`.plans`). When a later value does not fit its column, the
write stops, every column is re-planned over the *whole* file and the write runs again, so
no value is ever silently turned into NULL.
"""

from __future__ import annotations

# SQL text is assembled from sql.literal()/sql.ident() quoted parts and fixed fragments.
# ruff: noqa: S608
from collections import Counter
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

import duckdb

from .dialect import Dialect, detect_dialect, read_csv_sql
from .errors import IngestError
from .identifiers import make_identifiers
from .inference import infer_plans
from .models import ColumnOverride, Detected, IngestOptions
from .plans import (
    ColumnPlan,
    accepts_sql,
    convert_sql,
    dropped_guard_sql,
    parse_failure,
    plan_from_override,
    read_type,
)
from .ragged import pad_short_rows
from .rejects import cast_reject, collect_bad_rows, first_invalid_encoding_line, reject_types
from .runtime import Reporter, Written, readable, run_with_progress
from .sql import ident, literal
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
    dialect = detect_dialect(
        con,
        text,
        forced_delimiter=forced_delimiter or options.delimiter,
        prefer_tab=prefer_tab,
    )
    padded_rows = 0
    if dialect.null_padding:
        padded_path = out.parent / "padded.csv"
        padded_rows = pad_short_rows(text.path, padded_path, dialect)
        text = replace(text, path=padded_path)
    path = str(text.path)
    limit = options.max_line_bytes
    sample_source = read_csv_sql(
        path,
        dialect,
        header=False,
        max_line_bytes=limit,
        rejects=False,
        null_padding=False,
        ignore_errors=True,
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE dp_sample AS SELECT * FROM {sample_source} "
        f"LIMIT {int(options.sample_rows) + 1}"
    )
    count_row = con.execute("SELECT count(*) FROM dp_sample").fetchone()
    sampled = int(count_row[0]) if count_row else 0
    if sampled == 0:
        raise IngestError("The file is empty: it has no rows.", "empty_file")
    first = con.execute("SELECT * FROM dp_sample WHERE rowid = 0").fetchone() or ()
    raw_labels = [str(v).strip() if v is not None else "" for v in first]
    indexes = list(range(dialect.columns))
    identifiers = make_identifiers(raw_labels)
    plans, totals = infer_plans(
        con,
        "(SELECT * FROM dp_sample WHERE rowid >= 1)",
        indexes,
        identifiers,
        delimiter=dialect.delimiter,
    )
    header = options.header
    if header is None:
        header = _decide_header(con, plans, dialect) if sampled > 1 else True
    if header:
        labels = [label or f"column_{i + 1}" for i, label in enumerate(raw_labels)]
    else:
        labels = [f"column_{i + 1}" for i in indexes]
        identifiers = make_identifiers(labels)
        plans, totals = infer_plans(
            con, "dp_sample", indexes, identifiers, delimiter=dialect.delimiter
        )
    report("detecting", 1.0)
    overrides = _resolve_overrides(options.overrides, labels, identifiers)
    dropped = {i for i in indexes if header and not raw_labels[i] and totals.get(i, 0) == 0}
    dropped -= set(overrides)

    def with_overrides(found: list[ColumnPlan]) -> list[ColumnPlan]:
        return [
            plan_from_override(p.index, overrides[p.index]) if p.index in overrides else p
            for p in found
        ]

    plans = with_overrides(plans)
    full_scan = False
    # Optimistic first: without DuckDB's rejects bookkeeping (a few percent slower); a file
    # with unreadable rows fails that read and is read again with rejects kept.
    keep_rejects = False
    for _attempt in range(2 * len(indexes) + 5):
        select = ", ".join(
            f"{convert_sql(p)} AS {ident(identifiers[p.index])}"
            for p in plans
            if p.index not in dropped
        )
        where = " AND ".join(dropped_guard_sql(i) for i in sorted(dropped)) or "true"
        source = read_csv_sql(
            path,
            dialect,
            header=header,
            max_line_bytes=limit,
            rejects=keep_rejects,
            null_padding=False,
            types={p.index: read_type(p) for p in plans if p.index not in dropped},
        )
        con.execute("DROP TABLE IF EXISTS dp_rejects; DROP TABLE IF EXISTS dp_scans")
        report("converting", 0.0)
        try:
            written = run_with_progress(
                con,
                f"COPY (SELECT {select} FROM {source} WHERE {where}) "
                f"TO {literal(out)} (FORMAT parquet, RETURN_STATS)",
                report,
                "converting",
            )
            failure = cast_reject(con)
        except duckdb.Error as exc:
            failure = parse_failure(str(exc))
            if failure is None and not keep_rejects:
                keep_rejects = True
                continue
            if failure is None:
                raise IngestError(
                    f"Could not read the file: {readable(exc)}", "unreadable"
                ) from exc
        if failure is None:
            break
        mark, index, value = failure
        if mark == "DPF":
            plan = plans[index]
            how = f" with format {plan.formats[0]}" if plan.formats else ""
            raise IngestError(
                f"Column {labels[index]!r} cannot be read as {plan.type}{how}: the value "
                f"{value!r} does not fit. Choose another type or format.",
                "override_mismatch",
            )
        if mark == "DPD":
            dropped.discard(index)
        elif not full_scan:
            full_scan = True
            report("detecting", None)
            everything = read_csv_sql(
                path,
                dialect,
                header=header,
                max_line_bytes=limit,
                rejects=False,
                null_padding=False,
                ignore_errors=True,
            )
            rescanned, totals = infer_plans(
                con, everything, indexes, identifiers, delimiter=dialect.delimiter
            )
            plans = with_overrides(rescanned)
            dropped = {i for i in dropped if totals.get(i, 0) == 0}
        elif plans[index].fast:
            plans[index] = replace(plans[index], fast=False)
        else:
            plans[index] = plans[index].as_text("a value did not fit the detected type")
    else:  # pragma: no cover - each retry fixes one column, so this is unreachable
        raise IngestError("Could not settle the column types of this file.", "unreadable")
    kinds = reject_types(con)
    if "INVALID ENCODING" in kinds:
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
    bad_rows = collect_bad_rows(
        con,
        text.path,
        delimiter=dialect.delimiter,
        quote=dialect.quote,
        columns=dialect.columns,
        examples=options.bad_row_examples,
    )
    row_count = int(written[1])
    if row_count == 0:
        if bad_rows.count:
            example = bad_rows.examples[0]
            raise IngestError(
                f"None of the {bad_rows.count} data rows could be read; line {example.line} "
                f"{example.reason}.",
                "no_readable_rows",
            )
        raise IngestError("The file has a header but no data rows.", "header_only")
    kept = [p for p in plans if p.index not in dropped]
    decimal, thousands = _numbers_summary(kept)
    notes = [f"{labels[p.index]}: {p.note}" for p in kept if p.note]
    if padded_rows:
        notes.append(f"{padded_rows} short row(s) were padded with empty values")
    if dropped:
        notes.append(f"{len(dropped)} empty column(s) without a header were left out")
    if bad_rows.count:
        notes.append(f"{bad_rows.count} row(s) could not be read and were left out")
    detected = Detected(
        file_format=file_format,
        compression=text.compression,
        encoding=text.encoding,
        bom=text.bom,
        delimiter=dialect.delimiter,
        quote=dialect.quote,
        escape=dialect.escape,
        header=header,
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
        dropped_empty_columns=len(dropped),
        full_scan=full_scan,
        columns=tuple(p.detection(identifiers[p.index], labels[p.index]) for p in kept),
        notes=tuple(notes),
    )
    return Written(
        path=out,
        row_count=row_count,
        stats=written[4] or {},
        columns=[(labels[p.index], identifiers[p.index], p.type) for p in kept],
        bad_rows=bad_rows,
        detected=detected,
    )
