"""A local OpenAI-compatible server answering ``GET /v1/models`` as OpenAI documents it.

A real ``http.server`` on 127.0.0.1 (random port) in a thread. With ``key`` set it checks the
``Authorization: Bearer`` header and answers a wrong one with OpenAI's 401 body, which quotes
the key partly masked (``sk-ab***wxyz``), as OpenAI does. Every request is recorded.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class ModelsServer:
    """Serves ``/v1/models``; ``key`` None accepts any caller (like a local Ollama)."""

    key: str | None = None
    models: list[str] = field(default_factory=lambda: ["gpt-test-mini", "gpt-test-large"])
    requests: list[dict[str, Any]] = field(default_factory=list)
    port: int = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def answer(self, path: str, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
        self.requests.append({"path": path, "headers": headers})
        if path.rstrip("/") != "/v1/models":
            return 404, _error(f"Unknown request URL: GET {path}.", "invalid_request_error", None)
        sent = headers.get("authorization", "").removeprefix("Bearer ").strip()
        if self.key is not None and sent != self.key:
            masked = f"{sent[:3]}***{sent[-4:]}" if len(sent) > 8 else "***"
            return 401, _error(
                f"Incorrect API key provided: {masked}. You can find your API key at "
                "https://platform.openai.com/account/api-keys.",
                "invalid_request_error",
                "invalid_api_key",
            )
        created = int(time.time())
        return 200, {
            "object": "list",
            "data": [
                {"id": m, "object": "model", "created": created, "owned_by": "test"}
                for m in self.models
            ],
        }


def _error(message: str, kind: str, code: str | None) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


@contextmanager
def running(server: ModelsServer) -> Iterator[ModelsServer]:
    """Serve ``server`` on a free port for the duration of the block."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, body = server.answer(self.path, headers)
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
            return

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    server.port = int(httpd.server_address[1])
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        httpd.shutdown()
        httpd.server_close()
