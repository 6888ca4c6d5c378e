"""Dashboard filters as semantic filters: date presets resolved against a day, values filters,
the viewer's overrides of both, and cross-filters from clicking a chart.

Pure functions of the document and of ``today`` (injected, so tests and notebooks pick the day):

    from pipelines.dashboards.filters import date_range
    date_range(DateFilter(id="d", field="orders.order_date", preset="last_7_days"), today)
    # DateRange(start=today - 6 days, end=today)

Every range is inclusive at both ends; either end may be open (``None``).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pipelines.semantic.query import Filter

from .document import DATE_PRESETS, DashboardDocument, DateFilter, ValuesFilter

__all__ = [
    "ActiveFilter",
    "CrossFilter",
    "DateRange",
    "FilterValueError",
    "active_filters",
    "date_filter",
    "date_range",
    "values_filter",
]

_LAST_DAYS = {"last_7_days": 7, "last_30_days": 30, "last_90_days": 90}


class FilterValueError(ValueError):
    """A filter override or cross-filter that cannot be read; ``filter_id`` names it."""

    def __init__(self, message: str, filter_id: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.filter_id = filter_id


@dataclass(frozen=True)
class DateRange:
    """Inclusive dates; ``None`` leaves that end open."""

    start: dt.date | None
    end: dt.date | None

    @property
    def days(self) -> int | None:
        """Days in the range (both ends counted); None when an end is open."""
        if self.start is None or self.end is None:
            return None
        return (self.end - self.start).days + 1

    def label(self) -> str:
        start = self.start.isoformat() if self.start else "the beginning"
        end = self.end.isoformat() if self.end else "now"
        return f"{start} to {end}"

    def previous(self) -> DateRange | None:
        """The period of equal length just before this one (None when an end is open).

        Whole calendar months (and years) step back by as many months, so March compares with
        February and 2024 with 2023; any other range steps back by its number of days.
        """
        if self.start is None or self.end is None or self.end < self.start:
            return None
        months = _whole_months(self.start, self.end)
        if months is not None:
            first = _add_months(self.start, -months)
            return DateRange(first, self.start - dt.timedelta(days=1))
        length = dt.timedelta(days=(self.end - self.start).days + 1)
        return DateRange(self.start - length, self.end - length)


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, 1)


def _whole_months(start: dt.date, end: dt.date) -> int | None:
    """Months from ``start`` to ``end`` when they are the first and last days of months."""
    last = calendar.monthrange(end.year, end.month)[1]
    if start.day != 1 or end.day != last:
        return None
    return (end.year - start.year) * 12 + end.month - start.month + 1


def _iso_date(value: Any, what: str, filter_id: str | None) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise FilterValueError(
            f"Filter {filter_id!r}: {what} {value!r} is not a date (write YYYY-MM-DD)", filter_id
        ) from None


def date_range(item: DateFilter, today: dt.date) -> DateRange | None:
    """The inclusive range ``item`` selects on ``today``; None when it selects everything.

    ``last_N_days`` ends today and counts today; ``month_to_date`` runs from the first of the
    month to today; ``this_year`` and ``last_year`` are whole calendar years; ``custom`` uses
    ``start`` and ``end`` (either may be open). No preset with no dates means no filter.
    """
    preset = item.preset
    if preset in _LAST_DAYS:
        return DateRange(today - dt.timedelta(days=_LAST_DAYS[preset] - 1), today)
    if preset == "month_to_date":
        return DateRange(today.replace(day=1), today)
    if preset == "this_year":
        return DateRange(dt.date(today.year, 1, 1), dt.date(today.year, 12, 31))
    if preset == "last_year":
        return DateRange(dt.date(today.year - 1, 1, 1), dt.date(today.year - 1, 12, 31))
    start = _iso_date(item.start, "start", item.id)
    end = _iso_date(item.end, "end", item.id)
    if start is None and end is None:
        return None
    if start is not None and end is not None and end < start:
        raise FilterValueError(
            f"Filter {item.id!r}: the end {end.isoformat()} is before the start "
            f"{start.isoformat()}",
            item.id,
        )
    return DateRange(start, end)


def date_filter(field: str, span: DateRange, type_: str = "date") -> Filter | None:
    """The semantic filter of ``span`` on ``field``: between, gte or lte (None if both open).

    On a timestamp field the end day is included up to its last microsecond.
    """
    start = None if span.start is None else span.start.isoformat()
    end = None if span.end is None else span.end.isoformat()
    if type_ == "timestamp":
        start = None if start is None else f"{start}T00:00:00"
        end = None if end is None else f"{end}T23:59:59.999999"
    if start is not None and end is not None:
        return Filter(field=field, op="between", value=[start, end])
    if start is not None:
        return Filter(field=field, op="gte", value=start)
    if end is not None:
        return Filter(field=field, op="lte", value=end)
    return None


def values_filter(field: str, values: Sequence[Any]) -> Filter | None:
    """``field in values``; None for no values (the filter selects everything)."""
    if not values:
        return None
    return Filter(field=field, op="in", value=list(values))


@dataclass(frozen=True)
class CrossFilter:
    """A chart click: keep rows whose ``field`` is one of ``values``, on every widget except
    the clicked one (``widget_id``)."""

    widget_id: str
    field: str
    values: tuple[Any, ...]

    @property
    def id(self) -> str:
        return f"cross:{self.widget_id}:{self.field}"

    @classmethod
    def from_json(cls, data: Any) -> CrossFilter:
        """From ``{"widget_id", "field", "values"}`` (``value`` for a single one)."""
        if not isinstance(data, Mapping):
            raise FilterValueError(
                'A cross-filter is an object {"widget_id", "field", "values"}, '
                f"not {type(data).__name__}"
            )
        widget, field = data.get("widget_id"), data.get("field")
        values = data.get("values", [data["value"]] if "value" in data else None)
        if not isinstance(widget, str) or not widget or not isinstance(field, str) or not field:
            raise FilterValueError("A cross-filter needs a widget_id and a field (table.column)")
        if not isinstance(values, list) or not all(_scalar(v) for v in values):
            raise FilterValueError(
                f"Cross-filter on {field!r}: values must be a list of texts, numbers or booleans"
            )
        return cls(widget, field, tuple(values))


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


@dataclass(frozen=True)
class ActiveFilter:
    """A dashboard filter or cross-filter that filters something, as a semantic filter.

    ``kind`` is ``date``, ``values`` or ``cross``; ``span`` the date range of a date filter;
    ``skip_widget`` the widget a cross-filter does not apply to (the one clicked)."""

    id: str
    kind: Literal["date", "values", "cross"]
    field: str
    values: tuple[Any, ...] = ()
    span: DateRange | None = None
    skip_widget: str | None = None

    def semantic(self, type_: str = "date") -> Filter | None:
        """The semantic filter; ``type_`` is the field's logical type (for date ranges)."""
        if self.span is not None:
            return date_filter(self.field, self.span, type_)
        return values_filter(self.field, self.values)


def _override_date(item: DateFilter, value: Any) -> DateFilter:
    """``item`` with the viewer's choice: a preset name, ``[start, end]`` or an object."""
    if value is None:
        return item.model_copy(update={"preset": None, "start": None, "end": None})
    if isinstance(value, str):
        return item.model_copy(update={"preset": value, "start": None, "end": None})
    if isinstance(value, list) and len(value) == 2:
        start, end = value
        return item.model_copy(update={"preset": "custom", "start": start, "end": end})
    if isinstance(value, Mapping) and set(value) <= {"preset", "start", "end"}:
        update = {
            "preset": value.get("preset", "custom"),
            "start": value.get("start"),
            "end": value.get("end"),
        }
        return item.model_copy(update=update)
    raise FilterValueError(
        f"Filter {item.id!r} is a date filter: give a preset name, [start, end] or "
        '{"preset", "start", "end"}',
        item.id,
    )


def _checked_date(item: DateFilter) -> DateFilter:
    if item.preset is not None and item.preset not in DATE_PRESETS:
        raise FilterValueError(
            f"Filter {item.id!r}: unknown date preset {item.preset!r} "
            f"(presets: {', '.join(DATE_PRESETS)})",
            item.id,
        )
    for end in (item.start, item.end):
        if end is not None and not isinstance(end, str):
            raise FilterValueError(f"Filter {item.id!r}: dates are ISO text", item.id)
    return item


def _override_values(item: ValuesFilter, value: Any) -> tuple[Any, ...]:
    if value is None:
        return ()
    values = value if isinstance(value, list) else [value]
    if not all(_scalar(v) and v is not None for v in values):
        raise FilterValueError(
            f"Filter {item.id!r}: values must be texts, numbers or booleans", item.id
        )
    return tuple(values)


def active_filters(
    document: DashboardDocument,
    today: dt.date,
    overrides: Mapping[str, Any] | None = None,
    cross: Sequence[CrossFilter] = (),
) -> list[ActiveFilter]:
    """The filters that filter something, in the document's order, then the cross-filters.

    ``overrides`` replaces a filter's stored value by id: for a values filter a list of values
    (``[]`` or ``None``: all); for a date filter a preset name, ``[start, end]`` (ISO dates,
    either may be null) or ``{"preset", "start", "end"}``, ``None`` meaning no range.

    Raises
    ------
    FilterValueError
        Naming an unknown filter id or a value that cannot be read.
    """
    overrides = dict(overrides or {})
    known = {f.id for f in document.filters}
    unknown = sorted(set(overrides) - known)
    if unknown:
        listed = ", ".join(sorted(known)) or "none"
        raise FilterValueError(
            f"Unknown filter {unknown[0]!r} (this dashboard's filters: {listed})", unknown[0]
        )
    found: list[ActiveFilter] = []
    for item in document.filters:
        if isinstance(item, DateFilter):
            chosen = _override_date(item, overrides[item.id]) if item.id in overrides else item
            span = date_range(_checked_date(chosen), today)
            if span is not None:
                found.append(ActiveFilter(item.id, "date", item.field, span=span))
        else:
            values = (
                _override_values(item, overrides[item.id])
                if item.id in overrides
                else tuple(item.values)
            )
            if values:
                found.append(ActiveFilter(item.id, "values", item.field, values=values))
    for click in cross:
        if click.values:
            found.append(
                ActiveFilter(
                    click.id, "cross", click.field, values=click.values, skip_widget=click.widget_id
                )
            )
    return found
