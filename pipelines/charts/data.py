"""Rows into chart data: typed columns, repeated categories combined, top N plus "Other",
and at most :data:`MAX_POINTS` points per chart.

Each step returns the new frame and a note for the chart's caption (or ``None`` when it changed
nothing), so a user always learns when the chart is not every row as it came.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .columns import ResultColumn, is_additive
from .suggest import category_label

MAX_POINTS = 50_000
"""No chart sends more points than this to the browser."""
OTHER_LABEL = "Other"


def to_frame(
    columns: Sequence[ResultColumn],
    rows: Sequence[Sequence[Any]],
    labels: Collection[str] = (),
) -> pd.DataFrame:
    """The rows as a DataFrame with one column per result column (first of duplicate names).

    Numbers become floats (Decimals included; anything unreadable is NaN), dates and timestamps
    ``datetime64`` without a time zone (aware values are converted to UTC), everything else, and
    the columns named in ``labels`` (categories on an axis: a year stays ``2024``), the text
    :func:`~pipelines.charts.suggest.category_label` gives.
    """
    data: dict[str, Any] = {}
    for index, column in enumerate(columns):
        if column.name in data:
            continue
        values = [row[index] if index < len(row) else None for row in rows]
        if column.name in labels:
            data[column.name] = pd.Series([category_label(v) for v in values], dtype=object)
        elif column.numeric:
            series = pd.Series([None if isinstance(v, bool) else v for v in values], dtype=object)
            data[column.name] = pd.to_numeric(series, errors="coerce").astype("float64")
        elif column.temporal:
            data[column.name] = _datetimes(values)
        else:
            data[column.name] = pd.Series([category_label(v) for v in values], dtype=object)
    return pd.DataFrame(data, index=pd.RangeIndex(len(rows)))


def _datetimes(values: list[Any]) -> pd.Series:
    stamps = pd.to_datetime(pd.Series(values, dtype=object), errors="coerce", utc=True)
    return stamps.dt.tz_localize(None).astype("datetime64[ns]")


def combine_repeats(
    frame: pd.DataFrame, keys: Sequence[str], measures: Sequence[ResultColumn]
) -> tuple[pd.DataFrame, str | None]:
    """One row per distinct ``keys``: additive measures summed, the others averaged.

    The first occurrence of each key keeps its place, so a query's ``ORDER BY`` still shows.
    """
    keys = list(keys)
    if frame.empty or not frame.duplicated(subset=keys).any():
        return frame, None
    how = {m.name: ("sum" if is_additive(m) else "mean") for m in measures if m.name in frame}
    grouped = frame.groupby(keys, sort=False, dropna=False)[list(how)]
    combined = grouped.agg(
        {n: (lambda s: s.sum(min_count=1)) if f == "sum" else f for n, f in how.items()}
    )
    combined = combined.reset_index()
    parts = [f"{'sum' if f == 'sum' else 'average'} of {n}" for n, f in how.items()]
    what = " and ".join(keys)
    return combined, f"Rows with the same {what} combined ({', '.join(parts)})"


def top_n_with_other(
    frame: pd.DataFrame, x: str, measures: Sequence[ResultColumn], n: int
) -> tuple[pd.DataFrame, str | None]:
    """The ``n`` categories with the largest first measure, plus an "Other" row for the rest.

    The "Other" row sums the rest and is added only when every measure is additive (a sum of
    averages means nothing); otherwise the rest is left out and the note says so. Categories
    are expected to be distinct (see :func:`combine_repeats`).
    """
    if len(frame) <= n:
        return frame, None
    first = measures[0].name
    ordered = frame.sort_values(first, ascending=False, kind="stable", na_position="last")
    top, rest = ordered.iloc[:n], ordered.iloc[n:]
    total = len(frame)
    if not all(is_additive(m) for m in measures):
        return top.reset_index(drop=True), (
            f"Top {n} of {total} {x} by {first}; the other {len(rest)} are left out "
            "(their values cannot be added up)"
        )
    label = OTHER_LABEL if OTHER_LABEL not in set(top[x]) else f"{OTHER_LABEL} (rest)"
    other: dict[str, Any] = {c: None for c in frame.columns}
    other[x] = label
    for m in measures:
        other[m.name] = rest[m.name].sum(min_count=1)
    result = pd.concat([top, pd.DataFrame([other]).astype(top.dtypes.to_dict())], ignore_index=True)
    return result, f"Top {n} of {total} {x} by {first}; {label} adds up the other {len(rest)}"


def lttb_indices(x: np.ndarray, y: np.ndarray, n_out: int) -> np.ndarray:
    """Indices of the ``n_out`` points Largest-Triangle-Three-Buckets keeps (x ascending).

    The first and last points are kept; each bucket in between keeps the point that makes the
    largest triangle with the previously kept point and the next bucket's average, so peaks and
    troughs survive (Steinarsson, 2013).
    """
    size = len(x)
    if n_out >= size:
        return np.arange(size)
    if n_out < 3:
        return np.array([0, size - 1][:n_out], dtype=np.int64)
    xf = np.asarray(x, dtype=np.float64)
    yf = np.asarray(y, dtype=np.float64)
    edges = np.linspace(1, size - 1, n_out - 1).astype(np.int64)
    starts, ends = edges[:-1], edges[1:]
    cumulative_x = np.concatenate(([0.0], np.cumsum(xf)))
    cumulative_y = np.concatenate(([0.0], np.cumsum(yf)))
    counts = np.maximum(ends - starts, 1)
    mean_x = (cumulative_x[ends] - cumulative_x[starts]) / counts
    mean_y = (cumulative_y[ends] - cumulative_y[starts]) / counts
    # The bucket after the last one is the last point.
    next_x = np.append(mean_x[1:], xf[-1])
    next_y = np.append(mean_y[1:], yf[-1])
    out = np.empty(n_out, dtype=np.int64)
    out[0], out[-1] = 0, size - 1
    previous = 0
    for bucket in range(n_out - 2):
        lo, hi = starts[bucket], max(ends[bucket], starts[bucket] + 1)
        ax, ay = xf[previous], yf[previous]
        area = np.abs(
            (ax - next_x[bucket]) * (yf[lo:hi] - ay) - (ax - xf[lo:hi]) * (next_y[bucket] - ay)
        )
        previous = lo + int(np.argmax(area))
        out[bucket + 1] = previous
    return out


def downsample_line(
    frame: pd.DataFrame, x: str, y: str, cap: int
) -> tuple[pd.DataFrame, str | None]:
    """At most ``cap`` points of the line ``y`` over ``x`` (sorted by x), by LTTB.

    Points without a value are dropped first when there are too many; x may be dates, numbers
    or categories (then the row order stands for x).
    """
    if len(frame) <= cap:
        return frame, None
    kept = frame[frame[y].notna()].reset_index(drop=True)
    if len(kept) <= cap:
        return kept, f"Showing {len(kept):,} of {len(frame):,} points (rows without {y} left out)"
    column = kept[x]
    if pd.api.types.is_datetime64_any_dtype(column):
        xs = column.to_numpy().astype("datetime64[ns]").astype(np.int64).astype(np.float64)
    elif pd.api.types.is_numeric_dtype(column):
        xs = column.to_numpy(dtype=np.float64)
    else:
        xs = np.arange(len(kept), dtype=np.float64)
    indices = lttb_indices(xs, kept[y].to_numpy(dtype=np.float64), cap)
    return kept.iloc[indices].reset_index(drop=True), (
        f"Showing {cap:,} of {len(frame):,} points of {y} (downsampled, peaks kept)"
    )


def sample_points(frame: pd.DataFrame, cap: int, seed: int = 0) -> tuple[pd.DataFrame, str | None]:
    """A deterministic random sample of ``cap`` rows (original order kept) when there are more."""
    if len(frame) <= cap:
        return frame, None
    rng = np.random.default_rng(seed)
    indices = np.sort(rng.choice(len(frame), size=cap, replace=False))
    return frame.iloc[indices].reset_index(drop=True), (
        f"Showing {cap:,} of {len(frame):,} points (a random sample)"
    )
