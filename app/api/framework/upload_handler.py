"""The handler of a route with a streaming upload: the body goes to disk as it arrives."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import IO, Any, cast

import tornado.web
from tornado.http1connection import HTTP1Connection

from app.api.framework.handlers import MAX_BODY_BYTES, ApiHandler
from app.api.framework.operation import ApiRequest, Operation
from app.api.framework.uploads import (
    FILE_FIELD,
    FRAMING_SLACK,
    Destination,
    MultipartFileReader,
    UploadRefused,
    UploadTarget,
)
from app.auth.web import request_client_address
from app.context import AppContext
from app.services.errors import DomainError

log = logging.getLogger("datapilot.api")
# A refused upload is answered at once, then the rest of its body (up to this much) is read and
# dropped before the connection closes: closing while a client still sends makes the kernel
# reset the connection, and most HTTP clients then lose the answer.
DRAIN_BYTES = 64 << 20
_CLEANUPS: set[asyncio.Future[None]] = set()


@tornado.web.stream_request_body
class StreamingApiHandler(ApiHandler):
    """A route with a streaming upload operation (and possibly small JSON ones).

    The upload's body is never held in memory: python-multipart parses each network chunk as
    it arrives and the file part's bytes go straight to the target's file. Checks run before
    the body is read (``prepare``); the byte limit is enforced again while streaming, since a
    chunked body announces no length. A client that disconnects mid-upload leaves nothing.
    """

    _target: UploadTarget | None
    _reader: MultipartFileReader | None
    _dest: Destination | None
    _file: IO[bytes] | None

    def initialize(self, ctx: AppContext, operations: dict[str, Operation]) -> None:
        super().initialize(ctx, operations)
        self._chunks: list[bytes] = []
        self._buffered = 0
        self._op: Operation | None = None
        self._state = "idle"  # idle → streaming → finishing → done (or cancelled)
        self._lock = asyncio.Lock()
        self._target = self._reader = self._dest = self._file = None
        self._received = 0
        self._reported_at = 0.0
        self._body_complete = False
        self._accepted = False
        self._draining = False
        self._seen = 0

    def finish(self, chunk: str | bytes | dict[str, Any] | None = None) -> Any:
        if not self._body_complete and not self._headers_written:
            # Answered before the whole body arrived (a refusal): Tornado closes the connection
            # rather than read the rest, so tell the client not to reuse it.
            self.set_header("Connection", "close")
        return super().finish(chunk)

    def problem(self, status: int, title: str, detail: str, **extra: Any) -> None:
        if self._body_complete or self._op is None or not self._drain():
            super().problem(status, title, detail, **extra)
            return
        # Send the whole answer now (a client reading while it sends sees it at once), then
        # drop the rest of the body as it comes; finish (and close) once it is in.
        body = json.dumps(
            {
                "type": "about:blank",
                "title": title,
                "status": status,
                "detail": detail,
                "instance": self.request.path,
                **extra,
            }
        ).encode()
        self.set_status(status)
        self.set_header("Content-Type", "application/problem+json")
        self.set_header("Content-Length", str(len(body)))
        self.set_header("Connection", "close")
        self.write(body)
        self.flush()

    def _drain(self) -> bool:
        """Whether to read the rest of a refused upload's body before closing, within bounds."""
        connection = self._connection()
        if not self._accepted:
            if self.request.headers.get("Expect", "").lower() == "100-continue":
                return False  # the client waits for our answer before it sends the body
            length = self._content_length()
            if length is not None and length > DRAIN_BYTES:
                return False  # too much to read for nothing: close at once
            connection.set_max_body_size(length if length is not None else DRAIN_BYTES)
        elif self._content_length() is None:
            connection.set_max_body_size(self._seen + DRAIN_BYTES)
        self._draining = True
        return True

    async def prepare(self) -> None:
        op = self.operations.get(self.request.method or "")
        if op is None or not op.upload:  # a JSON operation: its small body is buffered
            self._connection().set_max_body_size(MAX_BODY_BYTES + FRAMING_SLACK)
            return
        # Until the upload is accepted no limit applies: a refusal decides how much to drain.
        self._connection().set_max_body_size(1 << 62)
        self._op = op
        try:
            principal = await asyncio.to_thread(self._authenticate_browser)
            reader = MultipartFileReader(self.request.headers.get("Content-Type", ""))
            request = ApiRequest(
                ctx=self.ctx,
                principal=principal,
                path=dict(self.path_kwargs),
                body=None,
                query={k: self.get_query_argument(k) for k in self.request.query_arguments},
                client_address=request_client_address(self.request, self.ctx.settings.server),
                content_length=self._content_length(),
            )
            target = await asyncio.to_thread(op.func, request)
        except (UploadRefused, DomainError) as exc:
            self._fail(exc)
            return
        # The file's own limit is enforced exactly while streaming; Tornado's cap on the body
        # is only the outer bound (with room to drain the rest of a body cut off there).
        limit = self.ctx.settings.uploads.max_file_mb * 1024 * 1024
        self._connection().set_max_body_size(limit + FRAMING_SLACK + DRAIN_BYTES)
        self._target, self._reader, self._state = target, reader, "streaming"
        self._accepted = True

    async def data_received(self, chunk: bytes) -> None:
        self._seen += len(chunk)
        if self._finished or self._draining:
            return
        if self._op is None:
            if self._buffered <= MAX_BODY_BYTES:
                self._chunks.append(chunk)
                self._buffered += len(chunk)
            return
        async with self._lock:
            if self._state != "streaming":
                return
            try:
                await self._write(chunk)
            except (UploadRefused, DomainError) as exc:
                await self._discard()
                self._fail(exc)
            except Exception:
                log.exception("upload to %s failed", self.request.path)
                await self._discard()
                self.problem(500, "Server error", "The upload failed on the server; retry.")

    async def _write(self, chunk: bytes) -> None:
        assert self._reader is not None and self._target is not None
        self._reader.feed(chunk)
        if self._reader.file_started and self._dest is None:
            assert self._reader.filename is not None
            self._dest = await asyncio.to_thread(
                self._target.begin, self._reader.filename, dict(self._reader.fields)
            )
            self._file = await asyncio.to_thread(self._dest.path.open, "wb")
        data = self._reader.take_file_bytes()
        if not data or self._file is None or self._dest is None:
            return
        self._received += len(data)
        if self._received > self._dest.limit_bytes:
            raise UploadRefused(self._dest.too_large, 413)
        await asyncio.to_thread(self._file.write, data)
        now = time.monotonic()
        if now - self._reported_at > 0.25:
            self._reported_at = now
            self._target.received(self._received)

    async def _dispatch(self, **path: str) -> None:
        self._body_complete = True
        if self._draining:  # the answer is sent; the body is now read to its end
            self.finish()
            return
        if self._finished:
            return
        if self._op is None:
            self.request.body = b"".join(self._chunks)
            await super()._dispatch(**path)
            return
        async with self._lock:
            if self._state != "streaming":
                return
            self._state = "finishing"
            assert self._reader is not None and self._target is not None
            try:
                if not self._reader.complete:
                    raise UploadRefused("The upload ended before its last byte; nothing was kept.")
                if self._file is None:
                    raise UploadRefused(
                        f"Send the file in a multipart form field named '{FILE_FIELD}'.", 422
                    )
                await asyncio.to_thread(self._file.close)
                self._target.received(self._received)
                result = await asyncio.to_thread(self._target.finish)
            except (UploadRefused, DomainError) as exc:
                await self._discard()
                self._fail(exc)
                return
            except Exception:
                log.exception("upload to %s failed", self.request.path)
                await self._discard()
                self.problem(500, "Server error", "The upload failed on the server; retry.")
                return
            self._state = "done"
        self._reply(result, self._op)

    get = post = put = patch = delete = _dispatch  # type: ignore[assignment]

    def on_connection_close(self) -> None:
        super().on_connection_close()
        if self._state == "streaming":  # the client went away mid-upload: keep nothing
            self._state = "cancelled"
            task = asyncio.ensure_future(self._cancel())
            _CLEANUPS.add(task)  # keep a reference until it is done
            task.add_done_callback(_CLEANUPS.discard)

    async def _cancel(self) -> None:
        async with self._lock:
            await self._discard()

    async def _discard(self) -> None:
        """Close and remove what the upload stored; idempotent."""
        self._state = "done"
        file, self._file = self._file, None
        target, self._target = self._target, None
        if file is not None:
            await asyncio.to_thread(file.close)
        if target is not None:
            try:
                await asyncio.to_thread(target.abort)
            except Exception:
                log.exception("could not clean up an abandoned upload to %s", self.request.path)

    def _connection(self) -> HTTP1Connection:
        return cast(HTTP1Connection, self.request.connection)

    def _content_length(self) -> int | None:
        raw = self.request.headers.get("Content-Length")
        try:
            return int(raw) if raw is not None else None
        except ValueError:
            return None
