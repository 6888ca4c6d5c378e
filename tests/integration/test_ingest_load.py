"""A bounded load test on 127.0.0.1 (issue 12, "Done when"): while tenant A keeps the server
busy with a backlog of large, slow ingests, tenant B's small upload starts ingesting within 2 s
and becomes ready, and the server's resident memory stays under a bound derived from its config.

A's files are large CSVs sent gzipped (quick to upload, slow to ingest, so its backlog builds up
faster than it drains) plus the hostile set of the attack sweep: a 20,000-column header, a gzip
bomb, a workbook bomb and a "billion laughs" workbook, while A also asks the SQL page for a 2 GB
value. Each hostile file fails with a clear message, the SQL is refused with the limit it hit. The server runs the issue's setting of two ingest workers; without fair
scheduling A's files took both and B's file waited behind them (over 2 s here, 12 minutes in the
attack sweep). The figures are printed (``pytest -s``).
"""

from __future__ import annotations

import gzip
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from pipelines.ingest import IngestOptions
from tests.conftest import RunningServer, start_server
from tests.integration.conftest import ApiUser, register_api_user
from tests.integration.sources_api import (
    MIB,
    big_csv,
    create_workspace,
    source_url,
    sources_url,
    upload,
)
from tests.integration.sql_api import run_sql
from tests.integration.test_upload_memory import PeakSampler, rss_bytes
from tests.unit.ingest.hostile import LAUGHS, NS, gzip_bomb, workbook

WORKERS = 2
HOSTILE_FILES = 4  # more than the workers: A has a backlog
HOSTILE_MB = 80
WIDE_HEADER = (",".join(f"c{i}" for i in range(20_000)) + "\n").encode()
WORKBOOK_BOMB_ROW = '<row r="2"><c r="A2" t="n"><v>1</v></c></row>'
HOSTILE_SET = {
    "wide.csv": WIDE_HEADER + WIDE_HEADER.replace(b"c", b"1"),
    "bomb.csv.gz": gzip_bomb(256),
    "bomb.xlsx": workbook(
        f"<worksheet {NS}><sheetData>"
        + WORKBOOK_BOMB_ROW * (64 * MIB // len(WORKBOOK_BOMB_ROW))
        + "</sheetData></worksheet>"
    ),
    "laughs.xlsx": workbook(LAUGHS),
}
PER_INGEST_MB = IngestOptions().memory_limit_mb
"""DuckDB's memory limit for one ingest: the bound is the idle server plus this per worker."""


def wait_for(condition: Callable[[], Any], timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)
    return value


@pytest.fixture
def loaded_server(tmp_path: Path) -> Iterator[RunningServer]:
    limits = {"uploads": {"ingest_workers": WORKERS, "per_tenant_ingests": 1}}
    (tmp_path / "load").mkdir()
    running = start_server(tmp_path / "load", settings=limits, demo=False)
    yield running
    running.stop()


def state(http: httpx.Client, user: ApiUser, workspace: str, source_id: str) -> str:
    body = http.get(source_url(workspace, source_id), headers=user.headers).json()
    progress = body.get("progress") or {}
    return str(progress.get("stage") or body["status"])


def test_small_upload_starts_at_once_while_another_tenant_runs_slow_ingests(
    loaded_server: RunningServer, tmp_path: Path
) -> None:
    data = tmp_path / "hostile.csv"
    big_csv(data, HOSTILE_MB)
    # gzipped: quick to upload, slow to ingest, so A's backlog builds up faster than it drains
    hostile_bytes = gzip.compress(data.read_bytes(), compresslevel=1)
    with loaded_server.client() as http:
        a, b = register_api_user(http, "Ann"), register_api_user(http, "Bob")
        space_a, space_b = create_workspace(http, a), create_workspace(http, b)
        baseline = rss_bytes(loaded_server.process.pid)
        bound = baseline + WORKERS * PER_INGEST_MB * MIB
        began = time.monotonic()
        with PeakSampler(loaded_server.process.pid) as sampler:
            hostile = []
            for i in range(HOSTILE_FILES):
                response = upload(http, a, space_a, f"slow{i}.csv.gz", hostile_bytes)
                assert response.status_code == 202, response.text
                hostile.append(response.json()["id"])
            wait_for(lambda: state(http, a, space_a, hostile[0]) != "queued", 10)
            bombs = {}
            for name, content in HOSTILE_SET.items():
                response = upload(http, a, space_a, name, content)
                assert response.status_code == 202, response.text
                bombs[name] = response.json()["id"]
            huge = run_sql(http, a, space_a, "SELECT repeat('x', 2000000000) AS x")

            asked = time.monotonic()
            response = upload(http, b, space_b, "tiny.csv", b"a,b\n1,2\n")
            assert response.status_code == 202, response.text
            small = response.json()["id"]
            wait_for(lambda: state(http, b, space_b, small) not in ("queued", "uploading"), 2)
            started = time.monotonic() - asked
            small_end = wait_for(
                lambda: (s := state(http, b, space_b, small)) in ("ready", "failed") and s, 30
            )
            ready = time.monotonic() - asked
            behind = [state(http, a, space_a, s) for s in hostile].count("queued")

            for source_id in [*hostile, *bombs.values()]:  # the whole hostile set, to its end
                wait_for(lambda s=source_id: state(http, a, space_a, s) in ("ready", "failed"), 60)
            total = time.monotonic() - began
        items = http.get(sources_url(space_a), headers=a.headers).json()["items"]
        by_id = {item["id"]: item for item in items}
    print(
        f"\nload: {HOSTILE_FILES} x {HOSTILE_MB} MB CSV ({len(hostile_bytes) / MIB:.0f} MB "
        f"gzipped) from tenant A, {WORKERS} workers; "
        f"B's 8-byte CSV started ingesting after {started:.2f} s and was ready after {ready:.2f} s "
        f"({behind} of A's files still queued); A's set took {total:.1f} s. Server RSS: idle "
        f"{baseline / MIB:.0f} MB, peak {sampler.peak / MIB:.0f} MB over {sampler.samples} samples, "
        f"bound {bound / MIB:.0f} MB. Hostile set: "
        + "; ".join(f"{name}: {by_id[s]['error']}" for name, s in bombs.items())
        + f"; SQL repeat('x', 2e9): {huge.status_code} {huge.json().get('detail')}"
    )
    assert started < 2
    assert small_end == "ready"
    assert behind >= 1, "A's backlog should still have been waiting"
    assert [by_id[s]["status"] for s in hostile] == ["ready"] * HOSTILE_FILES
    errors = {name: by_id[s]["error"] or "" for name, s in bombs.items()}
    assert all(by_id[s]["status"] == "failed" for s in bombs.values()), errors
    assert "20,000 columns" in errors["wide.csv"]
    assert "times its size" in errors["bomb.csv.gz"]
    assert "times its size" in errors["bomb.xlsx"]
    assert "cannot be read safely" in errors["laughs.xlsx"]
    assert not any(str(loaded_server.data_dir) in e or "Error:" in e for e in errors.values())
    assert huge.status_code == 422, huge.text
    assert "limit" in huge.json()["detail"]
    assert sampler.peak < bound
