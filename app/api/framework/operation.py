"""What an operation is, sees and answers: its declaration, the request and the reply."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from app.context import AppContext
from app.principal import Principal

PREFIX = "/api/v1"
CSRF_HEADER = "X-CSRF-Token"


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
