"""Good defaults from the sources' profiles, each accepted with one click.

- :func:`table_from_source` turns a source into a table with suggested roles, aggregations,
  number formats and primary key;
- :func:`suggest` lists what is not yet true in a model: a ready source not yet a table (so an
  empty model starts from the sources), a column's role, a table's primary key, a join between
  two tables (matching names and types, checked on the data), also between tables only
  suggested so far;
- :func:`apply_suggestion` returns a copy of the model with one suggestion accepted.

Value checks (exact uniqueness, value overlap) run on the sources' Parquet files with DuckDB
when their paths are known; without them suggestions rest on the profile's estimates.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from .model import ColumnPair, Join, SemanticModel, Table
from .probes import DataProbe
from .roles import (
    KEY_TYPES,
    column_defaults,
    guess_key,
    is_key_like,
    looks_unique,
    singular,
    source_column_defaults,
    table_from_source,
    unique_name,
)
from .sources import SourceColumn, SourceSchema
from .suggest_tables import add_table, requiring, table_suggestions, widened
from .suggestion import Suggestion, SuggestionKind
from .suggestion import stale as _stale
from .validate import key_compatibility
from .vocabulary import NUMERIC_TYPES, Aggregation, Role

__all__ = [
    "Suggestion",
    "SuggestionKind",
    "apply_suggestion",
    "suggest",
    "table_from_source",
]

NAME_MATCH_MIN_OVERLAP = 0.5
"""A join suggested from matching names is dropped when fewer of its values are found."""
VALUE_MATCH_MIN_OVERLAP = 0.9
"""A join between differently named key columns needs this share of values found."""


# -- suggestions ---------------------------------------------------------------------------------
class _Links:
    """Which tables the model's joins already connect (directly or through other tables)."""

    def __init__(self, model: SemanticModel) -> None:
        self._parent: dict[str, str] = {}
        for join in model.joins:
            self._parent[self._root(join.left_table)] = self._root(join.right_table)

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
            t.name: sources[t.source_id] for t in model.tables if t.source_id in sources
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


def _join_id(model: SemanticModel, left: str, right: str) -> str:
    return unique_name(f"{left}__{right}", {j.id for j in model.joins})


def _may_overlap(a: SourceColumn | None, b: SourceColumn | None) -> bool:
    """False when the profiles rule out that most of ``a``'s values are in ``b``.

    Most values of ``a`` inside ``b`` needs ``b`` to have about as many distinct values and
    ranges that meet; this spares a DuckDB query for most pairs of key-like columns.
    """
    if a is None or b is None:
        return False
    if a.distinct_approx * VALUE_MATCH_MIN_OVERLAP > b.distinct_approx * 1.05 + 1:
        return False
    if None in (a.min, a.max, b.min, b.max):
        return True
    try:
        return not (a.min > b.max or a.max < b.min)
    except TypeError:  # bounds of different kinds: cannot tell
        return True


def _join_candidates(ctx: _Context, a: Table) -> list[Suggestion]:
    """Joins from table ``a`` to the other tables' primary keys.

    A column named like another table's key is a candidate (kept unless under half of its
    values are found there); a key-like column with another name is a candidate only when
    most of its values are found, and only if no table's key has its name.
    """
    source_a = ctx.sources[a.name]
    own_key = ctx.key(a.name)
    found: list[Suggestion] = []
    for column in a.columns:
        named: list[Suggestion] = []
        by_value: list[Suggestion] = []
        for b in ctx.model.tables:
            key = ctx.key(b.name)
            source_b = ctx.sources.get(b.name)
            target = b.column(key) if key else None
            if b.name == a.name or source_b is None or target is None or key is None:
                continue
            if key_compatibility(column.type, target.type) != "ok":
                continue
            same_name = column.name == key or (
                key == "id" and column.name in {f"{singular(b.name)}_id", f"{b.name}_id"}
            )
            if same_name:
                overlap = ctx.probe.overlap(source_a.path, column.name, source_b.path, key)
                if overlap is None or overlap >= NAME_MATCH_MIN_OVERLAP:
                    score = 0.8 if overlap is None else 0.6 + 0.4 * overlap
                    named.append(_join_suggestion(ctx, a, column.name, b, key, overlap, score))
                continue
            if (
                column.name == own_key
                or column.type not in KEY_TYPES
                or not is_key_like(column.name)
                or not _may_overlap(source_a.column(column.name), source_b.column(key))
            ):
                continue
            overlap = ctx.probe.overlap(source_a.path, column.name, source_b.path, key)
            if overlap is not None and overlap >= VALUE_MATCH_MIN_OVERLAP:
                by_value.append(
                    _join_suggestion(ctx, a, column.name, b, key, overlap, 0.5 * overlap)
                )
        found += named or by_value
    return found


def _join_suggestion(
    ctx: _Context, a: Table, column: str, b: Table, key: str, overlap: float | None, score: float
) -> Suggestion:
    stats = ctx.sources[a.name].column(column)
    unique = column == a.primary_key or (
        stats is not None
        and looks_unique(stats, ctx.sources[a.name].row_count)
        and ctx.probe.is_unique(ctx.sources[a.name].path, column) is True
    )
    if overlap is None:
        why = f"it has the name of {b.name}'s key {b.name}.{key}"
    else:
        percent = math.floor(overlap * 1000) / 10
        why = f"{percent:g}% of its values are in {b.name}.{key}"
    return Suggestion(
        id=f"join:{a.name}.{column}->{b.name}.{key}",
        kind="join",
        message=f"{a.name}.{column} looks like a key to {b.name} ({why})",
        table=a.name,
        column=column,
        join=Join(
            id=_join_id(ctx.model, a.name, b.name),
            left_table=a.name,
            right_table=b.name,
            on=[ColumnPair(left=column, right=key)],
            type="left",
            cardinality="one_to_one" if unique else "many_to_one",
        ),
        score=score,
    )


def _join_suggestions(ctx: _Context) -> list[Suggestion]:
    best: dict[frozenset[str], Suggestion] = {}
    for table in ctx.model.tables:
        if table.name not in ctx.sources:
            continue
        for candidate in _join_candidates(ctx, table):
            join = candidate.join
            assert join is not None
            if ctx.links.connected(join.left_table, join.right_table):
                continue
            pair = frozenset((join.left_table, join.right_table))
            if pair not in best or candidate.score > best[pair].score:
                best[pair] = candidate
    return list(best.values())


def suggest(model: SemanticModel, sources: Mapping[str, SourceSchema]) -> list[Suggestion]:
    """Suggestions for ``model`` that are not already true in it, best first.

    Parameters
    ----------
    model
        The model; it is not changed.
    sources
        The workspace's ready sources keyed by ``source_id`` (tables whose source is missing
        get no suggestions).
    """
    with DataProbe() as probe:
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
def apply_suggestion(model: SemanticModel, suggestion: Suggestion) -> SemanticModel:
    """A copy of ``model`` with ``suggestion`` accepted.

    Raises
    ------
    SemanticError
        When the suggestion no longer fits: its table or column is gone, its join would
        now make a second path between two tables, or its new table's name or source is
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
        if _Links(new).connected(join.left_table, join.right_table):
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
