"""A small REST layer on Tornado: declared operations, problem-details errors, OpenAPI.

Every operation is declared once with :meth:`Api.operation`; the same declaration builds the
Tornado routes and the OpenAPI document, so a route cannot exist without its documentation.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import tornado.web
from pydantic import BaseModel, ValidationError

from app.context import AppContext
from app.services.errors import AuthenticationFailed, DomainError, Throttled
from app.services.principal import Principal

log = logging.getLogger("datapilot.api")
PREFIX = "/api/v1"
MAX_BODY_BYTES = 1 << 20


@dataclass
class ApiRequest:
    """What an operation sees: the context, the caller, path parameters and the parsed body."""

    ctx: AppContext
    principal: Principal | None
    path: dict[str, str]
    body: Any
    query: dict[str, str]
    client_address: str

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
    ) -> Callable[[Callable[[ApiRequest], Any]], Callable[[ApiRequest], Any]]:
        def register(func: Callable[[ApiRequest], Any]) -> Callable[[ApiRequest], Any]:
            self.operations.append(
                Operation(method.upper(), path, summary, func, body, response, status, public, tag)
            )
            return func

        return register

    # -- Tornado -----------------------------------------------------------------------------------
    def routes(self, ctx: AppContext) -> list[tuple[str, type, dict[str, Any]]]:
        by_path: dict[str, dict[str, Operation]] = {}
        for op in self.operations:
            by_path.setdefault(op.path, {})[op.method] = op
        routes = []
        for path, ops in by_path.items():
            pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path) + r"/?"
            routes.append((pattern, ApiHandler, {"ctx": ctx, "operations": ops}))
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
            responses: dict[str, Any] = {
                str(op.status): {"description": "Success"}
                if op.response is None
                else {
                    "description": "Success",
                    "content": {"application/json": {"schema": ref(op.response)}},
                }
            }
            for code, text in (
                (400, "Bad request"),
                (401, "Not signed in"),
                (404, "Not found"),
                (422, "Invalid input"),
            ):
                responses[str(code)] = {
                    "description": text,
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
            entry["security"] = [] if op.public else [{"bearer": []}]
            paths.setdefault(op.path, {})[op.method.lower()] = entry
        return {
            "openapi": "3.1.0",
            "info": {"title": "DataPilot API", "version": "1"},
            "paths": paths,
            "components": {
                "schemas": schemas,
                "securitySchemes": {
                    "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
                },
            },
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

    def check_xsrf_cookie(self) -> None:  # bearer tokens only: no ambient credentials
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
                principal = await asyncio.to_thread(self._authenticate)
            body = self._parse_body(op)
            request = ApiRequest(
                ctx=self.ctx,
                principal=principal,
                path=path,
                body=body,
                query={k: self.get_query_argument(k) for k in self.request.query_arguments},
                client_address=self.request.remote_ip or "unknown",
            )
            result = await asyncio.to_thread(op.func, request)
        except _BodyError as exc:
            self.problem(422, "Invalid input", exc.detail, errors=exc.errors)
            return
        except Throttled as exc:
            self.set_header("Retry-After", str(exc.retry_after))
            self.problem(exc.status, exc.title, str(exc))
            return
        except AuthenticationFailed as exc:
            self.set_header("WWW-Authenticate", 'Bearer realm="datapilot"')
            self.problem(exc.status, exc.title, str(exc))
            return
        except DomainError as exc:
            extra = (
                {"errors": [{"field": exc.field, "message": str(exc)}]}
                if getattr(exc, "field", None)
                else {}
            )
            self.problem(exc.status, exc.title, str(exc), **extra)
            return
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
