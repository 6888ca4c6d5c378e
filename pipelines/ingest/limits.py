"""Stopping an ingest on request or after its time limit, DuckDB statements included.

A :class:`Guard` watches the caller's cancel event and the deadline from a small thread.
Once either fires it keeps interrupting the DuckDB connection (an interrupt sent between two
statements is forgotten when the next one starts), and the Python loops (transcoding,
padding, sheet reading) call :meth:`Guard.check` as they go.
"""

from __future__ import annotations

import threading
import time

import duckdb

from .errors import IngestError

_TICK_SECONDS = 0.05


def _duration(seconds: float) -> str:
    if seconds >= 120:
        return f"{seconds / 60:.0f} minutes"
    return f"{seconds:g} seconds"


class Guard:
    """Cancellation and time limit of one ingest.

    Parameters
    ----------
    cancel
        Set by the caller to stop the ingest; None when it cannot be cancelled.
    timeout_seconds
        Longest the ingest may run; None or 0 for no limit.
    """

    def __init__(self, cancel: threading.Event | None, timeout_seconds: float | None) -> None:
        self.cancel = cancel
        self.timeout_seconds = timeout_seconds or None
        self.deadline = (
            time.monotonic() + self.timeout_seconds if self.timeout_seconds is not None else None
        )
        self.reason: str | None = None
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    def _poll(self) -> str | None:
        if self.reason is None:
            if self.cancel is not None and self.cancel.is_set():
                self.reason = "cancelled"
            elif self.deadline is not None and time.monotonic() > self.deadline:
                self.reason = "timeout"
        return self.reason

    def error(self) -> IngestError:
        """The error that says why the ingest stopped (call only once it has)."""
        if self.reason == "timeout":
            limit = _duration(self.timeout_seconds or 0)
            return IngestError(
                f"The ingest took longer than the limit of {limit} and was stopped. "
                "Split the file into smaller ones, or ask an administrator to raise the limit.",
                "timeout",
            )
        return IngestError("The ingest was cancelled.", "cancelled")

    def check(self) -> None:
        """Raise the stop error when the ingest was cancelled or ran out of time."""
        if self._poll() is not None:
            raise self.error()

    def start(self, con: duckdb.DuckDBPyConnection) -> None:
        """Watch in a helper thread, interrupting ``con``'s statements once stopped."""
        if self.cancel is None and self.deadline is None:
            return

        def watch() -> None:
            while not self._stopped.wait(_TICK_SECONDS):
                if self._poll() is not None:
                    con.interrupt()

        self._thread = threading.Thread(target=watch, name="ingest-guard", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """End the watcher (before the connection is closed)."""
        self._stopped.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
