"""Declaring operations (:class:`Api`) and turning them into Tornado routes."""

from __future__ import annotations

import re
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

from pydantic import BaseModel

from app.api.framework.handlers import ApiHandler
from app.api.framework.openapi import openapi_document
from app.api.framework.operation import PREFIX, ApiRequest, Operation
from app.api.framework.problems import NotFoundHandler
from app.api.framework.upload_handler import StreamingApiHandler
from app.api.framework.uploads import UploadTarget
from app.context import AppContext


class Api:
    """The operations of one API: each declared once, served as a route and documented."""

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
        announced body size) and returns the :class:`~app.api.framework.uploads.UploadTarget` that
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
        # Tornado takes the first matching route: literal segments go before parameters, so
        # ``/dashboards/widgets`` is not read as the dashboard ``widgets``.
        for path, ops in sorted(by_path.items(), key=lambda item: _literal_first(item[0])):
            pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path) + r"/?"
            streams = any(op.upload for op in ops.values())
            handler = StreamingApiHandler if streams else ApiHandler
            routes.append((pattern, handler, {"ctx": ctx, "operations": ops}))
        routes.append((PREFIX + r"/.*", NotFoundHandler, {"ctx": ctx}))
        return routes

    def openapi(self) -> dict[str, Any]:
        """The OpenAPI document of every declared operation."""
        return openapi_document(self.operations)


def _literal_first(path: str) -> list[bool]:
    return [segment.startswith("{") for segment in path.split("/")]
