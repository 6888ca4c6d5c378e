"""Parquet inputs: keep the file's own types, derive identifiers, apply user overrides."""

# SQL text is assembled from sql.literal()/sql.ident() quoted parts and fixed fragments.
# ruff: noqa: S608

from __future__ import annotations

from pathlib import Path

import duckdb

from .bounds import too_many_columns
from .errors import IngestError
from .identifiers import make_identifiers
from .models import BadRows, ColumnDetection, ColumnType, Detected, IngestOptions
from .plans import convert_sql, parse_failure, plan_from_override
from .renames import apply_names, mark_renamed
from .runtime import Reporter, Written, readable, run_with_progress
from .sql import ident, literal

_INTEGERS = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER"}
_DECIMALS = {"FLOAT", "DOUBLE", "REAL"}


def _mapping(duck_type: str) -> tuple[ColumnType, str | None]:
    """Logical type and the SQL cast to apply (None keeps the column as it is)."""
    base = duck_type.upper()
    if base in _INTEGERS:
        return "integer", "BIGINT"
    if base in _DECIMALS:
        return "decimal", "DOUBLE"
    if base.startswith("DECIMAL"):
        return "decimal", None
    if base == "DATE":
        return "date", None
    if base.startswith("TIMESTAMP"):
        return "timestamp", "TIMESTAMP"
    if base == "BOOLEAN":
        return "boolean", None
    if base == "VARCHAR":
        return "text", None
    return "text", "VARCHAR"


def ingest_parquet(
    con: duckdb.DuckDBPyConnection,
    source: Path,
    out: Path,
    options: IngestOptions,
    report: Reporter,
) -> Written:
    """Rewrite a Parquet file with safe column names (and any overridden types)."""
    report("detecting", 0.0)
    relation = f"read_parquet({literal(source)})"
    try:
        described = con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()
    except duckdb.Error as exc:
        raise IngestError(f"Cannot read the Parquet file: {readable(exc)}", "bad_parquet") from exc
    labels = [str(row[0]) for row in described]
    if 0 < options.max_columns < len(labels):
        raise too_many_columns(len(labels), options.max_columns)
    identifiers = make_identifiers(labels)
    by_key = {
        **{label: i for i, label in enumerate(labels)},
        **{name: i for i, name in enumerate(identifiers)},
    }
    overrides = {}
    for key, override in options.overrides.items():
        if key not in by_key:
            raise IngestError(
                f"There is no column {key!r} to override; columns are: {', '.join(identifiers)}.",
                "bad_override",
            )
        overrides[by_key[key]] = override
    shown, identifiers, renamed = apply_names(options.names, labels, identifiers)
    raw = ", ".join(
        f"CAST({ident(label)} AS VARCHAR) AS c{i}" if i in overrides else f"{ident(label)} AS c{i}"
        for i, label in enumerate(labels)
    )
    select = []
    columns: list[tuple[str, str, ColumnType]] = []
    for i, (label, name) in enumerate(zip(shown, identifiers, strict=True)):
        if i in overrides:
            plan = plan_from_override(i, overrides[i])
            select.append(f"{convert_sql(plan)} AS {ident(name)}")
            columns.append((label, name, plan.type))
            continue
        kind, cast = _mapping(str(described[i][1]))
        expr = f"CAST(c{i} AS {cast})" if cast else f"c{i}"
        select.append(f"{expr} AS {ident(name)}")
        columns.append((label, name, kind))
    report("detecting", 1.0)
    try:
        written = run_with_progress(
            con,
            f"COPY (SELECT {', '.join(select)} FROM (SELECT {raw} FROM {relation})) "
            f"TO {literal(out)} (FORMAT parquet, RETURN_STATS)",
            report,
            "converting",
        )
    except duckdb.Error as exc:
        failure = parse_failure(str(exc))
        if failure is None:
            raise IngestError(
                f"Cannot read the Parquet file: {readable(exc)}", "bad_parquet"
            ) from exc
        _, index, value = failure
        raise IngestError(
            f"Column {labels[index]!r} cannot be read as {columns[index][2]}: the value "
            f"{value!r} does not fit. Choose another type or format.",
            "override_mismatch",
        ) from exc
    row_count = int(written[1])
    if row_count == 0:
        raise IngestError("The Parquet file has no rows.", "header_only")
    detected = Detected(
        file_format="parquet",
        columns=mark_renamed(
            [
                plan_from_override(i, overrides[i]).detection(identifiers[i], shown[i])
                if i in overrides
                else ColumnDetection(identifiers[i], shown[i], columns[i][2])
                for i in range(len(labels))
            ],
            range(len(labels)),
            renamed,
        ),
    )
    return Written(out, row_count, written[4] or {}, columns, BadRows(), detected)
