"""A chart the user chose: fill in the axes the user left out, refuse what cannot be drawn.

:func:`plan_chart` starts from :func:`~pipelines.charts.suggest.suggest_chart`. With no kind it
returns the suggestion (with any axes the user named). With another kind it picks sensible axes
for that kind (the time or category column on x, the measures on y) and checks that the named
columns exist and hold numbers where numbers are needed; :class:`ChartError` says which column
is at fault otherwise. Bars over a date keep every period upright, in time order (no "Other"
bar: a month is not a category to rank).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from .columns import ResultColumn, columns_by_role
from .suggest import (
    CHART_KINDS,
    MAX_MEASURES,
    PIE_MAX_SLICES,
    ChartSuggestion,
    bar_layout,
    category_label,
    finite_numbers,
    suggest_chart,
)

KIND_NAMES = {
    "kpi": "KPI", "line": "Line", "area": "Area", "bar": "Bars", "pie": "Pie",
    "scatter": "Scatter plot", "table": "Table",
}  # fmt: skip


class ChartError(ValueError):
    """A chart that cannot be drawn from this result; the message names the column at fault."""


def _find(columns: Sequence[ResultColumn], name: str) -> ResultColumn:
    for column in columns:
        if column.name == name:
            return column
    listed = ", ".join(c.name for c in columns) or "none"
    raise ChartError(f"Column {name!r} is not in the result (its columns: {listed})")


def _need_numbers(kind: str, column: ResultColumn) -> None:
    if not column.numeric:
        raise ChartError(
            f"A {kind} chart plots numbers, and {column.display!r} is {column.type}: "
            "pick a numeric column"
        )


def plan_chart(
    columns: Sequence[ResultColumn],
    rows: Sequence[Sequence[Any]],
    kind: str | None = None,
    x: str | None = None,
    y: Sequence[str] = (),
    series: str | None = None,
) -> ChartSuggestion:
    """The chart to draw: the suggestion, or ``kind`` with its missing axes filled in.

    Parameters
    ----------
    columns, rows
        The result.
    kind
        One of :data:`CHART_KINDS`; ``None`` takes the suggested kind.
    x, y, series
        Column names chosen by the user; left out, they come from the suggestion or from the
        columns' roles.

    Raises
    ------
    ChartError
        A named column is missing, a numeric axis names a non-numeric column, or the result has
        no column the kind needs (such as a number for a KPI).
    """
    if not columns:
        raise ChartError("The result has no columns to chart")
    suggestion = suggest_chart(columns, rows)
    for name in [x, series, *y]:
        if name is not None:
            _find(columns, name)
    chosen = kind or suggestion.kind
    if chosen not in CHART_KINDS:
        raise ChartError(f"Unknown chart kind {chosen!r}; expected one of {', '.join(CHART_KINDS)}")
    if chosen == suggestion.kind and x is None and not y and series is None:
        return suggestion
    reason = suggestion.reason if chosen == suggestion.kind else f"{KIND_NAMES[chosen]} chosen"
    if chosen == "table":
        return ChartSuggestion("table", None, (), reason)
    times, categories, measures = columns_by_role(columns)
    numbers = [c for c in columns if c.numeric]
    default_y = [m.name for m in measures] or [c.name for c in numbers]
    if chosen == "kpi":
        names = list(y) or default_y[:1]
        if not names:
            raise ChartError("A KPI shows a number, and the result has no numeric column")
        for name in names:
            _need_numbers("KPI", _find(columns, name))
        return ChartSuggestion("kpi", None, tuple(names), reason)
    if chosen == "scatter":
        return _scatter(columns, x, list(y), numbers, default_y, reason)
    first_axis = (times if chosen in ("line", "area") else []) + categories + times + list(columns)
    x_name = x or (suggestion.x if suggestion.kind == chosen else None) or first_axis[0].name
    names = [n for n in (list(y) or default_y) if n != x_name and n != series]
    if not names:
        raise ChartError(
            f"A {chosen} chart needs a numeric column besides {x_name!r}, and the result has none"
        )
    for name in names:
        _need_numbers(chosen, _find(columns, name))
    if chosen == "pie":
        return _pie(columns, rows, x_name, names[0], reason)
    names = names[:MAX_MEASURES]
    if chosen == "bar":
        if _find(columns, x_name).temporal:  # a bar per period, in time order, all of them
            return ChartSuggestion("bar", x_name, tuple(names), reason)
        labels = _labels(columns, rows, x_name)
        horizontal, top_n, _ = bar_layout(labels)
        return ChartSuggestion("bar", x_name, tuple(names), reason, horizontal, top_n)
    if series is None and suggestion.kind in ("line", "area") and suggestion.x == x_name:
        series = suggestion.series
    planned = ChartSuggestion(chosen, x_name, tuple(names), reason)  # type: ignore[arg-type]
    return replace(planned, series=series, y=planned.y[:1] if series else planned.y)


def _labels(columns: Sequence[ResultColumn], rows: Sequence[Sequence[Any]], name: str) -> list[str]:
    index = [c.name for c in columns].index(name)
    return list(dict.fromkeys(category_label(row[index]) for row in rows))


def _scatter(
    columns: Sequence[ResultColumn],
    x: str | None,
    y: list[str],
    numbers: list[ResultColumn],
    default_y: list[str],
    reason: str,
) -> ChartSuggestion:
    ordered = list(dict.fromkeys([*default_y, *(c.name for c in numbers)]))
    x_name = x or next((n for n in ordered if n not in y), None)
    y_names = y or [n for n in ordered if n != x_name][:1]
    if x_name is None or not y_names:
        found = ", ".join(c.name for c in numbers) or "none"
        raise ChartError(f"A scatter plot needs two numeric columns; the result has: {found}")
    _need_numbers("scatter", _find(columns, x_name))
    for name in y_names:
        _need_numbers("scatter", _find(columns, name))
    return ChartSuggestion("scatter", x_name, tuple(y_names[:1]), reason)


def _pie(
    columns: Sequence[ResultColumn],
    rows: Sequence[Sequence[Any]],
    x: str,
    y: str,
    reason: str,
) -> ChartSuggestion:
    index = [c.name for c in columns].index(y)
    negative = [v for v in finite_numbers([row[index] for row in rows]) if v < 0]
    if negative:
        raise ChartError(
            f"A pie shows parts of a whole, and {_find(columns, y).display!r} has negative "
            f"values (such as {negative[0]:g}): use bars"
        )
    labels = _labels(columns, rows, x)
    top_n = PIE_MAX_SLICES - 1 if len(labels) > PIE_MAX_SLICES else None
    return ChartSuggestion("pie", x, (y,), reason, top_n=top_n)
