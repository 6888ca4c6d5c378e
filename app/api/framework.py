"""A small REST layer on Tornado: declared operations, problem-details errors, OpenAPI.

Every operation is declared once with :meth:`Api.operation` (JSON in; JSON, or a file streamed
as a :class:`Stream`, out) or :meth:`Api.upload` (a multipart file streamed to disk); the same
declaration builds the Tornado routes and the OpenAPI document, so a route cannot exist without
its documentation.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import IO, Any, cast
from urllib.parse import quote

import tornado.web
from pydantic import BaseModel, ValidationError
from tornado.http1connection import HTTP1Connection
from tornado.iostream import StreamClosedError

from app.api.uploads import (
    FILE_FIELD,
    FRAMING_SLACK,
    Destination,
    MultipartFileReader,
    UploadRefused,
    UploadTarget,
)
from app.auth.web import SESSION_COOKIE
from app.context import AppContext
from app.principal import Principal
from app.services.errors import AuthenticationFailed, DomainError, Forbidden, Throttled

log = logging.getLogger("datapilot.api")
PREFIX = "/api/v1"
MAX_BODY_BYTES = 1 << 20
# A refused upload is answered at once, then the rest of its body (up to this much) is read and
# dropped before the connection closes: closing while a client still sends makes the kernel
# reset the connection, and most HTTP clients then lose the answer.
DRAIN_BYTES = 64 << 20
CSRF_HEADER = "X-CSRF-Token"
_CLEANUPS: set[asyncio.Future[None]] = set()
ERROR_TITLES = {
    400: "Bad request",
    401: "Not signed in",
    403: "Forbidden",
    404: "Not found",
    409: "Conflict",
    413: "Too large",
    415: "Unsupported media type",
    422: "Invalid input",
}


@dataclass
class ApiRequest:
    """What an operation sees: the context, the caller, path parameters and the parsed body."""

    ctx: AppContext
    principal: Principal | None
    path: dict[str, str]
    body: Any
    query: dict[str, str]
    client_address: str
    content_length: int | None = None

    @property
    def caller(self) -> Principal:
        assert self.principal is not None
        return self.principal


@dataclass
class Reply:
    """An operation's answer when it is not a plain 200 JSON body."""

    body: Any = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Stream:
    """An operation's answer sent chunk by chunk as ``chunks`` produces them (a download).

    Each chunk is produced in a worker thread and written only once the previous one has
    been sent, so the whole body is never in memory. Produce the first chunk before
    returning a Stream when it can fail with a domain error: once the headers are out, a
    failure can only cut the connection (the client sees an incomplete body).
    """

    chunks: Iterator[bytes]
    media_type: str = "application/octet-stream"
    filename: str | None = None  # sent as an attachment with this name


@dataclass
class Operation:
    method: str
    path: str
    summary: str
    func: Callable[[ApiRequest], Any]
    body: type[BaseModel] | None
    response: type[BaseModel] | None
    status: int
    public: bool
    tag: str
    query: dict[str, str] = field(default_factory=dict)
    errors: tuple[int, ...] = ()
    upload: bool = False  # a multipart file streamed to disk; func returns an UploadTarget
    produces: dict[str, str] = field(default_factory=dict)  # streamed media types -> description
    executor: Callable[[AppContext], Executor | None] | None = None
    browser: bool = False  # also the browser session with its CSRF header (uploads always)


class Api:
    def __init__(self) -> None:
        self.operations: list[Operation] = []

    def operation(
        self,
        method: str,
        path: str,
        summary: str,
        *,
        body: type[BaseModel] | None = None,
        response: type[BaseModel] | None = None,
        status: int = 200,
        public: bool = False,
        tag: str = "default",
        query: dict[str, str] | None = None,
        errors: tuple[int, ...] = (),
        produces: dict[str, str] | None = None,
        executor: Callable[[AppContext], Executor | None] | None = None,
        browser: bool = False,
    ) -> Callable[[Callable[[ApiRequest], Any]], Callable[[ApiRequest], Any]]:
        """Declare a JSON operation; ``query`` documents its optional query parameters.

        An operation that answers with a :class:`Stream` documents its media types in
        ``produces`` (media type -> description). ``executor(ctx)`` names the thread pool the
        operation (and its stream) runs in, for work that may block for long (SQL), so it
        cannot take every thread of the shared pool; by default the shared pool is used.
        ``browser=True`` also accepts the browser session cookie with the session's CSRF token
        in the ``X-CSRF-Token`` header (as uploads do), for a download the page fetches itself;
        every other operation takes bearer tokens only.
        """

        def register(func: Callable[[ApiRequest], Any]) -> Callable[[ApiRequest], Any]:
            self.operations.append(
                Operation(
                    method.upper(),
                    path,
                    summary,
                    func,
                    body,
                    response,
                    status,
                    public,
                    tag,
                    dict(query or {}),
                    errors,
                    produces=dict(produces or {}),
                    executor=executor,
                    browser=browser,
                )
            )
            return func

        return register

    def upload(
        self,
        method: str,
        path: str,
        summary: str,
        *,
        response: type[BaseModel] | None = None,
        status: int = 200,
        tag: str = "default",
        query: dict[str, str] | None = None,
        errors: tuple[int, ...] = (403, 409, 413, 415),
    ) -> Callable[[Callable[[ApiRequest], UploadTarget]], Callable[[ApiRequest], UploadTarget]]:
        """Declare a streaming upload: a multipart/form-data body with a ``file`` field.

        The decorated function runs (in a thread) once the headers are in, before any byte of
        the body is read: it authorises and checks the request (``req.content_length`` is the
        announced body size) and returns the :class:`~app.api.uploads.UploadTarget` that
        receives the file. Callers authenticate with a bearer token, or with the browser
        session cookie plus the session's CSRF token in the ``X-CSRF-Token`` header.
        """

        def register(
            func: Callable[[ApiRequest], UploadTarget],
        ) -> Callable[[ApiRequest], UploadTarget]:
            self.operations.append(
                Operation(
                    method.upper(),
                    path,
                    summary,
                    func,
                    None,
                    response,
                    status,
                    False,
                    tag,
                    dict(query or {}),
                    errors,
                    upload=True,
                    browser=True,
                )
            )
            return func

        return register

    # -- Tornado -----------------------------------------------------------------------------------
    def routes(self, ctx: AppContext) -> list[tuple[str, type, dict[str, Any]]]:
        by_path: dict[str, dict[str, Operation]] = {}
        for op in self.operations:
            by_path.setdefault(op.path, {})[op.method] = op
        routes: list[tuple[str, type, dict[str, Any]]] = []
        for path, ops in by_path.items():
            pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path) + r"/?"
            streams = any(op.upload for op in ops.values())
            handler = StreamingApiHandler if streams else ApiHandler
            routes.append((pattern, handler, {"ctx": ctx, "operations": ops}))
        routes.append((PREFIX + r"/.*", NotFoundHandler, {"ctx": ctx}))
        return routes

    # -- OpenAPI ------------------------------------------------------------------------------------
    def openapi(self) -> dict[str, Any]:
        schemas: dict[str, Any] = {"Problem": PROBLEM_SCHEMA}
        paths: dict[str, Any] = {}

        def ref(model: type[BaseModel]) -> dict[str, str]:
            schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
            for name, sub in schema.pop("$defs", {}).items():
                schemas[name] = sub
            schemas[model.__name__] = schema
            return {"$ref": f"#/components/schemas/{model.__name__}"}

        for op in self.operations:
            params = [
                {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                for name in re.findall(r"\{(\w+)\}", op.path)
            ]
            params += [
                {
                    "name": name,
                    "in": "query",
                    "required": False,
                    "description": text,
                    "schema": {"type": "string"},
                }
                for name, text in op.query.items()
            ]
            responses: dict[str, Any] = {
                str(op.status): {"description": "Success"}
                if op.response is None
                else {
                    "description": "Success",
                    "content": {"application/json": {"schema": ref(op.response)}},
                }
            }
            if op.produces:
                responses[str(op.status)] = {
                    "description": "A file, streamed as it is produced",
                    "headers": {"Content-Disposition": {"schema": {"type": "string"}}},
                    "content": {
                        media: {
                            "schema": {
                                "type": "string",
                                "contentMediaType": media,
                                "description": text,
                            }
                        }
                        for media, text in op.produces.items()
                    },
                }
            for code in sorted({400, 401, 404, 422, *op.errors}):
                responses[str(code)] = {
                    "description": ERROR_TITLES.get(code, "Error"),
                    "content": {
                        "application/problem+json": {
                            "schema": {"$ref": "#/components/schemas/Problem"}
                        }
                    },
                }
            entry: dict[str, Any] = {
                "summary": op.summary,
                "operationId": op.func.__name__,
                "tags": [op.tag],
                "parameters": params,
                "responses": responses,
            }
            if op.body is not None:
                entry["requestBody"] = {
                    "required": True,
                    "content": {"application/json": {"schema": ref(op.body)}},
                }
            if op.upload:
                entry["requestBody"] = {"required": True, "content": MULTIPART_FILE}
            if op.public:
                entry["security"] = []
            elif op.browser:
                entry["security"] = [{"bearer": []}, {"session": [], "csrf": []}]
            else:
                entry["security"] = [{"bearer": []}]
            paths.setdefault(op.path, {})[op.method.lower()] = entry
        return {
            "openapi": "3.1.0",
            "info": {"title": "DataPilot API", "version": "1"},
            "paths": paths,
            "components": {
                "schemas": schemas,
                "securitySchemes": {
                    "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                    "session": {
                        "type": "apiKey",
                        "in": "cookie",
                        "name": SESSION_COOKIE,
                        "description": "The browser session (file uploads and query "
                        "downloads only), together with the session's CSRF token in the "
                        f"{CSRF_HEADER} header.",
                    },
                    "csrf": {"type": "apiKey", "in": "header", "name": CSRF_HEADER},
                },
            },
        }


MULTIPART_FILE = {
    "multipart/form-data": {
        "schema": {
            "type": "object",
            "properties": {
                FILE_FIELD: {
                    "type": "string",
                    "contentMediaType": "application/octet-stream",
                    "description": "The file; streamed to disk as it arrives.",
                }
            },
            "required": [FILE_FIELD],
        }
    }
}

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
    "required": ["type", "title", "status", "detail"],
}


class ProblemMixin(tornado.web.RequestHandler):
    def set_default_headers(self) -> None:
        self.set_header("Cache-Control", "no-store")
        self.set_header("X-Content-Type-Options", "nosniff")

    def problem(self, status: int, title: str, detail: str, **extra: Any) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/problem+json")
        body = {
            "type": "about:blank",
            "title": title,
            "status": status,
            "detail": detail,
            "instance": self.request.path,
            **extra,
        }
        self.finish(json.dumps(body))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        reason = self._reason or "Error"
        detail = "Unexpected server error; it has been logged." if status_code >= 500 else reason
        self.problem(status_code, reason, detail)


class NotFoundHandler(ProblemMixin):
    def initialize(self, ctx: AppContext) -> None:
        self.ctx = ctx

    def prepare(self) -> None:
        self.problem(404, "Not found", f"No API route {self.request.path}.")


class ApiHandler(ProblemMixin):
    SUPPORTED_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

    def initialize(self, ctx: AppContext, operations: dict[str, Operation]) -> None:
        self.ctx = ctx
        self.operations = operations

    def check_xsrf_cookie(self) -> None:  # the session's CSRF header is checked per operation
        return

    async def _dispatch(self, **path: str) -> None:
        op = self.operations.get(self.request.method or "")
        if op is None:
            self.set_header("Allow", ", ".join(sorted(self.operations)))
            self.problem(
                405,
                "Method not allowed",
                f"{self.request.method} is not allowed on {self.request.path}.",
            )
            return
        try:
            principal = None
            if not op.public:
                check = self._authenticate_browser if op.browser else self._authenticate
                principal = await asyncio.to_thread(check)
            body = self._parse_body(op)
            request = ApiRequest(
                ctx=self.ctx,
                principal=principal,
                path=path,
                body=body,
                query={k: self.get_query_argument(k) for k in self.request.query_arguments},
                client_address=self.request.remote_ip or "unknown",
            )
            result = await self._in_thread(op, op.func, request)
        except (_BodyError, DomainError) as exc:
            self._fail(exc)
            return
        if isinstance(result, Stream):
            await self._stream(result, op)
            return
        self._reply(result, op)

    async def _in_thread(self, op: Operation, func: Callable[..., Any], *args: Any) -> Any:
        """``func(*args)`` in the operation's thread pool (the shared one by default)."""
        executor = None if op.executor is None else op.executor(self.ctx)
        if executor is None:
            return await asyncio.to_thread(func, *args)
        return await asyncio.get_running_loop().run_in_executor(executor, func, *args)

    async def _stream(self, stream: Stream, op: Operation) -> None:
        """Send ``stream`` chunk by chunk; each next chunk is made once the last one is sent."""
        self.set_status(op.status)
        self.set_header("Content-Type", stream.media_type)
        if stream.filename:
            self.set_header("Content-Disposition", attachment(stream.filename))
        chunks = iter(stream.chunks)
        try:
            while True:
                chunk = await self._in_thread(op, next, chunks, None)
                if chunk is None:
                    break
                if chunk:
                    self.write(chunk)
                    await self.flush()  # waits until the client took it: no build-up
        except StreamClosedError:  # the client went away: stop producing
            await self._in_thread(op, _close, chunks)
            return
        except Exception:
            log.exception("streaming %s failed", self.request.path)
            await self._in_thread(op, _close, chunks)
            if not self._headers_written:
                self.problem(500, "Server error", "The download failed on the server; retry.")
                return
            # Headers are out: cutting the connection is the only way left to say it failed.
            self._connection().close()
            return
        self.finish()

    def _connection(self) -> HTTP1Connection:
        return cast(HTTP1Connection, self.request.connection)

    def _reply(self, result: Any, op: Operation) -> None:
        reply = result if isinstance(result, Reply) else Reply(result, op.status)
        for name, value in reply.headers.items():
            self.set_header(name, value)
        self.set_status(reply.status)
        if reply.body is None or reply.status == 204:
            self.finish()
            return
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(_jsonable(reply.body)))

    def _fail(self, exc: Exception) -> None:
        """Answer with the problem document of a domain (or request) error."""
        if isinstance(exc, _BodyError):
            self.problem(422, "Invalid input", exc.detail, errors=exc.errors)
            return
        if isinstance(exc, UploadRefused):
            self.problem(exc.status, ERROR_TITLES.get(exc.status, "Bad request"), str(exc))
            return
        assert isinstance(exc, DomainError)
        if isinstance(exc, Throttled):
            self.set_header("Retry-After", str(exc.retry_after))
        if isinstance(exc, AuthenticationFailed):
            self.set_header("WWW-Authenticate", 'Bearer realm="datapilot"')
        extra: dict[str, Any] = dict(getattr(exc, "problem_fields", None) or {})
        if getattr(exc, "field", None):
            extra["errors"] = [{"field": exc.field, "message": str(exc)}]  # type: ignore[attr-defined]
        self.problem(exc.status, exc.title, str(exc), **extra)

    get = post = put = patch = delete = _dispatch  # type: ignore[assignment]

    def _authenticate(self) -> Principal:
        header = self.request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthenticationFailed("Send an access token: 'Authorization: Bearer <token>'.")
        return self.ctx.accounts.principal_from_access_token(token.strip())

    def _authenticate_browser(self) -> Principal:
        """A bearer token, or the browser session cookie with the session's CSRF token.

        The same check for uploads and for operations declared with ``browser=True``.
        """
        if self.request.headers.get("Authorization"):
            return self._authenticate()
        resolved = self.ctx.accounts.resolve_browser_session(self.get_cookie(SESSION_COOKIE))
        if resolved is None:
            raise AuthenticationFailed(
                "Sign in, or send an access token: 'Authorization: Bearer <token>'."
            )
        principal, csrf = resolved
        sent = self.request.headers.get(CSRF_HEADER, "")
        if not sent or not hmac.compare_digest(sent.encode(), csrf.encode()):
            raise Forbidden(
                f"A request from the browser needs the page's {CSRF_HEADER} header; "
                "reload the page and retry."
            )
        return principal

    def _parse_body(self, op: Operation) -> Any:
        if op.body is None:
            return None
        raw = self.request.body or b""
        if len(raw) > MAX_BODY_BYTES:
            raise _BodyError("The request body is larger than 1 MiB.", [])
        ctype = self.request.headers.get("Content-Type", "").split(";")[0].strip()
        if ctype != "application/json":
            raise _BodyError("Send the body as JSON with 'Content-Type: application/json'.", [])
        try:
            data = json.loads(raw or b"null")
        except ValueError as exc:
            raise _BodyError(f"The body is not valid JSON: {exc}", []) from None
        try:
            return op.body.model_validate(data)
        except ValidationError as exc:
            errors = [
                {"field": ".".join(str(p) for p in e["loc"]) or "body", "message": e["msg"]}
                for e in exc.errors()
            ]
            first = errors[0]
            raise _BodyError(f"{first['field']}: {first['message']}", errors) from None


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
                client_address=self.request.remote_ip or "unknown",
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

    def _content_length(self) -> int | None:
        raw = self.request.headers.get("Content-Length")
        try:
            return int(raw) if raw is not None else None
        except ValueError:
            return None


def attachment(filename: str) -> str:
    """A Content-Disposition header offering ``filename`` as a download (RFC 6266)."""
    plain = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in filename
    )
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _close(chunks: Iterator[bytes]) -> None:
    close = getattr(chunks, "close", None)
    if close is not None:
        close()


class _BodyError(Exception):
    def __init__(self, detail: str, errors: list[dict[str, str]]) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors


def _jsonable(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, uuid.UUID):
        return str(value)
    return value
