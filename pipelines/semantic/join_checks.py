"""Reading joins and columns off the relations a semantic query is built from, each missing
column refused with the join or field at fault named (see :mod:`.engine`)."""

from __future__ import annotations

import ibis.expr.types as ir

from .graph import Step
from .query import SemanticError

__all__ = ["column_of", "join_on"]


def join_on(step: Step, left: ir.Table, right: ir.Table) -> list[ir.BooleanValue]:
    """The join condition of ``step`` between ``left`` (its source) and ``right``."""
    on = []
    for a, b in step.pairs:
        for table, column in ((step.source, a), (step.target, b)):
            if column not in (left if table == step.source else right).columns:
                raise SemanticError(
                    f"Join {step.join.id!r}: column {column!r} is not in the data of "
                    f"table {table!r}",
                    field=table,
                )
        on.append(left[a] == right[b])
    return on


def column_of(refs: dict[str, ir.Table], table: str, name: str, field: str) -> ir.Value:
    """Column ``name`` of node ``table`` (for ``field``)."""
    if name not in refs[table].columns:
        raise SemanticError(
            f"{field!r}: column {name!r} is in the model but not in the data of table {table!r}",
            field=field,
        )
    return refs[table][name]
