"""Which column pairs may be joins, before any data is read: types, profiles and names.

A pair is a *source* column (any integer or text column with values) and a *target* column of
another table, or of the same table for a self-join: the table's primary key, or another
column whose profile says it may be unique and that is text or named like a key. Integers pair
with integers and text with text only.

The profile's ranges and distinct counts prune most pairs for free. A pair must also be hard
to explain by chance. Numbers are the risk: a quantity, a rating, a delay in minutes fall
inside any run of consecutive ids (``1..N``), and containment then proves nothing. So into
*dense* ids (half or more of the numbers of their range are ids) an integer column needs some
name evidence and must spread over a good part of the ids' range; into sparse ids (10 values
all landing on ids by chance is unlikely) it needs at least 10 distinct values when its name
says nothing.
Text needs 3 distinct values without name evidence. Names of amounts, counts and categories
(``quantity``, ``customer_age``, ``year``) are never keys unless named exactly like one. A role
word (``manager`` for employees) is enough without those checks: managers are often a few
early ids.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .join_names import NameEvidence, name_evidence
from .model import SemanticModel
from .number_roles import CATEGORY_WORDS
from .roles import (
    AVERAGE_WORDS,
    COUNT_WORDS,
    CURRENCY_WORDS,
    is_key_like,
    looks_unique,
    words,
)
from .sources import SourceColumn, SourceSchema
from .value_sets import ValueKind

AMOUNT_WORDS = COUNT_WORDS | CURRENCY_WORDS | AVERAGE_WORDS | CATEGORY_WORDS
"""Names of quantities and categories: never a key on the data alone."""
MIN_DISTINCT = 10
"""Distinct values an integer column needs to be a key on the data alone."""
MIN_DISTINCT_TEXT = 3
MIN_SPREAD = 0.5
"""Into dense ids, the share of the target's range the column's values must span."""
DENSE = 0.5
"""A target is dense when at least this share of the numbers of its range are ids (from the
profile's distinct estimate, a few percent off). Into sparser ids, 10 numbers all landing on ids
by chance has odds below 0.5 ** 10 (1 in 1,000); into dense ids, containment proves little."""


@dataclass(frozen=True)
class Side:
    """One column of a pair: its table, name, kind, profile and the table's row count."""

    table: str
    name: str
    kind: ValueKind
    profile: SourceColumn
    row_count: int
    primary_key: bool
    """The table's primary key (declared or guessed)."""
    declared: bool
    """Declared as the primary key in the model (trusted without a check)."""

    @property
    def ref(self) -> str:
        return f"{self.table}.{self.name}"

    @functools.cached_property
    def span(self) -> tuple[float, float] | None:
        """The profile's bounds as numbers (None for text or when unknown)."""
        low, high = _number(self.profile.min), _number(self.profile.max)
        return None if low is None or high is None else (low, high)

    @functools.cached_property
    def amount(self) -> bool:
        """Named like an amount, a count or a category (``quantity``, ``year``)."""
        return bool(set(words(self.name)) & AMOUNT_WORDS)


@dataclass(frozen=True)
class Pair:
    """A possible join from ``source`` to ``target`` with what the names say."""

    source: Side
    target: Side
    name: NameEvidence
    dense: bool = False
    """Accepted on the data alone into dense ids (ranked lower)."""


def _sides(
    model: SemanticModel,
    sources: Mapping[str, SourceSchema],
    keys: Mapping[str, tuple[str | None, bool]],
) -> Iterator[tuple[Side, bool, bool]]:
    """Every usable column as ``(side, is_source, is_target)``."""
    for table in model.tables:
        source = sources.get(table.name)
        if source is None:
            continue
        key = keys.get(table.name, (None, False))[0]
        for column in table.columns:
            profile = source.column(column.name)
            if (
                column.role == "ignored"
                or column.type not in ("integer", "text")
                or profile is None
                or profile.type != column.type
                or profile.null_count >= source.row_count
            ):
                continue
            side = Side(
                table=table.name,
                name=column.name,
                kind="integer" if column.type == "integer" else "text",
                profile=profile,
                row_count=source.row_count,
                primary_key=column.name == key,
                declared=column.name == table.primary_key,
            )
            unique = looks_unique(profile, source.row_count)
            target = side.primary_key or (
                unique and (column.type == "text" or is_key_like(column.name))
            )
            yield side, True, target


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _ranges_meet(source: Side, target: Side) -> bool:
    """False when the bounds show that most of the source's values lie outside the target's."""
    a, b = source.profile, target.profile
    if None in (a.min, a.max, b.min, b.max):
        return True
    if source.span is None or target.span is None:
        try:
            return bool(a.min <= b.max and a.max >= b.min)
        except TypeError:  # bounds of different kinds: cannot tell
            return True
    (s_low, s_high), (t_low, t_high) = source.span, target.span
    inside = min(s_high, t_high) - max(s_low, t_low)
    if inside < 0:
        return False
    return s_high == s_low or inside / (s_high - s_low) >= 0.5


def _fits(source: Side, target: Side) -> bool:
    """Whether the profiles allow most of ``source``'s values to be in ``target``."""
    k = source.profile.distinct_approx
    return (
        k > 0
        and k * 0.9 <= target.profile.distinct_approx * 1.05 + 1
        and _ranges_meet(source, target)
    )


def _dense(source: Side, target: Side) -> bool | None:
    """Whether chance explains ``source`` in integer ``target``: None when it surely does."""
    if source.span is None or target.span is None:
        return None
    (s_low, s_high), (t_low, t_high) = source.span, target.span
    density = min(1.0, target.profile.distinct_approx / max(t_high - t_low + 1, 1))
    if density < DENSE:
        return False
    spread = (s_high - s_low) / max(t_high - t_low, 1)
    if spread >= MIN_SPREAD:
        return True
    return None


def plausible(source: Side, target: Side, name: NameEvidence) -> Pair | None:
    """The pair if its profiles and names allow a join, else None (before reading any data)."""
    if name.kind == "same":
        return Pair(source, target, name)
    if not _fits(source, target) or source.amount:
        return None
    if name.kind == "role":
        return Pair(source, target, name)
    k = source.profile.distinct_approx
    if source.kind == "text":
        least = MIN_DISTINCT_TEXT if name.kind == "none" else 1
        return Pair(source, target, name) if k >= least else None
    if name.kind == "none" and k < MIN_DISTINCT:
        return None
    dense = _dense(source, target)
    if dense is None or (dense and name.kind == "none"):
        return None
    return Pair(source, target, name, dense=dense)


def candidate_pairs(
    model: SemanticModel,
    sources: Mapping[str, SourceSchema],
    keys: Mapping[str, tuple[str | None, bool]],
) -> list[Pair]:
    """Every pair worth checking on the data, for the model's tables that have a source.

    Parameters
    ----------
    sources
        The tables' sources keyed by table name.
    keys
        Each table's primary key (declared or guessed) and whether it was checked.
    """
    sides = list(_sides(model, sources, keys))
    targets = [side for side, _, is_target in sides if is_target]
    pairs: list[Pair] = []
    for source, is_source, _ in sides:
        if not is_source:
            continue
        for target in targets:
            if target.kind != source.kind or (
                target.table == source.table and target.name == source.name
            ):
                continue
            same = source.name == target.name or source.name.endswith(f"_{target.name}")
            if not same and not _fits(source, target):
                continue  # cheap first: most pairs end here, before any name is read
            name = name_evidence(
                source.name, target.table, target.name, self_join=target.table == source.table
            )
            if name.kind == "same" and not target.primary_key:
                name = NameEvidence("shared", target.name)
            if source.primary_key and name.kind != "same":
                continue  # a table's own key points elsewhere only when named so
            pair = plausible(source, target, name)
            if pair is not None:
                pairs.append(pair)
    return pairs
