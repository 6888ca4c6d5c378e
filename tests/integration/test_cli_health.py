"""``datapilot health`` (the image's HEALTHCHECK) against real HTTP servers on 127.0.0.1.

A running DataPilot answering it is in test_distribution.py; here a bare server answers the
cases DataPilot rarely shows: a degraded store (503) and a proxy variable in the environment.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import ROOT, free_port


class _Health(BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:
        code = self.status if self.path == "/health" else 404
        self.send_response(code)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # keep the test output clean
        pass


@pytest.fixture
def answering() -> Iterator[tuple[int, type[_Health]]]:
    handler = type("Handler", (_Health,), {})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1], handler
    httpd.shutdown()
    httpd.server_close()


def _health(tmp_path: Path, port: int, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DATAPILOT_")}
    clean |= {"PYTHONPATH": str(ROOT), "DATAPILOT_SERVER__PORT": str(port), **env}
    return subprocess.run(
        [sys.executable, "-m", "app.cli", "health", "--timeout", "10"],
        cwd=tmp_path,  # no config/datapilot.yaml here: the defaults and the variables
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_health_is_0_when_the_server_answers_200(
    tmp_path: Path, answering: tuple[int, type[_Health]]
) -> None:
    port, _ = answering
    result = _health(tmp_path, port)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"healthy: http://127.0.0.1:{port}/health"


def test_health_is_1_when_the_store_is_unreachable(
    tmp_path: Path, answering: tuple[int, type[_Health]]
) -> None:
    port, handler = answering
    handler.status = 503  # what /health answers when the metadata store is unreachable
    result = _health(tmp_path, port)
    assert result.returncode == 1
    assert result.stderr.strip() == f"datapilot: http://127.0.0.1:{port}/health answered 503"


def test_health_ignores_a_proxy_variable(
    tmp_path: Path, answering: tuple[int, type[_Health]]
) -> None:
    port, _ = answering
    proxy = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    result = _health(tmp_path, port, http_proxy=proxy, HTTP_PROXY=proxy, no_proxy="")
    assert result.returncode == 0, result.stderr


def test_health_with_a_bad_setting_is_1_not_docker_s_reserved_2(tmp_path: Path) -> None:
    result = _health(tmp_path, 5006, DATAPILOT_SERVER__PORT="not-a-port")
    assert result.returncode == 1
    assert "invalid setting server.port" in result.stderr
