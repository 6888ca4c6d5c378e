"""Shared plumbing of the ingest pipeline: progress reporting and the written-file record."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from .models import BadRows, ColumnType, Detected, ProgressCallback, Stage


class Reporter:
    """Forwards progress to the user's callback; each step also checks for a stop request.

    Parameters
    ----------
    callback
        The user's ``progress(stage, fraction)``, or None.
    check
        Raises when the ingest must stop (cancelled, out of time); only called from the
        thread that created the reporter, so a progress poller never raises.
    """

    def __init__(
        self, callback: ProgressCallback | None, check: Callable[[], None] | None = None
    ) -> None:
        self.callback = callback
        self.check = check
        self._owner = threading.get_ident()

    def __call__(self, stage: Stage, fraction: float | None) -> None:
        if self.check is not None and threading.get_ident() == self._owner:
            self.check()
        if self.callback is not None:
            self.callback(stage, fraction)


@dataclass(frozen=True)
class Written:
    """A Parquet file written to the work folder, with what is needed to profile it."""

    path: Path
    row_count: int
    stats: Mapping[str, Any]
    columns: list[tuple[str, str, ColumnType]]
    bad_rows: BadRows
    detected: Detected


def readable(exc: Exception) -> str:
    """First meaningful line of a DuckDB error."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    for prefix in ("Invalid Input Error: ", "Conversion Error: ", "IO Error: "):
        text = text.removeprefix(prefix)
    return text


def run_with_progress(
    con: duckdb.DuckDBPyConnection, sql: str, report: Reporter, stage: Stage
) -> tuple[Any, ...]:
    """Run ``sql`` and return its first row, reporting DuckDB's progress meanwhile."""
    done = threading.Event()

    def poll() -> None:
        while not done.wait(0.25):
            value = con.query_progress()
            if value >= 0:
                report(stage, min(0.99, value / 100))

    thread = threading.Thread(target=poll, daemon=True) if report.callback else None
    if thread is not None:
        thread.start()
    try:
        row = con.execute(sql).fetchone()
    finally:
        done.set()
        if thread is not None:
            thread.join()
    assert row is not None
    return tuple(row)
