"""The life cycle of ingest jobs: fair scheduling over worker threads, their progress,
cancellation, and recovery after a crash.

A source is ``uploading`` while its bytes stream in, ``ingesting`` while a worker of
:class:`IngestJobs` runs it, then ``ready`` or ``failed``. A stop in the middle leaves it
half-way: :func:`~app.services.sources.recovery.recover_interrupted` (in this process or another
one sharing the store) marks it failed once its process's lease has expired, and removes its
partial files.

Scheduling is fair between tenants: each tenant has its own queue, served round-robin, and runs at
most ``per_tenant`` ingests at a time. With more workers than that, a tenant with a backlog of slow
files never holds every worker, so another tenant's small file starts at once. With a ``gate``
(store-backed tenant slots, :class:`app.services.leases.TenantSlots`) the ``per_tenant`` limit
holds across every server process sharing the store: a job starts only once it has one of its
tenant's slots there too.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field

from app.services.sources.recovery import recover_interrupted
from pipelines.query.turns import SlotGate

__all__ = ["IngestJobs", "Progress", "Work", "recover_interrupted"]

log = logging.getLogger("datapilot.sources")

GATE_POLL = 0.25
"""Seconds between tries of the gate while every slot of a waiting tenant is taken."""

Work = Callable[[threading.Event], None]
"""What a job runs; it should stop early (and leave nothing behind) once the event is set."""


@dataclass(frozen=True)
class Progress:
    stage: str
    fraction: float | None = None


@dataclass(eq=False)
class _Job:
    source_id: uuid.UUID
    tenant_id: uuid.UUID
    work: Work
    cancel: threading.Event = field(default_factory=threading.Event)
    done: threading.Event = field(default_factory=threading.Event)
    token: object | None = None  # its tenant's slot in the gate, while it runs


class IngestJobs:
    """Worker threads for ingests, scheduled fairly per tenant, and their progress.

    Parameters
    ----------
    workers
        Ingests that run at the same time in the whole server.
    per_tenant
        Ingests one tenant may run at the same time; its other files wait in its own queue.
    gate
        The tenant's ingest slots shared with other server processes (tried every
        ``GATE_POLL`` seconds while they are all taken).
    """

    def __init__(
        self, workers: int = 4, per_tenant: int = 1, *, gate: SlotGate | None = None
    ) -> None:
        self.workers = workers
        self.per_tenant = per_tenant
        self.gate = gate
        self._gated = False  # a waiting job's tenant had no free slot in the gate
        self._progress: dict[uuid.UUID, Progress] = {}
        self._lock = threading.Lock()  # progress only; written from many threads
        self._cond = threading.Condition()  # the queues below
        # tenant → its waiting jobs; the dict's order is the round-robin turn (served tenants
        # move to the end), and a tenant without waiting jobs has no entry.
        self._queues: dict[uuid.UUID, deque[_Job]] = {}
        self._running: dict[uuid.UUID, _Job] = {}
        self._busy: Counter[uuid.UUID] = Counter()
        self._threads: list[threading.Thread] = []
        self._closed = False

    # -- scheduling ----------------------------------------------------------------------------------
    def submit(self, source_id: uuid.UUID, tenant_id: uuid.UUID, work: Work) -> None:
        """Queue ``work`` for the source, behind the tenant's own earlier jobs only."""
        self.report(source_id, Progress("queued"))
        with self._cond:
            if self._closed:
                return
            self._queues.setdefault(tenant_id, deque()).append(_Job(source_id, tenant_id, work))
            self._start_workers()
            self._cond.notify_all()

    def cancel(self, source_id: uuid.UUID, wait: float = 0) -> bool:
        """Drop the source's queued job, or ask its running one to stop and wait up to ``wait``
        seconds for it; True when no job of the source runs any more."""
        with self._cond:
            for tenant, queue in list(self._queues.items()):
                for job in [j for j in queue if j.source_id == source_id]:
                    queue.remove(job)
                    job.done.set()
                if not queue:
                    del self._queues[tenant]
            running = self._running.get(source_id)
        if running is None:
            self.report(source_id, None)
            return True
        running.cancel.set()
        return running.done.wait(wait)

    def queued(self, tenant_id: uuid.UUID | None = None) -> int:
        """Jobs waiting for a worker (of one tenant, or of all)."""
        with self._cond:
            if tenant_id is not None:
                return len(self._queues.get(tenant_id, ()))
            return sum(len(q) for q in self._queues.values())

    def running(self, tenant_id: uuid.UUID | None = None) -> int:
        """Jobs a worker runs now (of one tenant, or of all)."""
        with self._cond:
            if tenant_id is not None:
                return self._busy[tenant_id]
            return len(self._running)

    def shutdown(self) -> None:
        """Drop the waiting jobs and let the workers end after their current one."""
        with self._cond:
            self._closed = True
            for queue in self._queues.values():
                for job in queue:
                    job.done.set()
            self._queues.clear()
            self._cond.notify_all()

    def _start_workers(self) -> None:
        # started on the first job, so services built in tests and tools cost no threads
        while len(self._threads) < self.workers:
            thread = threading.Thread(
                target=self._serve, name=f"ingest-{len(self._threads)}", daemon=True
            )
            self._threads.append(thread)
            thread.start()

    def _next(self) -> _Job | None:
        """The first waiting job, in round-robin order, of a tenant below its limit."""
        self._gated = False
        for tenant, queue in self._queues.items():
            if self._busy[tenant] < self.per_tenant:
                token = None
                if self.gate is not None:
                    token = self.gate.try_acquire(str(tenant))
                    if token is None:  # its slots are taken in other processes
                        self._gated = True
                        continue
                job = queue.popleft()
                job.token = token
                del self._queues[tenant]
                if queue:  # its turn is over: to the back of the line
                    self._queues[tenant] = queue
                return job
        return None

    def _serve(self) -> None:
        while True:
            with self._cond:
                while (job := self._next()) is None:
                    if self._closed:
                        return
                    self._cond.wait(GATE_POLL if self._gated else None)
                self._running[job.source_id] = job
                self._busy[job.tenant_id] += 1
            self.report(job.source_id, Progress("reading"))  # no longer "queued" from now on
            try:
                job.work(job.cancel)
            except Exception:  # a job records its own failures; never lose a worker to one
                log.exception("ingest job of source %s failed", job.source_id)
            finally:
                with self._cond:
                    self._running.pop(job.source_id, None)
                    self._busy[job.tenant_id] -= 1
                    if not self._busy[job.tenant_id]:
                        del self._busy[job.tenant_id]
                    self._cond.notify_all()
                if job.token is not None and self.gate is not None:
                    try:
                        self.gate.release(job.token)
                    except Exception:  # its lease expires instead; never lose a worker
                        log.exception("could not free the ingest slot of %s", job.source_id)
                job.done.set()

    # -- progress ------------------------------------------------------------------------------------
    def report(self, source_id: uuid.UUID, progress: Progress | None) -> None:
        with self._lock:
            if progress is None:
                self._progress.pop(source_id, None)
            else:
                self._progress[source_id] = progress

    def progress(self, source_id: uuid.UUID) -> Progress | None:
        with self._lock:
            return self._progress.get(source_id)
