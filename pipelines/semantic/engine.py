"""Compile semantic queries to Ibis over the workspace's tables, fan-out safe.

Each measure is aggregated at its own table's grain before anything is combined: for every
table holding requested measures, only the tables the query's dimensions and filters need are
joined to it (along the model's unique join paths), its measures are aggregated by the
dimensions, and the per-table aggregates are then combined by a null-safe outer join on the
dimension values. When a dimension sits across a one-to-many join (the measure table's rows
would repeat), ``min``/``max``/``count_distinct`` are computed as they are; ``sum``/``avg``/
``count`` first reduce the rows to distinct primary keys (Looker's symmetric-aggregate idea),
and without a primary key the query is refused with a message saying what to set.

A join alias (a role-playing join, see :mod:`.graph`) is a node of its own: its relation is a
separate reference to the base table's view (``airports AS t1`` and ``airports AS t2``), so two
aliases of one table, or a table joined to itself, are joined independently. A measure queried
through an alias (``manager.salary``) is aggregated at the alias node like any table's
measure, over the base table's rows, with the same fan-out rules along the alias's join.

A query's ``compare`` (:mod:`.compare`) compiles the compared measures a second time with the
time column's values moved forward by the shift, and joins that aggregate beside the query's.
A query's ``first_seen`` (:mod:`.first_seen`) adds a status dimension: while the query is built,
the dated rows' table is read with it (``_views``), and everything else is the usual path.

A compiled query is kept by the engine (:mod:`pipelines.semantic.compiled`), so asking again
only runs its SQL; on DuckDB each run has its own cursor, so one engine serves many threads.
The tables are Parquet files read through DuckDB, or tables of another Ibis backend
(PostgreSQL, MySQL/MariaDB, Spark; see :mod:`.backends`) in whose dialect queries compile.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import ibis
import ibis.expr.types as ir

from .backends import BoundTable, bind_tables, portable, read_bound
from .combine import combine, distinct
from .compare import CompareGroup, Shift, attach_previous, plan_compare
from .compiled import (
    CompiledQueries,
    CompiledQuery,
    fetch_rows,
    query_key,
    register_view,
    share_session,
)
from .expressions import logical_type
from .fields import DimensionField, FieldResolver, MeasureField
from .filters import predicate
from .first_seen import FirstSeenPlan, plan_first_seen, without_first_seen
from .graph import JoinGraph, JoinTree, Step
from .join_checks import column_of, join_on
from .model import SemanticModel
from .over_time import compile_over_time
from .query import Filter, QueryResult, SemanticError, SemanticQuery

__all__ = ["SemanticEngine", "run_query"]

FilterItem = tuple[DimensionField, Filter]


@dataclass
class _Plan:
    dimensions: list[DimensionField]
    measures: list[MeasureField]
    filters: list[FilterItem]
    query: SemanticQuery
    by_table: dict[str, list[MeasureField]] = field(default_factory=dict)
    compare: list[CompareGroup] = field(default_factory=list)
    shift: Shift | None = None
    """Set on the previous side of a comparison: the time column's values moved forward."""
    first_seen: FirstSeenPlan | None = None


class SemanticEngine:
    """Compile and run semantic queries of one model over its tables.

    Parameters
    ----------
    model
        The semantic model.
    paths
        Parquet file of each table, keyed by table name. Tables are registered (as views named
        like the table) on first use, so generated SQL names tables, not files.
    con, close_con, tables
        An Ibis connection to use: DuckDB for ``paths`` (a new in-memory one by default), or
        the PostgreSQL, MySQL/MariaDB or Spark connection holding ``tables``; closed with
        the engine when ``close_con``. ``tables``: instead of ``paths``, the backend table
        each model table reads (a name, or a
        :class:`~pipelines.semantic.backends.BoundTable` with its schema or database);
        needs ``con``. Queries compile to the backend's SQL dialect and run there.

    Raises
    ------
    ValueError
        With ``tables`` but no ``con``, or with ``paths`` too.
    """

    def __init__(
        self,
        model: SemanticModel,
        paths: Mapping[str, Path | str] | None = None,
        con: ibis.BaseBackend | None = None,
        *,
        tables: Mapping[str, str | BoundTable] | None = None,
        close_con: bool = False,
    ) -> None:
        if tables is not None and (con is None or paths is not None):
            raise ValueError("Give tables with the connection holding them, and no paths")
        self.model = model
        self.paths = {name: Path(path) for name, path in (paths or {}).items()}
        self.tables = bind_tables(tables or {})
        self._owns_con = con is None or close_con
        self._closed = False
        self._con = con if con is not None else ibis.duckdb.connect()
        self.dialect = self._con.name  # of sql(): duckdb, postgres, mysql or pyspark
        share_session(self._con)
        self._tables: dict[str, ir.Table] = {}
        self._views: dict[str, ir.Table] = {}  # nodes read otherwise while one query is built
        self._graph = JoinGraph(model)
        self._fields = FieldResolver(model)
        self._compiled = CompiledQueries()
        self._lock = threading.Lock()  # building: registers views on the connection
        self._run_lock = threading.Lock()  # running, on backends without cursors

    # -- public ------------------------------------------------------------------------------
    def compile(self, query: SemanticQuery) -> ir.Table:
        """The Ibis expression of ``query``: dimensions then measures, named by their fields.

        Raises
        ------
        SemanticError
            With ``field`` set to the measure, dimension or filter at fault.
        """
        return self.compiled(query).expr

    def sql(self, query: SemanticQuery) -> str:
        """The SQL of :meth:`compile` in the backend's dialect (pretty-printed)."""
        return self.compiled(query).sql

    def execute(self, query: SemanticQuery) -> QueryResult:
        """Run ``query``; the result carries the rows, the SQL, labels, kinds and types."""
        compiled = self.compiled(query)
        return compiled.result(fetch_rows(self._con, compiled, self._run_lock))

    def compiled(self, query: SemanticQuery) -> CompiledQuery:
        """``query`` compiled: built on first use, then kept (the model and files are fixed)."""
        key = query_key(query)
        found = self._compiled.get(key)
        if found is None:
            with self._lock:
                found = self._compiled.get(key)
                if found is None:
                    found = (
                        compile_over_time(self, without_first_seen(query))  # .over_time_query
                        if query.over_time is not None
                        else self._describe(self._plan(query))
                    )
                    self._compiled.put(key, found)
        return found

    def _describe(self, plan: _Plan) -> CompiledQuery:
        self._views = plan.first_seen.views(self) if plan.first_seen is not None else {}
        try:
            expr = portable(self._build(plan), self.dialect)
        finally:
            self._views = {}
        sql = str(ibis.to_sql(expr, dialect=self.dialect))
        schema = expr.schema()
        columns = tuple(schema.names)
        labels = {d.field: d.label for d in plan.dimensions}
        labels.update({m.field: m.label for m in plan.measures})
        kinds: dict[str, Literal["dimension", "measure"]] = {}
        kinds.update({d.field: "dimension" for d in plan.dimensions})
        kinds.update({m.field: "measure" for m in plan.measures})
        for group in plan.compare:
            for c in group.columns:
                labels.update({c.previous: c.previous_label, c.change: c.change_label})
                kinds.update({c.previous: "measure", c.change: "measure"})
        types = {name: logical_type(schema[name]) for name in columns}
        return CompiledQuery(expr, sql, columns, labels, kinds, types)

    def close(self) -> None:
        """Close the connection the engine opened (one given to it stays open)."""
        with self._lock:
            owned = self._owns_con and not self._closed
            self._closed = True
        if owned:
            self._con.disconnect()

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._closed

    # -- building ----------------------------------------------------------------------------
    def _build(self, plan: _Plan) -> ir.Table:
        query = plan.query
        if plan.measures:
            parts = [self._measure_part(plan, t, ms) for t, ms in plan.by_table.items()]
            result = combine(parts, [d.field for d in plan.dimensions], self.dialect)
        else:
            result = self._dimensions_only(plan)
        dims = [d.field for d in plan.dimensions]
        for group in plan.compare:
            result = attach_previous(result, self._previous(plan, group), dims, group)
        names = dims + [m.field for m in plan.measures]
        names += [n for g in plan.compare for c in g.columns for n in (c.previous, c.change)]
        if tuple(result.columns) != tuple(names):
            result = result.select(*names)
        # The requested sort, then the dimensions not in it: the row order is always defined.
        order = [ibis.desc(s.field) if s.descending else ibis.asc(s.field) for s in query.sort]
        sorted_fields = {s.field for s in query.sort}
        order += [ibis.asc(d.field) for d in plan.dimensions if d.field not in sorted_fields]
        if order:
            result = result.order_by(order)
        if query.limit is not None:
            result = result.limit(query.limit)
        return result

    def _previous(self, plan: _Plan, group: CompareGroup) -> ir.Table:
        """The group's measures by the query's dimensions, over rows moved by its shift."""
        shifted = replace(plan, measures=group.measures, by_table={}, compare=[], shift=group.shift)
        for measure in shifted.measures:
            shifted.by_table.setdefault(measure.table, []).append(measure)
        parts = [self._measure_part(shifted, t, ms) for t, ms in shifted.by_table.items()]
        return combine(parts, [d.field for d in plan.dimensions], self.dialect)

    # -- planning ----------------------------------------------------------------------------
    def _plan(self, query: SemanticQuery) -> _Plan:
        if not query.measures and not query.dimensions:
            raise SemanticError("Choose at least one measure or dimension")
        seen: set[str] = set()
        for name in [*query.dimensions, *query.measures]:
            if name in seen and name in query.dimensions and name in query.measures:
                raise SemanticError(
                    f"{name!r} is both a dimension and a measure of the query; a result column "
                    "is one or the other, so keep it in one list (a calculated measure such as "
                    "sum(column) can give the other)",
                    field=name,
                )
            if name in seen:
                raise SemanticError(f"{name!r} is listed twice in the query", field=name)
            seen.add(name)
        dimensions = [self._fields.dimension(name) for name in query.dimensions]
        measures = [self._fields.measure(name) for name in query.measures]
        filters = [(self._fields.dimension(f.field, "Filter"), f) for f in query.filters]
        first_seen = plan_first_seen(self._fields, self._graph, query, dimensions, measures, seen)
        compare = plan_compare(query, dimensions, measures)
        seen.update(n for g in compare for c in g.columns for n in (c.previous, c.change))
        for item in query.sort:
            if item.field not in seen:
                raise SemanticError(
                    f"Sort field {item.field!r} is not in the query; sort by one of its "
                    "measures or dimensions",
                    field=item.field,
                )
        plan = _Plan(dimensions, measures, filters, query, compare=compare, first_seen=first_seen)
        for measure in measures:
            plan.by_table.setdefault(measure.table, []).append(measure)
        return plan

    def _split_filters(
        self, root: str, filters: list[FilterItem], what: str
    ) -> tuple[list[FilterItem], list[tuple[FilterItem, list[Step]]]]:
        """Filters applied on the join tree of ``root``, and those needing a semi-join."""
        direct: list[FilterItem] = []
        semi: list[tuple[FilterItem, list[Step]]] = []
        for dimension, item in filters:
            path = self._graph.path(root, dimension.table)
            if path is None:
                raise SemanticError(
                    f"Filter on {item.field!r} cannot apply to {what}: "
                    f"{self._graph.unconnected(root, dimension.table)}",
                    field=item.field,
                )
            if any(step.fans_out for step in path):
                semi.append(((dimension, item), path))
            else:
                direct.append((dimension, item))
        return direct, semi

    # -- building ----------------------------------------------------------------------------
    def _measure_part(self, plan: _Plan, table: str, measures: list[MeasureField]) -> ir.Table:
        """Aggregate of ``table``'s measures by the query's dimensions."""
        first = measures[0]
        what = f"measure {first.field!r}"
        for dimension in plan.dimensions:
            if self._graph.path(table, dimension.table) is None:
                raise SemanticError(
                    f"Measure {first.field!r} ({self._graph.describe(table)}) cannot be broken "
                    f"down by {dimension.field!r}: "
                    f"{self._graph.unconnected(table, dimension.table)}",
                    field=dimension.field,
                )
        direct, semi = self._split_filters(table, plan.filters, what)
        needed = [d.table for d in plan.dimensions] + [d.table for d, _ in direct]
        tree = self._graph.tree(table, needed)
        assert tree is not None  # every needed table was checked above
        fanned = [d for d in plan.dimensions if tree.fans_out_to(d.table)]
        unsafe = [m for m in measures if not m.expression.fanout_safe]
        key = None
        if fanned and unsafe:
            model_table = self.model.table(self._graph.nodes.get(table, table))
            key = model_table.primary_key if model_table is not None else None
            if not key:
                dimension = fanned[0]
                raise SemanticError(
                    f"Measure {unsafe[0].field!r} cannot be broken down by {dimension.field!r}: "
                    f"each row of {self._graph.describe(table)} matches many rows of "
                    f"{self._graph.describe(dimension.table)}, so it would be counted more "
                    f"than once; set a primary key on table {self._graph.nodes.get(table, table)!r}"
                    " (or use min, max or count_distinct)",
                    field=unsafe[0].field,
                )
        inputs = sorted(set().union(*(m.expression.columns for m in measures)))
        if key is not None and key not in inputs:
            inputs.append(key)
        base = self._semi_joined(table, semi, plan.shift)
        rel = self._joined(tree, base, plan.dimensions, direct, inputs, plan.shift)
        dims = [d.field for d in plan.dimensions]
        if key is not None:
            rel = distinct(rel, [*dims, *inputs], self.dialect)
        metrics = {m.field: m.value(rel.__getitem__, rel.count) for m in measures}
        if dims:
            return rel.group_by(dims).aggregate(**metrics)
        return rel.aggregate(**metrics)

    def _dimensions_only(self, plan: _Plan) -> ir.Table:
        """Distinct combinations of the dimensions, from a table reaching them all one-to-one."""
        needed = list(dict.fromkeys(d.table for d in plan.dimensions))
        candidates = needed + [n for n in self._graph.nodes if n not in needed]
        best: JoinTree | None = None
        for root in candidates:
            tree = self._graph.tree(root, needed)
            if tree is None or any(tree.fans_out_to(t) for t in needed):
                continue
            if best is None or len(tree.steps) < len(best.steps):
                best = tree
        if best is None:
            names = ", ".join(repr(d.field) for d in plan.dimensions)
            raise SemanticError(
                f"Dimensions {names} cannot be listed together: no table reaches them all "
                "through many-to-one joins; add a measure to relate them",
                field=plan.dimensions[-1].field,
            )
        direct, semi = self._split_filters(best.root, plan.filters, "the dimensions")
        tree = self._graph.tree(best.root, needed + [d.table for d, _ in direct])
        assert tree is not None
        rel = self._joined(tree, self._semi_joined(best.root, semi), plan.dimensions, direct, [])
        return distinct(rel, [d.field for d in plan.dimensions], self.dialect)

    def _joined(
        self,
        tree: JoinTree,
        base: ir.Table,
        dimensions: list[DimensionField],
        filters: list[FilterItem],
        inputs: list[str],
        shift: Shift | None = None,
    ) -> ir.Table:
        """``base`` joined along ``tree``, projected to dimensions and inputs, then filtered;
        with ``shift``, the dimensions and filters on its column see the moved values."""
        refs = {tree.root: self._table(tree.root)}
        chain = base
        for step in tree.steps:
            right = self._table(step.target)
            refs[step.target] = right
            chain = chain.join(
                right, join_on(step, refs[step.source], right), how=step.how,
                rname=step.target + "__{name}",
            )  # fmt: skip
        values: dict[str, ir.Value] = {}
        for dimension in dimensions:
            column = column_of(refs, dimension.table, dimension.column.name, dimension.field)
            if shift is not None and shift.applies(dimension):
                column = shift.move(column)
            values[dimension.field] = dimension.value(column, self.dialect)
        for name in inputs:
            values[name] = column_of(refs, tree.root, name, tree.root)
        for i, (dimension, item) in enumerate(filters):
            column = column_of(refs, dimension.table, dimension.column.name, item.field)
            if shift is not None and shift.applies(dimension):
                column = shift.move(column)
            values[f"#filter{i}"] = dimension.value(column, self.dialect)
        if shift is not None and shift.to_date and shift.node in refs:  # see .compare
            values["#to_date"] = shift.move(column_of(refs, shift.node, shift.column, shift.column))
        rel = chain.select(**values) if values else chain
        checks = [predicate(d, item, rel[f"#filter{i}"]) for i, (d, item) in enumerate(filters)]
        if shift is not None and "#to_date" in values:
            checks.append(rel["#to_date"] <= self._table(shift.node)[shift.column].max())
        if checks:
            rel = rel.filter(*checks)
        return rel

    def _semi_joined(
        self, root: str, semi: list[tuple[FilterItem, list[Step]]], shift: Shift | None = None
    ) -> ir.Table:
        """``root``'s table keeping only rows with a match for each fanned-out filter."""
        base = self._table(root)
        for (dimension, item), path in semi:
            first = path[0]
            tree = JoinTree(first.target, tuple(path[1:]))
            keys = [b for _, b in first.pairs]
            sub = self._joined(
                tree, self._table(first.target), [], [(dimension, item)], keys, shift
            )
            on = [base[a] == sub[b] for a, b in first.pairs]
            base = base.semi_join(sub, on)
        return base

    def _table(self, name: str) -> ir.Table:
        """The relation node ``name`` is read as: its stored view, or while a query with
        ``first_seen`` is built, the dated rows with their status (:mod:`.first_seen`)."""
        view = self._views.get(name)
        return view if view is not None else self._stored(name)

    def _stored(self, name: str) -> ir.Table:
        """The view of table ``name``, registered on first use; for a join alias, a separate
        reference to its base table's view (so a table can be joined to itself)."""
        table = self._tables.get(name)
        base = self._graph.nodes.get(name, name)
        if table is None and base != name:
            table = self._stored(base).view()
            self._tables[name] = table
        if table is None and name in self.tables:
            table = read_bound(self._con, name, self.tables[name])
            self._tables[name] = table
        if table is None:
            path = self.paths.get(name)
            if path is None:
                raise SemanticError(f"Table {name!r} has no data bound to it", field=name)
            if not path.is_file():
                raise SemanticError(
                    f"The data file of table {name!r} is missing ({path.name})", field=name
                )
            table = register_view(self._con, name, path)
            self._tables[name] = table
        return table


def run_query(
    model: SemanticModel, query: SemanticQuery, paths: Mapping[str, Path | str]
) -> QueryResult:
    """Run one query of ``model`` over the Parquet files ``paths`` (table name -> file)."""
    return SemanticEngine(model, paths).execute(query)
