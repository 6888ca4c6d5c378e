"""Ingest scheduling: fair between tenants, a limit per tenant, cancellation (issue 12, point 3)."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator

import pytest

from app.services.sources.jobs import IngestJobs


class Blocker:
    """Jobs that record when they start and run until released (or cancelled)."""

    def __init__(self) -> None:
        self.started: list[str] = []
        self.release = threading.Event()
        self._lock = threading.Lock()

    def job(self, label: str) -> Callable[[threading.Event], None]:
        def work(cancel: threading.Event) -> None:
            with self._lock:
                self.started.append(label)
            while not (self.release.is_set() or cancel.is_set()):
                time.sleep(0.005)

        return work


def wait_for(condition: Callable[[], object], timeout: float = 5) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.005)


@pytest.fixture
def blocker() -> Iterator[Blocker]:
    found = Blocker()
    yield found
    found.release.set()


def test_another_tenants_job_starts_at_once_while_one_tenant_has_a_backlog(
    blocker: Blocker,
) -> None:
    jobs = IngestJobs(workers=2, per_tenant=1)
    a, b = uuid.uuid4(), uuid.uuid4()
    for i in range(5):  # more slow jobs than workers
        jobs.submit(uuid.uuid4(), a, blocker.job(f"a{i}"))
    wait_for(lambda: blocker.started)

    started = time.monotonic()
    jobs.submit(uuid.uuid4(), b, blocker.job("b"))
    wait_for(lambda: "b" in blocker.started, timeout=2)

    assert time.monotonic() - started < 2
    assert blocker.started == ["a0", "b"]  # A runs one at a time; its backlog waits
    assert (jobs.running(a), jobs.queued(a), jobs.running(b)) == (1, 4, 1)
    jobs.shutdown()


def test_tenants_take_turns_for_the_workers(blocker: Blocker) -> None:
    jobs = IngestJobs(workers=1, per_tenant=1)
    a, b = uuid.uuid4(), uuid.uuid4()
    gate = uuid.uuid4()
    hold = threading.Event()
    jobs.submit(uuid.uuid4(), gate, lambda cancel: hold.wait(5))  # keeps the one worker busy
    for i in range(3):
        jobs.submit(uuid.uuid4(), a, blocker.job(f"a{i}"))
    for i in range(3):
        jobs.submit(uuid.uuid4(), b, blocker.job(f"b{i}"))
    blocker.release.set()
    hold.set()

    wait_for(lambda: len(blocker.started) == 6)
    assert blocker.started == ["a0", "b0", "a1", "b1", "a2", "b2"]
    jobs.shutdown()


def test_a_tenant_never_runs_more_than_its_limit(blocker: Blocker) -> None:
    jobs = IngestJobs(workers=4, per_tenant=2)
    a = uuid.uuid4()
    for i in range(6):
        jobs.submit(uuid.uuid4(), a, blocker.job(f"a{i}"))
    wait_for(lambda: len(blocker.started) == 2)
    time.sleep(0.1)  # two workers stay idle rather than take A's third job

    assert (len(blocker.started), jobs.running(a), jobs.queued(a)) == (2, 2, 4)
    blocker.release.set()
    wait_for(lambda: len(blocker.started) == 6)
    jobs.shutdown()


def test_cancel_drops_a_queued_job_and_stops_a_running_one(blocker: Blocker) -> None:
    jobs = IngestJobs(workers=1, per_tenant=1)
    tenant = uuid.uuid4()
    running, queued = uuid.uuid4(), uuid.uuid4()
    jobs.submit(running, tenant, blocker.job("running"))
    jobs.submit(queued, tenant, blocker.job("queued"))
    wait_for(lambda: blocker.started)
    assert jobs.progress(queued) is not None and jobs.progress(queued).stage == "queued"  # type: ignore[union-attr]

    assert jobs.cancel(queued) is True
    assert jobs.progress(queued) is None
    assert jobs.cancel(running, wait=2) is True  # the job saw its event and ended

    assert jobs.running() == 0 and jobs.queued() == 0
    time.sleep(0.1)
    assert blocker.started == ["running"]  # the queued job never ran
    jobs.shutdown()


def test_a_failing_job_does_not_cost_a_worker() -> None:
    jobs = IngestJobs(workers=1, per_tenant=1)
    tenant = uuid.uuid4()
    ran = threading.Event()

    def boom(cancel: threading.Event) -> None:
        raise RuntimeError("boom")

    jobs.submit(uuid.uuid4(), tenant, boom)
    jobs.submit(uuid.uuid4(), tenant, lambda cancel: ran.set())

    assert ran.wait(5)
    jobs.shutdown()
