"""Compile the "active over time" shape of a semantic query (see :mod:`.over_time_query`).

The rows of the start column's table are read with the query's dimensions and row filters
(joined along the model's paths, fan-out safe as in :mod:`.engine`), each with its start and
end as a day number. A calendar spine is built in Ibis: the periods are numbered as months
since year 0 (``year * 12 + month - 1``), :func:`~.over_time_window.period_numbers` lists them
between the window's first and last period (from the data's earliest start and latest start or end unless a date filter
sets them) and ``ibis.date`` turns each number back into its first day. The spine is joined to
the rows on the activity condition (a range join), the measures aggregated by period and
dimensions (and tenure band: :mod:`.over_time_bands`), and the result laid on the full grid
of periods times the dimension combinations met (times every band), so a period where nothing
is active still shows (with a count of 0). With ``latest`` the spine holds the last period only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal, Protocol

import ibis
import ibis.expr.types as ir

from .backends import portable, require
from .combine import distinct
from .compiled import CompiledQuery
from .expressions import logical_type
from .fields import DimensionField, FieldResolver, MeasureField
from .graph import JoinGraph, JoinTree, Step
from .model import SemanticModel
from .over_time_bands import BAND, DAYS_PER_YEAR, band_label, band_of, band_rank, every_band
from .over_time_query import PERIOD, TENURE_BAND, OverTime
from .over_time_window import spine_of, window
from .query import Filter, SemanticError, SemanticQuery
from .vocabulary import TIME_TYPES

__all__ = ["compile_over_time"]

WINDOW_OPS = frozenset({"between", "gt", "gte", "lt", "lte"})
"""Filter operators that set the window when they apply to the start or end column."""
FLOW_LABELS = {
    "starts": "Starts",
    "ends": "Ends",
    "average": "Average count",
    "turnover": "Turnover",
    "tenure": "Average tenure (years)",
}
AT_END_FLOWS = frozenset({"tenure"})
"""Flows computed over the rows the measures count (the others: rows active in the period)."""
OPEN = 10**9
"""The end, as a day number, of a row without one (a date millions of years ahead)."""
Kind = Literal["dimension", "measure"]
FilterItem = tuple[DimensionField, Filter]


class SemanticEngine(Protocol):
    """The parts of :class:`~pipelines.semantic.engine.SemanticEngine` an over-time query is
    built with (the engine imports this module, so it is described here, not imported)."""

    model: SemanticModel
    dialect: str
    _fields: FieldResolver
    _graph: JoinGraph

    def _split_filters(
        self, root: str, filters: list[FilterItem], what: str
    ) -> tuple[list[FilterItem], list[tuple[FilterItem, list[Step]]]]: ...

    def _semi_joined(self, root: str, semi: list[tuple[FilterItem, list[Step]]]) -> ir.Table: ...

    def _joined(
        self,
        tree: JoinTree,
        base: ir.Table,
        dimensions: list[DimensionField],
        filters: list[FilterItem],
        inputs: list[str],
    ) -> ir.Table: ...


@dataclass
class _Shape:
    spec: OverTime
    query: SemanticQuery
    start: DimensionField
    end: DimensionField | None
    dimensions: list[DimensionField]
    measures: list[MeasureField]
    filters: list[FilterItem]
    low: dt.date | None
    high: dt.date | None

    @property
    def node(self) -> str:
        return self.start.table


def compile_over_time(engine: SemanticEngine, query: SemanticQuery) -> CompiledQuery:
    """``query`` (which has ``over_time``) as the engine runs it."""
    if query.compare:
        raise SemanticError(
            "Comparing with the previous year or period is not available on an over-time "
            "query; its periods are already in the rows (remove 'compare').",
            "compare",
        )
    require(engine.dialect, "arrays")
    shape = _plan(engine, query)
    expr = portable(_build(engine, shape), engine.dialect)
    sql = str(ibis.to_sql(expr, dialect=engine.dialect))
    schema = expr.schema()
    columns = tuple(schema.names)
    labels = {PERIOD: shape.spec.grain.capitalize(), TENURE_BAND: "Tenure"}
    labels.update({d.field: d.label for d in shape.dimensions})
    labels.update({m.field: m.label for m in shape.measures})
    labels.update({flow: FLOW_LABELS[flow] for flow in shape.spec.flows})
    labels["starts"] = f"Starts ({shape.start.column.display})"
    if shape.end is not None:
        labels["ends"] = f"Ends ({shape.end.column.display})"
    kinds: dict[str, Kind] = {PERIOD: "dimension", TENURE_BAND: "dimension"}
    kinds.update({d.field: "dimension" for d in shape.dimensions})
    kinds.update({m.field: "measure" for m in shape.measures})
    kinds.update({f: "measure" for f in shape.spec.flows})
    labels = {name: labels[name] for name in columns}
    types = {name: logical_type(schema[name]) for name in columns}
    return CompiledQuery(expr, sql, columns, labels, kinds, types)


# -- planning --------------------------------------------------------------------------------
def _plan(engine: SemanticEngine, query: SemanticQuery) -> _Shape:
    spec = query.over_time
    assert spec is not None
    if not query.measures and not spec.flows:
        raise SemanticError(
            "Over time: choose at least one measure (such as a row count) or a flow "
            "(starts, ends, average, turnover, tenure)",
            field="over_time",
        )
    start = _date_field(engine, spec.start, "start")
    end = _date_field(engine, spec.end, "end") if spec.end is not None else None
    if end is not None and end.table != start.table:
        raise SemanticError(
            f"Over time end {spec.end!r} is on {end.table!r} and the start {spec.start!r} on "
            f"{start.table!r}: both must be columns of the table whose rows are counted",
            field=spec.end,
        )
    if end is None and any(f in ("ends", "turnover") for f in spec.flows):
        raise SemanticError(
            "Over time: the ends and turnover flows need an end column", field="over_time"
        )
    _check_names(engine, query)
    dimensions = [engine._fields.dimension(name) for name in query.dimensions]
    measures = [engine._fields.measure(name) for name in query.measures]
    for measure in measures:
        if measure.table != start.table:
            raise SemanticError(
                f"Over time: measure {measure.field!r} is of {measure.table!r}, but an "
                f"over-time query aggregates the rows of {start.table!r} (the table of its "
                "start column); use a measure of that table",
                field=measure.field,
            )
    lows: list[dt.date] = []
    highs: list[dt.date] = []
    filters: list[FilterItem] = []
    own = {start.column.name} | ({end.column.name} if end is not None else set())
    for item in query.filters:
        dimension = engine._fields.dimension(item.field, "Filter")
        sets_window = item.op in WINDOW_OPS and dimension.column.name in own
        if sets_window and dimension.table == start.table:
            low, high = window(dimension, item)
            lows += [low] if low is not None else []
            highs += [high] if high is not None else []
            continue
        filters.append((dimension, item))
    return _Shape(
        spec, query, start, end, dimensions, measures, filters,
        max(lows) if lows else None, min(highs) if highs else None,
    )  # fmt: skip


def _date_field(engine: SemanticEngine, field: str, role: str) -> DimensionField:
    what = f"Over time {role}"
    if len(field.split(".")) != 2:
        raise SemanticError(
            f"{what} {field!r}: write it as table.column (a date or timestamp column, without "
            "a grain)",
            field=field,
        )
    dimension = engine._fields.dimension(field, what)
    if dimension.type not in TIME_TYPES:
        raise SemanticError(
            f"{what} {field!r}: column {dimension.column.name!r} is {dimension.type}; the "
            "start and end of an over-time query must be date or timestamp columns",
            field=field,
        )
    return dimension


def _check_names(engine: SemanticEngine, query: SemanticQuery) -> None:
    spec = query.over_time
    assert spec is not None
    seen: set[str] = set()
    for name in [*query.dimensions, *query.measures, *spec.flows]:
        if name in seen:
            raise SemanticError(f"{name!r} is listed twice in the query", field=name)
        seen.add(name)
    reserved = set(spec.added_columns())
    for name in query.measures:
        if name in reserved:
            raise SemanticError(
                f"Over time: measure {name!r} has the name of a column the over-time query "
                "adds; rename the measure",
                field=name,
            )
    for item in query.sort:
        if item.field not in seen | reserved:
            raise SemanticError(
                f"Sort field {item.field!r} is not in the query; sort by period or one of its "
                "measures, dimensions or flows",
                field=item.field,
            )


# -- building --------------------------------------------------------------------------------
def _build(engine: SemanticEngine, shape: _Shape) -> ir.Table:
    rows = _rows(engine, shape)
    spine = spine_of(rows, shape.spec.grain, shape.low, shape.high, shape.spec.latest)
    dims = [d.field for d in shape.dimensions]
    flows, bands = shape.spec.flows, shape.spec.band_labels()
    keys = [*dims, *([BAND] if bands else [])]  # a band is one more breakdown
    parts: list[ir.Table] = []
    at_end = [f for f in flows if f in AT_END_FLOWS]
    active = None
    if shape.measures or at_end:
        active = _active(shape, spine, rows, keys)
        parts.append(active)
    moving = None
    if any(f not in AT_END_FLOWS for f in flows):
        moving = _moving(spine, rows, dims)
        parts.append(moving)
    grid = spine.select("#period")
    grid = every_band(grid, len(bands)) if bands else grid
    if dims:
        combos = parts[0].select(*dims)
        for part in parts[1:]:
            combos = combos.union(part.select(*dims))
        grid = grid.cross_join(combos.distinct())
    current = grid
    if active is not None:
        empty = rows.filter(ibis.literal(False))
        empties = empty.aggregate(
            **{m.field: m.value(empty.__getitem__, empty.count) for m in shape.measures},
            **{"#none": empty.count()},
        )
        taken = {m.field: f"{m.field}#a" for m in shape.measures}
        taken.update({"#n": "#n", **({"tenure": "tenure"} if "tenure" in flows else {})})
        current = _attach(current, active, keys, taken)
        current = current.cross_join(empties, rname="{name}#e").select(
            *(
                c
                for c in current.columns
                if c not in ("#n", *(taken[m.field] for m in shape.measures))
            ),
            **{
                m.field: ibis.ifelse(
                    current["#n"].isnull(), empties[m.field], current[taken[m.field]]
                )
                for m in shape.measures
            },
        )
    if moving is not None:
        current = _attach(
            current, moving, dims, {"starts": "#starts", "ends": "#ends", "average": "#average"}
        )
        average = ibis.coalesce(current["#average"], 0.0)
        ends = ibis.coalesce(current["#ends"], 0)
        flow_values = {
            "starts": ibis.coalesce(current["#starts"], 0),
            "ends": ends,
            "average": average,
            "turnover": ends / average.nullif(0.0),
        }
        current = current.mutate(**{f: v for f, v in flow_values.items() if f in flows})
    banded = {TENURE_BAND: band_label(current[BAND], bands)} if bands else {}
    result = current.select(
        **{PERIOD: current["#period"]}, **{d: current[d] for d in dims}, **banded,
        **{n: current[n] for n in [*(m.field for m in shape.measures), *flows]},
    )  # fmt: skip

    def key(name: str) -> ir.Value:  # bands sort in band order, not by their labels' text
        return band_rank(result[name], bands) if name == TENURE_BAND else result[name]

    query = shape.query
    order = [
        ibis.desc(key(s.field)) if s.descending else ibis.asc(key(s.field)) for s in query.sort
    ]
    sorted_fields = {s.field for s in query.sort}
    order += [ibis.asc(key(n)) for n in [PERIOD, *dims, *banded] if n not in sorted_fields]
    result = result.order_by(order)
    if query.limit is not None:
        result = result.limit(query.limit)
    return result


def _attach(
    current: ir.Table, part: ir.Table, dims: list[str], columns: dict[str, str]
) -> ir.Table:
    """``current`` with ``part``'s ``columns`` (renamed as the values say) for the same period
    and dimension values (nulls included); empty where ``part`` has no such row."""
    part = part.view()
    on = [current["#period"] == part["#period"], *(current[d].identical_to(part[d]) for d in dims)]
    joined = current.left_join(part, on, rname="{name}#p")
    return joined.select(
        *(current[c] for c in current.columns), **{v: part[k] for k, v in columns.items()}
    )


def _rows(engine: SemanticEngine, shape: _Shape) -> ir.Table:
    """The counted table's rows: dimensions, measure inputs, start and end as dates and as day
    numbers (``#sd``, ``#ed``, ``#s``, ``#e``), after the row filters."""
    node = shape.node
    graph = engine._graph
    for dimension in shape.dimensions:
        if graph.path(node, dimension.table) is None:
            raise SemanticError(
                f"Over time: the rows of {graph.describe(node)} cannot be broken down by "
                f"{dimension.field!r}: {graph.unconnected(node, dimension.table)}",
                field=dimension.field,
            )
    direct, semi = engine._split_filters(node, shape.filters, f"the rows of {node!r}")
    needed = [d.table for d in shape.dimensions] + [d.table for d, _ in direct]
    tree = graph.tree(node, needed)
    assert tree is not None  # every needed table was checked above
    fanned = [d for d in shape.dimensions if tree.fans_out_to(d.table)]
    key = None
    if fanned:
        unsafe = [m for m in shape.measures if not m.expression.fanout_safe]
        table = engine.model.table(graph.nodes.get(node, node))
        key = table.primary_key if table is not None else None
        if not key and (unsafe or shape.spec.flows):
            what = repr(unsafe[0].field) if unsafe else "the over-time flows"
            raise SemanticError(
                f"Over time: {what} cannot be broken down by {fanned[0].field!r}: each row of "
                f"{graph.describe(node)} matches many rows of "
                f"{graph.describe(fanned[0].table)}, so it would be counted more than once; "
                f"set a primary key on table {graph.nodes.get(node, node)!r}",
                field=fanned[0].field,
            )
    columns = {shape.start.column.name: shape.start}
    if shape.end is not None:
        columns[shape.end.column.name] = shape.end
    inputs = sorted(set().union(*(m.expression.columns for m in shape.measures), columns))
    if key is not None and key not in inputs:
        inputs.append(key)
    rel = engine._joined(tree, engine._semi_joined(node, semi), shape.dimensions, direct, inputs)
    dims = [d.field for d in shape.dimensions]
    if key is not None:
        rel = distinct(rel, [*dims, *inputs], engine.dialect)
    start = _as_date(rel[shape.start.column.name], shape.start)
    end = (
        _as_date(rel[shape.end.column.name], shape.end)
        if shape.end is not None
        else ibis.null("date")
    )
    return rel.mutate(
        **{"#sd": start, "#ed": end, "#s": start.epoch_days(), "#e": end.epoch_days()}
    )


def _as_date(column: ir.Value, field: DimensionField) -> ir.DateValue:
    value = column.date() if field.type == "timestamp" else column
    assert isinstance(value, ir.DateValue)
    return value


def _live(rows: ir.Table) -> ir.Table:
    """The rows that are active on some day: a start, and no end before it. ``#f`` is the end
    as a day number, far in the future for rows without one, so the spine joins the rows on
    two inequalities (a range join, not a nested loop over an OR)."""
    far = ibis.coalesce(rows["#e"], OPEN)
    live = rows.mutate(**{"#f": far})
    return live.filter(live["#s"].notnull(), live["#f"] >= live["#s"])


def _active(shape: _Shape, spine: ir.Table, rows: ir.Table, keys: list[str]) -> ir.Table:
    """The measures (and tenure) over the rows active on each period's last day (or any day
    of it), by period and dimensions (and tenure band), with ``#n`` the number of rows."""
    live = _live(rows)
    until = spine["#pe"] if shape.spec.at == "end" else spine["#ps"]
    joined = spine.join(live, [live["#s"] <= spine["#pe"], live["#f"] >= until], how="inner")
    if shape.spec.tenure_bands:
        joined = joined.mutate(**{BAND: band_of(_days(joined), shape.spec.tenure_bands)})
    metrics: dict[str, ir.Value] = {
        m.field: m.value(joined.__getitem__, joined.count) for m in shape.measures
    }
    if "tenure" in shape.spec.flows:
        metrics["tenure"] = (_days(joined) / DAYS_PER_YEAR).mean()
    metrics["#n"] = joined.count()
    return joined.group_by(["#period", *keys]).aggregate(**metrics)


def _days(joined: ir.Table) -> ir.IntegerValue:
    """Each row's tenure in days: from its start to the period's last day or its end."""
    return ibis.least(joined["#f"], joined["#pe"]) - joined["#s"]


def _moving(spine: ir.Table, rows: ir.Table, dims: list[str]) -> ir.Table:
    """Starts, ends and the average daily count of the rows active at any time in each
    period, by period and dimensions."""
    live = _live(rows)
    on = [live["#s"] <= spine["#pe"], live["#f"] >= spine["#ps"]]
    joined = spine.join(live, on, how="inner")
    s, e, f, ps, pe = (joined[c] for c in ("#s", "#e", "#f", "#ps", "#pe"))
    overlap = ibis.least(f, pe) - ibis.greatest(s, ps) + 1
    return joined.group_by(["#period", *dims]).aggregate(
        starts=ibis.ifelse(s.between(ps, pe), 1, 0).sum(),
        ends=ibis.ifelse(e.between(ps, pe), 1, 0).sum(),
        average=overlap.sum() / (pe - ps + 1).max(),
    )
