"""Per-table aggregates of a semantic query side by side (see :mod:`.engine`).

Each table's measures are aggregated by the query's dimensions on their own (fan-out safe);
:func:`combine` lays those aggregates beside each other, matching rows on the dimension values
(NULL matches NULL), so a dimension value met by one table only keeps its row.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

__all__ = ["combine"]


def combine(parts: list[ir.Table], dims: list[str]) -> ir.Table:
    """Per-table aggregates side by side: a null-safe full outer join on the dimensions."""
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
