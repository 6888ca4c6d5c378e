"""Columns' distinct values, gathered in one DuckDB pass per file, and how much they overlap.

The join finder asks one question many times: how many of column A's values are in column B?
Asking it pair by pair costs one scan of two files per pair. Here each file is read once: the
64-bit hashes of the distinct values of the columns that matter go into one in-memory table,
with how often each value occurs; then a single query answers every pair at once.

A candidate key column (a join target) keeps all its values, so its exact uniqueness comes for
free. A column that may point at a key keeps a *sample* of its distinct values: those whose hash
is a multiple of a power of two, so a column with a million distinct values keeps a few
thousand. Because the sample is taken on the values (not on the rows), the share found in a
fully kept target estimates the share of all distinct values, and the same value is sampled in
every file. Values are hashed as BIGINT for integer columns and VARCHAR for text, so ``5`` and
``'5'`` never match.
"""

# SQL text is assembled from literal()/ident() quoted parts, ints and fixed fragments.
# ruff: noqa: S608

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import duckdb

from pipelines.ingest.sql import ident, literal

from .probes import DataProbe

SAMPLE_VALUES = 1024
"""A sampled column keeps about this many distinct values (the share found is then known to
within about 1.5 points either way, enough to tell 90% from 97%)."""

# The modulus is a power of two, so "a multiple of m" is a bit mask on the UBIGINT hash (a
# ``%`` would widen the hash to HUGEINT and cost several times more).

ValueKind = Literal["integer", "text"]


def sample_modulus(distinct: int, sample: int = SAMPLE_VALUES) -> int:
    """The power of two ``m`` such that ``distinct / m`` is at most ``sample``."""
    if distinct <= sample:
        return 1
    return int(2 ** math.ceil(math.log2(distinct / sample)))


@dataclass(frozen=True)
class ColumnSpec:
    """One column to read: its id in the value table, name, kind and sampling modulus."""

    cid: int
    name: str
    kind: ValueKind
    modulus: int = 1
    """1 keeps every distinct value; ``m`` keeps those whose hash is a multiple of ``m``."""


@dataclass(frozen=True)
class ColumnStats:
    """What the kept values of one column say."""

    values: int
    """Distinct values kept (all of them when the modulus is 1)."""
    rows: int
    """Rows holding a kept value (the non-null rows when the modulus is 1)."""
    most: int
    """How often the most repeated kept value occurs (1: no value repeats)."""

    def unique_in(self, row_count: int) -> bool:
        """True when a fully kept column has a value in every row and no value twice."""
        return row_count > 0 and self.rows == row_count and self.most == 1


def _hashed(spec: ColumnSpec) -> str:
    cast = "BIGINT" if spec.kind == "integer" else "VARCHAR"
    value = f"TRY_CAST({ident(spec.name)} AS {cast})"
    kept = f"{value} IS NOT NULL"
    if spec.modulus > 1:
        kept += f" AND (hash({value}) & {int(spec.modulus) - 1}::UBIGINT) = 0"
    return f"CASE WHEN {kept} THEN hash({value}) END"


class ValueSets:
    """Hashed distinct values of many columns of many files, on a probe's connection.

    Parameters
    ----------
    probe
        The connection to use; every statement is counted by it. One :meth:`scan` per file,
        then one :meth:`stats` and one :meth:`overlaps` query, whatever the number of columns.
    """

    def __init__(self, probe: DataProbe) -> None:
        self._probe = probe
        self._table = f"join_values_{id(self):x}"
        self._probe.run(
            f"CREATE OR REPLACE TEMP TABLE {self._table} (cid INTEGER, h UBIGINT, n BIGINT)"
        )

    def scan(self, path: Path, specs: Sequence[ColumnSpec]) -> bool:
        """Read the file at ``path`` once, keeping the values of ``specs``; False if unreadable."""
        if not specs:
            return True
        if not path.is_file():
            return False
        ids = ", ".join(str(int(s.cid)) for s in specs)
        hashes = ", ".join(_hashed(s) for s in specs)
        sql = (
            f"INSERT INTO {self._table} SELECT cid, h, count(*) FROM "
            f"(SELECT unnest([{ids}]) AS cid, unnest([{hashes}]) AS h "
            f"FROM read_parquet({literal(str(path))})) WHERE h IS NOT NULL GROUP BY cid, h"
        )
        try:
            self._probe.run(sql)
        except duckdb.Error:
            return False
        return True

    def stats(self) -> dict[int, ColumnStats]:
        """Per column id: distinct values kept, rows holding them, and the largest repeat."""
        rows = self._probe.run(
            f"SELECT cid, count(*), sum(n), max(n) FROM {self._table} GROUP BY cid"
        )
        return {int(r[0]): ColumnStats(int(r[1]), int(r[2]), int(r[3])) for r in rows}

    def overlaps(
        self, pairs: Iterable[tuple[int, int, int]]
    ) -> dict[tuple[int, int], tuple[int, int]]:
        """For each ``(source, target, modulus)``: ``(values, found)``, in one query.

        ``values`` counts the source's kept values whose hash is a multiple of ``modulus`` (a
        fully kept source is sampled here), ``found`` those of them the target holds too.
        Pairs whose source kept no value are missing from the answer.
        """
        rows = ", ".join(f"({int(s)}, {int(t)}, {int(m)})" for s, t, m in pairs)
        if not rows:
            return {}
        found = self._probe.run(
            f"SELECT p.s, p.t, count(*), count(b.h) "
            f"FROM (VALUES {rows}) AS p(s, t, m) "
            f"JOIN {self._table} AS a ON a.cid = p.s AND (a.h & CAST(p.m - 1 AS UBIGINT)) = 0 "
            f"LEFT JOIN {self._table} AS b ON b.cid = p.t AND b.h = a.h "
            f"GROUP BY p.s, p.t"
        )
        return {(int(r[0]), int(r[1])): (int(r[2]), int(r[3])) for r in found}

    def close(self) -> None:
        """Drop the value table (the probe's connection stays open)."""
        with contextlib.suppress(duckdb.Error):
            self._probe.run(f"DROP TABLE IF EXISTS {self._table}")
