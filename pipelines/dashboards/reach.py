"""Which dashboard filters reach which widget, through the semantic model's joins.

A filter on ``table.column`` reaches a semantic widget when the engine could apply it: every
table whose measures the widget aggregates (or, for a widget of dimensions only, the table the
engine lists them from) must be joined to the filter's table by a path of the model's joins.
These are the engine's own rules (:meth:`pipelines.semantic.engine.SemanticEngine._split_filters`):
a filter across a one-to-many join is applied as a semi-join, so a filter on ``customers.country``
reaches a widget on ``orders`` (orders -> customers) and one on ``tickets`` (tickets -> customers)
alike, and never double counts.

A filter that cannot reach a widget is reported with the reason (:class:`Unreached`); a widget
whose query is SQL is reached by none (its SQL is run as written); a filter the widget switched
off (``filters_off``) is reported as switched off, not as unreachable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from pipelines.semantic.compare import plan_compare
from pipelines.semantic.fields import DimensionField, FieldResolver
from pipelines.semantic.first_seen import plan_first_seen
from pipelines.semantic.graph import JoinGraph
from pipelines.semantic.model import SemanticModel
from pipelines.semantic.query import Filter, SemanticError, SemanticQuery
from pipelines.semantic.vocabulary import TIME_TYPES

from .document import DashboardDocument, DashboardFilter, DateFilter, Widget
from .filters import ActiveFilter, DateRange
from .results import Unreached

__all__ = ["SQL_UNREACHED", "EffectiveQuery", "FilterReach", "reach_map", "semantic_of"]

SQL_UNREACHED = "This widget's query is SQL, so dashboard filters cannot be applied to it"


def semantic_of(widget: Widget) -> SemanticQuery | None:
    """The widget's semantic query (None for a text or SQL widget)."""
    if widget.query is None or widget.query.source != "semantic":
        return None
    return widget.query.semantic


@dataclass(frozen=True)
class EffectiveQuery:
    """A widget's query with the filters that reach it added.

    ``applied`` lists the ids of the filters added (dashboard filters and cross-filters),
    ``unreached`` those that could not be, with why, ``switched_off`` those the widget turned
    off, and ``dates`` the applied date filters with the semantic filter each added."""

    query: SemanticQuery | None
    applied: list[str] = field(default_factory=list)
    unreached: list[Unreached] = field(default_factory=list)
    switched_off: list[str] = field(default_factory=list)
    dates: list[tuple[ActiveFilter, Filter]] = field(default_factory=list)


class FilterReach:
    """Filter reach and field checks over one model.

    Parameters
    ----------
    model
        The workspace's semantic model.
    """

    def __init__(self, model: SemanticModel) -> None:
        self.model = model
        self.graph = JoinGraph(model)
        self.fields = FieldResolver(model)

    # -- checks --------------------------------------------------------------------------------
    def filter_field(self, item: DashboardFilter | ActiveFilter) -> DimensionField:
        """The dimension a filter is on.

        Raises
        ------
        SemanticError
            Naming the filter and its field when the field is not a dimension of the model, or
            when a date filter's field is not a date or timestamp.
        """
        try:
            dimension = self.fields.dimension(item.field, "Filter")
        except SemanticError as exc:
            raise SemanticError(f"Filter {item.id!r}: {exc.message}", item.field) from None
        is_date = isinstance(item, DateFilter) or (
            isinstance(item, ActiveFilter) and item.kind == "date"
        )
        if is_date and dimension.type not in TIME_TYPES:
            raise SemanticError(
                f"Filter {item.id!r} is a date filter, and {item.field!r} is {dimension.type}: "
                "pick a date or timestamp column",
                item.field,
            )
        return dimension

    def check_query(self, query: SemanticQuery) -> None:
        """Raise :class:`SemanticError` naming the first field of ``query`` the model lacks."""
        if not query.measures and not query.dimensions and query.over_time is None:
            raise SemanticError("Choose at least one measure or dimension")
        measures = [self.fields.measure(name) for name in query.measures]
        dimensions = [self.fields.dimension(name) for name in query.dimensions]
        for item in query.filters:
            self.fields.dimension(item.field, "Filter")
        named = {*query.measures, *query.dimensions}
        if query.first_seen is not None:  # its rules, and the columns it adds (a sort may use)
            plan_first_seen(self.fields, self.graph, query, dimensions, measures, named)
        if query.over_time is not None:
            self.fields.dimension(query.over_time.start, "Over-time start")
            named.update(query.over_time.added_columns())
        else:
            for group in plan_compare(query, dimensions, measures):
                named.update(n for c in group.columns for n in (c.previous, c.change))
        for sort in query.sort:
            if sort.field not in named:
                raise SemanticError(
                    f"Sort field {sort.field!r} is not in the query; sort by one of its "
                    "measures or dimensions",
                    sort.field,
                )

    def check_widget(self, widget: Widget) -> None:
        """Check a semantic widget's query and KPI time field against the model.

        Raises
        ------
        SemanticError
            With the message starting ``Widget '<id>':``.
        """
        query = semantic_of(widget)
        if query is None:
            return
        try:
            self.check_query(query)
            if widget.chart.time_field:
                self.time_field(widget.chart.time_field)
        except SemanticError as exc:
            raise SemanticError(f"Widget {widget.id!r}: {exc.message}", exc.field) from None

    def time_field(self, name: str) -> DimensionField:
        """The date or timestamp column of a KPI's ``time_field`` (a grain is ignored)."""
        base = ".".join(name.split(".")[:2])
        dimension = self.fields.dimension(base, "Time field")
        if dimension.type not in TIME_TYPES:
            raise SemanticError(
                f"Time field {name!r} is {dimension.type}; pick a date or timestamp column",
                name,
            )
        return dimension

    # -- reach ---------------------------------------------------------------------------------
    def roots(self, query: SemanticQuery) -> list[str]:
        """The tables (join-graph nodes) a filter must reach for ``query``, as the engine
        applies filters: each measure's table, or the table a dimensions-only query is listed
        from."""
        if query.over_time is not None:  # the rows counted are the start column's table's
            return [self.fields.dimension(query.over_time.start, "Over-time start").table]
        counted = query.first_seen is not None and query.first_seen.count
        if query.measures or counted:  # first_seen's count is of the time dimension's table
            nodes = [self.fields.measure(m).table for m in query.measures]
            if counted:
                dated = (self.fields.dimension(d) for d in query.dimensions)
                nodes += [d.table for d in dated if d.grain is not None]
            return list(dict.fromkeys(nodes))
        needed = list(dict.fromkeys(self.fields.dimension(d).table for d in query.dimensions))
        candidates = needed + [n for n in self.graph.nodes if n not in needed]
        best: tuple[int, str] | None = None
        for root in candidates:
            tree = self.graph.tree(root, needed)
            if tree is None or any(tree.fans_out_to(t) for t in needed):
                continue
            if best is None or len(tree.steps) < best[0]:
                best = (len(tree.steps), root)
        if best is None:
            names = ", ".join(repr(d) for d in query.dimensions)
            raise SemanticError(
                f"Dimensions {names} cannot be listed together: no table reaches them all "
                "through many-to-one joins; add a measure to relate them",
                query.dimensions[-1],
            )
        return [best[1]]

    def why_not(self, query: SemanticQuery, table: str) -> str | None:
        """Why a filter on ``table`` cannot apply to ``query`` (None when it can)."""
        try:
            for root in self.roots(query):
                if self.graph.path(root, table) is None:
                    return (
                        f"No join path from {self.graph.describe(root)} to "
                        f"{self.graph.describe(table)} in the model"
                    )
        except SemanticError as exc:
            return exc.message
        return None

    def apply(self, widget: Widget, active: Sequence[ActiveFilter]) -> EffectiveQuery:
        """``widget``'s query with every active filter that reaches it (see the module doc).

        A text widget gives ``query=None`` and no lists; an SQL widget gives ``query=None``
        and every filter as unreached.

        Raises
        ------
        SemanticError
            When the widget's own query names a field the model lacks (a filter's unknown
            field only makes that filter unreached).
        """
        if widget.query is None:
            return EffectiveQuery(None)
        semantic = semantic_of(widget)
        if semantic is not None:
            self.check_query(semantic)
        result = EffectiveQuery(semantic)
        filters: list[Filter] = []
        for item in active:
            if item.skip_widget == widget.id:
                continue
            if item.id in widget.filters_off:
                result.switched_off.append(item.id)
                continue
            if semantic is None:
                result.unreached.append(Unreached(item.id, SQL_UNREACHED))
                continue
            try:
                dimension = self.filter_field(item)
            except SemanticError as exc:
                result.unreached.append(Unreached(item.id, exc.message))
                continue
            reason = self.why_not(semantic, dimension.table)
            if reason is not None:
                result.unreached.append(Unreached(item.id, reason))
                continue
            added = item.semantic(dimension.type)
            if added is None:
                continue
            filters.append(added)
            result.applied.append(item.id)
            if item.kind == "date":
                result.dates.append((item, added))
        if semantic is None:
            return result
        query = semantic.model_copy(update={"filters": [*semantic.filters, *filters]})
        return EffectiveQuery(
            query, result.applied, result.unreached, result.switched_off, result.dates
        )


def reach_map(reach: FilterReach, document: DashboardDocument) -> dict[str, dict[str, str]]:
    """For each dashboard filter, what it does to each widget with a query, whatever its
    current value: ``"applies"``, ``"off"`` (switched off by the widget) or why it cannot reach
    it (the page shows this before anything runs)."""
    found: dict[str, dict[str, str]] = {}
    for item in document.filters:
        probe = ActiveFilter(
            item.id,
            "date" if isinstance(item, DateFilter) else "values",
            item.field,
            values=("",),
            span=DateRange(None, None) if isinstance(item, DateFilter) else None,
        )
        row: dict[str, str] = {}
        for widget in document.widgets:
            if widget.query is None:
                continue
            try:
                effective = reach.apply(widget, [probe])
            except SemanticError as exc:
                row[widget.id] = exc.message
                continue
            if effective.switched_off:
                row[widget.id] = "off"
            elif effective.unreached:
                row[widget.id] = effective.unreached[0].reason
            else:
                row[widget.id] = "applies"
        found[item.id] = row
    return found
