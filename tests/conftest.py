"""Shared fixtures: real servers on free ports, metadata stores on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import yaml

from tests.openapi_contract import ResponseContract

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("DATAPILOT_TEST_POSTGRES_URL")


def pytest_sessionstart(session: pytest.Session) -> None:
    if os.environ.get("DATAPILOT_REQUIRE_POSTGRES") == "1" and not PG_URL:
        raise pytest.UsageError(
            "DATAPILOT_REQUIRE_POSTGRES=1 but DATAPILOT_TEST_POSTGRES_URL is not set"
        )
    # DATAPILOT_REQUIRE_MYSQL=1: the live-connection tests fail when MariaDB/MySQL
    # (DATAPILOT_TEST_MYSQL_URL, by default root at 127.0.0.1:3306) is unreachable, instead of
    # skipping (see tests/integration/live_databases.py).


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- metadata store backends ---------------------------------------------------------------------
@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this run, dropped afterwards."""
    if not PG_URL:
        pytest.skip("DATAPILOT_TEST_POSTGRES_URL is not set; PostgreSQL tests skipped")
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"datapilot_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # CI sets the variable and must not skip silently
        pytest.fail(f"PostgreSQL at {PG_URL} is not reachable: {exc}")
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as conn:
        conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :n AND pid <> pg_backend_pid()"
            ),
            {"n": name},
        )
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The same test on SQLite and on PostgreSQL (each test gets an empty schema)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    url = request.getfixturevalue("postgres_database")
    yield url
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


# -- running servers -------------------------------------------------------------------------------
@dataclass
class RunningServer:
    """A real ``datapilot serve`` process on 127.0.0.1."""

    base_url: str
    data_dir: Path
    log_path: Path
    process: subprocess.Popen[bytes]
    demo_password: str | None = None
    settings: dict[str, object] = field(default_factory=dict)
    contract: ResponseContract | None = None

    def client(self) -> httpx.Client:
        """A client whose every REST response is checked against the OpenAPI document."""
        if self.contract is None:
            self.contract = ResponseContract(self.base_url)
        return httpx.Client(
            base_url=self.base_url,
            timeout=30,
            follow_redirects=False,
            event_hooks={"response": [self.contract.check]},
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def start_server(
    workdir: Path, settings: dict[str, object] | None = None, demo: bool = True
) -> RunningServer:
    """Start ``datapilot serve`` with a config file built from ``settings``; wait for /health."""
    port = free_port()
    data_dir = workdir / "data"
    config: dict[str, dict[str, object]] = {
        "server": {"port": port, "host": "127.0.0.1"},
        "storage": {"data_dir": str(data_dir)},
        # Sample data costs seconds of CPU per server; tests that need it ask for it.
        "demo": {"sample_data": False},
    }
    for section, values in (settings or {}).items():
        config.setdefault(section, {}).update(values)  # type: ignore[union-attr]
    config_path = workdir / "datapilot.yaml"
    config_path.write_text(yaml.safe_dump(config))
    log_path = workdir / "server.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATAPILOT_")}
    env["PYTHONUNBUFFERED"] = "1"
    args = [sys.executable, "-m", "app.cli", "--config", str(config_path), "serve"]
    if not demo:
        args.append("--no-demo")
    with log_path.open("wb") as log:
        process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    server = RunningServer(f"http://127.0.0.1:{port}", data_dir, log_path, process, settings=config)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{server.log()}")
        try:
            if httpx.get(f"{server.base_url}/health", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    else:
        server.stop()
        raise RuntimeError(f"server did not become healthy:\n{server.log()}")
    match = re.search(r"password: (\S+)", server.log())
    server.demo_password = match.group(1) if match else None
    return server


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """One shared server for tests that each register their own tenants.

    Every test signs in from 127.0.0.1, and many fail a password on purpose: the per-address
    limit is raised here so tests do not throttle each other (dedicated servers test it).
    """
    relaxed = {"auth": {"login_throttle": {"max_failures_per_address": 100_000}}}
    running = start_server(tmp_path_factory.mktemp("server"), settings=relaxed)
    yield running
    running.stop()


@pytest.fixture
def unique_email() -> str:
    return f"user-{uuid.uuid4().hex[:10]}@example.com"


STRONG_PASSWORD = "correct-horse-battery-staple-42"
