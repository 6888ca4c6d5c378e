"""Validation of a semantic model, with messages a user can act on.

:func:`validate` never raises for a model problem: it returns every :class:`Issue` it finds,
errors first, so an editor can show them beside the canvas while the user keeps working. Each
kind of problem has its own ``code`` (the keys of :data:`MESSAGES`); each message names the
tables, columns, joins or measures at fault and says what to do.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal

from .expressions import parse_measure
from .graph import join_target, node_tables
from .model import CalculatedMeasure, Join, SemanticModel, Table
from .query import SemanticError
from .sources import SourceSchema
from .vocabulary import NUMERIC_TYPES, TIME_TYPES

Level = Literal["error", "warning"]
Compatibility = Literal["ok", "warning", "error"]

MESSAGES: dict[str, str] = {
    "duplicate_table": "The model has {n} tables named {table}; rename or remove the extra ones",
    "duplicate_column": "Table {table} has {n} columns named {column}; remove the extra ones",
    "duplicate_join": "The model has {n} joins with id {join}; delete the extra ones",
    "duplicate_measure": "The model has {n} measures named {measure}; rename or delete the "
    "extra ones",
    "primary_key_unknown_column": "The primary key of table {table} is {column}, which is not a "
    "column of the table; choose one of its columns or clear the primary key",
    "measure_without_aggregation": "Column {ref} is a measure without an aggregation; choose "
    "sum, avg, min, max, count or count distinct, or make it a dimension",
    "aggregation_needs_number": "Column {ref} is {type} and cannot be {verb}; use count, count "
    "distinct, min or max, or make it a dimension",
    "grains_on_non_time_column": "Column {ref} is {type}; time grains apply only to dates and "
    "timestamps, so clear its grains",
    "source_deleted": "Table {table} uses a source that was deleted; remove the table or point "
    "it at another source",
    "column_missing_in_source": "Column {ref} no longer exists in source {source}; remove it "
    "from the table, or restore it in the source",
    "column_type_changed": "Column {ref} is {type} in the model but {new_type} in source "
    "{source}; set its type to {new_type} and check its role and aggregation",
    "join_unknown_table": "Join {join} uses table {table} ({side} side), which is not in the "
    "model; add the table or delete the join",
    "join_self": "Join {join} joins table {table} to itself without an alias; give it an alias "
    "(such as manager) so the joined rows have a name of their own, or delete it",
    "join_unknown_start": "Join {join} starts from {table}, which is neither a table of the "
    "model nor the alias of another join (was an alias renamed or removed?); give a join that "
    "alias again, add the table, or delete this join",
    "alias_is_table": "Join {join} has the alias {alias}, which is also the name of a table; "
    "choose another alias so {alias} means one thing",
    "duplicate_alias": "Joins {joins} all have the alias {alias}; give each join its own alias",
    "join_unknown_column": "Join {join} uses column {ref}, which table {table} does not have; "
    "pick one of its columns or delete the join",
    "join_key_types_incompatible": "Join {join} compares {ref} ({type}) with {other} "
    "({other_type}); these types never match, so join columns of the same kind or correct a "
    "column's type in its source",
    "join_key_types_differ": "Join {join} compares {ref} ({type}) with {other} ({other_type}); "
    "only timestamps at midnight will match, so make both dates or both timestamps",
    "join_cycle": "Joins {joins} form a cycle through tables {tables}: there are two ways to "
    "join {table} and {other}; delete one of these joins so every pair of tables has one path",
    "join_twice": "Tables {table} and {other} are joined twice (joins {joins}), so a query "
    "could not tell which to use; give one of them an alias (such as origin_airport and "
    "dest_airport for two uses of airports), or delete one of them",
    "measure_unknown_table": "Measure {measure} is defined on table {table}, which is not in the "
    "model; choose one of its tables or delete the measure",
    "measure_on_alias": "Measure {measure} is defined on {alias}, the alias of join {join}; "
    "define it on table {table} and query it through the alias as '{field}'",
    "measure_name_clash": "Measure {measure} has the same name as column {ref}; rename the "
    "measure so {ref} means one thing",
    "measure_invalid": "{detail}",
}
"""Message template of every issue code; names in braces are quoted when filled in."""

WARNINGS = frozenset({"join_key_types_differ", "measure_name_clash"})
"""Codes that are warnings (the model still works); every other code is an error."""

_QUOTED = ("table", "column", "ref", "join", "measure", "source", "other", "alias")


@dataclass(frozen=True)
class Issue:
    """One problem of a model: its level, a stable ``code``, a message and what it is about."""

    level: Level
    code: str
    message: str
    table: str | None = None
    column: str | None = None
    join_id: str | None = None
    measure: str | None = None

    def as_json(self) -> dict[str, Any]:
        """JSON-safe form (every field, None included)."""
        return asdict(self)


def _issue(
    code: str,
    *,
    table: str | None = None,
    column: str | None = None,
    join: str | None = None,
    measure: str | None = None,
    level: Level | None = None,
    **values: Any,
) -> Issue:
    where = {"table": table, "column": column, "join": join, "measure": measure}
    if table is not None and column is not None:
        values.setdefault("ref", f"{table}.{column}")
    filled = {k: v for k, v in where.items() if v is not None} | values
    text = MESSAGES[code].format(
        **{k: f"'{v}'" if k in _QUOTED and isinstance(v, str) else v for k, v in filled.items()}
    )
    chosen: Level = level or ("warning" if code in WARNINGS else "error")
    return Issue(chosen, code, text, table, column, join, measure)


def _names(items: Iterable[str]) -> str:
    return ", ".join(f"'{i}'" for i in items)


def key_compatibility(left: str, right: str) -> Compatibility:
    """Whether columns of logical types ``left`` and ``right`` can be join keys.

    Same types and numbers with numbers are fine; a date with a timestamp works but only matches
    midnight (a warning); anything else, such as text with a number, never matches (an error).
    """
    if left == right or (left in NUMERIC_TYPES and right in NUMERIC_TYPES):
        return "ok"
    if left in TIME_TYPES and right in TIME_TYPES:
        return "warning"
    return "error"


# -- tables and columns ------------------------------------------------------------------------
def _table_issues(table: Table, sources: Mapping[str, SourceSchema] | None) -> list[Issue]:
    t = table.name
    issues = [
        _issue("duplicate_column", table=t, column=name, n=n)
        for name, n in Counter(c.name for c in table.columns).items()
        if n > 1
    ]
    if table.primary_key is not None and table.column(table.primary_key) is None:
        issues.append(_issue("primary_key_unknown_column", table=t, column=table.primary_key))
    for column in table.columns:
        c, kind = column.name, column.type
        if column.role == "measure" and column.aggregation is None:
            issues.append(_issue("measure_without_aggregation", table=t, column=c))
        elif (
            column.role != "ignored"
            and column.aggregation in ("sum", "avg")
            and kind not in NUMERIC_TYPES
        ):
            verb = "summed" if column.aggregation == "sum" else "averaged"
            issues.append(
                _issue("aggregation_needs_number", table=t, column=c, type=kind, verb=verb)
            )
        if column.grains and kind not in TIME_TYPES:
            issues.append(_issue("grains_on_non_time_column", table=t, column=c, type=kind))
    if sources is None:
        return issues
    source = sources.get(table.source_key)
    if source is None:
        return [*issues, _issue("source_deleted", table=t)]
    for column in table.columns:
        found = source.column(column.name)
        if found is None:
            issues.append(
                _issue("column_missing_in_source", table=t, column=column.name, source=source.name)
            )
        elif found.type != column.type:
            compatible = key_compatibility(found.type, column.type) != "error"
            issues.append(
                _issue(
                    "column_type_changed",
                    table=t,
                    column=column.name,
                    source=source.name,
                    type=column.type,
                    new_type=found.type,
                    level="warning" if compatible else "error",
                )
            )
    return issues


# -- joins ---------------------------------------------------------------------------------
def _join_issues(join: Join, tables: Mapping[str, Table], nodes: Mapping[str, str]) -> list[Issue]:
    j, lt, rt = join.id, join.left_table, join.right_table
    issues = []
    if lt not in nodes:  # the left side may be an alias, so this says that one may be gone
        issues.append(_issue("join_unknown_start", join=j, table=lt))
    if rt not in tables:
        issues.append(_issue("join_unknown_table", join=j, table=rt, side="right"))
    if issues:
        return issues
    if lt == rt and join.alias is None:
        return [_issue("join_self", join=j, table=lt)]
    left_table = tables[nodes[lt]]
    for pair in join.on:
        left, right = left_table.column(pair.left), tables[rt].column(pair.right)
        for table, name, found in ((left_table.name, pair.left, left), (rt, pair.right, right)):
            if found is None:
                issues.append(_issue("join_unknown_column", join=j, table=table, column=name))
        if left is None or right is None:
            continue
        compat = key_compatibility(left.type, right.type)
        if compat != "ok":
            code = "join_key_types_incompatible" if compat == "error" else "join_key_types_differ"
            issues.append(
                _issue(
                    code,
                    join=j,
                    table=lt,
                    column=left.name,
                    type=left.type,
                    other=f"{rt}.{right.name}",
                    other_type=right.type,
                )
            )
    return issues


def _alias_issues(joins: list[Join], tables: Mapping[str, Table]) -> list[Issue]:
    """An alias that is also a table name, and an alias given to more than one join."""
    issues = [
        _issue("alias_is_table", join=j.id, alias=j.alias)
        for j in joins
        if j.alias is not None and j.alias in tables
    ]
    by_alias: dict[str, list[str]] = {}
    for join in joins:
        if join.alias is not None and join.alias not in tables:
            by_alias.setdefault(join.alias, []).append(join.id)
    for alias, ids in by_alias.items():
        issues += [
            _issue("duplicate_alias", join=join_id, alias=alias, joins=_names(ids))
            for join_id in ids[1:]
        ]
    return issues


def _path(adjacent: Mapping[str, list[tuple[str, str]]], start: str, goal: str) -> list[str]:
    """The join ids from ``start`` to ``goal`` in a forest of joins (breadth first)."""
    previous: dict[str, tuple[str, str]] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for join_id, other in adjacent.get(node, []):
            if other != start and other not in previous:
                previous[other] = (join_id, node)
                queue.append(other)
    steps: list[str] = []
    node = goal
    while node != start:
        join_id, node = previous[node]
        steps.append(join_id)
    return steps[::-1]


def cycle_issues(joins: Iterable[Join]) -> list[Issue]:
    """An issue for every join that closes a cycle in the undirected multigraph of joins.

    Joins are taken in order; the first ones form a forest, and each later join between two
    tables already connected is reported with the tables and joins of the cycle it closes. A
    join with an alias ends at its alias, so aliased joins between the same tables never
    collide. Self-joins without an alias, joins to unknown tables and joins whose alias clashes
    should be left out (they have their own issues).
    """
    parent: dict[str, str] = {}

    def root(node: str) -> str:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    adjacent: dict[str, list[tuple[str, str]]] = {}
    ends: dict[str, tuple[str, str]] = {}
    issues: list[Issue] = []
    for join in joins:
        a, b = join.left_table, join_target(join)
        if root(a) != root(b):
            parent[root(a)] = root(b)
            adjacent.setdefault(a, []).append((join.id, b))
            adjacent.setdefault(b, []).append((join.id, a))
            ends[join.id] = (a, b)
            continue
        steps = _path(adjacent, a, b)
        joins_text = _names([*steps, join.id])
        if len(steps) == 1:
            issues.append(_issue("join_twice", join=join.id, table=a, other=b, joins=joins_text))
            continue
        tables, node = [a], a
        for step in steps:
            x, y = ends[step]
            node = y if node == x else x
            tables.append(node)
        issues.append(
            _issue(
                "join_cycle",
                join=join.id,
                table=a,
                other=b,
                joins=joins_text,
                tables=_names(tables),
            )
        )
    return issues


# -- calculated measures -------------------------------------------------------------------
def _measure_issues(measure: CalculatedMeasure, tables: Mapping[str, Table]) -> list[Issue]:
    m = measure.name
    table = tables.get(measure.table)
    if table is None:
        return [_issue("measure_unknown_table", measure=m, table=measure.table)]
    issues: list[Issue] = []
    if table.column(m) is not None:
        issues.append(_issue("measure_name_clash", measure=m, table=table.name, column=m))
    columns = {c.name: c.type for c in table.columns}
    try:
        parse_measure(measure.expression, columns, name=m, table=table.name)
    except SemanticError as exc:
        issues.append(_issue("measure_invalid", measure=m, table=table.name, detail=exc.message))
    return issues


# -- the whole model ---------------------------------------------------------------------------
def validate(
    model: SemanticModel, sources: Mapping[str, SourceSchema] | None = None
) -> list[Issue]:
    """Every problem of ``model``, errors first (an empty model has none).

    Parameters
    ----------
    model
        The model to check; it is not changed.
    sources
        The workspace's ready sources keyed by ``source_id``. When given, tables are also
        checked against them: a deleted source, a column gone from its source or whose type
        changed.
    """
    issues = [
        _issue("duplicate_table", table=name, n=n)
        for name, n in Counter(t.name for t in model.tables).items()
        if n > 1
    ]
    tables = {t.name: t for t in reversed(model.tables)}  # the first of duplicates wins
    for table in model.tables:
        issues += _table_issues(table, sources)

    issues += [
        _issue("duplicate_join", join=join_id, n=n)
        for join_id, n in Counter(j.id for j in model.joins).items()
        if n > 1
    ]
    nodes = {n: b for n, b in node_tables(model).items() if b in tables}
    clashing = _alias_issues(model.joins, tables)
    issues += clashing
    bad_alias = {i.join_id for i in clashing}
    for join in model.joins:
        issues += _join_issues(join, tables, nodes)
    graph = [
        j
        for j in model.joins
        if j.left_table in nodes
        and j.right_table in tables
        and (j.alias is not None or j.left_table != j.right_table)
        and j.id not in bad_alias
    ]
    issues += cycle_issues(graph)

    issues += [
        _issue("duplicate_measure", measure=name, n=n)
        for name, n in Counter(m.name for m in model.measures).items()
        if n > 1
    ]
    aliases = {j.alias: j for j in reversed(model.joins) if j.alias is not None}
    for measure in model.measures:
        through = aliases.get(measure.table) if measure.table not in tables else None
        if through is None:
            issues += _measure_issues(measure, tables)
            continue
        issues.append(
            _issue(
                "measure_on_alias",
                measure=measure.name,
                table=through.right_table,
                alias=measure.table,
                join=through.id,
                field=f"{measure.table}.{measure.name}",
            )
        )
    return sorted(issues, key=lambda i: i.level != "error")
