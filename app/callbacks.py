"""Panel's callback thread pool, with each browser session's callbacks kept in order.

With ``pn.config.nthreads`` set, Panel hands every widget change and every event (a click, an
Enter) to a thread pool. Value changes are debounced (50 ms) while events are not, and Panel's
own attempt to flush pending changes before an event only *submits* them: in a pool of several
threads the click can be handled before the value typed just before it. Users saw "the new
password and its confirmation are not the same" after typing both correctly and pressing Enter.

:class:`SessionOrderedExecutor` keeps Panel's pool but runs the callbacks of one Bokeh document
(one browser session) one after another, in submission order; different sessions still run in
parallel. Long work never runs in a page callback itself (pages hand it to their own worker
threads), so a session's queue only ever holds short callbacks.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import panel as pn
from bokeh.document import Document
from panel.io.state import state

_Task = tuple[Future[Any], Callable[..., Any], tuple[Any, ...], dict[str, Any]]


class SessionOrderedExecutor(ThreadPoolExecutor):
    """A thread pool that runs tasks carrying the same Bokeh ``Document`` in FIFO order."""

    def __init__(self, max_workers: int) -> None:
        super().__init__(max_workers=max_workers, thread_name_prefix="panel-callback")
        self._lock = threading.Lock()
        self._queues: dict[int, deque[_Task]] = {}

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        doc = _document_of(args, kwargs)
        if doc is None:
            return super().submit(fn, *args, **kwargs)
        future: Future[Any] = Future()
        key = id(doc)
        with self._lock:
            queue = self._queues.get(key)
            idle = queue is None
            if queue is None:
                queue = self._queues[key] = deque()
            queue.append((future, fn, args, kwargs))
        if idle:
            super().submit(self._drain, key)
        return future

    def _drain(self, key: int) -> None:
        while True:
            with self._lock:
                queue = self._queues[key]
                if not queue:
                    del self._queues[key]
                    return
                future, fn, args, kwargs = queue.popleft()
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = fn(*args, **kwargs)
            except BaseException as exc:  # handed to the caller through the future
                future.set_exception(exc)
            else:
                future.set_result(result)


def _document_of(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Document | None:
    for value in (*args, *kwargs.values()):
        if isinstance(value, Document):
            return value
    return None


def install(threads: int) -> None:
    """Give Panel a session-ordered callback pool of ``threads`` threads."""
    pn.config.nthreads = threads  # Panel builds its own pool here; replace it
    previous = state._thread_pool
    state._thread_pool = SessionOrderedExecutor(threads)
    if previous is not None:
        previous.shutdown(wait=False)
