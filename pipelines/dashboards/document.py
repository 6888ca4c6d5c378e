"""What a dashboard is: widgets on a grid, each with its query and chart settings, and the
dashboard's filters. Pure data (pydantic), stored as one JSON document per dashboard version.

A widget's query is a semantic query of the workspace's model (``source="semantic"``), or
read-only SQL (``source="sql"``, from a saved query or an Explore answer that was SQL). Only a
semantic query can be reached by dashboard filters: the model knows how its tables join.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pipelines.semantic.query import SemanticQuery

GRID_COLUMNS = 12
"""Width of the grid in columns (GridStack's default)."""
MAX_WIDGETS = 60
MAX_FILTERS = 12
MAX_TEXT = 20_000
"""Characters of a text widget's Markdown."""
MIN_REFRESH_SECONDS = 30

WidgetKind = Literal[
    "kpi", "line", "area", "bar", "hbar", "pie", "scatter", "table", "pivot", "text"
]  # fmt: skip
WIDGET_KINDS: tuple[str, ...] = (
    "kpi", "line", "area", "bar", "hbar", "pie", "scatter", "table", "pivot", "text"
)  # fmt: skip
DatePreset = Literal[
    "last_7_days", "last_30_days", "last_90_days", "month_to_date", "this_year", "last_year",
    "custom",
]  # fmt: skip
DATE_PRESETS: tuple[str, ...] = (
    "last_7_days", "last_30_days", "last_90_days", "month_to_date", "this_year", "last_year",
    "custom",
)  # fmt: skip

_ID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


class _Base(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _check_id(value: str, what: str) -> str:
    if not _ID.match(value):
        raise ValueError(f"{what} id {value!r}: use 1 to 40 letters, digits, '-' or '_'")
    return value


class Position(_Base):
    """Grid cell of a widget: column ``x``, row ``y``, ``w`` columns wide, ``h`` rows high."""

    x: int = Field(default=0, ge=0, lt=GRID_COLUMNS)
    y: int = Field(default=0, ge=0, le=10_000)
    w: int = Field(default=4, ge=1, le=GRID_COLUMNS)
    h: int = Field(default=4, ge=1, le=40)

    @model_validator(mode="after")
    def _fits(self) -> Position:
        if self.x + self.w > GRID_COLUMNS:
            raise ValueError(
                f"A widget at column {self.x} that is {self.w} wide overflows the "
                f"{GRID_COLUMNS}-column grid"
            )
        return self


class WidgetQuery(_Base):
    """What a widget shows. ``saved_query_id`` and ``answer_id`` only record where it came from
    (the widget keeps its own copy: editing the saved query later does not change it)."""

    source: Literal["semantic", "sql"] = "semantic"
    semantic: SemanticQuery | None = None
    sql: str | None = Field(default=None, max_length=100_000)
    saved_query_id: str | None = None
    answer_id: str | None = None

    @model_validator(mode="after")
    def _one(self) -> WidgetQuery:
        if self.source == "semantic" and self.semantic is None:
            raise ValueError("A semantic widget query needs its semantic query")
        if self.source == "sql" and not (self.sql or "").strip():
            raise ValueError("An SQL widget query needs its SQL")
        return self


class ChartSettings(_Base):
    """How the widget draws its rows. Empty fields mean "as the chart rules suggest".

    ``x`` the category or time column, ``y`` the plotted measures, ``series`` a category that
    splits lines or bars (and the pivot's column field), ``stacked`` bars, ``donut`` pies,
    ``time_field`` the KPI's date dimension (for its change against the previous period and
    its sparkline) and ``page_size`` a table's rows per page.
    """

    x: str | None = None
    y: list[str] = Field(default_factory=list)
    series: str | None = None
    stacked: bool = False
    donut: bool = False
    time_field: str | None = None
    page_size: int = Field(default=10, ge=5, le=200)


class Widget(_Base):
    """One tile of the grid. ``filters_off`` lists the dashboard filters switched off for it."""

    id: str
    kind: WidgetKind
    title: str = Field(default="", max_length=200)
    query: WidgetQuery | None = None
    text: str = Field(default="", max_length=MAX_TEXT)
    chart: ChartSettings = Field(default_factory=ChartSettings)
    position: Position = Field(default_factory=Position)
    filters_off: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _shape(self) -> Widget:
        _check_id(self.id, "Widget")
        if self.kind == "text":
            if self.query is not None:
                raise ValueError(f"Widget {self.id!r}: a text widget has no query")
        elif self.query is None:
            raise ValueError(f"Widget {self.id!r}: a {self.kind} widget needs a query")
        return self


class DateFilter(_Base):
    """A date range on a date or timestamp dimension (``table.column``). ``start`` and ``end``
    (ISO dates, inclusive) are used by the ``custom`` preset; either may be open."""

    id: str
    kind: Literal["date"] = "date"
    field: str
    label: str = ""
    preset: DatePreset | None = None
    start: str | None = None
    end: str | None = None


class ValuesFilter(_Base):
    """A multi-select of a dimension's values; no values means "all"."""

    id: str
    kind: Literal["values"] = "values"
    field: str
    label: str = ""
    values: list[str | int | float | bool] = Field(default_factory=list, max_length=1000)


DashboardFilter = DateFilter | ValuesFilter


class DashboardDocument(_Base):
    """Everything about a dashboard that a save versions (name and description live beside it)."""

    widgets: list[Widget] = Field(default_factory=list, max_length=MAX_WIDGETS)
    filters: list[DashboardFilter] = Field(default_factory=list, max_length=MAX_FILTERS)
    refresh_seconds: int | None = Field(default=None, ge=MIN_REFRESH_SECONDS, le=86_400)

    @model_validator(mode="after")
    def _unique(self) -> DashboardDocument:
        seen: set[str] = set()
        for widget in self.widgets:
            if widget.id in seen:
                raise ValueError(f"Two widgets have the id {widget.id!r}")
            seen.add(widget.id)
        filter_ids: set[str] = set()
        for item in self.filters:
            _check_id(item.id, "Filter")
            if item.id in filter_ids:
                raise ValueError(f"Two filters have the id {item.id!r}")
            filter_ids.add(item.id)
        for widget in self.widgets:
            unknown = sorted(set(widget.filters_off) - filter_ids)
            if unknown:
                raise ValueError(
                    f"Widget {widget.id!r} switches off unknown filter(s): {', '.join(unknown)}"
                )
        return self

    def widget(self, widget_id: str) -> Widget:
        """The widget ``widget_id`` (KeyError naming it when there is none)."""
        for widget in self.widgets:
            if widget.id == widget_id:
                return widget
        raise KeyError(f"No widget {widget_id!r} on this dashboard")
