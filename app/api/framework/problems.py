"""Errors as RFC 9457 problem details (``application/problem+json``), translated once here."""

from __future__ import annotations

import json
from typing import Any

import tornado.web

from app.api.framework.uploads import UploadRefused
from app.context import AppContext
from app.services.errors import AuthenticationFailed, DomainError, Throttled

ERROR_TITLES = {
    400: "Bad request",
    401: "Not signed in",
    403: "Forbidden",
    404: "Not found",
    409: "Conflict",
    413: "Too large",
    415: "Unsupported media type",
    422: "Invalid input",
    502: "Upstream service error",
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


class BodyError(Exception):
    """A request body that is not the operation's JSON; ``errors`` lists the fields at fault."""

    def __init__(self, detail: str, errors: list[dict[str, str]]) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors


class ProblemMixin(tornado.web.RequestHandler):
    """A handler whose errors are answered as problem documents."""

    def set_default_headers(self) -> None:
        self.set_header("Cache-Control", "no-store")  # the server adds the security headers

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

    def _fail(self, exc: Exception) -> None:
        """Answer with the problem document of a domain (or request) error."""
        if isinstance(exc, BodyError):
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


class NotFoundHandler(ProblemMixin):
    """Any path under the API prefix that no operation declares."""

    def initialize(self, ctx: AppContext) -> None:
        self.ctx = ctx

    def prepare(self) -> None:
        self.problem(404, "Not found", f"No API route {self.request.path}.")
