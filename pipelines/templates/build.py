"""Turn a template and a role mapping into a dashboard document.

A template measure becomes the plainest field that computes it: the mapped measure column
itself when its default aggregation is the one asked for (``sum({amount})`` on a column summed
by default), the table's row count for ``count(distinct {id})`` of its primary key, and
otherwise a calculated measure over the table holding the roles (``avg(annual_salary)``),
which the caller adds to the model before saving the dashboard. A widget whose measure or role
cannot be had is left out, and the result says which and why.

A widget's ``compare`` becomes the query's (:class:`~pipelines.semantic.query.Compare` on the
field of each compared measure) and its ``over_time`` the query's
(:class:`~pipelines.semantic.over_time_query.OverTime` on the start and end roles' fields). An
unmapped end role leaves the rows without an end (everyone hired so far counts), unless a flow
needs it (``ends``, ``turnover``, ``tenure``) or the widget has tenure bands (without exits
everyone ever hired would count, overstating tenure as the ``tenure`` flow would): then the
widget is left out. Tenure bands with ``latest`` (a distribution) put the bands along x. A
widget's ``first_seen`` becomes the query's (:class:`~pipelines.semantic.first_seen_query.FirstSeen`
on the entity role's field; the widget is left out when that role is not mapped, or is not
reached many-to-one from the date role's table), and its bars or lines are split by the status.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipelines.dashboards.document import (
    ChartSettings,
    DashboardDocument,
    DashboardFilter,
    DateFilter,
    ValuesFilter,
    Widget,
    WidgetQuery,
)
from pipelines.dashboards.reach import FilterReach
from pipelines.semantic.expressions import parse_measure
from pipelines.semantic.fields import FieldResolver
from pipelines.semantic.first_seen_query import STATUS, FirstSeen
from pipelines.semantic.model import CalculatedMeasure, Column, SemanticModel, Table
from pipelines.semantic.over_time_query import PERIOD, TENURE_BAND, OverTime
from pipelines.semantic.query import Compare, SemanticError, SemanticQuery, Sort
from pipelines.semantic.row_count import row_count_field
from pipelines.semantic.vocabulary import NUMERIC_TYPES, TIME_TYPES

from .format import ENDED_FLOWS, PLACEHOLDER, Template, TemplateMeasure, WidgetSpec
from .mapping import TemplateMapping

__all__ = ["BuiltDashboard", "SkippedWidget", "build_dashboard"]

_SIMPLE = re.compile(
    r"^\s*(sum|avg|min|max|count|count_distinct)\s*\(\s*(distinct\s+)?\{([a-z][a-z0-9_]*)\}\s*\)\s*$",
    re.IGNORECASE,
)
_BARE = re.compile(r"^[a-z_][a-z0-9_]*$")


@dataclass(frozen=True)
class SkippedWidget:
    """A widget (or filter) of the template that is not on the dashboard, and why."""

    widget_id: str
    title: str
    reason: str


@dataclass(frozen=True)
class BuiltDashboard:
    """The document, the calculated measures it needs added to the model first, and what was
    left out."""

    document: DashboardDocument
    measures: tuple[CalculatedMeasure, ...]
    skipped: tuple[SkippedWidget, ...]


class _Measures:
    """Template measure -> query field, collecting the calculated measures to add."""

    def __init__(self, model: SemanticModel, fields: dict[str, str]) -> None:
        self.model = model
        self.fields = fields
        self.added: list[CalculatedMeasure] = []
        self.done: dict[str, str | SemanticError] = {}

    def column(self, role: str) -> tuple[str, Table, Column]:
        field = self.fields[role]
        node, _, name = field.partition(".")
        base = next((j.right_table for j in self.model.joins if j.alias == node), node)
        table = self.model.table(base)
        column = None if table is None else table.column(name)
        if table is None or column is None:
            raise SemanticError(f"{field!r} is not a column of the model", field=field)
        return node, table, column

    def field(self, measure: TemplateMeasure) -> str:
        if measure.name not in self.done:
            try:
                self.done[measure.name] = self._resolve(measure)
            except SemanticError as exc:
                self.done[measure.name] = exc
        found = self.done[measure.name]
        if isinstance(found, SemanticError):
            raise found
        return found

    def _resolve(self, measure: TemplateMeasure) -> str:
        unmapped = [r for r in measure.roles if r not in self.fields]
        if unmapped:
            raise SemanticError(
                f"measure {measure.display!r} needs {', '.join(unmapped)}, which is not mapped"
            )
        simple = _SIMPLE.match(measure.expression)
        if simple is not None:
            agg = simple.group(1).lower()
            if simple.group(2):
                agg = "count_distinct" if agg == "count" else agg
            node, table, column = self.column(simple.group(3))
            default = column.aggregation or ("sum" if column.type in NUMERIC_TYPES else "count")
            if column.role == "measure" and default == agg:
                return self.fields[simple.group(3)]
            if agg == "count_distinct" and table.primary_key == column.name and node == table.name:
                count = row_count_field(self.model, table)
                if count is not None:
                    return count
        return self._calculated(measure)

    def _calculated(self, measure: TemplateMeasure) -> str:
        columns = {role: self.column(role) for role in measure.roles}
        tables = sorted({table.name for _, table, _ in columns.values()})
        aliased = [self.fields[r] for r, (node, t, _) in columns.items() if node != t.name]
        if len(tables) > 1 or aliased:
            where = ", ".join(f"{r} = {self.fields[r]}" for r in measure.roles)
            raise SemanticError(
                f"measure {measure.display!r} needs its roles in one table ({where}); map them "
                "to columns of the same table"
            )
        table = columns[measure.roles[0]][1]

        def quoted(match: re.Match[str]) -> str:
            name = columns[match.group(1)][2].name
            return name if _BARE.match(name) else '"' + name.replace('"', '""') + '"'

        expression = PLACEHOLDER.sub(quoted, measure.expression)
        parse_measure(
            expression, {c.name: c.type for c in table.columns}, name=measure.name,
            table=table.name,
        )  # fmt: skip
        same = _squash(expression)
        for existing in [*self.model.measures, *self.added]:
            if existing.table == table.name and _squash(existing.expression) == same:
                return existing.name
        taken = {m.name for m in [*self.model.measures, *self.added]}
        taken |= {c.name for t in self.model.tables for c in t.columns}
        taken |= {t.name for t in self.model.tables}
        name, n = measure.name, 1
        while name in taken:
            n += 1
            name = f"{measure.name}_{n}"
        fmt = measure.format
        if fmt is None and "count" not in measure.expression.lower():
            fmt = next((c.format for _, _, c in columns.values() if c.format), None)
        self.added.append(
            CalculatedMeasure(
                name=name, table=table.name, expression=expression, label=measure.display,
                format=fmt,
            )
        )  # fmt: skip
        return name


def _squash(expression: str) -> str:
    return re.sub(r"\s+", "", expression.lower())


def _dimension(model: SemanticModel, spec: WidgetSpec, field: str) -> str:
    node, _, name = field.partition(".")
    base = next((j.right_table for j in model.joins if j.alias == node), node)
    table = model.table(base)
    column = None if table is None else table.column(name)
    if column is None or column.type not in TIME_TYPES:
        return field
    offered = column.grains or [spec.time_grain]
    grain = spec.time_grain if spec.time_grain in offered else offered[0]
    return f"{field}.{grain}"


def _unmapped(template: Template, spec: WidgetSpec, fields: dict[str, str]) -> None:
    """Raise naming the roles the widget needs that have no field."""
    needed = [*spec.dimensions, *([spec.series] if spec.series else [])]
    over = spec.over_time
    if over is not None:
        needed.append(over.start)
    if spec.first_seen is not None:
        needed.append(spec.first_seen.entity)
    unmapped = [r for r in dict.fromkeys(needed) if r not in fields]
    if unmapped:
        labels = ", ".join(template.role(r).display for r in unmapped)
        raise SemanticError(f"{labels} is not mapped")
    if over is not None and over.end is not None and over.end not in fields:
        counted: list[str] = [f for f in over.flows if f in ENDED_FLOWS]
        counted += ["tenure bands"] if over.tenure_bands else []
        if counted:
            raise SemanticError(
                f"{template.role(over.end).display} is not mapped, and {' and '.join(counted)} "
                "need it (the last day each row counts)"
            )


def _widget(
    template: Template, spec: WidgetSpec, fields: dict[str, str], measures: _Measures
) -> Widget:
    if spec.kind == "text":
        return Widget(id=spec.id, kind="text", title=spec.title, text=spec.text,
                      position=spec.position)  # fmt: skip
    _unmapped(template, spec, fields)
    names = {m: measures.field(template.measure(m)) for m in spec.measures}
    dims = {r: _dimension(measures.model, spec, fields[r]) for r in spec.dimensions}
    over_time = None
    if spec.over_time is not None:
        over = spec.over_time
        over_time = OverTime(
            start=fields[over.start], end=fields.get(over.end) if over.end else None,
            grain=over.grain, at=over.at, flows=list(over.flows),
            tenure_bands=list(over.tenure_bands), latest=over.latest,
        )  # fmt: skip
    sort = [
        Sort(field=names.get(s.by) or dims.get(s.by) or s.by, descending=s.descending)
        for s in spec.sort
    ]  # the period and the flows keep their names
    compare = [
        Compare(measure=names[c.measure], shift=c.shift, to_date=c.to_date) for c in spec.compare
    ]
    seen = spec.first_seen
    first_seen = None if seen is None else FirstSeen(entity=fields[seen.entity], count=seen.count)
    query = SemanticQuery(
        measures=list(names.values()), dimensions=list(dims.values()), sort=sort,
        limit=spec.limit, compare=compare, over_time=over_time, first_seen=first_seen,
    )  # fmt: skip
    time_field = fields.get(spec.time_field) if spec.time_field else None
    axis = over_time is not None and spec.kind in ("line", "area", "bar", "hbar")
    series = dims[spec.series] if spec.series else None
    banded = over_time is not None and over_time.tenure_bands and over_time.latest
    # over time, the periods run along x (bars too); the bands of a distribution instead
    x = (TENURE_BAND if banded else PERIOD) if axis else None
    if first_seen is not None and spec.kind in ("line", "area", "bar", "hbar"):
        # new and returning split the bars or lines of each date bucket
        x = next(dims[r] for r in spec.dimensions if template.role(r).kind == "date")
        series = series or STATUS
    chart = ChartSettings(
        x=x,
        series=series,
        stacked=spec.stacked,
        donut=spec.donut,
        time_field=time_field,
    )
    return Widget(
        id=spec.id, kind=spec.kind, title=spec.title,
        query=WidgetQuery(source="semantic", semantic=query), chart=chart, position=spec.position,
    )  # fmt: skip


def build_dashboard(
    template: Template, mapping: TemplateMapping, model: SemanticModel
) -> BuiltDashboard:
    """The dashboard ``template`` makes on ``model`` with ``mapping``.

    Raises
    ------
    ValueError
        Naming the required roles that have no field.
    """
    missing = mapping.missing
    if missing:
        labels = ", ".join(template.role(r).display for r in missing)
        raise ValueError(f"Template {template.title!r} needs a field for: {labels}")
    fields = mapping.fields
    measures = _Measures(model, fields)
    widgets: list[Widget] = []
    skipped: list[SkippedWidget] = []
    for spec in template.widgets:
        try:
            widget = _widget(template, spec, fields, measures)
            _check(model, measures.added, widget)
        except SemanticError as exc:
            skipped.append(SkippedWidget(spec.id, spec.title or spec.id, exc.message))
            continue
        widgets.append(widget)
    filters: list[DashboardFilter] = []
    for item in template.filters:
        label = item.label or template.role(item.role).display
        field = fields.get(item.role)
        if field is None:
            reason = f"{template.role(item.role).display} is not mapped"
            skipped.append(SkippedWidget(f"filter:{item.id}", label, reason))
        elif item.kind == "date":
            filters.append(DateFilter(id=item.id, field=field, label=label))
        else:
            filters.append(ValuesFilter(id=item.id, field=field, label=label))
    used = {m for w in widgets if w.query and w.query.semantic for m in w.query.semantic.measures}
    added = tuple(m for m in measures.added if m.name in used)
    document = DashboardDocument(widgets=widgets, filters=filters)
    return BuiltDashboard(document, added, tuple(skipped))


def _check(model: SemanticModel, added: list[CalculatedMeasure], widget: Widget) -> None:
    """The widget's query holds on the model with the new measures: its fields resolve, a
    comparison has its time dimension, an over-time query counts the rows of one table."""
    if widget.query is None or widget.query.semantic is None:
        return
    query = widget.query.semantic
    reach = FilterReach(model.model_copy(update={"measures": [*model.measures, *added]}))
    reach.check_query(query)
    if query.over_time is not None:
        _check_over_time(reach.fields, query, query.over_time)
    if widget.chart.time_field:
        reach.fields.dimension(widget.chart.time_field, "Time field")


def _check_over_time(resolver: FieldResolver, query: SemanticQuery, over: OverTime) -> None:
    """The engine's own rules (:mod:`pipelines.semantic.over_time`), checked before any data:
    the end and every measure on the start's table."""
    start = resolver.dimension(over.start, "Over-time start")
    if over.end is not None:
        end = resolver.dimension(over.end, "Over-time end")
        if end.table != start.table:
            raise SemanticError(
                f"the end {over.end!r} is not on the table of the start {over.start!r}; map "
                "both to columns of the table whose rows are counted",
                field=over.end,
            )
    for name in query.measures:
        measure = resolver.measure(name)
        if measure.table != start.table:
            raise SemanticError(
                f"measure {name!r} is of {measure.table!r}, and the rows counted over time are "
                f"those of {start.table!r} (the start {over.start!r})",
                field=name,
            )
