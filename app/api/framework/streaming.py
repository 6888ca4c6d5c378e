"""Streamed answers: an operation returns a :class:`Stream` and the file goes out chunk by chunk."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import quote

from tornado.http1connection import HTTP1Connection
from tornado.iostream import StreamClosedError

from app.api.framework.problems import ProblemMixin

log = logging.getLogger("datapilot.api")


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


async def send_stream(
    handler: ProblemMixin,
    stream: Stream,
    status: int,
    in_thread: Callable[..., Awaitable[Any]],
) -> None:
    """Send ``stream`` chunk by chunk; each next chunk is made once the last one is sent.

    ``in_thread(func, *args)`` runs the producer's steps in the operation's thread pool.
    """
    handler.set_status(status)
    handler.set_header("Content-Type", stream.media_type)
    if stream.filename:
        handler.set_header("Content-Disposition", attachment(stream.filename))
    chunks = iter(stream.chunks)
    try:
        while True:
            chunk = await in_thread(next, chunks, None)
            if chunk is None:
                break
            if chunk:
                handler.write(chunk)
                await handler.flush()  # waits until the client took it: no build-up
    except StreamClosedError:  # the client went away: stop producing
        await in_thread(_close, chunks)
        return
    except Exception:
        log.exception("streaming %s failed", handler.request.path)
        await in_thread(_close, chunks)
        if not handler._headers_written:
            handler.problem(500, "Server error", "The download failed on the server; retry.")
            return
        # Headers are out: cutting the connection is the only way left to say it failed.
        cast(HTTP1Connection, handler.request.connection).close()
        return
    handler.finish()


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
