"""The SQL page's running query: one at a time, in a worker thread, with its elapsed time.

The query runs in a worker thread (never on the event loop); while it runs, a periodic callback
updates the elapsed time every 200 ms, and Cancel stops it through the service (again every
second until it stops: it may still have been waiting for a slot). The outcome is handed back
on the session's document.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import panel as pn
import param
from panel.io.state import set_curdoc

from app.pages.shell import notify_error
from app.services.sql.service import SqlService

log = logging.getLogger("datapilot.pages")
TICK_MS = 200
CANCEL_RETRY_S = 1.0

#: ``on_done(sql, outcome, history)``: ``outcome`` is the service's result or the exception it
#: raised; ``history`` the user's history after the run, or None if it could not be read.
Done = Callable[[str, Any, "list[dict[str, Any]] | None"], None]


class QueryRunner(param.Parameterized):
    """Runs the page's queries one at a time and says how long the current one has taken."""

    running = param.Boolean(default=False, doc="Whether a query runs.")
    query_id = param.String(default=None, allow_None=True, doc="Id of the running query.")
    cancelling = param.Boolean(default=False, doc="Whether Cancel was clicked for this run.")
    elapsed = param.Number(default=0.0, bounds=(0, None), doc="Seconds the run has taken so far.")

    def __init__(
        self, service: SqlService, workspace_id: uuid.UUID, on_done: Done, **params: Any
    ) -> None:
        super().__init__(**params)
        self.service = service
        self.workspace_id = workspace_id
        self.on_done = on_done
        self._lock = threading.Lock()
        self._running: dict[str, Any] | None = None  # id, start and cancel time of the run
        self._ticker: Any = None

    def start(self, sql: str) -> bool:
        """Run ``sql`` in a worker thread; False (and nothing done) while another one runs."""
        query_id = uuid.uuid4().hex
        with self._lock:
            if self._running is not None:
                return False
            self._running = {"id": query_id, "start": time.monotonic(), "cancel": 0}
        self.param.update(running=True, query_id=query_id, cancelling=False, elapsed=0.0)
        self._tick()
        if pn.state.curdoc is not None:
            self._ticker = pn.state.add_periodic_callback(self._tick, period=TICK_MS)
        doc = pn.state.curdoc
        workspace_id = self.workspace_id

        def work() -> None:
            try:
                outcome: Any = self.service.execute(workspace_id, sql, query_id=query_id)
            except Exception as exc:  # reported by on_done
                outcome = exc
            try:
                history = self.service.history(workspace_id)
            except Exception:
                history = None
            with set_curdoc(doc):
                self._finish(query_id, sql, outcome, history)

        threading.Thread(target=work, daemon=True, name="sql-page-run").start()
        return True

    def cancel(self) -> None:
        """Ask the service to stop the running query."""
        with self._lock:
            running = self._running
            if running is None:
                return
            running["cancel"] = time.monotonic()
            self.param.update(cancelling=True, elapsed=time.monotonic() - running["start"])
        try:
            self.service.cancel(self.workspace_id, running["id"])
        except Exception as exc:
            notify_error(exc)

    @param.depends("running", "cancelling", "elapsed")
    def status_html(self) -> str:
        """What the toolbar says while a query runs (nothing when none does)."""
        return running_markup(self.running, self.cancelling, self.elapsed)

    def _tick(self) -> None:
        with self._lock:
            running = self._running
        if running is None:
            return
        if running["cancel"] and time.monotonic() - running["cancel"] > CANCEL_RETRY_S:
            # The query may still have been waiting for a slot when Cancel was clicked.
            running["cancel"] = time.monotonic()
            try:
                self.service.cancel(self.workspace_id, running["id"])
            except Exception:
                log.debug("retrying a cancel failed", exc_info=True)
        with self._lock:  # never after _finish has cleared it
            if self._running is running:
                self.elapsed = time.monotonic() - running["start"]

    def _finish(self, query_id: str, sql: str, outcome: Any, history: Any) -> None:
        with self._lock:
            if self._running is None or self._running["id"] != query_id:
                return
            self._running = None
            ticker, self._ticker = self._ticker, None
        if ticker is not None:
            ticker.stop()
        self.param.update(running=False, query_id=None, cancelling=False)
        self.on_done(sql, outcome, history)


def running_markup(running: bool, cancelling: bool, elapsed: float) -> str:
    """A running query's spinner, "Running…" or "Cancelling…" and its elapsed time; nothing
    when no query runs (the SQL page's and a live connection's SQL box alike)."""
    if not running:
        return ""
    label = "Cancelling" if cancelling else "Running"
    return (
        "<span class='dp-running' role='status' aria-live='polite'>"
        "<span class='dp-spinner' aria-hidden='true'></span>"
        f"{label}… <span class='dp-elapsed'>{elapsed:.1f} s</span></span>"
    )
