"""Background work for pages: latest-wins jobs in worker threads, and progress from them.

A page that recomputes something after every edit (validation, suggestions) submits each job
to :class:`Latest`; when an older job finishes after a newer one was submitted, its result is
dropped, so the page never shows a stale answer over a fresh one. :func:`in_session` lets a
worker thread report progress to the session it works for (Explore's answer steps).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import panel as pn
from panel.io.state import set_curdoc


class Latest:
    """Runs jobs in a worker thread; only the newest job's result is delivered.

    Parameters
    ----------
    name
        The worker threads' name, as seen in logs and debuggers.
    """

    def __init__(self, name: str = "page-work") -> None:
        self._lock = threading.Lock()
        self._generation = 0
        self._name = name

    def submit(self, work: Callable[[], Any], done: Callable[[Any], None]) -> None:
        """Run ``work()`` in a thread, then ``done(result)`` (or ``done(exception)``) if newest.

        ``done`` runs in the worker thread with the submitting session's document current, so
        it may update that session's components.
        """
        with self._lock:
            self._generation += 1
            generation = self._generation
        doc = pn.state.curdoc

        def target() -> None:
            try:
                result: Any = work()
            except Exception as exc:  # delivered to ``done``, which reports it
                result = exc
            with self._lock:
                if generation != self._generation:
                    return
            with set_curdoc(doc):
                done(result)

        threading.Thread(target=target, daemon=True, name=self._name).start()


def in_session(update: Callable[..., None]) -> Callable[..., None]:
    """``update`` made safe to call from any thread: each call runs on the current session's
    event loop (Bokeh's next tick, after what is already queued, in call order) with that
    session's document current, so what it changes reaches the browser. Without a served
    session (tests, scripts) ``update`` is returned as it is and runs at once."""
    doc = pn.state.curdoc
    if doc is None or doc.session_context is None:
        return update

    def call(*args: Any) -> None:
        def later() -> None:
            with set_curdoc(doc):
                update(*args)

        doc.add_next_tick_callback(later)

    return call
