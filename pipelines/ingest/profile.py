"""Profile of a written Parquet file: row count, nulls, distinct estimate, min, max, sample.

Row count, null counts, min and max come from the statistics DuckDB returns while writing
the Parquet file (``RETURN_STATS``), so they cost nothing. The distinct count is an
``approx_count_distinct`` (HyperLogLog) over the whole column up to a row threshold; above
it, it is estimated from evenly spread slices of the file, extrapolated from how the count
grows between half and all of the slices.

The min and max of text are read again in the same pass, with an accent- and case-insensitive
collation, since the statistics compare bytes (Z before É). That collation costs as much as a
scan of the column, so above the threshold they come from the same slices and the profile says
so (``bounds_estimated``): a file of millions of rows is not read twice more to name its first
customer in alphabetical order.
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


def _collated(name: str) -> str:
    """A text column as its min and max should compare it: by :data:`TEXT_ORDER`."""
    return f"{ident(name)} COLLATE {TEXT_ORDER}"


def _scan(
    con: duckdb.DuckDBPyConnection,
    path: str,
    names: list[str],
    bounds: list[str],
    rows: int,
    exact_rows: int,
) -> tuple[list[int], list[tuple[Any, Any]], bool]:
    """Distinct estimates of ``names`` and the min and max of the ``bounds`` expressions.

    Up to ``exact_rows`` rows both come from one pass over the whole file. Above it they come
    from evenly spread slices (the third value says so): the distinct counts extrapolated from
    how they grow between half and all of the slices, the bounds as found in the slices.
    """
    minmax = [f"min({b}), max({b})" for b in bounds]
    if rows <= exact_rows:
        parts = [f"approx_count_distinct({ident(n)})" for n in names] + minmax
        if not parts:
            return [], [], False
        row = con.execute(f"SELECT {', '.join(parts)} FROM read_parquet({literal(path)})")
        found = row.fetchone()
        assert found is not None
        found_bounds = [
            (found[len(names) + 2 * j], found[len(names) + 2 * j + 1]) for j in range(len(bounds))
        ]
        return [int(v or 0) for v in found[: len(names)]], found_bounds, False
    step = rows // SLICES
    half = f"(file_row_number // {step}) % 2 = 0"
    parts = []
    for n in names:
        parts.append(f"approx_count_distinct({ident(n)})")
        parts.append(f"approx_count_distinct({ident(n)}) FILTER (WHERE {half})")
    found = con.execute(
        f"SELECT count(*), count(*) FILTER (WHERE {half}), {', '.join(parts + minmax)} "
        f"FROM read_parquet({literal(path)}, file_row_number=true) "
        f"WHERE file_row_number % {step} < {SLICE_ROWS}"
    ).fetchone()
    assert found is not None
    seen, seen_half = int(found[0]), int(found[1])
    estimates = []
    for i in range(len(names)):
        full, part = float(found[2 + 2 * i] or 0), float(found[3 + 2 * i] or 0)
        if full <= 0 or part <= 0 or seen_half <= 0:
            estimates.append(int(full))
            continue
        growth = math.log(max(full, part) / part) / math.log(seen / seen_half)
        growth = min(1.0, max(0.0, growth))
        estimates.append(int(min(rows, round(full * (rows / seen) ** growth))))
    first = 2 + 2 * len(names)
    found_bounds = [(found[first + 2 * j], found[first + 2 * j + 1]) for j in range(len(bounds))]
    return estimates, found_bounds, True


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
    texts: list[int] = []  # text columns with values: min and max in the reader's order
    inexact: list[int] = []  # other columns whose statistics are not exact: read again
    profiles: list[list[Any]] = []
    for i, (label, identifier, kind) in enumerate(columns):
        stat = stats.get(ident(identifier)) or stats.get(identifier) or {}
        nulls = int(stat.get("null_count", 0) or 0)
        low = _stat_value(stat.get("min"), kind)
        high = _stat_value(stat.get("max"), kind)
        if row_count > nulls and kind == "text":
            # Parquet's statistics order text by bytes (Z before É); see TEXT_ORDER.
            texts.append(i)
        elif row_count > nulls and (
            stat.get("min_is_exact") != "true" or stat.get("max_is_exact") != "true"
        ):
            inexact.append(i)
        profiles.append([label, identifier, kind, nulls, 0, low, high])
    distinct, text_bounds, estimated = _scan(
        con,
        path,
        names,
        [_collated(names[i]) for i in texts],
        row_count,
        exact_distinct_rows,
    )
    for i, count in enumerate(distinct):
        profiles[i][4] = count
    for i, (low, high) in zip(texts, text_bounds, strict=True):
        profiles[i][5], profiles[i][6] = json_safe(low), json_safe(high)
    if inexact:
        sql = ", ".join(f"min({ident(names[i])}), max({ident(names[i])})" for i in inexact)
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
        bounds_estimated=estimated and bool(texts),
    )
