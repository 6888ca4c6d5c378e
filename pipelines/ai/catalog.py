"""What a question can be answered with: the fields of one workspace's semantic model.

A :class:`Catalog` lists every queryable field of a model as the engine spells it, with the words
people may use for it (label, name, synonyms), its type and, from the data, the time range of
date dimensions and the most frequent values of low-cardinality text dimensions (so "France" can
become ``customers.country = 'FR'``). Both the offline answerer and the prompts of language
models read it; nothing else of the workspace (and nothing of another workspace) is in it.

Build it once per model version and data (it reads each table's Parquet file once)::

    catalog = build_catalog(model, model.data)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import duckdb

from pipelines.semantic import SemanticModel, Table
from pipelines.semantic.graph import alias_labels, node_tables
from pipelines.semantic.row_count import row_count_field, row_count_label
from pipelines.semantic.vocabulary import GRAINS, NUMERIC_TYPES, TIME_TYPES

__all__ = ["Catalog", "CatalogField", "FieldKind", "build_catalog"]

FieldKind = Literal["measure", "dimension", "time"]

MAX_VALUES = 50
"""Sampled values kept per text dimension (most frequent first)."""
MAX_DISTINCT = 200
"""A text dimension with more distinct values than this is not sampled (names, ids, emails)."""


@dataclass(frozen=True)
class CatalogField:
    """One queryable field of the model."""

    field: str
    """As the engine spells it: ``orders.amount``, ``orders.count``, ``revenue``,
    ``origin_airport.name``; a time dimension without its grain (``orders.order_date``)."""
    kind: FieldKind
    label: str
    """As shown to users: ``Orders · Amount``, ``Number of orders``, ``Revenue``."""
    node: str | None
    """The table or join alias the field is read from; None for a calculated measure."""
    node_label: str
    name_label: str
    """The field's own label without its table (``Amount``)."""
    type: str
    """Logical type: integer, decimal, text, date, timestamp, boolean."""
    description: str = ""
    synonyms: tuple[str, ...] = ()
    aggregation: str | None = None
    """A measure's default aggregation (``sum``, ``avg``, ``count``…); None otherwise."""
    grains: tuple[str, ...] = ()
    """A time dimension's grains."""
    values: tuple[str, ...] = ()
    """Most frequent values of a low-cardinality text dimension (empty otherwise)."""
    time_range: tuple[str, str] | None = None
    """ISO first and last date of a time dimension, from the data."""
    also_dimension: bool = False
    """A measure column that can also group and filter by its raw values."""


@dataclass(frozen=True)
class Catalog:
    """The fields of one model, measures first."""

    fields: tuple[CatalogField, ...]
    tables: tuple[tuple[str, str, str], ...] = field(default=())
    """(name, label, description) of every table and join alias."""
    table_synonyms: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def measures(self) -> list[CatalogField]:
        return [f for f in self.fields if f.kind == "measure"]

    @property
    def dimensions(self) -> list[CatalogField]:
        """Dimensions and time dimensions (and measure columns usable as dimensions)."""
        return [f for f in self.fields if f.kind != "measure" or f.also_dimension]

    @property
    def time_dimensions(self) -> list[CatalogField]:
        return [f for f in self.fields if f.kind == "time"]

    def get(self, name: str, kind: FieldKind | None = None) -> CatalogField | None:
        """The field spelled ``name`` (of ``kind`` when given)."""
        return next(
            (f for f in self.fields if f.field == name and (kind is None or f.kind == kind)), None
        )


def build_catalog(
    model: SemanticModel,
    paths: Mapping[str, Path | str] | None = None,
    *,
    max_values: int = MAX_VALUES,
    max_distinct: int = MAX_DISTINCT,
) -> Catalog:
    """The catalog of ``model``; with ``paths`` (table name -> Parquet file) also sampled values
    and time ranges, read with one DuckDB pass per table (two when it has text dimensions)."""
    nodes = node_tables(model)
    labels = alias_labels(model)
    stats = _table_stats(model, paths or {}, max_values, max_distinct)
    fields: list[CatalogField] = []
    dimensions: list[CatalogField] = []
    tables: list[tuple[str, str, str]] = []
    for node, base in nodes.items():
        table = model.table(base)
        if table is None:
            continue
        node_label = labels.get(node, table.display) if node != base else table.display
        tables.append((node, node_label, table.description))
        count = row_count_field(model, table)
        if count is not None and node == base:
            fields.append(
                CatalogField(
                    count, "measure", row_count_label(table), node, node_label,
                    row_count_label(table), "integer", aggregation="count",
                )
            )  # fmt: skip
        for column in table.columns:
            if column.role == "ignored":
                continue
            values, time_range = stats.get(base, {}).get(column.name, ((), None))
            base_field = CatalogField(
                f"{node}.{column.name}", "dimension", f"{node_label} · {column.display}", node,
                node_label, column.display, column.type, description=column.description,
                synonyms=tuple(column.synonyms),
            )  # fmt: skip
            if column.role == "measure":
                agg = column.aggregation or ("sum" if column.type in NUMERIC_TYPES else "count")
                fields.append(
                    replace(base_field, kind="measure", aggregation=agg, also_dimension=True)
                )
            elif column.type in TIME_TYPES:
                grains = tuple(column.grains) or tuple(GRAINS)
                dimensions.append(
                    replace(base_field, kind="time", grains=grains, time_range=time_range)
                )
            else:
                dimensions.append(replace(base_field, values=values))
    for measure in model.measures:
        table = model.table(measure.table)
        fields.append(
            CatalogField(
                measure.name, "measure", measure.display, None,
                table.display if table else measure.table, measure.display, "decimal",
                description=measure.description, synonyms=tuple(measure.synonyms),
            )
        )  # fmt: skip
    return Catalog(
        tuple(fields + dimensions),
        tuple(tables),
        {t.name: tuple(t.synonyms) for t in model.tables},
    )


Stats = dict[str, dict[str, tuple[tuple[str, ...], tuple[str, str] | None]]]


def _table_stats(
    model: SemanticModel, paths: Mapping[str, Path | str], max_values: int, max_distinct: int
) -> Stats:
    """Per table and column: sampled values (text dimensions) and time range (dates)."""
    stats: Stats = {}
    con = duckdb.connect()
    try:
        for table in model.tables:
            path = paths.get(table.name)
            if path is None or not Path(path).exists():
                continue
            stats[table.name] = _one_table(con, table, Path(path), max_values, max_distinct)
    finally:
        con.close()
    return stats


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _one_table(
    con: duckdb.DuckDBPyConnection, table: Table, path: Path, max_values: int, max_distinct: int
) -> dict[str, tuple[tuple[str, ...], tuple[str, str] | None]]:
    texts = [c.name for c in table.columns if c.role == "dimension" and c.type == "text"]
    times = [c.name for c in table.columns if c.role != "ignored" and c.type in TIME_TYPES]
    found: dict[str, tuple[tuple[str, ...], tuple[str, str] | None]] = {}
    if not texts and not times:
        return found
    source = "read_parquet($path)"
    params = {"path": str(path)}
    parts = [f"approx_count_distinct({_quote(c)})" for c in texts]
    parts += [f"min({_quote(c)})::VARCHAR, max({_quote(c)})::VARCHAR" for c in times]
    # Identifiers are the model's column names, quoted; the file path is a bound parameter.
    select = f"SELECT {', '.join(parts)} FROM {source}"  # noqa: S608
    row = con.execute(select, params).fetchone() or ()
    distinct = dict(zip(texts, row[: len(texts)], strict=True))
    rest = row[len(texts) :]
    for i, name in enumerate(times):
        low, high = rest[2 * i], rest[2 * i + 1]
        found[name] = ((), (str(low)[:10], str(high)[:10]) if low is not None else None)
    sampled = [c for c in texts if 0 < (distinct[c] or 0) <= max_distinct * 1.1]
    for name in sampled:
        column = _quote(name)
        top = (
            f"SELECT {column} AS v, count(*) AS n FROM {source} WHERE {column} IS NOT NULL "  # noqa: S608
            f"GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT {max_distinct + 1}"
        )
        rows = con.execute(top, params).fetchall()
        if len(rows) <= max_distinct:
            found[name] = (tuple(str(v) for v, _ in rows[:max_values]), None)
    return found
