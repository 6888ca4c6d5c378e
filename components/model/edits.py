"""Edits a user makes on the ERD, as pure functions: each returns a new model.

The editor keeps the previous model for undo, so nothing here mutates its argument. Refused
edits raise :class:`EditError` with a message that names the table, column or join at fault.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from components.model import graph as erd_graph
from pipelines.semantic import (
    CalculatedMeasure,
    Column,
    ColumnPair,
    Join,
    Position,
    SemanticModel,
    Table,
)
from pipelines.semantic.graph import node_tables
from pipelines.semantic.model import NAME
from pipelines.semantic.roles import suggested_aggregation

COLUMN_FIELDS = frozenset(
    {"role", "aggregation", "label", "description", "grains", "format", "synonyms"}
)
MAX_SYNONYMS = 20
MAX_SYNONYM_LENGTH = 80
TABLE_FIELDS = frozenset({"label", "description", "primary_key", "synonyms"})
JOIN_FIELDS = frozenset({"type", "cardinality", "alias", "label"})
KEY_SUFFIXES = ("_id", "_key", "_code", "_fk")


class EditError(ValueError):
    """An edit that cannot be made; the message says why and names the part at fault."""


def copy(model: SemanticModel) -> SemanticModel:
    """A deep copy (keeps the model's data binding, for notebooks)."""
    return model.model_copy(deep=True)


def _table(model: SemanticModel, name: str) -> Table:
    table = model.table(name)
    if table is None:
        raise EditError(f"Table '{name}' is not in the model.")
    return table


def _column(table: Table, name: str) -> Column:
    column = table.column(name)
    if column is None:
        raise EditError(f"Table '{table.name}' has no column '{name}'.")
    return column


# -- tables --------------------------------------------------------------------------------------
def add_table(model: SemanticModel, table: Table) -> SemanticModel:
    """Add ``table`` (placed on a free spot of the grid when it has no position)."""
    if model.table(table.name) is not None:
        raise EditError(f"The model already has a table named '{table.name}'.")
    new = copy(model)
    new.tables = [*new.tables, table.model_copy(deep=True)]
    added = new.tables[-1]
    if added.position is None:
        spot = erd_graph.positions(new)[added.name]
        added.position = Position(x=spot["x"], y=spot["y"])
    return new


def remove_table(model: SemanticModel, name: str) -> SemanticModel:
    """Remove a table with its joins and the calculated measures defined on it."""
    _table(model, name)
    new = copy(model)
    new.tables = [t for t in new.tables if t.name != name]
    new.joins = [j for j in new.joins if name not in (j.left_table, j.right_table)]
    # Joins from an alias of the removed table go too (an alias of an alias, and so on).
    while True:
        nodes = node_tables(new)
        kept = [j for j in new.joins if j.left_table in nodes]
        if len(kept) == len(new.joins):
            break
        new.joins = kept
    new.measures = [m for m in new.measures if m.table != name]
    return new


def move_tables(model: SemanticModel, moves: Mapping[str, Mapping[str, Any]]) -> SemanticModel:
    """Set the canvas position of tables (``{name: {"x": .., "y": ..}}``); unknown names are
    ignored (a node may have been removed while it was dragged)."""
    new = copy(model)
    for table in new.tables:
        spot = moves.get(table.name)
        if spot is not None:
            table.position = Position(x=round(float(spot["x"]), 1), y=round(float(spot["y"]), 1))
    return new


def place_all(model: SemanticModel) -> SemanticModel:
    """Give every table without a position its grid place, so positions are saved."""
    where = erd_graph.positions(model)
    if all(t.position is not None for t in model.tables):
        return model
    return move_tables(model, {t.name: where[t.name] for t in model.tables if t.position is None})


def update_table(model: SemanticModel, name: str, **changes: Any) -> SemanticModel:
    """Change a table's label, description, primary key or synonyms."""
    unknown = set(changes) - TABLE_FIELDS
    if unknown:
        raise EditError(f"Cannot change {', '.join(sorted(unknown))} of table '{name}'.")
    _table(model, name)
    new = copy(model)
    table = _table(new, name)
    key = changes.get("primary_key", table.primary_key)
    if key is not None and table.column(key) is None:
        raise EditError(f"Table '{name}' has no column '{key}' to use as its primary key.")
    for field, value in changes.items():
        setattr(table, field, value)
    return new


# -- columns -------------------------------------------------------------------------------------
def default_aggregation(column: Column, table: str | None = None) -> str:
    """The aggregation a column gets when made a measure: from its name for numbers (``avg``
    for a delay, ``sum`` for an amount), ``count_distinct`` for keys, years and non-numbers."""
    return suggested_aggregation(column.name, column.type, table)


def update_column(model: SemanticModel, table: str, column: str, **changes: Any) -> SemanticModel:
    """Change a column's role, aggregation, label, description, grains, format or synonyms.

    A column becoming a measure gets its default aggregation; a dimension or an ignored column
    has none.
    """
    unknown = set(changes) - COLUMN_FIELDS
    if unknown:
        raise EditError(f"Cannot change {', '.join(sorted(unknown))} of column '{table}.{column}'.")
    _column(_table(model, table), column)
    new = copy(model)
    target = _column(_table(new, table), column)
    role = changes.get("role", target.role)
    aggregation = changes.get("aggregation", target.aggregation)
    aggregation = (aggregation or default_aggregation(target, table)) if role == "measure" else None
    for field, value in changes.items():
        if field not in ("role", "aggregation"):
            setattr(target, field, value)
    target.role = role
    target.aggregation = aggregation
    return new


# -- joins ---------------------------------------------------------------------------------------
def new_join_id(model: SemanticModel, left: str, right: str) -> str:
    base = f"{left}__{right}"
    taken = {j.id for j in model.joins}
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}_{n}", n + 1
    return candidate


def joins_between(model: SemanticModel, a: str, b: str) -> list[Join]:
    """Every join between two tables (or of a table to itself), in either direction."""
    return [j for j in model.joins if sorted((j.left_table, j.right_table)) == sorted((a, b))]


def taken_names(model: SemanticModel, but: str | None = None) -> set[str]:
    """Table names and join aliases (except the alias of join ``but``)."""
    names = {t.name for t in model.tables}
    return names | {j.alias for j in model.joins if j.alias is not None and j.id != but}


def suggest_alias(model: SemanticModel, column: str, right: str) -> tuple[str, str]:
    """An alias and label for a new role-playing join from ``column`` (``manager_id`` ->
    ``manager``, "Manager"), kept unique among tables and aliases."""
    stem = column
    for suffix in KEY_SUFFIXES:
        if stem.endswith(suffix) and len(stem) > len(suffix):
            stem = stem[: -len(suffix)]
            break
    stem = safe_name(stem) or right
    taken = taken_names(model)
    candidate = stem if stem not in taken else safe_name(f"{stem}_{right}")
    base, n = candidate, 2
    while candidate in taken:
        candidate, n = f"{base}_{n}", n + 1
    return candidate, candidate.replace("_", " ").capitalize()


def guess_cardinality(left: Table, left_column: str, right: Table, right_column: str) -> str:
    """From primary keys: key on the right only -> N:1, on the left only -> 1:N, both -> 1:1."""
    left_key = left.primary_key == left_column
    right_key = right.primary_key == right_column
    if left_key and right_key:
        return "one_to_one"
    if left_key and not right_key:
        return "one_to_many"
    return "many_to_one"


def connect(
    model: SemanticModel, source_handle: str | None, target_handle: str | None
) -> tuple[SemanticModel, str]:
    """Join the column of ``source_handle`` to the column of ``target_handle``.

    A second pair between two tables already joined extends that join (a composite key).
    Returns the new model and the join's id.
    """
    source, target = erd_graph.parse_handle(source_handle), erd_graph.parse_handle(target_handle)
    if source is None or target is None:
        raise EditError("Drag from a column to a column of another table to join them.")
    (left_name, left_col), (right_name, right_col) = source, target
    left, right = _table(model, left_name), _table(model, right_name)
    _column(left, left_col)
    _column(right, right_col)
    if (left_name, left_col) == (right_name, right_col):
        raise EditError(f"'{left_name}.{left_col}' is the same column; drag to another column.")
    new = copy(model)
    existing = joins_between(new, left_name, right_name)
    for join in existing:
        there = {(join.left_table, p.left, join.right_table, p.right) for p in join.on}
        if {
            (left_name, left_col, right_name, right_col),
            (right_name, right_col, left_name, left_col),
        } & there:
            raise EditError(
                f"'{left_name}.{left_col}' is already joined to '{right_name}.{right_col}'."
            )
    plain = next((j for j in existing if j.alias is None and j.left_table != j.right_table), None)
    if plain is not None and not _reuses_a_column(plain, left_name, left_col, right_col):
        # A second pair of new columns extends the join (a composite key).
        pair = (
            ColumnPair(left=left_col, right=right_col)
            if plain.left_table == left_name
            else ColumnPair(left=right_col, right=left_col)
        )
        plain.on = [*plain.on, pair]
        return new, plain.id
    if existing or left_name == right_name:
        # Another use of the same table (origin and destination airport, an employee's
        # manager): a join of its own, under an alias, with the key on the right.
        if left.primary_key == left_col and right.primary_key != right_col:
            left, left_col, right, right_col = right, right_col, left, left_col
        alias, label = suggest_alias(new, left_col, right.name)
        join = _new_join(new, left, left_col, right, right_col)
        join.alias, join.label = alias, label
    else:
        join = _new_join(new, left, left_col, right, right_col)
    new.joins = [*new.joins, join]
    return new, join.id


def _new_join(
    model: SemanticModel, left: Table, left_col: str, right: Table, right_col: str
) -> Join:
    return Join(
        id=new_join_id(model, left.name, right.name),
        left_table=left.name,
        right_table=right.name,
        on=[ColumnPair(left=left_col, right=right_col)],
        cardinality=guess_cardinality(left, left_col, right, right_col),  # type: ignore[arg-type]
    )


def _reuses_a_column(join: Join, left_name: str, left_col: str, right_col: str) -> bool:
    """Whether a new pair uses a column the join already uses (so it is another role, not a
    composite key)."""
    ours = (left_col, right_col) if join.left_table == left_name else (right_col, left_col)
    return any(p.left == ours[0] or p.right == ours[1] for p in join.on)


def disconnect(model: SemanticModel, edge: str) -> SemanticModel:
    """Remove the column pair an edge shows; a join left without pairs is removed."""
    join_id = erd_graph.join_of_edge(edge)
    join = model.join(join_id)
    if join is None:
        return model
    index = _pair_index(edge)
    if len(join.on) <= 1 or index >= len(join.on):
        return delete_join(model, join_id)
    new = copy(model)
    target = new.join(join_id)
    assert target is not None
    target.on = [p for i, p in enumerate(target.on) if i != index]
    return new


def disconnect_many(model: SemanticModel, edges: list[str]) -> SemanticModel:
    """Remove the column pairs of several edges (pairs of one join: highest index first, so
    the indexes of the remaining pairs stay valid)."""
    for edge in sorted(edges, key=_pair_index, reverse=True):
        model = disconnect(model, edge)
    return model


def _pair_index(edge: str) -> int:
    return int(edge.split(erd_graph.PAIR_SEP, 1)[1]) if erd_graph.PAIR_SEP in edge else 0


def delete_join(model: SemanticModel, join_id: str) -> SemanticModel:
    if model.join(join_id) is None:
        raise EditError(f"Join '{join_id}' is not in the model.")
    new = copy(model)
    new.joins = [j for j in new.joins if j.id != join_id]
    return new


def update_join(model: SemanticModel, join_id: str, **changes: Any) -> SemanticModel:
    """Change a join's type (left, inner), cardinality, alias or label.

    An empty alias removes it (joins starting from it are then reported by validation).
    Renaming an alias also renames it where joins start from it.
    """
    unknown = set(changes) - JOIN_FIELDS
    if unknown:
        raise EditError(f"Cannot change {', '.join(sorted(unknown))} of join '{join_id}'.")
    if model.join(join_id) is None:
        raise EditError(f"Join '{join_id}' is not in the model.")
    new = copy(model)
    join = new.join(join_id)
    assert join is not None
    old_alias = join.alias
    if "alias" in changes:
        changes["alias"] = _checked_alias(new, join_id, changes["alias"])
    for field, value in changes.items():
        setattr(join, field, value)
    if old_alias is not None and join.alias is not None and join.alias != old_alias:
        for other in new.joins:
            if other.left_table == old_alias and other.id != join_id:
                other.left_table = join.alias
    return new


def _checked_alias(model: SemanticModel, join_id: str, alias: str | None) -> str | None:
    text = (alias or "").strip()
    if not text:
        return None
    if not NAME.match(text):
        raise EditError(
            f"Alias '{text}' must start with a lowercase letter or _ and contain only lowercase "
            "letters, digits and _ (such as origin_airport)."
        )
    if text in {t.name for t in model.tables}:
        raise EditError(f"'{text}' is already a table name; choose another alias.")
    if text in taken_names(model, but=join_id):
        raise EditError(f"Another join already has the alias '{text}'; choose another one.")
    return text


# -- calculated measures --------------------------------------------------------------------------
def safe_name(text: str) -> str:
    """A measure name from free text: lowercase letters, digits and ``_``."""
    name = re.sub(r"[^a-z0-9_]+", "_", text.strip().lower()).strip("_")
    if name and name[0].isdigit():
        name = f"m_{name}"
    return name[:63]


def upsert_measure(
    model: SemanticModel, measure: CalculatedMeasure, replacing: str | None = None
) -> SemanticModel:
    """Add a calculated measure, or replace the one named ``replacing``."""
    _table(model, measure.table)
    clash = model.measure(measure.name)
    if clash is not None and measure.name != replacing:
        raise EditError(f"A calculated measure named '{measure.name}' already exists.")
    if not measure.expression.strip():
        raise EditError(f"Measure '{measure.name}' needs an expression, such as sum(amount).")
    new = copy(model)
    if replacing is not None and new.measure(replacing) is not None:
        new.measures = [measure if m.name == replacing else m for m in new.measures]
    else:
        new.measures = [*new.measures, measure]
    return new


def delete_measure(model: SemanticModel, name: str) -> SemanticModel:
    if model.measure(name) is None:
        raise EditError(f"Calculated measure '{name}' is not in the model.")
    new = copy(model)
    new.measures = [m for m in new.measures if m.name != name]
    return new


def content(model: SemanticModel) -> dict[str, Any]:
    """The model without its version: what 'unsaved changes' compares."""
    data = model.to_dict()
    data.pop("version", None)
    return data


def structure(model: SemanticModel) -> dict[str, Any]:
    """The model without positions, labels, descriptions and synonyms: what suggestions
    depend on."""
    data = content(model)
    for table in data["tables"]:
        for key in ("position", "label", "description", "synonyms"):
            table.pop(key, None)
        for column in table["columns"]:
            for key in ("label", "description", "synonyms"):
                column.pop(key, None)
    return data


def parse_synonyms(text: str) -> list[str]:
    """Synonyms typed as one line (``client, buyer; account``): split on commas and semicolons,
    trimmed, repeats (ignoring case) dropped. Raises EditError over 20 words or 80 characters."""
    words: list[str] = []
    for part in re.split(r"[,;]", text):
        word = " ".join(part.split())
        if word and word.casefold() not in {w.casefold() for w in words}:
            words.append(word)
    if len(words) > MAX_SYNONYMS:
        raise EditError(f"At most {MAX_SYNONYMS} synonyms; this has {len(words)}.")
    long = [w for w in words if len(w) > MAX_SYNONYM_LENGTH]
    if long:
        raise EditError(
            f"A synonym is at most {MAX_SYNONYM_LENGTH} characters: “{long[0][:40]}…” is longer."
        )
    return words
