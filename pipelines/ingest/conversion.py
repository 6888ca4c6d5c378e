"""The write loop of delimited text: convert every column by its plan, and when a value does
not fit, refine the plan and write again (see :mod:`.delimited`)."""

from __future__ import annotations

# SQL text is assembled from sql.literal()/sql.ident() quoted parts and fixed fragments.
# ruff: noqa: S608
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import duckdb

from .dialect import Dialect, read_csv_sql
from .errors import IngestError
from .inference import infer_plans
from .models import ColumnOverride
from .plans import (
    ColumnPlan,
    convert_sql,
    dropped_guard_sql,
    parse_failure,
    plan_from_override,
    read_type,
)
from .rejects import cast_reject
from .runtime import Reporter, readable, run_with_progress
from .sql import ident, literal

_Failure = tuple[str, int, str]  # (marker, column index, value) of a value that did not fit


@dataclass(frozen=True)
class TextReader:
    """The file to read and its dialect: ``read_csv(...)`` calls differing only in options."""

    path: str
    dialect: Dialect
    max_line_bytes: int

    @property
    def indexes(self) -> list[int]:
        """The column positions of the file."""
        return list(range(self.dialect.columns))

    def sql(
        self,
        *,
        header: bool,
        rejects: bool = False,
        ignore_errors: bool = False,
        types: dict[int, str] | None = None,
    ) -> str:
        """A ``read_csv(...)`` call over the file (short rows are already padded)."""
        return read_csv_sql(
            self.path,
            self.dialect,
            header=header,
            max_line_bytes=self.max_line_bytes,
            rejects=rejects,
            null_padding=False,
            ignore_errors=ignore_errors,
            types=types,
        )


@dataclass
class TextColumns:
    """The column plan of one file; the conversion loop refines it until every value fits."""

    header: bool
    labels: list[str]
    identifiers: list[str]
    plans: list[ColumnPlan]
    overrides: dict[int, ColumnOverride] = field(default_factory=dict)
    dropped: set[int] = field(default_factory=set)
    full_scan: bool = False
    renamed: dict[int, tuple[str, str]] = field(default_factory=dict)
    """Columns the user renamed: position -> (identifier, label) read from the file."""

    def with_overrides(self, found: list[ColumnPlan]) -> list[ColumnPlan]:
        """``found`` with the user's choice in place of the detected plan where there is one."""
        return [
            plan_from_override(p.index, self.overrides[p.index]) if p.index in self.overrides else p
            for p in found
        ]

    @property
    def kept(self) -> list[ColumnPlan]:
        """The plans of the columns written to Parquet."""
        return [p for p in self.plans if p.index not in self.dropped]


def convert(
    con: duckdb.DuckDBPyConnection,
    reader: TextReader,
    columns: TextColumns,
    out: Path,
    report: Reporter,
) -> tuple[Any, ...]:
    """Write the Parquet file, refining ``columns`` and writing again while a value does not fit.

    Returns DuckDB's ``RETURN_STATS`` row of the successful write.
    """
    # Optimistic first: without DuckDB's rejects bookkeeping (a few percent slower); a file
    # with unreadable rows fails that read and is read again with rejects kept.
    keep_rejects = False
    for _attempt in range(2 * len(reader.indexes) + 5):
        sql = _copy_sql(reader, columns, out, keep_rejects=keep_rejects)
        con.execute("DROP TABLE IF EXISTS dp_rejects; DROP TABLE IF EXISTS dp_scans")
        report("converting", 0.0)
        try:
            written = run_with_progress(con, sql, report, "converting")
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
            return written
        _refit(con, reader, columns, failure, report)
    # Each retry fixes one column, so this is unreachable.
    raise IngestError(  # pragma: no cover
        "Could not settle the column types of this file.", "unreadable"
    )


def _copy_sql(reader: TextReader, columns: TextColumns, out: Path, *, keep_rejects: bool) -> str:
    """The ``COPY ... TO parquet`` statement converting each kept column by its plan."""
    plans, dropped = columns.plans, columns.dropped
    typed_read = not reader.dialect.aligned
    select = ", ".join(
        f"{convert_sql(p, typed_read=typed_read)} AS {ident(columns.identifiers[p.index])}"
        for p in plans
        if p.index not in dropped
    )
    where = " AND ".join(dropped_guard_sql(i) for i in sorted(dropped)) or "true"
    source = reader.sql(
        header=columns.header,
        rejects=keep_rejects,
        types={p.index: read_type(p) for p in plans if p.index not in dropped and typed_read},
    )
    return (
        f"COPY (SELECT {select} FROM {source} WHERE {where}) "
        f"TO {literal(out)} (FORMAT parquet, RETURN_STATS)"
    )


def _refit(
    con: duckdb.DuckDBPyConnection,
    reader: TextReader,
    columns: TextColumns,
    failure: _Failure,
    report: Reporter,
) -> None:
    """Change the plan so that the value that did not fit will.

    A dropped column with a value is kept; the first misfit re-plans every column over the
    whole file; after that, a column loses its fast path, then an exact decimal becomes a
    DOUBLE, then a column falls back to text. A value that does not fit the user's own choice
    is an error.
    """
    mark, index, value = failure
    if mark == "DPF":
        plan = columns.plans[index]
        how = f" with format {plan.formats[0]}" if plan.formats else ""
        raise IngestError(
            f"Column {columns.labels[index]!r} cannot be read as {plan.type}{how}: the value "
            f"{value!r} does not fit. Choose another type or format.",
            "override_mismatch",
        )
    if mark == "DPD":
        columns.dropped.discard(index)
    elif not columns.full_scan:
        columns.full_scan = True
        report("detecting", None)
        everything = reader.sql(header=columns.header, ignore_errors=True)
        rescanned, totals = infer_plans(
            con,
            everything,
            reader.indexes,
            columns.identifiers,
            delimiter=reader.dialect.delimiter,
        )
        columns.plans = columns.with_overrides(rescanned)
        columns.dropped = {i for i in columns.dropped if totals.get(i, 0) == 0}
    elif columns.plans[index].fast:
        columns.plans[index] = replace(columns.plans[index], fast=False)
    elif columns.plans[index].exact:
        columns.plans[index] = replace(columns.plans[index], exact=None)
    else:
        columns.plans[index] = columns.plans[index].as_text("a value did not fit the detected type")
