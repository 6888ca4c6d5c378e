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

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from pipelines.dashboards.document import Position, WidgetKind
from pipelines.semantic.model import NumberFormat
from pipelines.semantic.vocabulary import ColumnType, Grain

__all__ = [
    "PLACEHOLDER",
    "FilterSpec",
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

    @field_validator("id")
    @classmethod
    def _check(cls, value: str) -> str:
        return _name(value, "Widget")

    @model_validator(mode="after")
    def _shape(self) -> WidgetSpec:
        if self.kind == "text":
            if self.measures or self.dimensions:
                raise ValueError(f"Widget {self.id!r}: a text widget has no measures")
        elif not self.measures:
            raise ValueError(f"Widget {self.id!r}: a {self.kind} widget needs a measure")
        if self.series is not None and self.series not in self.dimensions:
            raise ValueError(f"Widget {self.id!r}: series {self.series!r} is not a dimension")
        known = set(self.measures) | set(self.dimensions)
        for item in self.sort:
            if item.by not in known:
                raise ValueError(
                    f"Widget {self.id!r}: sort by {item.by!r}, which is neither a measure nor "
                    "a dimension of the widget"
                )
        return self


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


def _unique(names: list[str], what: str) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ValueError(f"Two {what}s are named {name!r}")
        seen.add(name)
