"""The join graph of a semantic model: tables (and join aliases) are nodes, joins are edges.

A join's cardinality is stated from its left table to its right table and inverts when the join
is walked from right to left. The engine needs a unique path between two nodes; a second path
(a cycle, or two joins between the same nodes) is reported as ambiguous.

Role-playing joins: a join with an ``alias`` reaches its right table under that alias, as a node
of its own whose base table is ``right_table`` (``flights -> airports as origin_airport`` and
``-> airports as dest_airport``; ``employees -> employees as manager``). The alias node has only
the edge of its own join, so it is reached through that join alone, and it does not inherit the
base table's other joins (``origin_airport`` does not reach ``cities`` because ``airports``
does: that would give two paths to ``cities``). To go further from an alias, add a join whose
left table is the alias. A join's left table may be a table or an alias; its right table is
always a table.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .model import Join, SemanticModel
from .query import SemanticError


def join_target(join: Join) -> str:
    """The node a join reaches: its alias, or its right table when it has none."""
    return join.alias or join.right_table


def node_tables(model: SemanticModel) -> dict[str, str]:
    """Every node of the join graph and its base table: tables under their own names, then
    each join alias (the first join of a duplicated alias, or of an alias that is also a table
    name, wins; validation reports the others)."""
    nodes = {t.name: t.name for t in model.tables}
    for join in model.joins:
        if join.alias is not None and join.alias not in nodes:
            nodes[join.alias] = join.right_table
    return nodes


def alias_labels(model: SemanticModel) -> dict[str, str]:
    """How each alias is shown: its join's label, or the alias itself."""
    labels: dict[str, str] = {}
    for join in model.joins:
        if join.alias is not None:
            labels.setdefault(join.alias, join.label or join.alias)
    return labels


_INVERSE = {"many_to_one": "one_to_many", "one_to_many": "many_to_one", "one_to_one": "one_to_one"}


@dataclass(frozen=True)
class Step:
    """One join walked from ``source`` to ``target``."""

    join: Join
    source: str
    target: str
    cardinality: str
    """Cardinality seen from ``source``: ``one_to_many`` repeats the source's rows."""
    pairs: tuple[tuple[str, str], ...]
    """(source column, target column) pairs."""

    @property
    def fans_out(self) -> bool:
        return self.cardinality == "one_to_many"

    @property
    def how(self) -> str:
        """``inner`` for inner joins; ``left`` (keep the source's rows) otherwise."""
        return "inner" if self.join.type == "inner" else "left"


@dataclass(frozen=True)
class JoinTree:
    """The tables joined to a root table, each reached by one path."""

    root: str
    steps: tuple[Step, ...]
    """Steps in join order (every step's source is the root or an earlier step's target)."""

    @property
    def tables(self) -> tuple[str, ...]:
        return (self.root, *(s.target for s in self.steps))

    def fans_out_to(self, table: str) -> bool:
        """True when the root's rows repeat on the way to ``table``."""
        return any(s.fans_out for s in self.path_steps(table))

    def path_steps(self, table: str) -> list[Step]:
        by_target = {s.target: s for s in self.steps}
        path: list[Step] = []
        while table != self.root:
            step = by_target[table]
            path.append(step)
            table = step.source
        return path[::-1]


class JoinGraph:
    """Paths between the tables of a model along its joins."""

    def __init__(self, model: SemanticModel) -> None:
        self.nodes = node_tables(model)
        """Node name -> base table name (see :func:`node_tables`)."""
        self._edges: dict[str, list[Step]] = {name: [] for name in self.nodes}
        for join in model.joins:
            target = join_target(join)
            pairs = tuple((p.left, p.right) for p in join.on)
            forward = Step(join, join.left_table, target, join.cardinality, pairs)
            backward = Step(
                join,
                target,
                join.left_table,
                _INVERSE[join.cardinality],
                tuple((r, le) for le, r in pairs),
            )
            self._edges.setdefault(join.left_table, []).append(forward)
            self._edges.setdefault(target, []).append(backward)
        self._paths: dict[tuple[str, str], list[Step] | None] = {}

    def describe(self, node: str) -> str:
        """``table 'x'``, or for an alias ``alias 'a' (table 'x' through join 'j')``."""
        base = self.nodes.get(node, node)
        if base == node:
            return f"table {node!r}"
        join = next(s.join for s in self._edges.get(node, []))
        return f"alias {node!r} (table {base!r} through join {join.id!r})"

    def unconnected(self, source: str, target: str) -> str:
        """Why no path joins two nodes, with a hint when one is an alias."""
        text = f"no join connects {self.describe(source)} to {self.describe(target)}"
        if self.nodes.get(target, target) == source:
            text += f"; query the measure through the alias ({target}.<measure>) instead"
        elif any(self.nodes.get(n, n) != n for n in (source, target)):
            text += "; an alias is reached only through its own join"
        return text

    def path(self, source: str, target: str) -> list[Step] | None:
        """The steps from ``source`` to ``target``; None when they are not connected.

        Raises
        ------
        SemanticError
            When more than one path connects them (the model has a cycle).
        """
        key = (source, target)
        if key not in self._paths:
            self._paths[key] = self._find(source, target)
        return self._paths[key]

    def _find(self, source: str, target: str) -> list[Step] | None:
        found: list[list[Step]] = []

        def walk(table: str, seen: frozenset[str], steps: list[Step]) -> None:
            if len(found) > 1:
                return
            if table == target:
                found.append(list(steps))
                return
            for step in self._edges.get(table, []):
                if step.target not in seen:
                    walk(step.target, seen | {step.target}, [*steps, step])

        walk(source, frozenset({source}), [])
        if len(found) > 1:
            first, second = (" -> ".join([source, *(s.target for s in p)]) for p in found[:2])
            raise SemanticError(
                f"Tables {source!r} and {target!r} are joined in more than one way "
                f"({first}; {second}); remove a join so that only one path remains, or give "
                "one of them an alias",
                field=target,
            )
        return found[0] if found else None

    def tree(self, root: str, tables: Iterable[str]) -> JoinTree | None:
        """The join tree from ``root`` to every table of ``tables``; None if one is unreachable."""
        steps: dict[str, Step] = {}
        for table in tables:
            path = self.path(root, table)
            if path is None:
                return None
            for step in path:
                steps.setdefault(step.target, step)
        ordered: list[Step] = []
        placed = {root}
        pending = list(steps.values())
        while pending:
            step = next(s for s in pending if s.source in placed)
            ordered.append(step)
            placed.add(step.target)
            pending.remove(step)
        return JoinTree(root, tuple(ordered))
