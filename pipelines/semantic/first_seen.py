"""Compile the "new vs returning" part of a semantic query (see :mod:`.first_seen_query`).

:func:`plan_first_seen` checks the part and gives the dimension the result gains: a column
``#status`` of the dated rows' node. While the query is built, the engine reads that node
through :meth:`FirstSeenPlan.views`: its rows (every column kept), joined along the model's
many-to-one path to their entity, inner-joined to each entity's first date (the minimum date
over all the node's rows, filters aside), with ``#status`` comparing the two dates truncated
to the time dimension's grain. Everything else (measures of any table, filters, fan-out rules,
``compare``) is the engine's usual path over that relation, and the SQL stays plain joins,
``min`` and ``CASE`` (nothing the SQL guard refuses). With ``count``, the query also gains a
measure of that node, the distinct count of its ``#entity`` column.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Protocol

import ibis
import ibis.expr.types as ir

from .expressions import parse_measure
from .fields import DimensionField, FieldResolver, MeasureField
from .first_seen_query import COUNT, NEW, RETURNING, STATUS, STATUS_LABEL, FirstSeen
from .graph import JoinGraph, JoinTree
from .model import Column
from .query import Filter, SemanticError, SemanticQuery
from .vocabulary import TIME_TYPES

__all__ = ["FirstSeenPlan", "plan_first_seen", "without_first_seen"]

COLUMN = "#status"
"""The column the dated rows' node gains while a query with ``first_seen`` is built."""
ENTITY = "#entity"
"""The entity of each dated row, kept beside the status (``count`` counts it)."""


class SemanticEngine(Protocol):
    """The parts of :class:`~pipelines.semantic.engine.SemanticEngine` used here (the engine
    imports this module, so it is described, not imported)."""

    dialect: str
    _fields: FieldResolver
    _graph: JoinGraph

    def _table(self, name: str) -> ir.Table: ...

    def _joined(
        self,
        tree: JoinTree,
        base: ir.Table,
        dimensions: list[DimensionField],
        filters: list[tuple[DimensionField, Filter]],
        inputs: list[str],
    ) -> ir.Table: ...


@dataclass(frozen=True)
class FirstSeenPlan:
    """A checked ``first_seen`` part: the time dimension, the entity, the status dimension
    the result gains and, with ``count``, its measure of distinct entities."""

    spec: FirstSeen
    time: DimensionField
    entity: DimensionField
    status: DimensionField
    count: MeasureField | None

    @property
    def node(self) -> str:
        """The node whose rows are marked (the time dimension's)."""
        return self.time.table

    def views(self, engine: SemanticEngine) -> dict[str, ir.Table]:
        """The relation to read the dated rows' node as while the query is built."""
        return {self.node: _marked(engine, self)}


def without_first_seen(query: SemanticQuery) -> SemanticQuery:
    """``query``, refused when it has ``first_seen`` (for shapes that cannot have it)."""
    if query.first_seen is not None:
        raise SemanticError(
            "New vs returning (first_seen) is not available on an over-time query; remove "
            "one of them",
            field="first_seen",
        )
    return query


def plan_first_seen(
    fields: FieldResolver,
    graph: JoinGraph,
    query: SemanticQuery,
    dimensions: list[DimensionField],
    measures: list[MeasureField],
    names: set[str],
) -> FirstSeenPlan | None:
    """The query's ``first_seen`` checked against the model and its dimensions (None without
    it); the status is appended to ``dimensions``, the count (with ``count``) to ``measures``,
    and their names added to ``names`` (the columns a sort may use). ``fields`` and ``graph``
    are the model's (the engine's own, or a dashboard's checks before anything runs).

    Raises
    ------
    SemanticError
        Naming the part at fault: no time dimension with a grain (or several), a date that is
        not the time dimension's column, an entity not reachable many-to-one from its table, a
        measure with the status column's name.
    """
    spec = query.first_seen
    if spec is None:
        return None
    time = _time_dimension(dimensions, spec)
    entity = _column(fields, spec.entity, "entity")
    if spec.date is not None:
        date = _column(fields, spec.date, "date")
        if (date.table, date.column.name) != (time.table, time.column.name):
            raise SemanticError(
                f"New vs returning: date {spec.date!r} is not the column of the query's time "
                f"dimension {time.field!r}; the first date is compared with that dimension's "
                f"buckets, so use '{time.table}.{time.column.name}' (or leave date empty)",
                field=spec.date,
            )
    path = graph.path(time.table, entity.table)
    if path is None:
        raise SemanticError(
            f"New vs returning: entity {spec.entity!r} cannot be reached from the dated rows "
            f"of {time.field!r}: {graph.unconnected(time.table, entity.table)}",
            field=spec.entity,
        )
    if any(step.fans_out for step in path):
        raise SemanticError(
            f"New vs returning: each row of {graph.describe(time.table)} (the dated "
            f"rows of {time.field!r}) matches many rows of "
            f"{graph.describe(entity.table)}, so it has no single {spec.entity!r}; "
            "choose an entity on that table or on a table it joins many-to-one",
            field=spec.entity,
        )
    for name in spec.added_columns():
        if name in query.measures:
            raise SemanticError(
                f"New vs returning: measure {name!r} has the name of a column it adds; rename "
                "the measure",
                field=name,
            )
    column = Column(name=COLUMN, type="text", label=STATUS_LABEL)
    status = DimensionField(STATUS, time.table, column, None, STATUS_LABEL)
    count = None
    if spec.count:
        text = f'count(DISTINCT "{ENTITY}")'
        expression = parse_measure(text, {ENTITY: entity.type}, name=COUNT, table=time.table)
        count = MeasureField(COUNT, time.table, expression, f"{entity.label} (distinct)")
        measures.append(count)
    dimensions.append(status)
    names.update(spec.added_columns())
    return FirstSeenPlan(spec, time, entity, status, count)


def _time_dimension(dimensions: list[DimensionField], spec: FirstSeen) -> DimensionField:
    timed = [d for d in dimensions if d.grain is not None]
    if len(timed) == 1:
        return timed[0]
    if timed:
        names = ", ".join(repr(d.field) for d in timed)
        raise SemanticError(
            f"New vs returning: the query has several time dimensions with a grain ({names}); "
            "keep one, the buckets the first date is compared with",
            field=timed[-1].field,
        )
    example = f"{spec.date}.month" if spec.date else "table.date_column.month"
    raise SemanticError(
        f"New vs returning needs a time dimension with a grain (such as '{example}') to tell "
        f"in which bucket each {spec.entity!r} is new, and the query has none",
        field="first_seen",
    )


def _column(fields: FieldResolver, field: str, role: str) -> DimensionField:
    what = f"New vs returning {role}"
    if len(field.split(".")) != 2:
        raise SemanticError(
            f"{what} {field!r}: write it as table.column (without a grain)", field=field
        )
    dimension = fields.dimension(field, what)
    if role == "date" and dimension.type not in TIME_TYPES:
        raise SemanticError(
            f"{what} {field!r}: column {dimension.column.name!r} is {dimension.type}, not a "
            "date or timestamp",
            field=field,
        )
    return dimension


def _marked(engine: SemanticEngine, plan: FirstSeenPlan) -> ir.Table:
    """The node's rows with an entity, every column kept, and ``#status``."""
    table = engine._table(plan.node)
    tree = engine._graph.tree(plan.node, [plan.entity.table])
    assert tree is not None  # the path was checked by plan_first_seen
    entity = replace(plan.entity, field=ENTITY)
    day = replace(plan.time, field="#date", grain=None)
    rows = engine._joined(tree, table, [entity, day], [], list(table.columns))
    known = rows.filter(rows[ENTITY].notnull())
    first = known.group_by(**{"#key": known[ENTITY]}).aggregate(**{"#first": known["#date"].min()})
    joined = known.join(first, known[ENTITY] == first["#key"], how="inner")
    date = joined["#date"]
    status = ibis.cases(
        (date.isnull(), ibis.null("string")),
        (
            plan.time.value(date, engine.dialect)
            == plan.time.value(joined["#first"], engine.dialect),
            ibis.literal(NEW),
        ),
        else_=ibis.literal(RETURNING),
    )
    kept = (joined[c] for c in table.columns)
    return joined.select(*kept, **{COLUMN: status, ENTITY: joined[ENTITY]}).view()
