"""Which chart fits a query result, and why, in one line.

The rules, tried in this order (constants below):

1. No rows: a table (``"No rows: nothing to chart"``).
2. One row: one measure is a KPI; several measures (or none) are a table, since numbers of
   different units side by side read better as a row than as bars.
3. One time dimension (date or timestamp) and 1 to ``MAX_MEASURES`` measures: a line over
   time, one line per measure. An **area** instead when there is a single measure that is
   additive (sum- or count-like, see :func:`~pipelines.charts.columns.is_additive`) and never
   negative: the filled area then reads as a quantity. A second, category dimension with at
   most ``MAX_SERIES`` values and one measure gives one line per category (``series``).
4. One category dimension (text, boolean, key, year...) and measures:

   - two measures over more than ``SCATTER_MIN_ROWS`` categories: a scatter (each point a
     category, named in the tooltip);
   - a **pie** when there is one measure, 2 to ``PIE_MAX_SLICES`` categories, all values at least
     0 (some above) and the measure is additive;
   - otherwise **bars** (grouped for several measures, up to ``MAX_MEASURES``): horizontal when
     the longest label has more than ``LONG_LABEL`` characters or there are more than
     ``MANY_CATEGORIES`` categories; beyond ``TOP_N`` categories, ``top_n=TOP_N`` (the chart
     keeps the top N by the first measure and adds an "Other" bar).
5. No dimension and exactly two measures: a scatter.
6. Anything else (two categories, three measures without a category, text only...): a table.

Categories are counted as distinct values; rows repeating a category are combined by the chart.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from .columns import ResultColumn, columns_by_role, is_additive

ChartKind = Literal["kpi", "line", "area", "bar", "pie", "scatter", "table"]
CHART_KINDS: tuple[str, ...] = ("kpi", "line", "area", "bar", "pie", "scatter", "table")

TOP_N = 20
"""Bars beyond this many categories: the top N plus "Other"."""
PIE_MAX_SLICES = 6
LONG_LABEL = 12
"""Bars turn horizontal when a label is longer than this many characters..."""
MANY_CATEGORIES = 12
"""... or when there are more categories than this."""
MAX_MEASURES = 5
"""More measures than this in one line or bar chart is unreadable: a table."""
MAX_SERIES = 10
"""At most this many lines when a category splits a time series."""
SCATTER_MIN_ROWS = 50
"""Two measures by a category with more categories than this: a scatter, not bars."""
EMPTY_LABEL = "(empty)"
"""How a missing category value is shown."""


@dataclass(frozen=True)
class ChartSuggestion:
    """A chart kind with its axes and the one-line reason it was chosen.

    ``x`` is the category, time or first-number column (``None`` for KPI and table); ``y`` the
    plotted measures. ``series`` (line only) names the category that splits the lines.
    """

    kind: ChartKind
    x: str | None
    y: tuple[str, ...]
    reason: str
    horizontal: bool = False
    top_n: int | None = None
    series: str | None = None

    def as_json(self) -> dict[str, Any]:
        """JSON-safe form (``y`` as a list)."""
        return {
            "kind": self.kind,
            "x": self.x,
            "y": list(self.y),
            "reason": self.reason,
            "horizontal": self.horizontal,
            "top_n": self.top_n,
            "series": self.series,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ChartSuggestion:
        """The inverse of :meth:`as_json`; missing keys take their defaults."""
        kind = data.get("kind", "table")
        if kind not in CHART_KINDS:
            raise ValueError(
                f"Unknown chart kind {kind!r}; expected one of {', '.join(CHART_KINDS)}"
            )
        y = data.get("y") or ()
        return cls(
            kind=kind,
            x=data.get("x"),
            y=(y,) if isinstance(y, str) else tuple(str(v) for v in y),
            reason=str(data.get("reason", "")),
            horizontal=bool(data.get("horizontal", False)),
            top_n=data.get("top_n"),
            series=data.get("series"),
        )


def _table(reason: str) -> ChartSuggestion:
    return ChartSuggestion("table", None, (), reason)


def _values(columns: Sequence[ResultColumn], rows: Sequence[Sequence[Any]], name: str) -> list[Any]:
    index = next(i for i, c in enumerate(columns) if c.name == name)
    return [row[index] if index < len(row) else None for row in rows]


def category_label(value: Any) -> str:
    """The text a category value is shown as: ``None`` is ``"(empty)"``, booleans are
    ``true``/``false``, dates ISO, anything else ``str(value)``."""
    if value is None or (isinstance(value, float) and value != value):  # None or NaN
        return EMPTY_LABEL
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def finite_numbers(values: Sequence[Any]) -> list[float]:
    """The values that are numbers (not missing, not NaN, not booleans), as floats."""
    out = []
    for v in values:
        if v is None or isinstance(v, bool):
            continue
        try:
            number = float(v)
        except (TypeError, ValueError):
            continue
        if number == number:  # NaN is missing
            out.append(number)
    return out


def _plural(count: int, word: str, plural: str) -> str:
    return f"{count:,} {word if count == 1 else plural}"


def bar_layout(labels: Sequence[str]) -> tuple[bool, int | None, str]:
    """``(horizontal, top_n, note)`` for bars over these distinct category labels."""
    count = len(labels)
    longest = max((len(label) for label in labels), default=0)
    notes = []
    horizontal = False
    if longest > LONG_LABEL:
        horizontal, notes = True, ["horizontal for long labels"]
    elif count > MANY_CATEGORIES:
        horizontal, notes = True, [f"horizontal for {count} categories"]
    top_n = TOP_N if count > TOP_N else None
    if top_n is not None:
        notes.append(f"top {top_n} of {count} plus Other")
    return horizontal, top_n, "; ".join(notes)


def pie_fits(column: ResultColumn, labels: Sequence[str], values: Sequence[Any]) -> bool:
    """True when ``column`` over these categories is a whole split into a few positive parts."""
    numbers = finite_numbers(values)
    return (
        2 <= len(labels) <= PIE_MAX_SLICES
        and is_additive(column)
        and all(v >= 0 for v in numbers)
        and any(v > 0 for v in numbers)
    )


def suggest_chart(
    columns: Sequence[ResultColumn], rows: Sequence[Sequence[Any]]
) -> ChartSuggestion:
    """The chart that fits a result best, with a one-line reason (see the module's rules).

    Parameters
    ----------
    columns
        The result's columns; a column without a role gets one from its type and name.
    rows
        The result's rows, values in column order.

    Returns
    -------
    ChartSuggestion
        Deterministic: the same columns and rows always give the same suggestion.
    """
    if not columns or not rows:
        return _table("No rows: nothing to chart")
    times, categories, measures = columns_by_role(columns)
    names = tuple(m.name for m in measures)
    if len(rows) == 1:
        if len(measures) == 1:
            return ChartSuggestion("kpi", None, names, "One number: shown as a KPI")
        if not measures:
            return _table("One row without numbers: shown as a table")
        return _table(f"One row of {len(measures)} numbers: shown as a table")
    if not measures:
        return _table("No numbers to plot: shown as a table")
    if len(measures) > MAX_MEASURES and (times or categories):
        return _table(f"{len(measures)} numbers are too many for one chart: shown as a table")
    if times:
        return _time_chart(columns, rows, times, categories, measures)
    if len(categories) == 1:
        return _category_chart(columns, rows, categories[0], measures)
    if not categories and len(measures) == 2:
        return ChartSuggestion(
            "scatter", names[0], names[1:], "Two numbers without a category: a scatter plot"
        )
    if categories:
        listed = ", ".join(c.display for c in categories[:3])
        return _table(f"{len(categories)} categories ({listed}): shown as a table")
    return _table(f"{len(measures)} numbers without a category: shown as a table")


def _time_chart(
    columns: Sequence[ResultColumn],
    rows: Sequence[Sequence[Any]],
    times: list[ResultColumn],
    categories: list[ResultColumn],
    measures: list[ResultColumn],
) -> ChartSuggestion:
    if len(times) > 1:
        listed = ", ".join(t.display for t in times)
        return _table(f"Several dates ({listed}): shown as a table")
    x = times[0].name
    names = tuple(m.name for m in measures)
    if categories:
        if len(categories) > 1 or len(measures) > 1:
            return _table("A date with several categories or numbers: shown as a table")
        split = categories[0]
        count = len({category_label(v) for v in _values(columns, rows, split.name)})
        if count > MAX_SERIES:
            return _table(
                f"Dates by {split.display} ({count} values, more than {MAX_SERIES} lines): "
                "shown as a table"
            )
        return ChartSuggestion(
            "line",
            x,
            names,
            f"Dates on the x axis: one line per {split.display}",
            series=split.name,
        )
    if len(measures) == 1:
        measure = measures[0]
        numbers = finite_numbers(_values(columns, rows, measure.name))
        if is_additive(measure) and numbers and min(numbers) >= 0:
            return ChartSuggestion(
                "area", x, names, "Dates on the x axis and one total, never negative: an area"
            )
        return ChartSuggestion("line", x, names, "Dates on the x axis: a line over time")
    return ChartSuggestion("line", x, names, "Dates on the x axis: one line per measure")


def _category_chart(
    columns: Sequence[ResultColumn],
    rows: Sequence[Sequence[Any]],
    category: ResultColumn,
    measures: list[ResultColumn],
) -> ChartSuggestion:
    labels = list(dict.fromkeys(category_label(v) for v in _values(columns, rows, category.name)))
    names = tuple(m.name for m in measures)
    if len(measures) == 2 and len(labels) > SCATTER_MIN_ROWS:
        return ChartSuggestion(
            "scatter",
            names[0],
            names[1:],
            f"Two numbers for {len(labels):,} values of {category.display}: a scatter plot",
        )
    if len(measures) == 1 and pie_fits(
        measures[0], labels, _values(columns, rows, measures[0].name)
    ):
        return ChartSuggestion(
            "pie",
            category.name,
            names,
            f"Parts of a whole ({_plural(len(labels), 'category', 'categories')}, none negative): a pie",
        )
    horizontal, top_n, note = bar_layout(labels)
    what = "its number" if len(measures) == 1 else f"{len(measures)} numbers, grouped"
    reason = f"One category and {what}: bars" + (f"; {note}" if note else "")
    return ChartSuggestion("bar", category.name, names, reason, horizontal, top_n)
