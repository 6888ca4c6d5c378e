"""Joins found from the data: a column whose values are (almost) all in another table's unique
column is a join candidate, whatever its name (``flights.origin`` -> ``airports.faa``,
``employees.manager`` -> ``employees.employee_id``, ``orders.ship_to`` -> ``customers.id``).

How it goes (cost: one DuckDB pass per file that has a column in a candidate pair, then two
queries, whatever the number of columns):

1. :func:`~pipelines.semantic.join_candidates.candidate_pairs` lists the pairs the profiles,
   types and names allow;
2. :class:`~pipelines.semantic.value_sets.ValueSets` reads each file once: targets keep all
   their values (their uniqueness is then checked exactly), sources a sample of theirs;
3. one query measures every pair's containment; a pair needs half of its values found when
   the names match, 90% otherwise;
4. each column keeps its best target (a matching name first); a table whose several columns
   point at the same key gets one *aliased* join per column (role-playing: ``origin_airport``
   and ``dest_airport``), and so does a self-join (``manager``).

Scores: a column named like the key scores 0.6 + 0.4 x containment (as before); otherwise
0.5 x containment x target uniqueness (1 for a primary key, 0.9 for another unique column) x
(0.6 + 0.4 x name weight), x 0.8 when found on the data alone into dense ids.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from .join_candidates import Pair, Side, candidate_pairs
from .join_names import role_alias, role_label
from .model import ColumnPair, Join, SemanticModel
from .probes import DataProbe
from .roles import looks_unique, unique_name
from .sources import SourceSchema
from .value_sets import ColumnSpec, ColumnStats, ValueSets, sample_modulus

NAME_MATCH_MIN_OVERLAP = 0.5
"""A join suggested from matching names is dropped when fewer of its values are found."""
VALUE_MATCH_MIN_OVERLAP = 0.9
"""A join between differently named columns needs this share of values found."""
TARGET_MAX_ROWS = 5_000_000
"""A larger table's keys are not read whole; joins into it come from matching names only."""


@dataclass(frozen=True)
class FoundJoin:
    """A suggested join from one column, with why and how strongly."""

    column: str
    target: str
    """The target column (``join.right_table``'s key)."""
    join: Join
    message: str
    score: float


@dataclass(frozen=True)
class _Measured:
    pair: Pair
    containment: float | None
    source_unique: bool

    @property
    def score(self) -> float:
        c, pair = self.containment, self.pair
        if pair.name.kind == "same":
            return 0.8 if c is None else 0.6 + 0.4 * c
        unique = 1.0 if pair.target.primary_key else 0.9
        dense = 0.8 if pair.dense else 1.0
        return 0.5 * (c or 0.0) * unique * (0.6 + 0.4 * pair.name.weight) * dense


# -- measuring on the data -------------------------------------------------------------------------
class _Measure:
    """Reads the files the pairs need, once each, and measures every pair in one query."""

    def __init__(
        self, pairs: list[Pair], sources: Mapping[str, SourceSchema], probe: DataProbe
    ) -> None:
        self.pairs, self.sources, self.probe = pairs, sources, probe
        self.ids: dict[tuple[str, str], int] = {}
        self.full: set[tuple[str, str]] = set()
        self.read: set[str] = set()
        self.stats: dict[int, ColumnStats] = {}
        self.found: dict[tuple[int, int], tuple[int, int]] = {}

    def _plan(self) -> dict[str, list[ColumnSpec]]:
        specs: dict[str, dict[str, ColumnSpec]] = defaultdict(dict)
        for pair in self.pairs:
            for side, target in ((pair.target, True), (pair.source, False)):
                # a unique-looking source is read whole too: its exact uniqueness gives the
                # join's cardinality
                whole = target or looks_unique(side.profile, side.row_count)
                if whole and side.row_count > TARGET_MAX_ROWS:
                    if target:
                        continue
                    whole = False
                key = (side.table, side.name)
                known = specs[side.table].get(side.name)
                if known is not None and (known.modulus == 1 or not whole):
                    continue
                cid = self.ids.setdefault(key, len(self.ids))
                modulus = 1 if whole else sample_modulus(side.profile.distinct_approx)
                specs[side.table][side.name] = ColumnSpec(cid, side.name, side.kind, modulus)
                if whole:
                    self.full.add(key)
        return {table: list(columns.values()) for table, columns in specs.items()}

    def run(self) -> None:
        if not self.pairs:
            return
        values = ValueSets(self.probe)
        try:
            for table, specs in self._plan().items():
                path = self.sources[table].path
                if path is not None and values.scan(path, specs):
                    self.read.add(table)
            self.stats = values.stats()
            self.found = values.overlaps(self._measurable())
        finally:
            values.close()

    def _readable(self, side: Side) -> bool:
        return side.table in self.read and (side.table, side.name) in self.ids

    def _measurable(self) -> Iterable[tuple[int, int, int]]:
        for pair in self.pairs:
            s, t = pair.source, pair.target
            if self._readable(s) and (t.table, t.name) in self.full and self._readable(t):
                modulus = 1
                if (s.table, s.name) in self.full:
                    modulus = sample_modulus(
                        self.stats.get(self.ids[s.table, s.name], _NONE).values
                    )
                yield self.ids[s.table, s.name], self.ids[t.table, t.name], modulus

    def unique(self, side: Side) -> bool | None:
        """Exact uniqueness of a fully read column (None: not read whole)."""
        key = (side.table, side.name)
        if key not in self.full or not self._readable(side):
            return None
        return self.stats.get(self.ids[key], _NONE).unique_in(side.row_count)

    def measured(self, pair: Pair) -> _Measured | None:
        """The pair with its containment, or None when the data rules it out."""
        s, t = pair.source, pair.target
        target_unique = self.unique(t)
        if target_unique is False and not t.declared:
            return None
        source_unique = s.declared or bool(self.unique(s))
        containment: float | None = None
        if target_unique is not None and self._readable(s):
            values, found = self.found.get(
                (self.ids[s.table, s.name], self.ids[t.table, t.name]), (0, 0)
            )
            containment = found / values if values else None
        elif pair.name.kind == "same":  # a key too large to read whole: ask about this pair
            source_path = self.sources[s.table].path
            target_path = self.sources[t.table].path
            containment = self.probe.overlap(source_path, s.name, target_path, t.name)
        least = NAME_MATCH_MIN_OVERLAP if pair.name.kind == "same" else VALUE_MATCH_MIN_OVERLAP
        if containment is None and pair.name.kind != "same":
            return None
        if containment is not None and containment < least:
            return None
        return _Measured(pair, containment, source_unique)


_NONE = ColumnStats(0, 0, 0)


# -- from measured pairs to joins ----------------------------------------------------------------
def _best_per_column(found: Iterable[_Measured]) -> list[_Measured]:
    best: dict[tuple[str, str], _Measured] = {}
    for m in found:
        key = (m.pair.source.table, m.pair.source.name)
        rank = (m.pair.name.kind == "same", m.score)
        if key not in best or rank > (best[key].pair.name.kind == "same", best[key].score):
            best[key] = m
    return list(best.values())


def _groups(found: list[_Measured]) -> list[list[_Measured]]:
    """Per (table, target table): the columns pointing at its best key, best first."""
    by_pair: dict[tuple[str, str], list[_Measured]] = defaultdict(list)
    for m in sorted(found, key=lambda m: -m.score):
        by_pair[m.pair.source.table, m.pair.target.table].append(m)
    return [[m for m in group if m.pair.target.name == group[0].pair.target.name]
            for group in by_pair.values()]  # fmt: skip


def _in_model(model: SemanticModel, m: _Measured) -> bool:
    s, t = m.pair.source, m.pair.target
    return any(
        j.left_table == s.table
        and j.right_table == t.table
        and any(p.left == s.name and p.right == t.name for p in j.on)
        for j in model.joins
    )


def _joined_directly(model: SemanticModel, left: str, right: str) -> bool:
    return any(j.left_table == left and j.right_table == right for j in model.joins)


def _message(m: _Measured, label: str) -> str:
    s, t = m.pair.source, m.pair.target
    head = f"{s.ref} looks like a key to {t.table}" + (f", as {label}" if label else "")
    if m.containment is None:
        return f"{head} (it has the name of {t.table}'s key {t.ref})"
    percent = math.floor(m.containment * 1000) / 10
    found = f"{percent:g}% of its values are in {t.ref}"
    if m.pair.name.kind == "same":
        return f"{head} ({found})"
    what = (
        "its primary key" if t.primary_key else "a unique code" if t.kind == "text"
        else "a unique number"
    )  # fmt: skip
    return f"{head} ({found}, {what}; {m.pair.name.reason(s.name, t.table)})"


class _Namer:
    """Join ids and aliases that clash with nothing in the model nor with each other."""

    def __init__(self, model: SemanticModel) -> None:
        self.ids = {j.id for j in model.joins}
        self.aliases = {t.name for t in model.tables} | {j.alias for j in model.joins if j.alias}

    def join(self, m: _Measured, aliased: bool) -> Join:
        s, t = m.pair.source, m.pair.target
        alias: str | None = None
        if aliased:
            alias = unique_name(role_alias(s.name, t.table, self_join=s.table == t.table),
                                self.aliases)  # fmt: skip
            self.aliases.add(alias)
        join_id = unique_name(f"{s.table}__{alias or t.table}", self.ids)
        if aliased:
            self.ids.add(join_id)
        return Join(
            id=join_id,
            left_table=s.table,
            right_table=t.table,
            on=[ColumnPair(left=s.name, right=t.name)],
            type="left",
            cardinality="one_to_one" if m.source_unique else "many_to_one",
            alias=alias,
            label=role_label(alias) if alias else "",
        )


def _found(m: _Measured, join: Join) -> FoundJoin:
    return FoundJoin(
        column=m.pair.source.name,
        target=m.pair.target.name,
        join=join,
        message=_message(m, join.label),
        score=m.score,
    )


def find_joins(
    model: SemanticModel,
    sources: Mapping[str, SourceSchema],
    keys: Mapping[str, tuple[str | None, bool]],
    connected: Callable[[str, str], bool],
    probe: DataProbe,
) -> list[FoundJoin]:
    """Joins to suggest for ``model``, found from names and from the data.

    Parameters
    ----------
    model
        The model; joins already in it are not suggested again.
    sources
        The tables' sources keyed by table name (with their Parquet paths when known; without
        a path only matching names are found).
    keys
        Each table's primary key (declared or guessed) and whether it was checked on the data.
    connected
        Whether two tables are already joined, directly or not (a plain join between them
        would make a second path).
    probe
        The DuckDB connection to use (it counts the queries).
    """
    measure = _Measure(candidate_pairs(model, sources, keys), sources, probe)
    measure.run()
    measured = [m for m in map(measure.measured, measure.pairs) if m is not None]
    namer = _Namer(model)
    plain: dict[frozenset[str], FoundJoin] = {}
    found: list[FoundJoin] = []
    for group in _groups(_best_per_column(measured)):
        s, t = group[0].pair.source, group[0].pair.target
        aliased = len(group) > 1 or s.table == t.table
        # orders.customer_id and orders.ship_to both to customers.id: the column named like the
        # key keeps the plain join (customers.segment still reads as before); the others get
        # aliases (ship_to_customer.segment).
        named = [m for m in group if m.pair.name.kind == "same"]
        primary = named[0] if len(named) == 1 and s.table != t.table else None
        for m in group:
            if _in_model(model, m):
                continue
            if (aliased and m is not primary) or _joined_directly(model, s.table, t.table):
                found.append(_found(m, namer.join(m, aliased=True)))
                continue
            pair = frozenset((s.table, t.table))
            if connected(s.table, t.table) or (pair in plain and plain[pair].score >= m.score):
                continue
            plain[pair] = _found(m, namer.join(m, aliased=False))
    return found + list(plain.values())
