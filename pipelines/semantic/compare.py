"""Comparisons with an earlier period: a measure beside its value one year or one bucket before.

A query's ``compare`` (:class:`~pipelines.semantic.query.Compare`) names measures of the query
and a shift: ``"year"`` (year over year) or ``"period"`` (one bucket of the time dimension's
grain: the previous month at month grain, the previous week at week grain). The query needs
exactly one time dimension with a grain. For each comparison the result gains two columns:

- ``{measure}__previous_{shift}``: the measure over the rows dated one shift earlier, labelled
  ``"Revenue (previous year)"`` / ``"Revenue (previous month)"``, with the measure's type;
- ``{measure}__change_{shift}``: ``(current - previous) / |previous|`` as a fraction (0.125 is
  +12.5%), NULL when the previous value is 0 or missing, labelled ``"Revenue change vs previous
  year"``. Dividing by the absolute value keeps the sign meaning "up" or "down" for negative
  previous values too, as the KPI widget's change does (:func:`pipelines.dashboards.kpi_change`).

How the previous value is computed: the same query is compiled a second time with every value of
the time dimension's column moved forward by the shift (a row of 2023-03-14 counts as
2024-03-14), for the dimension and for every filter on that column (whatever its grain), and its
aggregate is joined to the query's own on all the dimensions (NULL-safe). So a filter on 2024
selects the 2023 rows for the previous side (January 2024 gets January 2023), a filter from
2024-01-15 to 2024-03-31 compares with 2023-01-15 to 2023-03-31 (like for like), and other
dimensions (region) and filters apply to both sides. A year shift moves dates by calendar year
(2024-02-29 counts as 2025-02-28); at week grain it compares with the same dates a year earlier.

**To date** (``to_date``): the previous side leaves out the rows that, once moved, fall after
the last date of the time column's table (all its rows, whatever the filters): with data up to
2024-03-15, 2024 is compared with 2023-01-01..2023-03-15, and March 2024 with March 1-15, 2023,
not with the whole previous year or month. Buckets already over are unchanged. Without it a
bucket still under way is compared with a whole one.

The comparison never adds or removes rows: the rows are the query's own (a bucket with a
previous value but no current row does not appear), so a chart does not run a year past the data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, get_args

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.operations as ops
import ibis.expr.types as ir

from .fields import DimensionField, MeasureField
from .query import CompareShift, SemanticError, SemanticQuery
from .vocabulary import TIME_TYPES

__all__ = [
    "CompareColumn",
    "CompareGroup",
    "Shift",
    "attach_previous",
    "compare_columns",
    "compared_column",
    "plan_compare",
]

SEPARATOR = "__"
_STEPS = {  # grain -> (Ibis interval unit, count) of one bucket
    "day": ("D", 1),
    "week": ("D", 7),
    "month": ("M", 1),
    "quarter": ("M", 3),
    "year": ("Y", 1),
}
ColumnRole = Literal["previous", "change"]


def compare_columns(measure: str, shift: CompareShift) -> tuple[str, str]:
    """Result column names of comparing ``measure``: ``(previous, change)``.

    >>> compare_columns("orders.amount", "year")
    ('orders.amount__previous_year', 'orders.amount__change_year')
    """
    return f"{measure}{SEPARATOR}previous_{shift}", f"{measure}{SEPARATOR}change_{shift}"


def compared_column(name: str) -> tuple[str, ColumnRole, CompareShift] | None:
    """``(measure, "previous" | "change", shift)`` of a comparison column name, else None.

    >>> compared_column("revenue__change_period")
    ('revenue', 'change', 'period')
    """
    measure, separator, tail = name.rpartition(SEPARATOR)
    role, _, shift = tail.partition("_")
    if not separator or not measure or role not in ("previous", "change"):
        return None
    if shift not in get_args(CompareShift):
        return None
    return measure, role, shift  # type: ignore[return-value]


@dataclass(frozen=True)
class Shift:
    """Values of ``column`` read at ``node`` moved forward by ``count`` ``unit`` (Ibis interval
    units ``D``, ``M``, ``Y``): the previous side of a comparison sees its rows this way."""

    node: str
    column: str
    type: str
    """The column's logical type: ``date`` or ``timestamp``."""
    unit: str
    count: int
    to_date: bool = False
    """Leave out moved rows past the column's last date (see the module)."""

    def applies(self, dimension: DimensionField) -> bool:
        """Whether ``dimension`` (or a filter on it) reads the shifted column."""
        return dimension.table == self.node and dimension.column.name == self.column

    def move(self, column: ir.Value) -> ir.Value:
        """``column`` moved forward; a date stays a date (DuckDB's date + interval is a
        timestamp, and Ibis would drop a plain cast it believes useless)."""
        assert isinstance(column, ir.DateValue | ir.TimestampValue)
        step = ibis.literal(self.count, type="int32")
        assert isinstance(step, ir.IntegerScalar)
        moved = column + step.as_interval(self.unit)
        if self.type == "date":
            return ops.Cast(moved, to=dt.date).to_expr()
        return moved


@dataclass(frozen=True)
class CompareColumn:
    """One comparison: its measure, and the names and labels of its two columns."""

    measure: MeasureField
    previous: str
    change: str
    previous_label: str
    change_label: str


@dataclass(frozen=True)
class CompareGroup:
    """The comparisons sharing one shift: their previous values come from one aggregate."""

    shift: Shift
    columns: tuple[CompareColumn, ...]

    @property
    def measures(self) -> list[MeasureField]:
        """The compared measures, each once."""
        found: dict[str, MeasureField] = {}
        for column in self.columns:
            found.setdefault(column.measure.field, column.measure)
        return list(found.values())


def plan_compare(
    query: SemanticQuery, dimensions: Sequence[DimensionField], measures: Sequence[MeasureField]
) -> list[CompareGroup]:
    """The comparisons of ``query`` grouped by shift (empty without ``compare``).

    Raises
    ------
    SemanticError
        Naming the comparison at fault: a measure not in the query, a comparison listed twice,
        no time dimension with a grain (or more than one).
    """
    if not query.compare:
        return []
    by_field = {m.field: m for m in measures}
    time = _time_dimension(query, dimensions)
    assert time.grain is not None
    taken = set(query.measures) | set(query.dimensions)
    seen: set[tuple[str, str]] = set()
    groups: dict[tuple[CompareShift, bool], list[CompareColumn]] = {}
    for item in query.compare:
        measure = by_field.get(item.measure)
        if measure is None:
            listed = ", ".join(query.measures) or "none"
            raise SemanticError(
                f"Compare {item.measure!r}: it is not one of the query's measures "
                f"(measures: {listed}); add it to the measures to compare it",
                field=item.measure,
            )
        if (item.measure, item.shift) in seen:
            raise SemanticError(
                f"Compare {item.measure!r} with the previous {item.shift} is listed twice",
                field=item.measure,
            )
        seen.add((item.measure, item.shift))
        previous, change = compare_columns(item.measure, item.shift)
        clash = next((n for n in (previous, change) if n in taken), None)
        if clash is not None:
            raise SemanticError(
                f"Compare {item.measure!r}: its column {clash!r} has the name of a field of the "
                "query; rename that calculated measure",
                field=item.measure,
            )
        word = "year" if item.shift == "year" else time.grain
        groups.setdefault((item.shift, item.to_date), []).append(
            CompareColumn(
                measure,
                previous,
                change,
                f"{measure.label} (previous {word})",
                f"{measure.label} change vs previous {word}",
            )
        )
    return [CompareGroup(_shift(time, *key), tuple(columns)) for key, columns in groups.items()]


def _time_dimension(query: SemanticQuery, dimensions: Sequence[DimensionField]) -> DimensionField:
    first = query.compare[0].measure
    timed = [d for d in dimensions if d.grain is not None]
    if len(timed) == 1:
        return timed[0]
    if timed:
        names = ", ".join(repr(d.field) for d in timed)
        raise SemanticError(
            f"Compare {first!r}: the query has several time dimensions with a grain ({names}); "
            "keep one to compare with the previous period",
            field=timed[-1].field,
        )
    raw = next((d for d in dimensions if d.type in TIME_TYPES), None)
    hint = (
        f"; give {raw.field!r} a grain, such as '{raw.field}.month'"
        if raw is not None
        else "; add one, such as a date column by month (table.column.month)"
    )
    raise SemanticError(
        f"Compare {first!r} needs a time dimension with a grain to find the previous period, "
        f"and the query has none{hint}",
        field=first,
    )


def _shift(time: DimensionField, shift: CompareShift, to_date: bool) -> Shift:
    assert time.grain is not None
    unit, count = _STEPS["year" if shift == "year" else time.grain]
    return Shift(time.table, time.column.name, time.column.type, unit, count, to_date)


def attach_previous(
    result: ir.Table, previous: ir.Table, dims: Sequence[str], group: CompareGroup
) -> ir.Table:
    """``result`` with ``group``'s previous and change columns: ``previous`` (the shifted
    aggregate of the group's measures by ``dims``) left-joined on the dimensions, NULL-safe."""
    result = result.view()  # a relation of its own, even when it is a join's projection
    keys = {f"{d}#previous": previous[d] for d in dims}
    values = {c.previous: previous[c.measure.field] for c in group.columns}
    right = previous.select(**keys, **values).view()
    on = [result[d].identical_to(right[f"{d}#previous"]) for d in dims]
    joined = result.join(right, on, how="left")
    columns: dict[str, ir.Value] = {c: result[c] for c in result.columns}
    for column in group.columns:
        now = result[column.measure.field].cast("float64")
        before = right[column.previous]
        columns[column.previous] = before
        change = (now - before.cast("float64")) / before.cast("float64").abs().nullif(0)
        columns[column.change] = change
    return joined.select(**columns)
