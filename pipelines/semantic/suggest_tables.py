"""The ``table`` suggestion: a ready source that no table reads yet, added as a new table.

An empty model thus starts from the workspace's sources: each becomes a table with its columns'
suggested roles, formats and primary key (:func:`~pipelines.semantic.roles.table_from_source`),
and joins are looked for as if those tables were already in (:func:`widened`), each naming the
table suggestions it needs (:func:`requiring`), so accepting everything builds tables, keys and
joins in one go.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from .model import CONNECTION_KEY, SemanticModel
from .probes import DataProbe
from .roles import table_from_source
from .sources import SourceSchema
from .suggestion import Suggestion, stale

TABLE_SCORE = 1.0


def table_id(source_id: str) -> str:
    """The id of the suggestion to add ``source_id`` as a table (stable: sources keep ids)."""
    return f"table:{source_id}"


def table_suggestions(
    model: SemanticModel, sources: Mapping[str, SourceSchema], probe: DataProbe
) -> list[Suggestion]:
    """A table for each source of ``sources`` that no table of ``model`` reads yet.

    Sources are taken by name (then id), so the suggested table names are the same from one
    call to the next; a name already in the model gets a ``_2`` suffix.
    """
    used = {t.source_key for t in model.tables}
    taken = {t.name for t in model.tables}
    found: list[Suggestion] = []
    for source in sorted(sources.values(), key=lambda s: (s.name.casefold(), s.source_id)):
        if source.source_id in used or source.source_id.startswith(CONNECTION_KEY):
            continue  # a connection's table is added by naming it (see ConnectionTable)
        table = table_from_source(source, taken, probe=probe)
        taken.add(table.name)
        measures = sum(1 for c in table.columns if c.role == "measure")
        key = f", primary key {table.primary_key}" if table.primary_key else ""
        found.append(
            Suggestion(
                id=table_id(source.source_id),
                kind="table",
                message=f"Add source “{source.name}” as table {table.name} "
                f"({len(table.columns)} columns, {measures} measure{'' if measures == 1 else 's'}{key})",
                table=table.name,
                new_table=table,
                score=TABLE_SCORE,
            )
        )
    return found


def widened(model: SemanticModel, tables: Iterable[Suggestion]) -> SemanticModel:
    """``model`` as if the suggested ``tables`` were accepted (a shallow copy, for reading)."""
    added = [s.new_table for s in tables if s.new_table is not None]
    return model.model_copy(update={"tables": [*model.tables, *added]})


def requiring(joins: Iterable[Suggestion], tables: Iterable[Suggestion]) -> list[Suggestion]:
    """``joins`` each naming in ``requires`` the table suggestions it joins."""
    needed = {s.table: s.id for s in tables}
    found: list[Suggestion] = []
    for suggestion in joins:
        ends = (suggestion.join.left_table, suggestion.join.right_table) if suggestion.join else ()
        requires = tuple(needed[t] for t in ends if t in needed)
        found.append(replace(suggestion, requires=requires) if requires else suggestion)
    return found


def add_table(new: SemanticModel, suggestion: Suggestion) -> SemanticModel:
    """``new`` (a copy the caller owns) with the suggested table added.

    Raises
    ------
    SemanticError
        When the table's name is taken or its source became a table meanwhile.
    """
    table = suggestion.new_table
    if table is None:
        raise stale(suggestion, "it has no table")
    if new.table(table.name) is not None:
        raise stale(suggestion, f"the model already has a table named {table.name!r}")
    if any(t.source_key == table.source_key for t in new.tables):
        raise stale(suggestion, "its source is already a table of the model")
    new.tables = [*new.tables, table.model_copy(deep=True)]
    return new
