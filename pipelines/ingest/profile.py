"""Profile of a written Parquet file: row count, nulls, distinct estimate, min, max, sample.

Row count, null counts, min and max come from the statistics DuckDB returns while writing
the Parquet file (``RETURN_STATS``), so they cost nothing; the min and max of text are read
again with an accent- and case-insensitive collation, since the statistics compare bytes. The distinct count is an
``approx_count_distinct`` (HyperLogLog) over the whole column up to a row threshold; above
it, it is estimated from evenly spread slices of the file, extrapolated from how the count
grows between half and all of the slices.
"""

# SQL text is assembled from sql.literal()/sql.ident() quoted parts and fixed fragments.
# ruff: noqa: S608

from __future__ import annotations

import datetime as dt
import decimal
import math
from collections.abc import Mapping
from typing import Any

import duckdb

from .models import ColumnProfile, ColumnType, JsonValue, Profile
from .sql import ident, literal

TEXT_ORDER = "nocase.noaccent"
"""DuckDB collation for the min and max of text: ``Alice < Émile < zoé < Zoé``, not byte order
(which puts every accented capital after ``z``)."""
SLICES = 16
SLICE_ROWS = 32_768


def json_safe(value: Any) -> JsonValue:
    """Return ``value`` as something ``json.dumps`` accepts."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def _stat_value(text: str | None, kind: ColumnType) -> JsonValue:
    if text is None:
        return None
    try:
        if kind == "integer":
            return int(text)
        if kind == "decimal":
            number = float(text)
            return number if math.isfinite(number) else None
        if kind == "boolean":
            return text.lower() in ("true", "1")
        if kind == "timestamp":
            return text.replace(" ", "T")
    except ValueError:
        return text
    return text


def _ordered(name: str, kind: ColumnType) -> str:
    """The column as min/max should compare it: text by :data:`TEXT_ORDER`."""
    return f"{ident(name)} COLLATE {TEXT_ORDER}" if kind == "text" else ident(name)


def _distinct(
    con: duckdb.DuckDBPyConnection, path: str, names: list[str], rows: int, exact_rows: int
) -> tuple[list[int], bool]:
    if not names:
        return [], False
    if rows <= exact_rows:
        sql = ", ".join(f"approx_count_distinct({ident(n)})" for n in names)
        row = con.execute(f"SELECT {sql} FROM read_parquet({literal(path)})").fetchone()
        assert row is not None
        return [int(v or 0) for v in row], False
    step = rows // SLICES
    half = f"(file_row_number // {step}) % 2 = 0"
    parts = []
    for n in names:
        parts.append(f"approx_count_distinct({ident(n)})")
        parts.append(f"approx_count_distinct({ident(n)}) FILTER (WHERE {half})")
    row = con.execute(
        f"SELECT count(*), count(*) FILTER (WHERE {half}), {', '.join(parts)} "
        f"FROM read_parquet({literal(path)}, file_row_number=true) "
        f"WHERE file_row_number % {step} < {SLICE_ROWS}"
    ).fetchone()
    assert row is not None
    seen, seen_half = int(row[0]), int(row[1])
    estimates = []
    for i in range(len(names)):
        full, part = float(row[2 + 2 * i] or 0), float(row[3 + 2 * i] or 0)
        if full <= 0 or part <= 0 or seen_half <= 0:
            estimates.append(int(full))
            continue
        growth = math.log(max(full, part) / part) / math.log(seen / seen_half)
        growth = min(1.0, max(0.0, growth))
        estimates.append(int(min(rows, round(full * (rows / seen) ** growth))))
    return estimates, True


def build_profile(
    con: duckdb.DuckDBPyConnection,
    path: str,
    stats: Mapping[str, Any],
    columns: list[tuple[str, str, ColumnType]],
    *,
    row_count: int,
    preview_rows: int,
    exact_distinct_rows: int,
) -> Profile:
    """Profile the Parquet file at ``path``.

    Parameters
    ----------
    stats
        The ``column_statistics`` map returned by ``COPY ... (RETURN_STATS)``.
    columns
        ``(label, identifier, type)`` per output column, in order.
    """
    names = [identifier for _, identifier, _ in columns]
    distinct, estimated = _distinct(con, path, names, row_count, exact_distinct_rows)
    inexact: list[int] = []
    profiles: list[list[Any]] = []
    for i, (label, identifier, kind) in enumerate(columns):
        stat = stats.get(ident(identifier)) or stats.get(identifier) or {}
        nulls = int(stat.get("null_count", 0) or 0)
        low = _stat_value(stat.get("min"), kind)
        high = _stat_value(stat.get("max"), kind)
        # Parquet's statistics order text by bytes (Z before É); text is measured again in the
        # order a reader expects (see TEXT_ORDER).
        if row_count > nulls and (
            kind == "text"
            or stat.get("min_is_exact") != "true"
            or stat.get("max_is_exact") != "true"
        ):
            inexact.append(i)
        profiles.append([label, identifier, kind, nulls, distinct[i], low, high])
    if inexact:
        sql = ", ".join(
            f"min({_ordered(names[i], columns[i][2])}), max({_ordered(names[i], columns[i][2])})"
            for i in inexact
        )
        row = con.execute(f"SELECT {sql} FROM read_parquet({literal(path)})").fetchone()
        assert row is not None
        for j, i in enumerate(inexact):
            profiles[i][5] = json_safe(row[2 * j])
            profiles[i][6] = json_safe(row[2 * j + 1])
    cursor = con.execute(f"SELECT * FROM read_parquet({literal(path)}) LIMIT {int(preview_rows)}")
    sample = tuple(
        {name: json_safe(value) for name, value in zip(names, record, strict=True)}
        for record in cursor.fetchall()
    )
    return Profile(
        row_count=row_count,
        columns=tuple(
            ColumnProfile(
                label=str(p[0]),
                identifier=str(p[1]),
                type=p[2],
                null_count=int(p[3]),
                distinct_approx=int(p[4]),
                min=p[5],
                max=p[6],
            )
            for p in profiles
        ),
        sample_rows=sample,
        distinct_estimated=estimated,
    )
