"""The window of an over-time query set by date filters on its start or end column.

A range filter (``between``, ``gte``, ``gt``, ``lte``, ``lt``) on the start or end column of an
over-time query does not filter rows: it says which days the periods must touch. This module
turns such a filter into its first and last day (inclusive), as the filter would select them:
by day for a date, by the day a timestamp falls on, and by whole periods when the filter's
field has a grain (``employees.hire_date.year lt 2024-01-01`` ends on 2023-12-31).
:func:`spine_of` lists the periods of the window (or its last one only, with ``latest``).
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir

from .fields import DimensionField
from .filters import cast_value
from .query import Filter, SemanticError

__all__ = ["MAX_PERIODS", "STEP", "month_index", "period_numbers", "spine_of", "window"]

STEP = {"month": 1, "quarter": 3, "year": 12}
"""Months in a period of each grain."""
PLACES = 4
MAX_PERIODS = 10**PLACES
"""Periods a window holds at most: 833 years of months. Numbered from a list of the ten digits
unnested once per decimal place, because the SQL guard every widget's SQL passes refuses
``range`` (a list of any length made from a number)."""


def window(dimension: DimensionField, item: Filter) -> tuple[dt.date | None, dt.date | None]:
    """First and last day (inclusive) of the window a range filter on start or end sets."""
    op, field = item.op, item.field
    if op == "between":
        if not isinstance(item.value, list) or len(item.value) != 2:
            raise SemanticError(
                f"Filter on {field!r} (between) needs two values [low, high], got {item.value!r}",
                field=field,
            )
        low_value, high_value = item.value
        return _low(dimension, low_value, False, field), _high(dimension, high_value, False, field)
    if item.value is None:
        raise SemanticError(f"Filter on {field!r} ({op}) needs a value", field=field)
    if op in ("gt", "gte"):
        return _low(dimension, item.value, op == "gt", field), None
    return None, _high(dimension, item.value, op == "lt", field)


def _day(value: dt.date) -> tuple[dt.date, bool]:
    """The day of a date or timestamp, and whether the value is that day's first moment."""
    if isinstance(value, dt.datetime):
        return value.date(), value.time() == dt.time()
    return value, True


def _low(dimension: DimensionField, value: object, strict: bool, field: str) -> dt.date:
    """First day of rows whose value (truncated to the filter's grain) is >= (or >) value."""
    day, midnight = _day(cast_value(value, dimension.type, field))
    grain = dimension.grain
    if grain is None:
        return day + dt.timedelta(days=1) if strict and dimension.type == "date" else day
    first = _truncate(day, grain)
    if strict or first != day or not midnight:
        return _next(first, grain)
    return first


def _high(dimension: DimensionField, value: object, strict: bool, field: str) -> dt.date:
    """Last day of rows whose value (truncated to the filter's grain) is <= (or <) value."""
    day, midnight = _day(cast_value(value, dimension.type, field))
    grain = dimension.grain
    if grain is None:
        return day - dt.timedelta(days=1) if strict and midnight else day
    first = _truncate(day, grain)
    if strict:
        ceiling = first if first == day and midnight else _next(first, grain)
        return ceiling - dt.timedelta(days=1)
    return _next(first, grain) - dt.timedelta(days=1)


def _truncate(day: dt.date, grain: str) -> dt.date:
    if grain == "day":
        return day
    if grain == "week":
        return day - dt.timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    if grain == "quarter":
        return dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    return dt.date(day.year, 1, 1)


def _next(first: dt.date, grain: str) -> dt.date:
    """The first day of the period after the one starting on ``first``."""
    if grain in ("day", "week"):
        return first + dt.timedelta(days=1 if grain == "day" else 7)
    index = month_index(first) + STEP[grain]
    return dt.date(index // 12, index % 12 + 1, 1)


def period_numbers(bounds: ir.Table, step: int) -> ir.Table:
    """``#k`` from ``#low`` to ``#high`` (month numbers, as :func:`month_index`) by ``step``,
    at most :data:`MAX_PERIODS` of them, for each row of ``bounds`` (one row; none when its
    bounds are empty)."""
    digits = ibis.literal(list(range(10)), type="array<int64>")
    numbers = bounds
    for place in range(PLACES):
        numbers = numbers.select(*numbers.columns, **{f"#d{place}": digits.unnest()})
    offset: ir.IntegerValue = numbers["#d0"]
    for place in range(1, PLACES):
        offset = offset + numbers[f"#d{place}"] * 10**place
    counted = numbers.select(**{"#k": numbers["#low"] + offset * step, "#high": numbers["#high"]})
    return counted.filter(counted["#k"] <= counted["#high"]).select("#k")


def month_index(day: dt.date) -> int:
    """Months since year 0 of ``day``'s month."""
    return day.year * 12 + day.month - 1


def spine_of(
    rows: ir.Table, grain: str, low: dt.date | None, high: dt.date | None, latest: bool
) -> ir.Table:
    """One row per period of the window: ``#period`` (its first day), ``#ps`` and ``#pe`` (its
    first and last day as day numbers). The window runs from ``low`` (or the period of the
    earliest ``#sd`` of ``rows``) to ``high`` (or that of the latest ``#sd`` or ``#ed``);
    ``latest`` keeps its last period only (none when the window is empty)."""
    step = STEP[grain]
    bounds = rows.aggregate(
        **{
            "#lo": rows["#sd"].min(),
            "#hi": ibis.greatest(
                rows["#sd"].max(), ibis.coalesce(rows["#ed"].max(), rows["#sd"].max())
            ),
        }
    )

    def index(day: dt.date | None, data: ir.DateValue) -> ir.IntegerValue:
        if day is not None:
            value = month_index(day)
            return ibis.literal(value - value % step, type="int64")
        number = data.year() * 12 + data.month() - 1
        return number - number % step

    first_k, last_k = index(low, bounds["#lo"]), index(high, bounds["#hi"])
    if latest:
        first_k = ibis.greatest(first_k, last_k)
    numbers = period_numbers(bounds.select(**{"#low": first_k, "#high": last_k}), step)
    k = numbers["#k"]
    after = k + step
    first = ibis.date(k // 12, k % 12 + 1, 1)
    following = ibis.date(after // 12, after % 12 + 1, 1)
    return numbers.select(
        **{"#period": first, "#ps": first.epoch_days(), "#pe": following.epoch_days() - 1}
    )
