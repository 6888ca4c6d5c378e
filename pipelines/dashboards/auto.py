"""A first dashboard for any model, planned from its catalog: no query runs here.

Long because: the rules that pick measures, dates and breakdowns, their titles and the layout
are one plan, read together when a rule changes.

:func:`first_dashboard` picks the model's main measures and lays out

- up to four KPI tiles in a row on top: the measures of the fact tables (the tables with the
  most measures and many-to-one joins first), a row count first, then sums of money;
- the main measure (a sum of money of the main table, else its row count) over the main date
  dimension as a line, by day, week or month as the dates' span asks (see
  :func:`pipelines.dashboards.kpi.sparkline_grain`), only when the dates cover more than one
  such period;
- bars of the main measure by the text dimensions with 2 to 50 values that the measure's table
  reaches through many-to-one joins (its own or a joined table's), three values or more first,
  then the fewest.

Never summed or averaged: identifiers (a primary or join key, a name such as ``customer_id``,
``zip_code`` or ``invoice_no``, or an integer column whose values are nearly all distinct in the
ingest profile), and numbers naming categories (years, months, postcodes). The value counts and
date spans are the catalog's (build it with ``max_values=CATALOG_VALUES`` so that a dimension
with more than 50 values can be told from one with exactly 50)::

    catalog = build_catalog(model, model.data, max_values=CATALOG_VALUES)
    document = first_dashboard(model, catalog)
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass

from pipelines.ai.catalog import Catalog, CatalogField
from pipelines.semantic.graph import JoinGraph, node_tables
from pipelines.semantic.model import Column, SemanticModel, Table
from pipelines.semantic.number_roles import AVERAGE_WORDS, CATEGORY_WORDS, SUM_WORDS, SUMMED
from pipelines.semantic.query import SemanticError, SemanticQuery, Sort
from pipelines.semantic.row_count import plural
from pipelines.semantic.sources import SourceSchema

from .document import (
    GRID_COLUMNS,
    ChartSettings,
    DashboardDocument,
    Position,
    Widget,
    WidgetKind,
    WidgetQuery,
)
from .filters import DateRange
from .kpi import sparkline_grain

__all__ = ["CATALOG_VALUES", "MAX_BAR_VALUES", "NoMeasure", "first_dashboard", "is_identifier"]

MAX_KPIS = 4
MAX_BARS = 4
MIN_BAR_VALUES = 2
MAX_BAR_VALUES = 50
CATALOG_VALUES = MAX_BAR_VALUES + 1
"""Values the catalog should keep per text dimension to tell 50 values from more."""
HBAR_FROM = 13
"""Bars with this many values or more are drawn horizontally (their labels stay readable)."""
UNIQUE_SHARE = 0.9
"""An integer column with distinct values for this share of its rows is an identifier..."""
UNIQUE_MIN_ROWS = 20
"""...when the table has at least this many rows (five stock levels may all differ)."""
KPI_SIZE, LINE_HEIGHT, BAR_HEIGHT, HBAR_HEIGHT = (3, 3), 5, 5, 7

ID_WORDS = frozenset({"id", "ids", "uuid", "guid", "key", "pk", "fk", "code", "ref", "sku"})
ID_LAST_WORDS = frozenset({"number", "no", "num", "nr"})
"""Identifier words when they end the name (``invoice_no``; ``number_of_seats`` is a count)."""
MONEY_WORDS = SUMMED["an amount"] | SUMMED["a salary"]
SUMMABLE = frozenset({"sum", "avg", "min", "max"})
"""Aggregations that read a column's numbers (a count of an identifier still means something)."""


class NoMeasure(ValueError):
    """The model has nothing to count or add up: no table, or no measure."""


@dataclass(frozen=True)
class _Measure:
    field: CatalogField
    table: str
    rank: int
    """0 row count, 1 money, 2 other sum, 3 calculated, 4 count of a column, 5 average etc."""
    order: int


def words(name: str) -> list[str]:
    """The lowercase words of an identifier: ``customerID_2`` -> ``["customer", "id", "2"]``."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    return [w for w in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if w]


def is_key(model: SemanticModel, table: Table, column: Column) -> bool:
    """True for the table's primary key and the columns its joins match on."""
    return column.name == table.primary_key or any(
        (j.left_table == table.name and any(p.left == column.name for p in j.on))
        or (j.right_table == table.name and any(p.right == column.name for p in j.on))
        for j in model.joins
    )


def is_identifier(model: SemanticModel, table: Table, column: Column) -> bool:
    """True when ``column`` names rows rather than measuring them: the table's primary key, a
    column of one of its joins, or a name of identifier words (``customer_id``, ``order_no``)."""
    if is_key(model, table, column):
        return True
    parts = words(column.name)
    return bool(set(parts) & ID_WORDS) or (bool(parts) and parts[-1] in ID_LAST_WORDS)


def _unique_values(column: Column, source: SourceSchema | None) -> bool:
    """An integer column (not named as a quantity) whose values are nearly all distinct."""
    if column.type != "integer" or source is None:
        return False
    if set(words(column.name)) & (SUM_WORDS | AVERAGE_WORDS):
        return False
    profiled = source.column(column.name)
    if profiled is None:
        return False
    rows = source.row_count - profiled.null_count
    return rows >= UNIQUE_MIN_ROWS and profiled.distinct_approx >= UNIQUE_SHARE * rows


def _summable(
    model: SemanticModel, table: Table, column: Column, source: SourceSchema | None
) -> bool:
    if is_identifier(model, table, column) or _unique_values(column, source):
        return False
    return not (column.type == "integer" and set(words(column.name)) & CATEGORY_WORDS)


def _money(names: list[str], column: Column | None, source: SourceSchema | None) -> bool:
    if column is not None and column.format is not None and column.format.kind == "currency":
        return True
    profiled = source.column(column.name) if source and column else None
    return (profiled is not None and profiled.currency is not None) or bool(
        set(names) & MONEY_WORDS
    )


class _Planner:
    def __init__(
        self,
        model: SemanticModel,
        catalog: Catalog,
        sources: Mapping[str, SourceSchema] | None,
    ) -> None:
        self.model = model
        self.catalog = catalog
        self.sources = sources or {}
        self.graph = JoinGraph(model)
        self.nodes = node_tables(model)

    # -- measures ------------------------------------------------------------------------------
    def measures(self) -> list[_Measure]:
        """Every measure worth showing, identifiers and categories left out."""
        found: list[_Measure] = []
        for order, item in enumerate(self.catalog.measures):
            if item.node is None:
                calculated = self.model.measure(item.field)
                if calculated is None:
                    continue
                money = _money(words(item.field) + words(item.name_label), None, None)
                found.append(_Measure(item, calculated.table, 1 if money else 3, order))
                continue
            base = self.model.table(self.nodes.get(item.node, item.node))
            if base is None or item.node != base.name:
                continue
            if not item.also_dimension:  # the table's row count
                found.append(_Measure(item, base.name, 0, order))
                continue
            column = base.column(item.field.split(".", 1)[1])
            if column is None:
                continue
            source = self.sources.get(base.source_key)
            if item.aggregation in SUMMABLE and not _summable(self.model, base, column, source):
                continue
            if item.aggregation == "sum":
                money = _money(words(column.name) + words(column.label), column, source)
                rank = 1 if money else 2
            else:
                rank = 4 if item.aggregation in ("count", "count_distinct") else 5
            found.append(_Measure(item, base.name, rank, order))
        return found

    def fact_tables(self, measures: list[_Measure]) -> list[str]:
        """Tables by how much they look like facts: measures of their own and many-to-one
        joins out; tables with neither come only when no table has any."""
        scored: list[tuple[int, int, str]] = []
        for position, table in enumerate(self.model.tables):
            own = sum(1 for m in measures if m.table == table.name and m.rank > 0)
            outgoing = sum(
                1
                for j in self.model.joins
                if (j.left_table == table.name and j.cardinality == "many_to_one")
                or (j.right_table == table.name and j.cardinality == "one_to_many")
            )
            scored.append((-(own + outgoing), position, table.name))
        scored.sort()
        facts = [name for score, _, name in scored if score < 0]
        return facts or [name for _, _, name in scored]

    def kpis(self, measures: list[_Measure], facts: list[str]) -> list[_Measure]:
        """Up to :data:`MAX_KPIS`: three of the main table, then the best of each other."""
        by_table = {
            t: sorted((m for m in measures if m.table == t), key=lambda m: (m.rank, m.order))
            for t in facts
        }
        main = by_table.get(facts[0], [])
        others = [by_table[t] for t in facts[1:] if by_table[t]]
        picked = main[: MAX_KPIS - 1 if others else MAX_KPIS]
        picked += [best[0] for best in others]
        rest = main[len(picked) :] + [m for group in others for m in group[1:]]
        return (picked + [m for m in rest if m not in picked])[:MAX_KPIS]

    # -- reach ---------------------------------------------------------------------------------
    def hops(self, source: str, target: str) -> int | None:
        """Joins from ``source`` to ``target`` when none repeats the source's rows."""
        if source == target:
            return 0
        try:
            path = self.graph.path(source, target)
        except SemanticError:  # two paths: the model is ambiguous there
            return None
        if path is None or any(step.fans_out for step in path):
            return None
        return len(path)

    def time_series(self, measure: _Measure) -> tuple[CatalogField, str] | None:
        """The main date dimension of ``measure`` and its grain, when its span covers more
        than one period."""
        reachable: list[tuple[int, int, CatalogField]] = []
        for order, item in enumerate(self.catalog.time_dimensions):
            hops = None if item.node is None else self.hops(measure.table, item.node)
            if hops is not None:
                reachable.append((hops, order, item))
        for _, _, item in sorted(reachable, key=lambda r: (r[0], r[1])):
            span = _span(item.time_range)
            if span is None:
                continue
            grain = sparkline_grain(span, list(item.grains))
            if grain is not None and _period(span.start, grain) != _period(span.end, grain):
                return item, grain
        return None

    def breakdowns(self, measure: _Measure) -> list[CatalogField]:
        """Text dimensions with 2 to 50 values the measure reaches, the most useful first."""
        found: list[tuple[bool, int, int, str, CatalogField]] = []
        for item in self.catalog.dimensions:
            if item.kind != "dimension" or item.type != "text" or item.node is None:
                continue
            count = len(item.values)
            if not MIN_BAR_VALUES <= count <= MAX_BAR_VALUES or self._is_key(item):
                continue
            hops = self.hops(measure.table, item.node)
            if hops is not None:
                found.append((count < 3, count, hops, item.field, item))
        found.sort(key=lambda f: f[:4])
        return [f[4] for f in found[:MAX_BARS]]

    def _is_key(self, item: CatalogField) -> bool:
        table = self.model.table(self.nodes.get(item.node or "", ""))
        column = table.column(item.field.split(".", 1)[1]) if table else None
        return table is not None and column is not None and is_key(self.model, table, column)

    # -- titles --------------------------------------------------------------------------------
    def measure_title(self, measure: _Measure) -> str:
        item = measure.field
        if measure.rank == 0:
            table = self.model.table(measure.table)
            parts = _plain(table.display if table else measure.table).split(" ")
            return _capital(" ".join([*parts[:-1], plural(parts[-1])]))
        name = _plain(item.name_label)
        prefix = {
            "avg": "Average",
            "min": "Lowest",
            "max": "Highest",
            "count": "Number of",
            "count_distinct": "Distinct",
        }.get(item.aggregation or "")
        if prefix and not set(words(name)) & (AVERAGE_WORDS | {"min", "max", "count"}):
            return f"{prefix} {name}"
        return _capital(name)

    def dimension_words(self, item: CatalogField, measure: _Measure) -> str:
        name = _plain(item.name_label)
        if item.node != measure.table and name.lower() in ("name", "label", "title"):
            return _singular(_plain(item.node_label))
        return name


def first_dashboard(
    model: SemanticModel,
    catalog: Catalog,
    sources: Mapping[str, SourceSchema] | None = None,
) -> DashboardDocument:
    """The first dashboard of ``model``: KPIs, a time series and breakdowns (see the module).

    Parameters
    ----------
    model
        The semantic model.
    catalog
        Its catalog with values and time ranges (:func:`pipelines.ai.catalog.build_catalog`
        with ``max_values=CATALOG_VALUES``).
    sources
        The ingest profiles of the model's sources by source id, when known: an integer column
        with nearly all values distinct is then an identifier too.

    Raises
    ------
    NoMeasure
        Saying what the model lacks.
    """
    if not model.tables:
        raise NoMeasure(
            "The model has no tables yet, so there is nothing to count or add up: add a source "
            "to the model first."
        )
    planner = _Planner(model, catalog, sources)
    measures = planner.measures()
    if not measures:
        raise NoMeasure(
            "The model has no measure to show: mark a number column as a measure (or add a "
            "calculated measure) on the Model page first."
        )
    facts = planner.fact_tables(measures)
    kpis = (
        planner.kpis(measures, facts)
        or sorted(measures, key=lambda m: (m.rank, m.order))[:MAX_KPIS]
    )
    main = _main(measures, facts[0]) or kpis[0]
    time = planner.time_series(main)
    widgets: list[Widget] = []
    width = KPI_SIZE[0] if len(kpis) > 3 else GRID_COLUMNS // 3 if len(kpis) == 3 else 6
    for index, measure in enumerate(kpis):
        reaches = time is not None and planner.hops(measure.table, str(time[0].node)) is not None
        widgets.append(
            _widget(
                f"kpi-{index + 1}", "kpi", planner.measure_title(measure),
                SemanticQuery(measures=[measure.field.field]),
                ChartSettings(
                    y=[measure.field.field],
                    time_field=time[0].field if time is not None and reaches else None,
                ),
                Position(x=index * width, y=0, w=width, h=KPI_SIZE[1]),
            )
        )  # fmt: skip
    top = KPI_SIZE[1]
    title = planner.measure_title(main)
    if time is not None:
        dimension = f"{time[0].field}.{time[1]}"
        widgets.append(
            _widget(
                "trend", "line", f"{title} by {time[1]}",
                SemanticQuery(
                    measures=[main.field.field], dimensions=[dimension],
                    sort=[Sort(field=dimension)],
                ),
                ChartSettings(x=dimension, y=[main.field.field]),
                Position(x=0, y=top, w=GRID_COLUMNS, h=LINE_HEIGHT),
            )
        )  # fmt: skip
        top += LINE_HEIGHT
    bars = planner.breakdowns(main)
    for index, item in enumerate(bars):
        horizontal = len(item.values) >= HBAR_FROM
        alone = index == len(bars) - 1 and index % 2 == 0
        row_height = max(
            HBAR_HEIGHT if len(b.values) >= HBAR_FROM else BAR_HEIGHT
            for b in bars[index - index % 2 : index - index % 2 + 2]
        )
        widgets.append(
            _widget(
                f"by-{index + 1}", "hbar" if horizontal else "bar",
                f"{title} by {_lower(planner.dimension_words(item, main))}",
                SemanticQuery(
                    measures=[main.field.field], dimensions=[item.field],
                    sort=[Sort(field=main.field.field, descending=True)],
                ),
                ChartSettings(x=item.field, y=[main.field.field]),
                Position(
                    x=0 if index % 2 == 0 else GRID_COLUMNS // 2, y=top,
                    w=GRID_COLUMNS if alone else GRID_COLUMNS // 2, h=row_height,
                ),
            )
        )  # fmt: skip
        if index % 2 == 1 or alone:
            top += row_height
    return DashboardDocument(widgets=widgets)


def _main(measures: list[_Measure], table: str) -> _Measure | None:
    """The main table's sum of money, else its row count."""
    own = sorted((m for m in measures if m.table == table), key=lambda m: (m.rank, m.order))
    money = next((m for m in own if m.rank == 1), None)
    return money or next((m for m in own if m.rank == 0), None) or (own[0] if own else None)


def _widget(
    widget_id: str,
    kind: WidgetKind,
    title: str,
    query: SemanticQuery,
    chart: ChartSettings,
    position: Position,
) -> Widget:
    return Widget(
        id=widget_id,
        kind=kind,
        title=title[:200],
        query=WidgetQuery(source="semantic", semantic=query),
        chart=chart,
        position=position,
    )


def _span(time_range: tuple[str, str] | None) -> DateRange | None:
    if time_range is None:
        return None
    try:
        start, end = (dt.date.fromisoformat(v) for v in time_range)
    except ValueError:
        return None
    return DateRange(start, end) if start <= end else None


def _period(day: dt.date | None, grain: str) -> dt.date | None:
    """The first day of the ``grain`` period holding ``day``."""
    if day is None:
        return None
    if grain == "week":
        return day - dt.timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    if grain == "quarter":
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    if grain == "year":
        return day.replace(month=1, day=1)
    return day


def _plain(text: str) -> str:
    """A label in plain words: ``order_date`` -> ``order date``; ``Country`` stays."""
    return " ".join(text.replace("_", " ").split())


def _singular(text: str) -> str:
    """``customers`` -> ``customer``, ``categories`` -> ``category`` (the last word only)."""
    if text.endswith("ies"):
        return text[:-3] + "y"
    if text.endswith("s") and not text.endswith(("ss", "us", "is")):
        return text[:-1]
    return text


def _lower(text: str) -> str:
    """``Customer Country`` -> ``customer country``; acronyms (``SKU``) stay."""
    return " ".join(w.lower() if w[:1].isupper() and w[1:].islower() else w for w in text.split())


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
