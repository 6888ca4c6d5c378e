"""Per-table aggregates of a semantic query side by side (see :mod:`.engine`).

Each table's measures are aggregated by the query's dimensions on their own (fan-out safe);
:func:`combine` lays those aggregates beside each other, matching rows on the dimension values
(NULL matches NULL), so a dimension value met by one table only keeps its row.

On DuckDB that is one null-safe full outer join per aggregate. PostgreSQL only runs a full join
on plain equality, and MySQL has no full join, so elsewhere the dimension values of all the
aggregates are listed first (a union) and each aggregate is left-joined to that list.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

__all__ = ["combine", "distinct"]


def combine(parts: list[ir.Table], dims: list[str], dialect: str = "duckdb") -> ir.Table:
    """Per-table aggregates side by side: a null-safe full outer join on the dimensions."""
    if dims and len(parts) > 1 and dialect != "duckdb":
        return _combine_by_union(parts, dims)
    result = parts[0]
    for part in parts[1:]:
        if not dims:
            result = result.cross_join(part)
            continue
        on = [result[d].identical_to(part[d]) for d in dims]
        joined = result.join(part, on, how="outer", rname="{name}#right")
        keys = {d: ibis.coalesce(result[d], part[d]) for d in dims}
        measures = {c: result[c] for c in result.columns if c not in keys}
        measures.update({c: part[c] for c in part.columns if c not in keys})
        result = joined.select(**keys, **measures)
    return result


def _combine_by_union(parts: list[ir.Table], dims: list[str]) -> ir.Table:
    """:func:`combine` without a full join: every dimension value, then each part beside it."""
    result = ibis.union(*(_nullable(part, dims) for part in parts), distinct=True)
    for part in parts:
        part = part.view()
        on = [result[d].identical_to(part[d]) for d in dims]
        joined = result.left_join(part, on, rname="{name}#right")
        measures = {c: part[c] for c in part.columns if c not in dims}
        result = joined.select(*(result[c] for c in result.columns), **measures)
    return result


def _nullable(part: ir.Table, dims: list[str]) -> ir.Table:
    """``part``'s dimension columns, all nullable: a NOT NULL column of a database table is
    nullable once outer-joined in another part, and a union needs equal schemas."""
    columns = []
    for name in dims:
        column = part[name]
        kind = column.type()
        columns.append(
            column if kind.nullable else column.cast(kind.copy(nullable=True)).name(name)
        )
    return part.select(*columns)


def distinct(rel: ir.Table, names: list[str], dialect: str = "duckdb") -> ir.Table:
    """The distinct rows of ``rel``'s columns ``names``.

    Ibis compiles ``select(...).distinct()`` over a filtered semi-join wrongly for PostgreSQL
    (the ``DISTINCT`` lands below the projection), so other backends group by the columns."""
    if dialect == "duckdb":
        return rel.select(*names).distinct()
    return rel.group_by(names).aggregate()
