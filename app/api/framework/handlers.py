"""Request handling: authentication, the JSON body, and calling the operation in a thread."""

from __future__ import annotations

import asyncio
import hmac
import json
import uuid
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ValidationError

from app.api.framework.operation import CSRF_HEADER, ApiRequest, Operation, Reply
from app.api.framework.problems import BodyError, ProblemMixin
from app.api.framework.streaming import Stream, send_stream
from app.auth.web import SESSION_COOKIE, request_client_address
from app.context import AppContext
from app.principal import Principal
from app.services.errors import AuthenticationFailed, DomainError, Forbidden

MAX_BODY_BYTES = 1 << 20


class ApiHandler(ProblemMixin):
    """The routes of one path: each method's operation, called in a worker thread."""

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
                client_address=request_client_address(self.request, self.ctx.settings.server),
            )
            result = await self._in_thread(op, op.func, request)
        except (BodyError, DomainError) as exc:
            self._fail(exc)
            return
        if isinstance(result, Stream):
            await send_stream(self, result, op.status, lambda *args: self._in_thread(op, *args))
            return
        self._reply(result, op)

    async def _in_thread(self, op: Operation, func: Callable[..., Any], *args: Any) -> Any:
        """``func(*args)`` in the operation's thread pool (the shared one by default)."""
        executor = None if op.executor is None else op.executor(self.ctx)
        if executor is None:
            return await asyncio.to_thread(func, *args)
        return await asyncio.get_running_loop().run_in_executor(executor, func, *args)

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
            raise BodyError("The request body is larger than 1 MiB.", [])
        ctype = self.request.headers.get("Content-Type", "").split(";")[0].strip()
        if ctype != "application/json":
            raise BodyError("Send the body as JSON with 'Content-Type: application/json'.", [])
        try:
            data = json.loads(raw or b"null")
        except ValueError as exc:
            raise BodyError(f"The body is not valid JSON: {exc}", []) from None
        try:
            return op.body.model_validate(data)
        except ValidationError as exc:
            errors = [
                {"field": ".".join(str(p) for p in e["loc"]) or "body", "message": e["msg"]}
                for e in exc.errors()
            ]
            first = errors[0]
            raise BodyError(f"{first['field']}: {first['message']}", errors) from None


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
