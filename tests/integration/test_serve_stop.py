"""A ``datapilot serve`` process over the shared store. Stopped cleanly (SIGTERM: a supervisor, systemd, docker stop)
gives back what it holds in the shared store at once: its ingest leases expire now instead of a
lease period later, so another process (on any host) recovers the job at once, and no query slot
stays counted. Starting, it removes orphan folders past the configured grace period."""

from __future__ import annotations

import signal
import uuid
from pathlib import Path

import httpx
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from app.store.models import ProcessLease, Source, utcnow
from tests.conftest import start_server
from tests.integration.conftest import register_api_user
from tests.integration.sources_api import big_csv, create_workspace, source_url, upload_path


def test_sigterm_mid_ingest_releases_the_processs_leases(tmp_path: Path) -> None:
    server = start_server(tmp_path, demo=False)
    try:
        data = tmp_path / "big.csv"
        big_csv(data, 48)  # still ingesting when the stop comes
        with httpx.Client(base_url=server.base_url, timeout=120) as http:
            user = register_api_user(http)
            workspace = create_workspace(http, user)
            answer = upload_path(http, user, workspace, data)
            assert answer.status_code == 202, answer.text
            source_id = answer.json()["id"]
            status = http.get(source_url(workspace, source_id), headers=user.headers).json()
            assert status["status"] in ("uploading", "ingesting"), status
        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(30) == 0, server.log()
    finally:
        server.stop()
    assert "DataPilot stopped." in server.log()

    engine = create_engine(f"sqlite:///{server.data_dir / 'datapilot.db'}")
    try:
        with Session(engine) as session:
            row = session.get(Source, uuid.UUID(source_id))
            assert row is not None
            assert row.status in ("uploading", "ingesting")  # cut short by the stop
            assert row.lease_expires is not None  # and freed now, not a lease period later
            assert row.lease_expires.replace(tzinfo=None) <= utcnow().replace(tzinfo=None)
            assert session.scalars(select(ProcessLease)).all() == []  # its ingest slot too
    finally:
        engine.dispose()


def test_serve_start_up_removes_orphan_folders_past_the_configured_grace(tmp_path: Path) -> None:
    """A folder of no source (left by a process that died before its row was written) goes at
    start-up once older than ``processes.folder_grace_seconds``, here 0."""
    orphan = tmp_path / "data" / str(uuid.uuid4()) / str(uuid.uuid4()) / str(uuid.uuid4())
    orphan.mkdir(parents=True)
    (orphan / "original.csv").write_text("a,b\n1,2\n")
    server = start_server(tmp_path, {"processes": {"folder_grace_seconds": 0}}, demo=False)
    server.stop()
    assert not orphan.exists(), server.log()
