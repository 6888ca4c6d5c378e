"""Local HTTP servers speaking the Anthropic Messages and OpenAI Chat Completions wire formats.

Each is a real ``http.server`` on 127.0.0.1 (a random port) in a thread. A test scripts the
replies it wants, in order (a JSON answer, an SSE stream, an error status with its body, a
request that hangs until the test ends), and reads back every request received, so it can
assert what was sent. The official SDKs are pointed at them with ``base_url``; nothing in the
SDKs is patched. Payloads follow the providers' documentation (field names, event names, error
bodies).
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from pipelines.ai import RetryPolicy

#: Retries without real waiting: the tests count requests, not seconds.
FAST_RETRY = RetryPolicy(max_retries=2, base_delay=0.001, max_delay=0.002)

HANG_LIMIT = 20.0  # a hanging reply gives up after this long if the test never releases it


@dataclass
class Reply:
    """One scripted answer: JSON (``body``), an SSE stream (``events``), or a hang."""

    status: int = 200
    body: Any = None
    events: list[tuple[str | None, str]] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    hang: bool = False


@dataclass
class Received:
    """A request as the server saw it."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any

    @property
    def raw(self) -> str:
        """Everything sent, as text, for searching (headers and body)."""
        return json.dumps(self.headers) + json.dumps(self.body)


class WireServer:
    """A scripted HTTP server; subclasses answer ``GET …/models`` by default."""

    def __init__(self) -> None:
        self.replies: deque[Reply] = deque()
        self.received: list[Received] = []
        self.models: list[str] = ["model-a", "model-b"]
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> WireServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()
        if self._thread.is_alive():
            self._httpd.shutdown()
        self._httpd.server_close()

    def reset(self) -> None:
        """Forget replies and requests; release any hanging request."""
        self._release.set()
        with self._lock:
            self.replies.clear()
            self.received.clear()
        self._release = threading.Event()

    def script(self, *replies: Reply) -> None:
        """Answer the next requests with ``replies``, in order."""
        with self._lock:
            self.replies.extend(replies)

    def requests(self, path_suffix: str = "") -> list[Received]:
        """The requests received whose path ends with ``path_suffix``."""
        with self._lock:
            return [r for r in self.received if r.path.endswith(path_suffix)]

    def _next(self, request: Received) -> tuple[Reply, threading.Event]:
        with self._lock:
            self.received.append(request)
            if self.replies:
                return self.replies.popleft(), self._release
        if request.method == "GET" and request.path.split("?")[0].endswith("/models"):
            return Reply(body=self.models_body()), self._release
        return Reply(status=500, body={"error": {"message": "nothing scripted"}}), self._release

    def models_body(self) -> Any:
        raise NotImplementedError


def _handler(server: WireServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet test output

        def do_GET(self) -> None:
            self._serve()

        def do_POST(self) -> None:
            self._serve()

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            headers = {key.lower(): value for key, value in self.headers.items()}
            reply, release = server._next(Received(self.command, self.path, headers, body))
            try:
                if reply.hang:
                    release.wait(HANG_LIMIT)
                    self.close_connection = True
                    return
                if reply.events is not None:
                    self._stream(reply)
                else:
                    self._json(reply)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

        def _json(self, reply: Reply) -> None:
            data = json.dumps(reply.body).encode()
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in reply.headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        def _stream(self, reply: Reply) -> None:
            self.send_response(reply.status)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Connection", "close")
            for key, value in reply.headers.items():
                self.send_header(key, value)
            self.end_headers()
            for event, data in reply.events or ():
                prefix = f"event: {event}\n" if event else ""
                self.wfile.write(f"{prefix}data: {data}\n\n".encode())
                self.wfile.flush()
            self.close_connection = True

    return Handler


# --- Anthropic Messages API ----------------------------------------------------------------


class AnthropicServer(WireServer):
    """``POST /v1/messages`` (JSON or SSE) and ``GET /v1/models``."""

    def __init__(self) -> None:
        super().__init__()
        self.models = ["claude-test-1", "claude-test-2"]

    def models_body(self) -> Any:
        data = [
            {
                "type": "model",
                "id": model,
                "display_name": model.replace("-", " ").title(),
                "created_at": "2025-05-14T00:00:00Z",
            }
            for model in self.models
        ]
        return {
            "data": data,
            "has_more": False,
            "first_id": self.models[0] if self.models else None,
            "last_id": self.models[-1] if self.models else None,
        }


ToolUse = tuple[str, str, dict[str, Any]]  # id, name, input


def anthropic_message(
    text: str = "",
    tool_uses: Sequence[ToolUse] = (),
    *,
    model: str = "claude-test-1",
    stop_reason: str | None = None,
    usage: tuple[int, int] = (25, 12),
) -> Reply:
    """A Messages API answer (``type: message``) with text and/or ``tool_use`` blocks."""
    content: list[dict[str, Any]] = [{"type": "text", "text": text}] if text else []
    content += [{"type": "tool_use", "id": i, "name": n, "input": args} for i, n, args in tool_uses]
    return Reply(
        body={
            "id": "msg_01Test",
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": content,
            "stop_reason": stop_reason or ("tool_use" if tool_uses else "end_turn"),
            "stop_sequence": None,
            "usage": {"input_tokens": usage[0], "output_tokens": usage[1]},
        }
    )


def anthropic_stream(
    texts: Sequence[str] = (),
    tool_uses: Sequence[tuple[str, str, Sequence[str]]] = (),
    *,
    model: str = "claude-test-1",
    usage: tuple[int, int] = (25, 12),
) -> Reply:
    """An SSE stream: ``message_start``, a text block in ``texts`` pieces, tool blocks whose
    input arrives as ``input_json_delta`` pieces, ``message_delta`` and ``message_stop``."""
    return Reply(events=list(_anthropic_events(texts, tool_uses, model, usage)))


def _anthropic_events(
    texts: Sequence[str],
    tool_uses: Sequence[tuple[str, str, Sequence[str]]],
    model: str,
    usage: tuple[int, int],
) -> Iterator[tuple[str, str]]:
    def event(kind: str, **data: Any) -> tuple[str, str]:
        return kind, json.dumps({"type": kind, **data})

    yield event(
        "message_start",
        message={
            "id": "msg_01Stream",
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {"input_tokens": usage[0], "output_tokens": 1},
        },
    )
    yield "ping", json.dumps({"type": "ping"})
    index = 0
    if texts:
        yield event("content_block_start", index=0, content_block={"type": "text", "text": ""})
        for piece in texts:
            yield event("content_block_delta", index=0, delta={"type": "text_delta", "text": piece})
        yield event("content_block_stop", index=0)
        index = 1
    for offset, (call_id, name, pieces) in enumerate(tool_uses):
        block = index + offset
        yield event(
            "content_block_start",
            index=block,
            content_block={"type": "tool_use", "id": call_id, "name": name, "input": {}},
        )
        for piece in pieces:
            yield event(
                "content_block_delta",
                index=block,
                delta={"type": "input_json_delta", "partial_json": piece},
            )
        yield event("content_block_stop", index=block)
    yield event(
        "message_delta",
        delta={"stop_reason": "tool_use" if tool_uses else "end_turn", "stop_sequence": None},
        usage={"output_tokens": usage[1]},
    )
    yield event("message_stop")


def anthropic_error(status: int, error_type: str, message: str, **headers: str) -> Reply:
    """An error answer: ``{"type": "error", "error": {"type": …, "message": …}}``."""
    return Reply(
        status=status,
        body={
            "type": "error",
            "error": {"type": error_type, "message": message},
            "request_id": "req_011Test",
        },
        headers={key.replace("_", "-"): value for key, value in headers.items()},
    )


def anthropic_stream_error(texts: Sequence[str], error_type: str, message: str) -> Reply:
    """A stream that starts, sends ``texts``, then fails with an ``event: error``."""
    events = list(_anthropic_events(texts, (), "claude-test-1", (1, 1)))[:-2]
    body = {"type": "error", "error": {"type": error_type, "message": message}}
    return Reply(events=[*events, ("error", json.dumps(body))])


# --- OpenAI Chat Completions -----------------------------------------------------------------


class OpenAIServer(WireServer):
    """``POST /v1/chat/completions`` (JSON or SSE) and ``GET /v1/models``."""

    def __init__(self) -> None:
        super().__init__()
        self.models = ["gpt-test-1", "gpt-test-2"]

    def models_body(self) -> Any:
        return {
            "object": "list",
            "data": [
                {"id": model, "object": "model", "created": 1715367049, "owned_by": "system"}
                for model in self.models
            ],
        }

    @property
    def api_url(self) -> str:
        """The base URL the SDK takes (``…/v1``)."""
        return f"{self.url}/v1"


FunctionCall = tuple[str, str, str]  # id, name, arguments (a JSON string)


def openai_completion(
    text: str | None = None,
    tool_calls: Sequence[FunctionCall] = (),
    *,
    model: str = "gpt-test-1",
    finish_reason: str | None = None,
    usage: tuple[int, int] = (30, 9),
) -> Reply:
    """A ``chat.completion`` with text and/or ``tool_calls``."""
    message: dict[str, Any] = {"role": "assistant", "content": text, "refusal": None}
    if tool_calls:
        message["tool_calls"] = [
            {"id": i, "type": "function", "function": {"name": n, "arguments": a}}
            for i, n, a in tool_calls
        ]
    return Reply(
        body={
            "id": "chatcmpl-Test",
            "object": "chat.completion",
            "created": 1741569952,
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "logprobs": None,
                    "finish_reason": finish_reason or ("tool_calls" if tool_calls else "stop"),
                }
            ],
            "usage": {
                "prompt_tokens": usage[0],
                "completion_tokens": usage[1],
                "total_tokens": sum(usage),
            },
            "system_fingerprint": "fp_test",
        }
    )


def openai_stream(
    texts: Sequence[str] = (),
    tool_calls: Sequence[tuple[str, str, Sequence[str]]] = (),
    *,
    model: str = "gpt-test-1",
    usage: tuple[int, int] | None = (30, 9),
) -> Reply:
    """``chat.completion.chunk`` events: text deltas, tool-call deltas (id and name first, then
    argument pieces), the finish reason, a usage chunk, then ``data: [DONE]``."""

    def chunk(
        delta: dict[str, Any] | None, finish: str | None = None, **extra: Any
    ) -> tuple[None, str]:
        choices = [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish}]
        body = {
            "id": "chatcmpl-Stream",
            "object": "chat.completion.chunk",
            "created": 1741569952,
            "model": model,
            "choices": choices,
            **extra,
        }
        return None, json.dumps(body)

    events = [chunk({"role": "assistant", "content": ""})]
    events += [chunk({"content": piece}) for piece in texts]
    for index, (call_id, name, pieces) in enumerate(tool_calls):
        first = {"index": index, "id": call_id, "type": "function"}
        events.append(
            chunk({"tool_calls": [{**first, "function": {"name": name, "arguments": ""}}]})
        )
        events += [
            chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
            for piece in pieces
        ]
    events.append(chunk({}, "tool_calls" if tool_calls else "stop"))
    if usage is not None:
        tokens = {
            "prompt_tokens": usage[0],
            "completion_tokens": usage[1],
            "total_tokens": sum(usage),
        }
        events.append(chunk(None, usage=tokens))
    events.append((None, "[DONE]"))
    return Reply(events=events)


def openai_error(
    status: int,
    code: str | None,
    message: str,
    error_type: str = "invalid_request_error",
    **headers: str,
) -> Reply:
    """An error answer: ``{"error": {"message", "type", "param", "code"}}``."""
    return Reply(
        status=status,
        body={"error": {"message": message, "type": error_type, "param": None, "code": code}},
        headers={key.replace("_", "-"): value for key, value in headers.items()},
    )
