"""Good defaults from the sources' profiles, each accepted with one click.

- :func:`table_from_source` turns a source into a table with suggested roles, aggregations,
  number formats and primary key;
- :func:`suggest` lists what is not yet true in a model: a ready source not yet a table (so an
  empty model starts from the sources), a column's role, a table's primary key, a join between
  two tables (matching names, or values found in another table's unique column: see
  :mod:`.join_finder`), also between tables only suggested so far;
- :func:`apply_suggestion` returns a copy of the model with one suggestion accepted.

Value checks (exact uniqueness, value overlap) run on the sources' Parquet files with DuckDB
when their paths are known; without them suggestions rest on the profile's estimates.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import nullcontext

from .join_finder import find_joins
from .join_names import role_label
from .model import Join, SemanticModel
from .probes import DataProbe
from .query import SemanticError
from .roles import (
    ColumnDefaults,
    column_defaults,
    guess_key,
    source_column_defaults,
    table_from_source,
    unique_name,
)
from .sources import SourceSchema
from .suggest_tables import add_table, requiring, table_suggestions, widened
from .suggestion import Suggestion, SuggestionKind
from .suggestion import stale as _stale
from .vocabulary import NUMERIC_TYPES, Aggregation, Role

__all__ = [
    "Suggestion",
    "SuggestionKind",
    "apply_suggestion",
    "suggest",
    "table_from_source",
]


# -- suggestions ---------------------------------------------------------------------------------
class _Links:
    """Which tables the model's joins already connect (directly or through other tables)."""

    def __init__(self, model: SemanticModel) -> None:
        self._parent: dict[str, str] = {}
        for join in model.joins:  # an aliased join reaches a node of its own (its alias)
            self._parent[self._root(join.left_table)] = self._root(join.alias or join.right_table)

    def _root(self, node: str) -> str:
        self._parent.setdefault(node, node)
        while self._parent[node] != node:
            node = self._parent[node]
        return node

    def connected(self, a: str, b: str) -> bool:
        return self._root(a) == self._root(b)


class _Context:
    """The model's tables with their sources, primary keys and join connectivity."""

    def __init__(
        self, model: SemanticModel, sources: Mapping[str, SourceSchema], probe: DataProbe
    ) -> None:
        self.model = model
        self.probe = probe
        self.sources = {
            t.name: sources[t.source_key] for t in model.tables if t.source_key in sources
        }
        self.keys: dict[str, tuple[str | None, bool]] = {}
        for table in model.tables:
            source = self.sources.get(table.name)
            if table.primary_key is not None and table.column(table.primary_key) is not None:
                self.keys[table.name] = (table.primary_key, True)
            elif source is not None:
                self.keys[table.name] = guess_key(source, table.name, probe)
        self.links = _Links(model)

    def key(self, table: str) -> str | None:
        return self.keys.get(table, (None, False))[0]


def _role_suggestions(ctx: _Context) -> list[Suggestion]:
    found: list[Suggestion] = []
    # a column the model joins on is a key, whatever its name says (manager, ship_to)
    keys_to = {(j.left_table, p.left): j.right_table for j in ctx.model.joins for p in j.on}
    for table in ctx.model.tables:
        source = ctx.sources.get(table.name)
        for column in table.columns:
            if column.role == "ignored":
                continue
            stats = source.column(column.name) if source else None
            primary = column.name == ctx.key(table.name)
            defaults = (
                source_column_defaults(
                    stats,
                    table=table.name,
                    is_primary_key=primary,
                    path=source.path,
                    probe=ctx.probe,
                )
                if stats is not None and source is not None and stats.type == column.type
                else column_defaults(
                    column.name, column.type, is_primary_key=primary, table=table.name
                )
            )
            target = keys_to.get((table.name, column.name))
            if target is not None and defaults.role == "measure":
                defaults = ColumnDefaults("dimension", reason=f"a key to {target}")
            ref = f"{table.name}.{column.name}"
            numeric = column.type in NUMERIC_TYPES
            aggregation: Aggregation | None
            role: Role
            if column.role == "measure" and column.aggregation is None:
                aggregation = defaults.aggregation or ("sum" if numeric else "count_distinct")
                message = f"{ref} is a measure without an aggregation: use {aggregation}"
                role = "measure"
            elif defaults.role == "measure" and column.role == "dimension":
                shown = f", shown as {defaults.format.kind}" if defaults.format else ""
                message = (
                    f"{ref} looks like a number to aggregate: make it a measure "
                    f"({defaults.aggregation}{shown})"
                )
                aggregation, role = defaults.aggregation, "measure"
            elif (
                defaults.role == "dimension"
                and column.role == "measure"
                and column.aggregation in ("sum", "avg")
            ):
                message = f"{ref} is {defaults.reason}, not an amount: make it a dimension"
                aggregation, role = None, "dimension"
            elif (
                column.role == "measure"
                and column.aggregation == "sum"
                and defaults.aggregation == "avg"
            ):
                # A sum of delays, prices or ages means nothing; the reverse (an average of
                # amounts) can be a deliberate choice, so it is not suggested.
                message = f"{ref} is {defaults.reason}: average it rather than sum it"
                aggregation, role = "avg", "measure"
            else:
                continue
            found.append(
                Suggestion(
                    id=f"role:{ref}",
                    kind="role",
                    message=message,
                    table=table.name,
                    column=column.name,
                    role=role,
                    aggregation=aggregation,
                    score=0.5,
                    format=defaults.format if role == "measure" else None,
                    grains=defaults.grains if role == "dimension" else (),
                )
            )
    return found


def _key_suggestions(ctx: _Context) -> list[Suggestion]:
    found: list[Suggestion] = []
    for table in ctx.model.tables:
        if table.primary_key is not None:
            continue
        key, verified = ctx.keys.get(table.name, (None, False))
        if key is None or table.column(key) is None:
            continue
        how = "every value is unique" if verified else "its values look unique"
        found.append(
            Suggestion(
                id=f"primary_key:{table.name}.{key}",
                kind="primary_key",
                message=f"{table.name}.{key} looks like the primary key of {table.name} ({how})",
                table=table.name,
                column=key,
                score=0.9 if verified else 0.7,
            )
        )
    return found


def _join_suggestions(ctx: _Context) -> list[Suggestion]:
    """Joins from matching names and from the data (see :mod:`.join_finder`)."""
    found = find_joins(ctx.model, ctx.sources, ctx.keys, ctx.links.connected, ctx.probe)
    return [
        Suggestion(
            id=f"join:{f.join.left_table}.{f.column}->{f.join.right_table}.{f.target}",
            kind="join",
            message=f.message,
            table=f.join.left_table,
            column=f.column,
            join=f.join,
            score=f.score,
        )
        for f in found
    ]


def suggest(
    model: SemanticModel, sources: Mapping[str, SourceSchema], probe: DataProbe | None = None
) -> list[Suggestion]:
    """Suggestions for ``model`` that are not already true in it, best first.

    Parameters
    ----------
    model
        The model; it is not changed.
    sources
        The workspace's ready sources keyed by ``source_id`` (tables whose source is missing
        get no suggestions).
    probe
        The DuckDB connection for the value checks (one is opened and closed when None).
    """
    with DataProbe() if probe is None else nullcontext(probe) as probe:
        tables = table_suggestions(model, sources, probe)
        ctx = _Context(model, sources, probe)
        # Joins are looked for as if the suggested tables were in: "accept all" joins them too.
        joins = requiring(
            _join_suggestions(_Context(widened(model, tables), sources, probe)), tables
        )
        found = tables + _key_suggestions(ctx) + joins + _role_suggestions(ctx)
    # New tables first: what needs them (their joins) then comes after, for "accept all".
    return sorted(found, key=lambda s: (s.kind != "table", -s.score))


# -- accepting one -------------------------------------------------------------------------------
def _fresh_alias(model: SemanticModel, join: Join) -> Join:
    """``join`` with an alias no table or other join of ``model`` uses (renamed if needed).

    Raises
    ------
    SemanticError
        When the model already has this join (same tables and columns).
    """
    same = (join.left_table, join.right_table, join.on)
    if any((j.left_table, j.right_table, j.on) == same for j in model.joins):
        raise SemanticError(
            f"The model already has the join from {join.left_table} to {join.right_table} on "
            f"{', '.join(p.left for p in join.on)}; refresh the suggestions",
            field=join.left_table,
        )
    taken = {t.name for t in model.tables} | {j.alias for j in model.joins if j.alias}
    assert join.alias is not None
    if join.alias not in taken:
        return join
    alias = unique_name(join.alias, taken)
    return join.model_copy(update={"alias": alias, "label": role_label(alias)})


def apply_suggestion(model: SemanticModel, suggestion: Suggestion) -> SemanticModel:
    """A copy of ``model`` with ``suggestion`` accepted.

    Raises
    ------
    SemanticError
        When the suggestion no longer fits: its table or column is gone, its (unaliased) join
        would now make a second path between two tables, or its new table's name or source is
        already in the model.
    """
    new = model.model_copy(deep=True)
    if suggestion.kind == "table":
        return add_table(new, suggestion)
    if suggestion.kind == "join":
        join = suggestion.join
        if join is None:
            raise _stale(suggestion, "it has no join")
        for name in (join.left_table, join.right_table):
            if new.table(name) is None:
                raise _stale(suggestion, f"table {name!r} is not in the model")
        if join.alias is not None:
            join = _fresh_alias(new, join)
        elif _Links(new).connected(join.left_table, join.right_table):
            raise _stale(
                suggestion,
                f"tables {join.left_table!r} and {join.right_table!r} are already joined "
                "(directly or through other tables)",
            )
        ids = {j.id for j in new.joins}
        if join.id in ids:
            join = join.model_copy(update={"id": unique_name(join.id, ids)})
        new.joins = [*new.joins, join]
        return new
    table = new.table(suggestion.table or "")
    if table is None:
        raise _stale(suggestion, f"table {suggestion.table!r} is not in the model")
    column = table.column(suggestion.column or "")
    if column is None:
        raise _stale(suggestion, f"column '{table.name}.{suggestion.column}' is not in the table")
    if suggestion.kind == "primary_key":
        table.primary_key = column.name
        return new
    column.role = suggestion.role or column.role
    column.aggregation = suggestion.aggregation
    if suggestion.format is not None and column.format is None:
        column.format = suggestion.format
    if suggestion.grains and not column.grains:
        column.grains = list(suggestion.grains)
    return new
