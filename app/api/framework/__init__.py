"""A small REST layer on Tornado: declared operations, problem-details errors, OpenAPI.

Every operation is declared once with :meth:`Api.operation` (JSON in; JSON, or a file streamed
as a :class:`Stream`, out) or :meth:`Api.upload` (a multipart file streamed to disk); the same
declaration builds the Tornado routes and the OpenAPI document, so a route cannot exist without
its documentation.

The package, by seam: ``routing`` (:class:`Api`: declarations and routes) and ``openapi`` (the
document); ``operation`` (what an operation sees and answers); ``handlers`` (authentication, the
JSON body, the call) and ``problems`` (errors as problem+json); ``streaming`` (streamed answers);
``uploads`` and ``upload_handler`` (multipart files streamed to disk).
"""

from __future__ import annotations

from app.api.framework.handlers import ApiHandler
from app.api.framework.operation import CSRF_HEADER, PREFIX, ApiRequest, Operation, Reply
from app.api.framework.problems import NotFoundHandler
from app.api.framework.routing import Api
from app.api.framework.streaming import Stream, attachment
from app.api.framework.upload_handler import StreamingApiHandler
from app.api.framework.uploads import Destination, UploadRefused, UploadTarget

__all__ = [
    "CSRF_HEADER",
    "PREFIX",
    "Api",
    "ApiHandler",
    "ApiRequest",
    "Destination",
    "NotFoundHandler",
    "Operation",
    "Reply",
    "Stream",
    "StreamingApiHandler",
    "UploadRefused",
    "UploadTarget",
    "attachment",
]
