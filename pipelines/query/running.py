"""A running query's control: resource limits, the time limit timer, and interrupts."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import duckdb

from .errors import CancelReason

INTERRUPT_EVERY = 0.05
"""Seconds between repeated interrupts while a stopped query has not ended yet."""


@dataclass(frozen=True)
class SandboxLimits:
    """Resource limits of one workspace's sandbox.

    Attributes
    ----------
    memory_limit_mb : int
        DuckDB memory limit in MiB (nothing spills to disk).
    threads : int
        DuckDB worker threads.
    timeout_seconds : float
        Time limit of one query (for downloads: the time spent inside DuckDB).
    value_max_mb : int
        Largest value ``repeat``, ``lpad`` and ``rpad`` may make: DuckDB allocates such a
        value outside its memory limit, so the sandbox checks the size before making it.
    """

    memory_limit_mb: int = 1024
    threads: int = 2
    timeout_seconds: float = 30.0
    value_max_mb: int = 16

    def __post_init__(self) -> None:
        if self.memory_limit_mb < 16:
            raise ValueError(f"memory_limit_mb must be at least 16, got {self.memory_limit_mb}")
        if self.threads < 1:
            raise ValueError(f"threads must be at least 1, got {self.threads}")
        if self.value_max_mb < 1:
            raise ValueError(f"value_max_mb must be at least 1, got {self.value_max_mb}")
        if self.timeout_seconds <= 0:
            raise ValueError(f"timeout_seconds must be positive, got {self.timeout_seconds}")


class Run:
    """One running query: its cursor, why it is being stopped, and whether it has ended.

    Parameters
    ----------
    query_id : str
        The id it is cancelled by.
    cursor : duckdb.DuckDBPyConnection
        Its own cursor (interrupting it stops only this query).
    budget : float
        Seconds of the time limit left.
    """

    def __init__(self, query_id: str, cursor: duckdb.DuckDBPyConnection, budget: float) -> None:
        self.query_id = query_id
        self.cursor = cursor
        self.budget = budget
        self.reason: CancelReason | None = None
        self.done = threading.Event()
        self.lock = threading.Lock()

    def stop(self, reason: CancelReason) -> None:
        """Interrupt until the query has ended (an interrupt before it starts would be lost)."""
        with self.lock:
            if self.reason is not None or self.done.is_set():
                return
            self.reason = reason
        while True:
            with self.lock:
                if self.done.is_set():
                    return
                try:
                    self.cursor.interrupt()
                except duckdb.Error:
                    return
            if self.done.wait(INTERRUPT_EVERY):
                return

    def end(self) -> None:
        """Mark the query ended and close its cursor."""
        with self.lock:
            self.done.set()
            with contextlib.suppress(duckdb.Error):  # already closed with its connection
                self.cursor.close()


@contextmanager
def timed(run: Run) -> Iterator[None]:
    """Interrupt ``run`` when the block outlasts what is left of its time limit."""
    timer = threading.Timer(max(run.budget, 0.0), run.stop, args=("timeout",))
    timer.daemon = True
    started = time.perf_counter()
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        run.budget -= time.perf_counter() - started
