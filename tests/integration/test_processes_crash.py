"""Two real server processes over one store and one data directory (see ``process_child``):
one is killed (SIGKILL) in the middle of an ingest and the other, running, recovers the job once
its lease is gone, leaving no orphan or partial file; and a process starting up while another
one ingests leaves that live ingest alone."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from app.store.models import Source
from tests.conftest import ROOT
from tests.integration.conftest import Store, open_store
from tests.integration.sources_api import big_csv
from tests.integration.test_sources_recovery import partial_files
from tests.integration.two_processes import SHORT_LEASES, wait_for

CSV_MB = 16
"""Big enough that the ingest is still writing when the test acts on it."""


class Child:
    """One ``process_child`` process and the lines it logged."""

    def __init__(self, workdir: Path, name: str, *args: str) -> None:
        self.log = workdir / f"{name}.log"
        self.log.touch()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.integration.process_child",
                str(workdir / "datapilot.yaml"),
                str(self.log),
                *args,
            ],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )

    def line(self, prefix: str, timeout: float = 120) -> str:
        def found() -> str | None:
            assert self.process.poll() is None, f"{self.log.name} ended early"
            lines = self.log.read_text().splitlines()
            return next((x for x in lines if x.startswith(prefix)), None)

        return str(wait_for(found, timeout))

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        self.process.wait(30)


@pytest.fixture
def setup(database_url: str, tmp_path: Path) -> Iterator[tuple[Store, list[Child]]]:
    store = open_store(tmp_path, database_url, processes=SHORT_LEASES, demo={"enabled": False})
    children: list[Child] = []
    yield store, children
    for child in children:
        child.stop(signal.SIGKILL)
    store.db.dispose()


def ingest(store: Store, children: list[Child], tmp_path: Path) -> tuple[Child, Path, str]:
    """Process A uploading a big CSV; returns it, the source's folder and id once it ingests."""
    admin = store.register("Ada")
    workspace = store.workspaces(admin).create("Shared")
    data = tmp_path / "big.csv"
    big_csv(data, CSV_MB)
    args = ("ingest", str(admin.user_id), str(admin.tenant_id), str(workspace.id), str(data))
    first = Child(tmp_path, "a", *args)
    children.append(first)
    source_id = first.line("source ").split()[1]
    folder = tmp_path / "data" / str(admin.tenant_id) / str(workspace.id) / source_id
    wait_for(lambda: list(folder.glob(".data.parquet.*.partial")), 120)  # it is writing
    return first, folder, source_id


def status(store: Store, source_id: str) -> str:
    with store.db.transaction() as session:
        row = session.get(Source, uuid.UUID(source_id))
        return "gone" if row is None else row.status


def test_a_process_killed_mid_ingest_is_recovered_by_the_running_one_and_leaves_no_file(
    setup: tuple[Store, list[Child]], tmp_path: Path
) -> None:
    store, children = setup
    go = tmp_path / "go"
    go.touch()
    second = Child(tmp_path, "b", "serve", str(go))
    children.append(second)
    second.line("recovered")
    first, folder, source_id = ingest(store, children, tmp_path)

    first.stop(signal.SIGKILL)

    wait_for(lambda: status(store, source_id) == "failed", 60)
    assert second.process.poll() is None  # recovered by the process still running
    with store.db.transaction() as session:
        row = session.get(Source, uuid.UUID(source_id))
        assert row is not None and row.error is not None and "retry it" in row.error
        assert row.lease_owner is None
        ids = {str(i) for i in session.scalars(select(Source.id))}
    assert sorted(p.name for p in folder.iterdir()) == ["original.csv"]
    data = tmp_path / "data"
    assert partial_files(data) == []
    folders = {p.name for p in data.glob("*/*/*") if p.is_dir()}
    assert folders <= ids  # no orphan folder


def test_a_process_starting_up_leaves_a_live_ingest_of_another_alone(
    setup: tuple[Store, list[Child]], tmp_path: Path
) -> None:
    store, children = setup
    go = tmp_path / "go"
    second = Child(tmp_path, "b", "serve", str(go))
    children.append(second)
    second.line("started")
    first, folder, source_id = ingest(store, children, tmp_path)

    go.touch()  # the second process starts up (start-up recovery) while the first ingests

    assert second.line("recovered") == "recovered 0"
    assert first.line("ended", 300) == "ended ready"
    assert status(store, source_id) == "ready"
    assert sorted(p.name for p in folder.iterdir()) == ["data.parquet", "original.csv"]
