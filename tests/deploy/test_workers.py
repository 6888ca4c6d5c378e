"""``datapilot serve --workers 2``: two processes on consecutive ports, each named by its port;
a killed one is started again; SIGTERM to the supervisor stops both."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import yaml

from tests.conftest import ROOT


def consecutive_free_ports() -> int:
    """A port P with P and P + 1 free on 127.0.0.1."""
    for _ in range(50):
        with socket.socket() as first:
            first.bind(("127.0.0.1", 0))
            port = int(first.getsockname()[1])
            if port >= 65535:
                continue
            with socket.socket() as second:
                try:
                    second.bind(("127.0.0.1", port + 1))
                except OSError:
                    continue
        return port
    raise AssertionError("no two consecutive free ports")


def wait_for(what: str, check: Callable[[], bool], log: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"{what} within {timeout:.0f} s; supervisor output:\n{log.read_text()}")


def node_at(port: int) -> str | None:
    """The node answering /health on ``port``, or None when nothing answers."""
    try:
        answer = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
    except httpx.HTTPError:
        return None
    return answer.headers.get("x-datapilot-node") if answer.status_code == 200 else None


def test_two_workers_start_a_killed_one_comes_back_and_sigterm_stops_both(tmp_path: Path) -> None:
    port = consecutive_free_ports()
    config = tmp_path / "datapilot.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "server": {"port": port, "host": "127.0.0.1"},
                "storage": {"data_dir": str(tmp_path / "data")},
                "demo": {"sample_data": False},
            }
        )
    )
    log = tmp_path / "supervisor.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATAPILOT_")}
    env["PYTHONUNBUFFERED"] = "1"
    args = [sys.executable, "-m", "app.cli", "--config", str(config), "serve", "--workers", "2"]
    with log.open("wb") as out:
        supervisor = subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=out)
    try:
        wait_for("both workers up", lambda: "2 DataPilot workers running" in log.read_text(), log)
        assert [node_at(port), node_at(port + 1)] == [str(port), str(port + 1)]
        pids = dict(re.findall(r"worker \d: node (\d+) on \S+ \(pid (\d+)\)", log.read_text()))
        assert set(pids) == {str(port), str(port + 1)}
        assert "Demo account created" in log.read_text()  # the first worker alone made it

        os.kill(int(pids[str(port + 1)]), signal.SIGKILL)
        wait_for("a restart", lambda: f"node {port + 1} restarted" in log.read_text(), log)
        wait_for("the second worker back", lambda: node_at(port + 1) == str(port + 1), log)
        restarted = re.search(rf"node {port + 1} restarted \(pid (\d+)\)", log.read_text())
        assert restarted and restarted.group(1) != pids[str(port + 1)]
        assert node_at(port) == str(port)  # the first one was never touched

        supervisor.send_signal(signal.SIGTERM)
        assert supervisor.wait(30) == 0
        assert [node_at(port), node_at(port + 1)] == [None, None]
        assert "DataPilot workers stopped." in log.read_text()
        for pid in (pids[str(port)], restarted.group(1)):
            assert not Path(f"/proc/{pid}").exists() or _is_zombie(pid), f"worker {pid} still runs"
    finally:
        if supervisor.poll() is None:
            supervisor.kill()
            supervisor.wait(10)


def _is_zombie(pid: str) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    except OSError:
        return True
