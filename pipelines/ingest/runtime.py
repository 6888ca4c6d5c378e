"""Shared plumbing of the ingest pipeline: progress reporting and the written-file record."""

from __future__ import annotations

import re
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


_ENGINE_PREFIX = re.compile(r"^(?:[A-Za-z]+ )*(?:Error|Exception): ")
_QUOTED_PATH = re.compile(r"""(["'])(?:[A-Za-z]:)?[\\/][^"'\n]*?([^"'\\/\n]*)\1""")
_BARE_PATH = re.compile(r"(?<![\w.])(?:[A-Za-z]:)?[\\/](?:[^\s\\/'\"]+[\\/])+([^\s\\/'\",;:]*)")


def without_paths(text: str) -> str:
    """``text`` with every absolute path shortened to the file name it ends with."""
    text = _QUOTED_PATH.sub(lambda m: f"{m.group(1)}{m.group(2)}{m.group(1)}", text)
    return _BARE_PATH.sub(lambda m: m.group(1), text)


def readable(exc: BaseException) -> str:
    """First meaningful line of a DuckDB error, without its engine prefix or any path."""
    text = str(exc).strip().splitlines()[0].strip() if str(exc).strip() else ""
    if isinstance(exc, duckdb.InternalException) or text.upper().startswith("INTERNAL"):
        return "the reading engine failed on this file"
    while (match := _ENGINE_PREFIX.match(text)) is not None:
        text = text[match.end() :]
    return without_paths(text) or "the reading engine could not read it"


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
