"""Ingest jobs through SourceService (issue 12, points 2 and 3): one tenant's backlog of slow
ingests does not hold another tenant's upload, and deleting a source cancels its ingest."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import app.services.sources.ingest as runner_module
from app.principal import Principal
from app.services.errors import NotFound
from app.services.sources.files import SourceFiles
from app.services.sources.jobs import IngestJobs
from app.services.sources.service import SourceInfo, SourceService
from tests.integration.conftest import Store
from tests.integration.sources_api import big_csv

SLOW = b"slow,b\n1,2\n"
"""A file the slowed-down ingest below holds until released (or cancelled)."""


def wait_for(condition: Callable[[], Any], timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)
    return value


class Tenants:
    """Two tenants' SourceServices sharing one IngestJobs, as in a server."""

    def __init__(self, store: Store, jobs: IngestJobs) -> None:
        self.store = store
        self.jobs = jobs
        self.files = SourceFiles(store.settings.storage.data_dir)
        self.a = store.register("Ann")
        self.b = store.register("Bob")
        self.spaces = {
            p.tenant_id: store.workspaces(p).create("Sales").id for p in (self.a, self.b)
        }

    def service(self, principal: Principal) -> SourceService:
        return SourceService(self.store.db, self.store.settings, self.files, self.jobs, principal)

    def upload(self, principal: Principal, filename: str, data: bytes | Path) -> SourceInfo:
        service = self.service(principal)
        size = data.stat().st_size if isinstance(data, Path) else len(data)
        started = service.start_upload(self.spaces[principal.tenant_id], filename, size)
        if isinstance(data, Path):
            data.replace(started.path)
        else:
            started.path.write_bytes(data)
        return service.finish_upload(started.source_id)

    def stage(self, principal: Principal, source_id: uuid.UUID) -> str | None:
        info = self.service(principal).get(source_id, detail=False)
        return info.progress.stage if info.progress else info.status


@pytest.fixture
def tenants(store: Store) -> Iterator[Tenants]:
    jobs = IngestJobs(workers=2, per_tenant=1)
    yield Tenants(store, jobs)
    jobs.shutdown()


@pytest.fixture
def release(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Make ingests of ``SLOW`` files deliberately slow: they wait until released or cancelled."""
    released = threading.Event()
    real = runner_module.ingest_file

    def slow_ingest(original: Path, parquet: Path, options: Any, **kwargs: Any) -> Any:
        if original.read_bytes().startswith(b"slow,"):
            while not released.is_set():
                if options.cancel is not None and options.cancel.is_set():
                    raise runner_module.IngestError("The ingest was cancelled.", "cancelled")
                time.sleep(0.01)
        return real(original, parquet, options, **kwargs)

    monkeypatch.setattr(runner_module, "ingest_file", slow_ingest)
    yield released
    released.set()


def test_another_tenants_small_upload_starts_while_one_tenant_runs_slow_ingests(
    tenants: Tenants, release: threading.Event
) -> None:
    hostile = [tenants.upload(tenants.a, f"slow{i}.csv", SLOW) for i in range(4)]  # > workers
    wait_for(lambda: tenants.jobs.running(tenants.a.tenant_id))

    started = time.monotonic()
    small = tenants.upload(tenants.b, "tiny.csv", b"a,b\n1,2\n")
    wait_for(lambda: tenants.stage(tenants.b, small.id) != "queued", timeout=2)
    waited = time.monotonic() - started

    b = tenants.service(tenants.b)
    wait_for(lambda: b.get(small.id).status != "ingesting", timeout=30)
    assert b.get(small.id).status == "ready"
    print(f"\nB's ingest started {waited:.2f} s after its upload")
    assert waited < 2
    # A runs one ingest at a time; the rest of its backlog waits in its own queue
    assert tenants.jobs.running(tenants.a.tenant_id) == 1
    assert tenants.jobs.queued(tenants.a.tenant_id) == 3
    a = tenants.service(tenants.a)
    assert [tenants.stage(tenants.a, h.id) for h in hostile].count("queued") == 3

    release.set()
    for info in hostile:
        wait_for(lambda i=info: a.get(i.id).status != "ingesting")
        assert a.get(info.id).status == "ready"


def test_deleting_a_source_whose_ingest_waits_drops_it(
    tenants: Tenants, release: threading.Event
) -> None:
    running = tenants.upload(tenants.a, "first.csv", SLOW)
    queued = tenants.upload(tenants.a, "second.csv", SLOW)
    wait_for(lambda: tenants.jobs.running(tenants.a.tenant_id))
    assert tenants.stage(tenants.a, queued.id) == "queued"
    service = tenants.service(tenants.a)
    folder = tenants.files.folder(tenants.a.tenant_id, queued.workspace_id, queued.id)

    service.delete(queued.id)  # answered 409 "being ingested" before

    with pytest.raises(NotFound):
        service.get(queued.id)
    assert not folder.exists()
    assert tenants.jobs.queued() == 0
    release.set()
    wait_for(lambda: service.get(running.id).status != "ingesting")
    assert service.get(running.id).status == "ready"


def test_deleting_a_source_being_ingested_stops_the_ingest_and_leaves_nothing(
    tenants: Tenants, tmp_path: Path
) -> None:
    data = tmp_path / "big.csv"
    big_csv(data, 60)
    big = tenants.upload(tenants.a, "big.csv", data)
    folder = tenants.files.folder(tenants.a.tenant_id, big.workspace_id, big.id)
    wait_for(lambda: list(folder.glob(".data.parquet.*")))  # the ingest is writing
    service = tenants.service(tenants.a)

    started = time.monotonic()
    service.delete(big.id)
    took = time.monotonic() - started

    print(f"\ndelete during ingest took {took:.2f} s")
    assert took < 5  # the ingest stopped at once; it was not waited out
    with pytest.raises(NotFound):
        service.get(big.id)
    wait_for(lambda: tenants.jobs.running() == 0, timeout=10)
    assert not folder.exists()
