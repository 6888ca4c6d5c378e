"""What a dashboard template file says: the roles it needs, its measures and its widgets.

A template never names a table or a column. It declares **roles** (``amount``, ``order_date``,
``customer``…) with hints for finding them in any workspace (names in English and French, types,
typical values), **measures** written over roles (``sum({amount}) / count(distinct
{order_id})``) and **widgets** written over measures and roles. :mod:`.mapping` finds a field of
the workspace's model for each role; :mod:`.build` turns the template and that mapping into a
dashboard document.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from pipelines.dashboards.document import Position, WidgetKind
from pipelines.semantic.first_seen_query import COUNT, STATUS
from pipelines.semantic.model import NumberFormat
from pipelines.semantic.over_time_query import PERIOD, TENURE_BAND, Flow, OverTime, OverTimeGrain
from pipelines.semantic.query import CompareShift
from pipelines.semantic.vocabulary import ColumnType, Grain

__all__ = [
    "ENDED_FLOWS",
    "END_FLOWS",
    "PLACEHOLDER",
    "CompareSpec",
    "FilterSpec",
    "FirstSeenSpec",
    "OverTimeSpec",
    "RoleHints",
    "RoleKind",
    "RoleSpec",
    "SortSpec",
    "Template",
    "TemplateMeasure",
    "WidgetSpec",
]

RoleKind = Literal["measure", "date", "dimension", "id"]
"""``measure`` a number to add up, ``date`` a date or timestamp, ``dimension`` a category to
group by, ``id`` an identifier (of an order, an employee) to count."""

NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*)\}")
"""A role in a measure expression: ``{amount}``."""
END_FLOWS = frozenset({"ends", "turnover"})
"""Over-time flows the engine computes from the rows' end: they need an end role."""
ENDED_FLOWS = END_FLOWS | {"tenure"}
"""Flows that mean little when the end role is not mapped (a tenure would count everyone ever
hired): such a widget is left out, where a headcount counts everyone hired so far."""


class _Base(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _name(value: str, what: str) -> str:
    if not NAME.match(value):
        raise ValueError(
            f"{what} {value!r}: use a lowercase letter then lowercase letters, digits or _ "
            "(at most 40 characters)"
        )
    return value


class RoleHints(_Base):
    """How to recognise a role's field. Every word is compared without accents, case, or
    separators (``Date d'entrée`` = ``date_entree``)."""

    names: list[str] = Field(default_factory=list, max_length=60)
    """Column names, labels and synonyms that mean this role, in English and French."""
    types: list[ColumnType] = Field(default_factory=list)
    """Expected types, best first; other types of the right kind score lower."""
    values: list[str] = Field(default_factory=list, max_length=60)
    """Typical values of a category (``F``, ``M``; ``CDI``, ``CDD``)."""
    same_table_as: str | None = None
    """Prefer a field of the table another role is mapped to (an order id beside the amount)."""


class RoleSpec(_Base):
    """One field the template needs."""

    name: str
    kind: RoleKind
    label: str = ""
    required: bool = True
    description: str = ""
    hints: RoleHints = Field(default_factory=RoleHints)

    @field_validator("name")
    @classmethod
    def _check(cls, value: str) -> str:
        return _name(value, "Role")

    @property
    def display(self) -> str:
        return self.label or self.name.replace("_", " ").capitalize()


class TemplateMeasure(_Base):
    """A measure written over roles: ``sum({amount})``, ``count(distinct {order_id})``."""

    name: str
    label: str = ""
    expression: str = Field(min_length=3, max_length=500)
    format: NumberFormat | None = None

    @field_validator("name")
    @classmethod
    def _check(cls, value: str) -> str:
        return _name(value, "Measure")

    @property
    def roles(self) -> list[str]:
        return list(dict.fromkeys(PLACEHOLDER.findall(self.expression)))

    @property
    def display(self) -> str:
        return self.label or self.name.replace("_", " ").capitalize()


class SortSpec(_Base):
    by: str
    """A measure of the widget or one of its dimension roles."""
    descending: bool = False


class CompareSpec(_Base):
    """One of the widget's measures beside its value one year (or one period) earlier, and the
    change (:class:`pipelines.semantic.query.Compare`)."""

    measure: str
    """A measure of the widget."""
    shift: CompareShift = "year"
    to_date: bool = False
    """Compare the bucket under way with the same days before (see ``Compare.to_date``)."""


class OverTimeSpec(_Base):
    """Rows counted in each period they are active, between two date roles
    (:class:`pipelines.semantic.over_time_query.OverTime`)."""

    start: str
    """The date role a row starts counting from (a hire date)."""
    end: str | None = None
    """The date role of its last day (an exit date). Left unmapped (an optional role), rows
    never end: everyone hired so far still counts, and the widget is only left out when one
    of its flows needs the end (``ends``, ``turnover``, ``tenure``: :data:`ENDED_FLOWS`) or it
    has tenure bands."""
    grain: OverTimeGrain = "month"
    at: Literal["end", "any"] = "end"
    flows: list[Flow] = Field(default_factory=list)
    tenure_bands: list[float] = Field(default_factory=list, max_length=20)
    """Band edges in years: the rows counted split by tenure (a ``tenure_band`` column)."""
    latest: bool = False
    """Only the newest period (a distribution as of the latest month)."""

    @property
    def roles(self) -> list[str]:
        return [self.start] if self.end is None else [self.start, self.end]


class FirstSeenSpec(_Base):
    """Each row new or returning by its entity's first date, in the buckets of the widget's
    date role (:class:`pipelines.semantic.first_seen_query.FirstSeen`): the widget gains the
    dimension ``new_or_returning`` (its bars or lines are split by it) and, with ``count``, the
    measure ``entities``."""

    entity: str
    """The role whose first date counts (a customer)."""
    count: bool = False
    """Also count the distinct entities (new customers, returning customers)."""


class WidgetSpec(_Base):
    """One tile, written over the template's measures and roles."""

    id: str
    kind: WidgetKind
    title: str = ""
    measures: list[str] = Field(default_factory=list)
    dimensions: list[str] = Field(default_factory=list)
    """Roles to group by; a date role is truncated to ``time_grain``."""
    time_grain: Grain = "month"
    series: str | None = None
    """A dimension role that splits the bars or lines (shown stacked with ``stacked``)."""
    stacked: bool = False
    donut: bool = False
    time_field: str | None = None
    """A KPI's date role: its sparkline and its change when a date filter applies."""
    sort: list[SortSpec] = Field(default_factory=list)
    limit: int | None = Field(default=None, ge=1, le=10_000)
    text: str = ""
    position: Position = Field(default_factory=Position)
    compare: list[CompareSpec] = Field(default_factory=list, max_length=10)
    """Measures of the widget beside their previous year's (or period's) value and the change;
    the widget needs one date role among its dimensions."""
    over_time: OverTimeSpec | None = None
    """Count the rows active in each period instead (headcount by month, hires and exits)."""
    first_seen: FirstSeenSpec | None = None
    """Split by new vs returning (the widget needs one date role among its dimensions)."""

    @field_validator("id")
    @classmethod
    def _check(cls, value: str) -> str:
        return _name(value, "Widget")

    @model_validator(mode="after")
    def _shape(self) -> WidgetSpec:
        flows = self.over_time.flows if self.over_time is not None else []
        if self.kind == "text":
            if (
                self.measures
                or self.dimensions
                or self.compare
                or self.over_time
                or self.first_seen
            ):
                raise ValueError(f"Widget {self.id!r}: a text widget has no measures")
        elif not self.measures and not flows and not (self.first_seen and self.first_seen.count):
            needs = "a measure or an over_time flow" if self.over_time else "a measure"
            raise ValueError(f"Widget {self.id!r}: a {self.kind} widget needs {needs}")
        if self.series is not None and self.series not in self.dimensions:
            raise ValueError(f"Widget {self.id!r}: series {self.series!r} is not a dimension")
        known = set(self.measures) | set(self.dimensions)
        if self.over_time is not None:
            known |= {PERIOD, *flows, *([TENURE_BAND] if self.over_time.tenure_bands else [])}
        if self.first_seen is not None:
            known |= {STATUS, *([COUNT] if self.first_seen.count else [])}
        for item in self.sort:
            if item.by not in known:
                extra = ", the period or a flow" if self.over_time is not None else ""
                raise ValueError(
                    f"Widget {self.id!r}: sort by {item.by!r}, which is neither a measure nor "
                    f"a dimension of the widget{extra}"
                )
        self._check_compare()
        self._check_over_time()
        return self

    def _check_compare(self) -> None:
        seen: set[tuple[str, str]] = set()
        for item in self.compare:
            if item.measure not in self.measures:
                raise ValueError(
                    f"Widget {self.id!r}: compare {item.measure!r} is not one of the widget's "
                    "measures"
                )
            if (item.measure, item.shift) in seen:
                raise ValueError(
                    f"Widget {self.id!r}: compare {item.measure!r} with the previous "
                    f"{item.shift} is listed twice"
                )
            seen.add((item.measure, item.shift))

    def _check_over_time(self) -> None:
        spec = self.over_time
        if spec is None:
            return
        if self.compare:
            raise ValueError(
                f"Widget {self.id!r}: compare and over_time cannot be combined (the periods "
                "of an over_time widget are already its rows)"
            )
        if self.time_field is not None:
            raise ValueError(
                f"Widget {self.id!r}: an over_time widget has no time_field (its periods are "
                "its rows)"
            )
        if len(set(spec.flows)) != len(spec.flows):
            raise ValueError(f"Widget {self.id!r}: over_time lists a flow twice")
        if spec.end is None and END_FLOWS & set(spec.flows):
            raise ValueError(
                f"Widget {self.id!r}: over_time flows ends and turnover need an end role"
            )
        try:  # the engine's own rules on bands (positive, ascending, the tenure flow only)
            OverTime(start="t.c", tenure_bands=spec.tenure_bands, flows=list(spec.flows))
        except ValidationError as exc:
            reason = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
            raise ValueError(f"Widget {self.id!r}: over_time {reason}") from None


class FilterSpec(_Base):
    """A dashboard filter on a role: a date range on a date role, or a list of values."""

    id: str
    role: str
    kind: Literal["date", "values"] = "values"
    label: str = ""

    @field_validator("id")
    @classmethod
    def _check(cls, value: str) -> str:
        return _name(value, "Filter")


class Template(_Base):
    """A dashboard template: see the module docstring and the README's "Templates" section."""

    name: str
    title: str = Field(min_length=1, max_length=120)
    description: str = ""
    anchor: str | None = None
    """The role whose table should reach every other role's (the fact: the amount of a sale).
    The mapping picks its field so that the others are reachable through the model's joins."""
    roles: list[RoleSpec] = Field(min_length=1, max_length=40)
    measures: list[TemplateMeasure] = Field(default_factory=list, max_length=40)
    widgets: list[WidgetSpec] = Field(min_length=1, max_length=60)
    filters: list[FilterSpec] = Field(default_factory=list, max_length=12)

    @field_validator("name")
    @classmethod
    def _check(cls, value: str) -> str:
        return _name(value, "Template")

    @model_validator(mode="after")
    def _references(self) -> Template:
        roles = {r.name: r for r in self.roles}
        _unique([r.name for r in self.roles], "role")
        _unique([m.name for m in self.measures], "measure")
        _unique([w.id for w in self.widgets], "widget")
        _unique([f.id for f in self.filters], "filter")
        if self.anchor is not None and self.anchor not in roles:
            raise ValueError(f"anchor {self.anchor!r} is not a role")
        for spec in self.roles:
            other = spec.hints.same_table_as
            if other is not None and other not in roles:
                raise ValueError(f"Role {spec.name!r}: same_table_as {other!r} is not a role")
        for measure in self.measures:
            if not measure.roles:
                raise ValueError(f"Measure {measure.name!r} uses no role (write {{role}})")
            for used in measure.roles:
                if used not in roles:
                    raise ValueError(f"Measure {measure.name!r} uses unknown role {used!r}")
        measures = {m.name for m in self.measures}
        for widget in self.widgets:
            for name in widget.measures:
                if name not in measures:
                    raise ValueError(f"Widget {widget.id!r}: unknown measure {name!r}")
            for name in widget.dimensions:
                if name not in roles:
                    raise ValueError(f"Widget {widget.id!r}: unknown role {name!r}")
            _check_widget_roles(widget, roles)
            if widget.time_field is not None and (
                widget.time_field not in roles or roles[widget.time_field].kind != "date"
            ):
                raise ValueError(
                    f"Widget {widget.id!r}: time_field {widget.time_field!r} is not a date role"
                )
        for item in self.filters:
            if item.role not in roles:
                raise ValueError(f"Filter {item.id!r}: unknown role {item.role!r}")
            if item.kind == "date" and roles[item.role].kind != "date":
                raise ValueError(f"Filter {item.id!r}: a date filter needs a date role")
        return self

    def role(self, name: str) -> RoleSpec:
        return next(r for r in self.roles if r.name == name)

    def measure(self, name: str) -> TemplateMeasure:
        return next(m for m in self.measures if m.name == name)


def _check_widget_roles(widget: WidgetSpec, roles: dict[str, RoleSpec]) -> None:
    """``compare`` needs one date role among the dimensions; ``over_time`` date roles for its
    start and end, and category dimensions (its periods are the time axis)."""
    dates = [d for d in widget.dimensions if d in roles and roles[d].kind == "date"]
    seen = widget.first_seen
    if seen is not None:
        if seen.entity not in roles:
            raise ValueError(
                f"Widget {widget.id!r}: first_seen entity {seen.entity!r} is not a role"
            )
        if len(dates) != 1 or widget.over_time is not None:
            found = f"it has {len(dates)}" if dates else "it has none"
            raise ValueError(
                f"Widget {widget.id!r}: first_seen needs exactly one date role among the "
                f"dimensions, the buckets new and returning are told apart in ({found})"
            )
    if widget.compare and len(dates) != 1:
        found = f"it has {len(dates)}" if dates else "it has none"
        raise ValueError(
            f"Widget {widget.id!r}: compare needs exactly one date role among the dimensions "
            f"to find the previous {widget.compare[0].shift} ({found})"
        )
    spec = widget.over_time
    if spec is None:
        return
    for what, name in (("start", spec.start), ("end", spec.end)):
        if name is not None and (name not in roles or roles[name].kind != "date"):
            problem = "is not a date role" if name in roles else "is not a role"
            raise ValueError(f"Widget {widget.id!r}: over_time {what} {name!r} {problem}")
    if dates:
        raise ValueError(
            f"Widget {widget.id!r}: the dimensions of an over-time widget are categories (its "
            f"periods are the time axis); remove the date role {dates[0]!r}"
        )


def _unique(names: list[str], what: str) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ValueError(f"Two {what}s are named {name!r}")
        seen.add(name)
