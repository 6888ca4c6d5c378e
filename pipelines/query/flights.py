"""Identical queries in flight share one run.

When many sessions open the same dashboard at once, each asks the runner for the same SQL
before any result is cached. :class:`Flights` lets the first caller of a cache key run it (the
leader) while later callers of the same key wait for that run and take its result instead of
running it again. When the leader's run fails, is cancelled or times out, a waiting caller runs
the query itself (so a failure reaches every caller as its own run's error, as before).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from .cache import CacheKey
from .errors import QueryCancelled
from .results import SqlResult


@dataclass
class Flight:
    """One run in progress; ``result`` is set (or left None on failure) before ``done``."""

    done: threading.Event = field(default_factory=threading.Event)
    result: SqlResult | None = None


class Flights:
    """The runs in progress, by cache key."""

    def __init__(self) -> None:
        self._flights: dict[CacheKey, Flight] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            return len(self._flights)

    def join(
        self, key: CacheKey, cancelled: threading.Event, timeout_seconds: float, step: float
    ) -> tuple[Flight | None, SqlResult | None]:
        """``(flight, None)``: the caller leads (runs the query, then :meth:`land`);
        ``(None, result)``: another caller's run of the same key returned ``result``.

        Raises
        ------
        QueryCancelled
            When ``cancelled`` is set while waiting, or the wait outlasts ``timeout_seconds``.
        """
        deadline = time.monotonic() + timeout_seconds
        while True:
            if cancelled.is_set():
                raise QueryCancelled("user")
            with self._lock:
                flight = self._flights.get(key)
                if flight is None:
                    flight = self._flights[key] = Flight()
                    return flight, None
            while not flight.done.wait(step):
                if cancelled.is_set():
                    raise QueryCancelled("user")
                if time.monotonic() > deadline:
                    raise QueryCancelled("timeout", timeout_seconds)
            if flight.result is not None:
                return None, flight.result
            # The leader's run failed: lead a new run (or follow whoever got there first).

    def land(self, key: CacheKey, flight: Flight, result: SqlResult | None) -> None:
        """End the leader's run: waiting callers take ``result`` (None: they run it)."""
        flight.result = result
        with self._lock:
            if self._flights.get(key) is flight:
                del self._flights[key]
        flight.done.set()
