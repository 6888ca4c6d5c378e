"""Crash recovery: ``kill -9`` a real server mid-ingest or mid-upload; the next start (same
config and data directory) leaves no source stuck and no partial or orphan file on disk."""

from __future__ import annotations

import hashlib
import os
import signal
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import RunningServer, start_server
from tests.integration.conftest import login_api_user, register_api_user
from tests.integration.sources_api import (
    MIB,
    aged,
    big_csv,
    create_workspace,
    multipart,
    source_url,
    sources_url,
    tenant_id,
    upload_path,
    upload_ready,
    wait_settled,
)


def wait_for(condition: Callable[[], Any], timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)
    return value


def kill_9(server: RunningServer) -> None:
    os.kill(server.process.pid, signal.SIGKILL)
    server.process.wait(10)


def partial_files(root: Path) -> list[str]:
    """Everything under ``root`` that is not a source's real file (original.*, data.parquet)."""
    return sorted(
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.name.startswith(".") or (p.is_file() and p.name.endswith((".tmp", ".part")))
    )


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return tmp_path / "crash"


@pytest.fixture
def servers(workdir: Path) -> Iterator[list[RunningServer]]:
    """Servers started on the same config and data directory; all stopped at the end."""
    started: list[RunningServer] = []
    yield started
    for running in started:
        running.stop()


def start(workdir: Path, servers: list[RunningServer]) -> RunningServer:
    workdir.mkdir(exist_ok=True)
    running = start_server(workdir, demo=False)
    servers.append(running)
    return running


def test_kill_during_ingest_leaves_a_failed_source_and_no_partial_file(
    workdir: Path, servers: list[RunningServer], tmp_path: Path
) -> None:
    first = start(workdir, servers)
    with first.client() as http:
        user = register_api_user(http, "Kim")
        workspace = create_workspace(http, user)
        tenant = tenant_id(http, user)
        kept = upload_ready(http, user, workspace, "kept.csv", b"a,b\n1,2\n3,4\n")
        data = tmp_path / "big.csv"
        big_csv(data, 120)
        response = upload_path(http, user, workspace, data)
        assert response.status_code == 202, response.text
    big = response.json()
    folder = first.data_dir / tenant / workspace / big["id"]
    wait_for(lambda: list(folder.glob(".data.parquet.*.partial")))  # the ingest is writing

    kill_9(first)

    assert partial_files(folder), "the crash should have left the ingest's work files"
    orphan = first.data_dir / tenant / workspace / str(uuid.uuid4())
    orphan.mkdir()
    (orphan / "original.csv").write_bytes(b"a\n1\n")
    aged(orphan)  # a folder of no source, older than the grace period
    kept_folder = first.data_dir / tenant / workspace / kept["id"]
    kept_files = digests(kept_folder)

    second = start(workdir, servers)

    with second.client() as http:
        user = login_api_user(http, user.email, user.password)
        source = http.get(source_url(workspace, big["id"]), headers=user.headers).json()
        assert source["status"] == "failed"
        assert source["error"] == (  # the original is kept, so a retry is possible
            "The server stopped while this file was being ingested; the uploaded file is kept, "
            "so you can retry it (or upload it again)."
        )
        assert sorted(p.name for p in folder.iterdir()) == ["original.csv"]
        assert partial_files(second.data_dir) == []
        assert not orphan.exists()
        assert digests(kept_folder) == kept_files
        statuses = {
            s["name"]: s["status"]
            for s in http.get(sources_url(workspace), headers=user.headers).json()["items"]
        }
        assert statuses == {"big": "failed", "kept": "ready"}
        assert "interrupted by a stop" in second.log()


def test_a_source_failed_by_a_crash_can_be_retried(
    workdir: Path, servers: list[RunningServer], tmp_path: Path
) -> None:
    first = start(workdir, servers)
    with first.client() as http:
        user = register_api_user(http, "Lou")
        workspace = create_workspace(http, user)
        tenant = tenant_id(http, user)
        data = tmp_path / "mid.csv"
        rows = big_csv(data, 30)
        response = upload_path(http, user, workspace, data)
        assert response.status_code == 202, response.text
    source_id = response.json()["id"]
    folder = first.data_dir / tenant / workspace / source_id
    wait_for(lambda: list(folder.glob(".data.parquet.*.partial")))
    kill_9(first)

    second = start(workdir, servers)

    with second.client() as http:
        user = login_api_user(http, user.email, user.password)
        url = source_url(workspace, source_id)
        assert http.get(url, headers=user.headers).json()["status"] == "failed"
        assert http.post(url + "/retry", json={}, headers=user.headers).status_code == 202
        source = wait_settled(http, user, workspace, source_id, timeout=240)
        assert source["status"] == "ready", source["error"]
        assert source["row_count"] == rows
        assert [c["type"] for c in source["profile"]["columns"]] == [
            "integer",
            "text",
            "decimal",
            "date",
            "boolean",
        ]


def test_kill_during_upload_leaves_a_failed_source_and_no_partial_upload(
    workdir: Path, servers: list[RunningServer]
) -> None:
    first = start(workdir, servers)
    with first.client() as http:
        user = register_api_user(http, "Max")
        workspace = create_workspace(http, user)
        tenant = tenant_id(http, user)
    workspace_folder = first.data_dir / tenant / workspace

    def chunks() -> Iterator[bytes]:
        yield b"a,b\n" + b"1,2\n" * (MIB // 4)
        wait_for(lambda: list(workspace_folder.glob("*/.upload.part")))
        kill_9(first)
        yield b"3,4\n" * 1024

    headers, body = multipart("half.csv", chunks())
    with first.client() as http, pytest.raises(httpx.HTTPError):
        http.post(sources_url(workspace), content=body, headers=headers | user.headers)
    (part,) = workspace_folder.glob("*/.upload.part")
    source_id = part.parent.name

    second = start(workdir, servers)

    with second.client() as http:
        user = login_api_user(http, user.email, user.password)
        source = http.get(source_url(workspace, source_id), headers=user.headers).json()
        assert source["status"] == "failed"
        assert source["error"] == (
            "The server stopped while this file was being uploaded; nothing was kept. "
            "Upload it again."
        )
        assert source["size_bytes"] == 0
        assert not part.parent.exists()  # no empty source folder is left behind
        assert partial_files(second.data_dir) == []
        again = http.post(
            source_url(workspace, source_id) + "/retry", json={}, headers=user.headers
        )
        assert "upload it again" in again.json()["detail"]
        assert again.status_code == 409
