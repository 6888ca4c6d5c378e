"""``datapilot serve --workers N``: N ``datapilot serve`` processes on consecutive ports.

The supervisor itself serves nothing and imports no part of the app's server. It starts the
first child alone and waits until it answers ``/health`` (so migrations of the embedded store,
generated secrets and the demo account happen once), then the others; each child is an ordinary
``datapilot serve --port P --node NODE`` with the same settings file and environment. The node
is the port (``5006``), or ``<server.node>-<port>`` when a node name is configured; it is what
the ``dp_node`` cookie and ``X-DataPilot-Node`` header carry (see :mod:`app.node_affinity`).

A child that dies is started again (at once the first time, then after a growing pause of up
to 30 s while it keeps dying within a minute). SIGTERM or SIGINT to the supervisor is forwarded
as SIGTERM to every child; a child still running 20 s later is killed. Put nginx in front
(``deploy/``) so that a browser stays on one process.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from types import FrameType

from app.cli_health import health_url, probe
from app.settings import Settings

START_TIMEOUT = 180.0
STOP_TIMEOUT = 20.0
MAX_PAUSE = 30.0
STABLE_AFTER = 60.0
"""A child that ran this long is healthy again: its next restart is immediate."""


class WorkersFailed(Exception):
    """A child could not start; the message says which and how it ended."""


@dataclass
class Child:
    """One supervised ``datapilot serve`` process."""

    index: int
    port: int
    node: str
    args: list[str]
    process: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    failures: int = 0
    restart_at: float = 0.0

    def start(self) -> None:
        self.process = subprocess.Popen(self.args)  # noqa: S603 (this Python, our arguments)
        self.started = time.monotonic()

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


def node_name(settings: Settings, port: int) -> str:
    """The node of the child on ``port``."""
    return f"{settings.server.node}-{port}" if settings.server.node else str(port)


def child_args(config: str | None, host: str | None, port: int, node: str, demo: bool) -> list[str]:
    """The command line of one child (this Python, ``-m app.cli``)."""
    args = [sys.executable, "-m", "app.cli"]
    if config:
        args += ["--config", config]
    args += ["serve", "--port", str(port), "--node", node]
    if host:
        args += ["--host", host]
    if not demo:
        args.append("--no-demo")
    return args


def plan(settings: Settings, workers: int, config: str | None, no_demo: bool) -> list[Child]:
    """The children to run: ports from ``server.port`` upwards; the demo loads in the first."""
    base = settings.server.port
    if base == 0:
        raise WorkersFailed("--workers needs a fixed server.port (the first of consecutive ports)")
    if base + workers - 1 > 65535:
        raise WorkersFailed(f"ports {base}-{base + workers - 1} go beyond 65535")
    children = []
    for index in range(workers):
        port = base + index
        node = node_name(settings, port)
        demo = index == 0 and not no_demo
        args = child_args(config, settings.server.host, port, node, demo)
        children.append(Child(index, port, node, args))
    return children


class Supervisor:
    """Runs the children until SIGTERM or SIGINT."""

    def __init__(self, settings: Settings, children: list[Child]) -> None:
        self.settings = settings
        self.children = children
        self.stopping = False

    def _url(self, child: Child) -> str:
        server = self.settings.server.model_copy(update={"port": child.port})
        return health_url(self.settings.model_copy(update={"server": server}))

    def _stop_signal(self, signum: int, frame: FrameType | None) -> None:
        self.stopping = True

    def _wait_healthy(self, child: Child) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        url = self._url(child)
        while not self.stopping and time.monotonic() < deadline:
            assert child.process is not None
            if child.process.poll() is not None:
                raise WorkersFailed(
                    f"worker {child.index + 1} (port {child.port}) exited with "
                    f"{child.process.returncode} while starting"
                )
            if probe(url, 2.0) is None:
                base = url.removesuffix("/health")
                print(
                    f"  worker {child.index + 1}: node {child.node} on {base} "
                    f"(pid {child.process.pid})",
                    flush=True,
                )
                return
            time.sleep(0.25)
        if not self.stopping:
            raise WorkersFailed(f"worker {child.index + 1} (port {child.port}) did not answer")

    def run(self) -> int:
        previous = {
            sig: signal.signal(sig, self._stop_signal) for sig in (signal.SIGTERM, signal.SIGINT)
        }
        if self.settings.is_embedded:
            print(
                "  note: the workers share the embedded SQLite store; several processes are "
                "meant for PostgreSQL (deploy/README.md)",
                flush=True,
            )
        try:
            first, *others = self.children
            first.start()
            self._wait_healthy(first)
            for child in others:
                child.start()
            for child in others:
                self._wait_healthy(child)
            if not self.stopping:
                where = self.settings.server.public_url or "nginx (deploy/README.md)"
                print(
                    f"  {len(self.children)} DataPilot workers running; put {where} in front "
                    "(Ctrl+C to stop)",
                    flush=True,
                )
            while not self.stopping:
                self._watch()
                time.sleep(0.25)
        finally:
            self._stop_all()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        print("  DataPilot workers stopped.", flush=True)
        return 0

    def _watch(self) -> None:
        now = time.monotonic()
        for child in self.children:
            if child.running() or child.process is None:
                continue
            if child.restart_at == 0.0:
                code = child.process.returncode
                lived = now - child.started
                child.failures = 1 if lived >= STABLE_AFTER else child.failures + 1
                pause = 0.0 if child.failures == 1 else min(MAX_PAUSE, 2.0**child.failures)
                child.restart_at = now + pause
                print(
                    f"  worker {child.index + 1} (node {child.node}) exited with {code}; "
                    f"restarting in {pause:.0f} s",
                    file=sys.stderr,
                    flush=True,
                )
            if now >= child.restart_at:
                child.restart_at = 0.0
                child.start()
                assert child.process is not None
                print(
                    f"  worker {child.index + 1}: node {child.node} restarted "
                    f"(pid {child.process.pid})",
                    flush=True,
                )

    def _stop_all(self) -> None:
        for child in self.children:
            if child.running():
                assert child.process is not None
                child.process.terminate()
        deadline = time.monotonic() + STOP_TIMEOUT
        for child in self.children:
            if child.process is None:
                continue
            try:
                child.process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.process.kill()
                child.process.wait(5)


def supervise(
    settings: Settings, workers: int, config: str | None = None, no_demo: bool = False
) -> int:
    """Run ``workers`` children (see the module docstring); 0 after a requested stop."""
    return Supervisor(settings, plan(settings, workers, config, no_demo)).run()
