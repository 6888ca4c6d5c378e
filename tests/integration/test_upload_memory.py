"""A 1 GB upload through the REST endpoint raises the server's resident memory by < 200 MB.

The server's RSS is read from ``/proc/<pid>/status`` every 10 ms while a generated 1 GiB CSV
streams from a generator (so the client holds one block at a time, too). The ingest that starts
after the upload is not part of the measure: sampling stops when the upload's answer arrives.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import RunningServer, start_server
from tests.integration.conftest import register_api_user
from tests.integration.sources_api import (
    MIB,
    create_workspace,
    multipart,
    multipart_length,
    sources_url,
    tenant_id,
)

GIB = 1024 * MIB
LIMIT_MB = 200


def rss_bytes(pid: int, field: str = "VmRSS") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no {field} for process {pid}")


class PeakSampler:
    """Samples a process's VmRSS in a thread until stopped; keeps the highest value."""

    def __init__(self, pid: int, interval: float = 0.01) -> None:
        self.pid = pid
        self.interval = interval
        self.peak = rss_bytes(pid)
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, rss_bytes(self.pid))
            self.samples += 1

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_bytes(self.pid))


@pytest.fixture(scope="module")
def big_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    limits = {"uploads": {"max_file_mb": 2048, "tenant_quota_mb": 4096, "ingest_workers": 1}}
    running = start_server(tmp_path_factory.mktemp("memory"), settings=limits, demo=False)
    yield running
    running.stop()
    shutil.rmtree(running.data_dir, ignore_errors=True)  # do not leave a gigabyte behind


def csv_blocks(total: int) -> Iterator[bytes]:
    """``total`` bytes of a mixed-type CSV, one MiB at a time (the same block again)."""
    line = b"2024-01-05,12345,Customer with a name,3.14159,true\n"
    block = (line * (MIB // len(line) + 1))[:MIB]
    yield b"day,n,customer,x,flag\n" + block[22:]
    for _ in range(total // MIB - 1):
        yield block


def test_a_1_gb_upload_raises_server_memory_by_less_than_200_mb(
    big_server: RunningServer, capsys: pytest.CaptureFixture[str]
) -> None:
    pid = big_server.process.pid
    with big_server.client() as http:
        http.timeout = 600
        user = register_api_user(http, "Mem")
        workspace = create_workspace(http, user)
        headers, body = multipart("big.csv", csv_blocks(GIB))
        headers["Content-Length"] = str(multipart_length("big.csv", GIB))
        baseline = rss_bytes(pid)
        started = time.monotonic()
        with PeakSampler(pid) as sampler:
            response = http.post(
                sources_url(workspace), content=body, headers=headers | user.headers
            )
        elapsed = time.monotonic() - started
        assert response.status_code == 202, response.text
        stored = (
            big_server.data_dir / tenant_id(http, user) / workspace / response.json()["id"]
        ) / "original.csv"
        assert stored.stat().st_size == GIB

    delta = sampler.peak - baseline
    with capsys.disabled():
        print(
            f"\n[upload memory] 1 GiB in {elapsed:.1f} s ({GIB / MIB / elapsed:.0f} MiB/s); "
            f"server RSS {baseline / MIB:.0f} MiB before, peak {sampler.peak / MIB:.0f} MiB "
            f"during the upload ({sampler.samples} samples): +{delta / MIB:.1f} MiB "
            f"(limit {LIMIT_MB} MB)"
        )
    assert sampler.samples > 50, "the upload was too quick to sample"
    assert delta < LIMIT_MB * 1000 * 1000
