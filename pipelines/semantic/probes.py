"""Exact checks on Parquet files with DuckDB: is a column unique, how much do two columns overlap.

The ingest profile's distinct count is a HyperLogLog estimate, good enough to pick candidates
but not to promise a primary key; these checks settle it on the data itself. Every statement
goes through :meth:`DataProbe.run`, which counts them (the join finder's cost is guarded by
that count, see :mod:`pipelines.semantic.join_finder`).
"""

# SQL text is assembled from literal()/ident() quoted parts and fixed fragments.
# ruff: noqa: S608

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import Any

import duckdb

from pipelines.ingest.sql import ident, literal


class DataProbe:
    """One in-memory DuckDB connection that answers and caches value checks.

    Every check returns None when the file is missing or cannot be read, so callers fall back
    to the profile's estimates.
    """

    def __init__(self) -> None:
        self._con: duckdb.DuckDBPyConnection | None = None
        self._unique: dict[tuple[str, str], bool | None] = {}
        self._overlap: dict[tuple[str, str, str, str], float | None] = {}
        self._clock: dict[tuple[str, str], bool | None] = {}
        self.queries = 0
        """How many statements this probe has run."""

    def __enter__(self) -> DataProbe:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None

    def _connection(self) -> duckdb.DuckDBPyConnection:
        if self._con is None:
            self._con = duckdb.connect(":memory:")
        return self._con

    def run(self, sql: str) -> list[tuple[Any, ...]]:
        """Run one statement on the probe's connection and return its rows (counted).

        Raises
        ------
        duckdb.Error
            When DuckDB refuses the statement or cannot read a file.
        """
        self.queries += 1
        return self._connection().execute(sql).fetchall()

    def is_unique(self, path: Path | None, column: str) -> bool | None:
        """True when ``column`` has no nulls and no repeated value in the file at ``path``."""
        if path is None or not path.is_file():
            return None
        key = (str(path), column)
        if key not in self._unique:
            col = ident(column)
            sql = (
                f"SELECT count(*) = count({col}) AND count({col}) = count(DISTINCT {col}) "
                f"FROM read_parquet({literal(str(path))})"
            )
            try:
                rows = self.run(sql)
                self._unique[key] = bool(rows[0][0]) if rows else None
            except duckdb.Error:
                self._unique[key] = None
        return self._unique[key]

    def overlap(
        self, path: Path | None, column: str, other_path: Path | None, other_column: str
    ) -> float | None:
        """Share (0 to 1) of ``column``'s distinct non-null values found in ``other_column``.

        None when a file is unknown or unreadable, or when ``column`` has no values at all.
        """
        if path is None or other_path is None or not path.is_file() or not other_path.is_file():
            return None
        key = (str(path), column, str(other_path), other_column)
        if key not in self._overlap:
            sql = (
                f"SELECT count(*), count(b.v) FROM "
                f"(SELECT DISTINCT {ident(column)} AS v FROM read_parquet({literal(str(path))}) "
                f"WHERE {ident(column)} IS NOT NULL) AS a LEFT JOIN "
                f"(SELECT DISTINCT {ident(other_column)} AS v "
                f"FROM read_parquet({literal(str(other_path))})) AS b ON a.v = b.v"
            )
            try:
                row = next(iter(self.run(sql)), None)
            except duckdb.Error:
                row = None
            if row is None or not row[0]:
                self._overlap[key] = None
            else:
                self._overlap[key] = int(row[1]) / int(row[0])
        return self._overlap[key]

    def clock_times(self, path: Path | None, column: str) -> bool | None:
        """True when every value of ``column`` reads as an HHMM clock time (517 for 5:17).

        That is: some values, all from 0 to 2400, none with a minutes part of 60 or more. A
        duration in minutes (``air_time`` reaching 75 or 695) fails the minutes test.
        """
        if path is None or not path.is_file():
            return None
        key = (str(path), column)
        if key not in self._clock:
            col = ident(column)
            sql = (
                f"SELECT count({col}) > 0 AND min({col}) >= 0 AND max({col}) <= 2400 "
                f"AND max({col} % 100) < 60 FROM read_parquet({literal(str(path))})"
            )
            try:
                row = self._connection().execute(sql).fetchone()
                self._clock[key] = bool(row[0]) if row is not None and row[0] is not None else None
            except duckdb.Error:
                self._clock[key] = None
        return self._clock[key]
