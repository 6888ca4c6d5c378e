"""The widget builder's "Count rows active over time" section: the ``over_time`` part of a
widget's query (read :mod:`pipelines.semantic.over_time_query` for what it computes).

A checkbox turns it on; the section then asks for the start date and the optional end date (date
columns of one table: the end is offered from the start's table), the period grain, whether a
row counts when active at the end of the period or on any day of it, and the flows (hires,
exits, average count, turnover, tenure). :meth:`OverTimeControls.value` starts from the loaded
``OverTime`` and changes only what the form shows, so parts of it the form has no control for
are kept.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

import panel as pn

from components.model.try_it import column_type as field_type
from pipelines.semantic.model import TIME_TYPES, SemanticModel
from pipelines.semantic.over_time_query import FLOWS, PERIOD, OverTime

FLOW_CHOICES = {
    "Hires / starts": "starts",
    "Exits / ends": "ends",
    "Average count (on an average day)": "average",
    "Turnover rate (exits / average count)": "turnover",
    "Average tenure (years)": "tenure",
}
"""The flow checkboxes: label -> flow."""
FLOW_NAMES = {
    "starts": "Hires",
    "ends": "Exits",
    "average": "Average count",
    "turnover": "Turnover rate",
    "tenure": "Average tenure (years)",
}
"""Short names of the flows, for default titles and the sort picker."""
AT_CHOICES = {"Active at the end of the period": "end", "Active on any day of the period": "any"}
OVER_TIME_GRAINS = {"Month": "month", "Quarter": "quarter", "Year": "year"}
NO_END = "(no end date: rows never end)"


def date_columns(model: SemanticModel) -> dict[str, str]:
    """Label -> ``table.column`` of every date or timestamp column of the model's tables."""
    return {
        f"{table.display} \u00b7 {column.display}": f"{table.name}.{column.name}"
        for table in model.tables
        for column in table.columns
        if column.type in TIME_TYPES and column.role != "ignored"
    }


def _table(field: str) -> str:
    return field.partition(".")[0]


class OverTimeControls:
    """The over-time section; ``changed()`` after any edit, ``toggled(on)`` when switched."""

    def __init__(self, changed: Callable[[], None], toggled: Callable[[bool], None]) -> None:
        self._changed, self._toggled = changed, toggled
        self._base: OverTime | None = None
        self._filling = False
        self._dates: dict[str, str] = {}
        self.enabled = pn.widgets.Checkbox(
            name="Count rows active over time", css_classes=["dp-builder-over-time"]
        )
        self._start = pn.widgets.Select(
            name="Start date", options={}, width=220, css_classes=["dp-builder-over-time-start"]
        )
        self._end = pn.widgets.Select(
            name="End date (optional, same table)", options={NO_END: ""}, value="", width=220,
            css_classes=["dp-builder-over-time-end"],
        )  # fmt: skip
        self._grain = pn.widgets.Select(
            name="One row per", options=OVER_TIME_GRAINS, value="month", width=140,
            css_classes=["dp-builder-over-time-grain"],
        )  # fmt: skip
        self._at = pn.widgets.RadioBoxGroup(
            name="A row counts when", options=AT_CHOICES, value="end",
            css_classes=["dp-builder-over-time-at"],
        )  # fmt: skip
        self._flows = pn.widgets.CheckBoxGroup(
            name="Also show", options=FLOW_CHOICES, value=[], inline=False,
            css_classes=["dp-builder-over-time-flows"],
        )  # fmt: skip
        self.note = pn.pane.HTML("", css_classes=["dp-builder-over-time-note"], margin=(0, 6))
        self._section = pn.Column(
            pn.Row(self._start, self._end, margin=0),
            self._grain,
            pn.pane.HTML("A row counts when", margin=(4, 6, 0, 6)),
            self._at,
            pn.pane.HTML("Also show", margin=(4, 6, 0, 6)),
            self._flows,
            self.note,
            visible=False,
            margin=(0, 0, 0, 12),
            css_classes=["dp-builder-over-time-section"],
        )
        self.layout = pn.Column(self.enabled, self._section, margin=0)
        self.enabled.param.watch(self._switched, "value")
        self._start.param.watch(lambda _: self._start_picked(), "value")
        for widget in (self._end, self._grain, self._at, self._flows):
            widget.param.watch(lambda _: self._edited(), "value")

    # -- options and filling ---------------------------------------------------------------------
    def set_model(self, model: SemanticModel) -> None:
        """The date columns offered (the loaded start and end stay offered, known or not)."""
        self._dates = date_columns(model)
        self._sync_options()

    def fill(self, spec: OverTime | None) -> None:
        """Show ``spec`` (None: the section off, its controls back to their defaults)."""
        self._filling = True
        try:
            self._base = spec
            self._sync_options()
            self._start.value = spec.start if spec is not None else self._first_start()
            self._sync_options()
            self._end.value = (spec.end or "") if spec is not None else self._guess_end()
            self._grain.value = spec.grain if spec is not None else "month"
            self._at.value = spec.at if spec is not None else "end"
            self._flows.value = list(spec.flows) if spec is not None else []
            self.enabled.value = spec is not None
            self._section.visible = spec is not None
        finally:
            self._filling = False
        self._describe()

    def use_start(self, field: str, grain: str | None) -> bool:
        """Count over ``field`` (a date column offered as start) at ``grain``; False when it is
        not offered."""
        if field not in self._start.options.values():
            return False
        self._filling = True
        try:
            self._start.value = field
            self._sync_options()
            self._end.value = self._guess_end()
            if grain in OVER_TIME_GRAINS.values():
                self._grain.value = grain
        finally:
            self._filling = False
        self._describe()
        return True

    def take_date(self, model: SemanticModel, dimensions: list[str], grain: str) -> list[str]:
        """``dimensions`` without the first date one, which becomes the start (its grain the
        period's) when offered: switched on, the period column is the time axis and a date
        dimension would break each period down."""
        times = [d for d in dimensions if field_type(model, d) in TIME_TYPES]
        if times and self.use_start(times[0], grain):
            return [d for d in dimensions if d != times[0]]
        return dimensions

    def _sync_options(self) -> None:
        starts = dict(self._dates)
        loaded = [self._base.start] if self._base is not None else []
        for field in [*loaded, self._start.value]:
            if field and field not in starts.values():
                starts[field] = field
        first = next(iter(starts.values()), None)
        keep = self._start.value if self._start.value in starts.values() else first
        self._start.param.update(options=starts, value=keep)
        table = _table(keep or "")
        ends = {NO_END: ""}
        ends.update({k: v for k, v in starts.items() if _table(v) == table and v != keep})
        if self._base is not None and self._base.end and self._base.start == keep:
            ends.setdefault(self._base.end, self._base.end)
        end = self._end.value if self._end.value in ends.values() else ""
        self._end.param.update(options=ends, value=end)

    def _first_start(self) -> str | None:
        return next(iter(self._start.options.values()), None) if self._start.options else None

    def _guess_end(self) -> str:
        """No end unless the start's table has exactly one other date column."""
        others = [v for v in self._end.options.values() if v]
        return others[0] if len(others) == 1 else ""

    # -- changes ---------------------------------------------------------------------------------
    def _switched(self, event: Any) -> None:
        self._section.visible = bool(event.new)
        if self._filling:
            return
        if event.new and self._base is None and not self._end.value:
            self._filling = True  # a new part: the end guessed from the start's table
            try:
                self._end.value = self._guess_end()
            finally:
                self._filling = False
        self._describe()
        self._toggled(bool(event.new))
        self._changed()

    def _start_picked(self) -> None:
        if self._filling:
            return
        self._filling = True
        try:
            self._sync_options()
            self._end.value = self._end.value or self._guess_end()
        finally:
            self._filling = False
        self._edited()

    def _edited(self) -> None:
        if self._filling:
            return
        self._describe()
        self._changed()

    def _describe(self) -> None:
        if not self._start.value:
            self.note.object = (
                '<div class="dp-widget-error" role="alert">No table of the model has a date '
                "column to count its rows over time.</div>"
            )
            return
        grain = self._grain.value
        self.note.object = (
            f"<div>Each row of the result is a {escape(grain)} (the <i>Period</i> column). "
            "Dimensions break each period down (a date dimension adds its own grain, not the "
            "period's); measures are optional when a flow is ticked.</div>"
        )

    # -- the query part --------------------------------------------------------------------------
    @property
    def on(self) -> bool:
        return bool(self.enabled.value)

    def value(self) -> OverTime | None:
        """The ``over_time`` part the section describes (None when off or with no start): the
        loaded one with the shown fields changed, so fields the form does not show are kept."""
        if not self.enabled.value or not self._start.value:
            return None
        base = self._base.model_dump() if self._base is not None else {}
        picked = list(self._flows.value)
        kept = [f for f in (self._base.flows if self._base is not None else []) if f in picked]
        flows = kept + [f for f in FLOWS if f in picked and f not in kept]
        values = {
            **base, "start": self._start.value, "end": self._end.value or None,
            "grain": self._grain.value, "at": self._at.value, "flows": flows,
        }  # fmt: skip
        return OverTime.model_validate(values)

    def column_labels(self) -> dict[str, str]:
        """Labels of the columns the section adds (period and flows), for titles and sorting."""
        return {PERIOD: f"Period ({self._grain.value})", **FLOW_NAMES}
