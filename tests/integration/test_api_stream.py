"""Streamed answers of the REST framework (:class:`app.api.framework.Stream`) over real HTTP.

A small Tornado server in a thread serves operations declared on their own :class:`Api`; the
producers record what they made, so the tests see that a chunk is made only when the client
reads, that a client going away stops the producer, and that a failure is never a silent, whole
looking file.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
import tornado.httpserver
import tornado.web

from app.api.framework import Api, ApiRequest, Stream
from app.settings import ServerSettings
from tests.conftest import free_port
from tests.integration.conftest import assert_problem

CHUNK = 1 << 20  # 1 MiB
MANY = 4096  # 4 GiB if it were all made: far more than any socket buffer


@dataclass
class Producer:
    """Chunks made on demand; remembers how many, in which thread, and whether it was closed."""

    count: int
    fail_after: int | None = None
    made: int = 0
    threads: set[str] = field(default_factory=set)
    closed: threading.Event = field(default_factory=threading.Event)

    def chunks(self) -> Iterator[bytes]:
        try:
            for index in range(self.count):
                if self.fail_after is not None and index == self.fail_after:
                    raise RuntimeError("disk on fire")
                self.threads.add(threading.current_thread().name)
                self.made += 1
                yield bytes([65 + index % 26]) * CHUNK
        finally:
            self.closed.set()


@dataclass
class StreamServer:
    base_url: str
    producers: dict[str, Producer]


def serve(api: Api, ctx: Any) -> tuple[str, Any]:
    """Serve ``api`` on a free port in a thread; returns its URL and a stop function."""
    port = free_port()
    started = threading.Event()
    holder: dict[str, Any] = {}

    def run() -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        app = tornado.web.Application(api.routes(ctx))
        server = tornado.httpserver.HTTPServer(app)
        server.listen(port, "127.0.0.1")
        holder.update(loop=loop, server=server)
        started.set()
        loop.run_forever()
        server.stop()
        loop.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    started.wait(10)

    def stop() -> None:
        holder["loop"].call_soon_threadsafe(holder["loop"].stop)
        thread.join(10)

    return f"http://127.0.0.1:{port}", stop


@pytest.fixture
def stream_server() -> Iterator[StreamServer]:
    api = Api()
    producers: dict[str, Producer] = {}
    pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="own-pool")

    def start(name: str, producer: Producer) -> None:
        producers[name] = producer

    @api.operation("GET", "/api/v1/many", "Many chunks", public=True, produces={"text/plain": ""})
    def many(req: ApiRequest) -> Stream:
        producer = Producer(MANY)
        start("many", producer)
        return Stream(producer.chunks(), "text/plain", filename="données été.txt")

    @api.operation("GET", "/api/v1/three", "Three chunks", public=True, executor=lambda c: pool)
    def three(req: ApiRequest) -> Stream:
        producer = Producer(3)
        start("three", producer)
        return Stream(producer.chunks(), "application/octet-stream", filename="three.bin")

    @api.operation("GET", "/api/v1/broken", "Fails after two chunks", public=True)
    def broken(req: ApiRequest) -> Stream:
        producer = Producer(5, fail_after=2)
        start("broken", producer)
        return Stream(producer.chunks())

    @api.operation("GET", "/api/v1/dead", "Fails at once", public=True)
    def dead(req: ApiRequest) -> Stream:
        producer = Producer(5, fail_after=0)
        start("dead", producer)
        return Stream(producer.chunks())

    # The handlers read only the server settings (trusted proxies) from the context.
    url, stop = serve(api, ctx=SimpleNamespace(settings=SimpleNamespace(server=ServerSettings())))
    yield StreamServer(url, producers)
    stop()
    pool.shutdown(wait=False, cancel_futures=True)


def test_a_stream_arrives_whole_as_an_attachment(stream_server: StreamServer) -> None:
    response = httpx.get(f"{stream_server.base_url}/api/v1/three", timeout=30)

    assert response.status_code == 200
    assert response.content == b"A" * CHUNK + b"B" * CHUNK + b"C" * CHUNK
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["content-disposition"].startswith('attachment; filename="three.bin"')
    assert "content-length" not in response.headers  # sent chunked, as made
    assert stream_server.producers["three"].closed.is_set()


def test_a_stream_runs_in_the_operations_own_thread_pool(stream_server: StreamServer) -> None:
    assert httpx.get(f"{stream_server.base_url}/api/v1/three", timeout=30).status_code == 200
    threads = stream_server.producers["three"].threads
    assert threads and all(name.startswith("own-pool") for name in threads)


def test_a_non_ascii_filename_is_offered_in_both_forms(stream_server: StreamServer) -> None:
    with httpx.stream("GET", f"{stream_server.base_url}/api/v1/many", timeout=30) as response:
        disposition = response.headers["content-disposition"]
    assert disposition == (
        "attachment; filename=\"donn_es _t_.txt\"; filename*=UTF-8''donn%C3%A9es%20%C3%A9t%C3%A9.txt"
    )


def test_chunks_are_made_as_the_client_reads_and_a_client_leaving_stops_them(
    stream_server: StreamServer,
) -> None:
    received = 0
    with httpx.stream("GET", f"{stream_server.base_url}/api/v1/many", timeout=30) as response:
        for data in response.iter_bytes():
            received += len(data)
            if received >= 3 * CHUNK:
                break
    producer = stream_server.producers["many"]

    assert producer.closed.wait(30), "the producer was not closed after the client left"
    # Only what fits in the socket buffers was made ahead, not the 4 GiB on offer.
    assert producer.made < MANY // 8


def test_a_failure_after_the_first_chunk_cuts_the_connection(stream_server: StreamServer) -> None:
    received = b""
    url = f"{stream_server.base_url}/api/v1/broken"
    with pytest.raises(httpx.RemoteProtocolError), httpx.stream("GET", url, timeout=30) as response:
        assert response.status_code == 200
        for data in response.iter_bytes():
            received += data
    assert len(received) <= 2 * CHUNK  # never a complete-looking body
    assert stream_server.producers["broken"].closed.is_set()


def test_a_failure_before_the_first_chunk_is_a_500_problem(stream_server: StreamServer) -> None:
    response = httpx.get(f"{stream_server.base_url}/api/v1/dead", timeout=30)

    problem = assert_problem(response, 500)
    assert "download failed" in problem["detail"]
    assert stream_server.producers["dead"].closed.is_set()


def test_the_openapi_document_lists_the_streamed_media_types() -> None:
    api = Api()

    @api.operation(
        "POST",
        "/api/v1/export",
        "Export",
        produces={"text/csv": "CSV with a header", "application/vnd.apache.parquet": "Parquet"},
    )
    def export(req: ApiRequest) -> Stream:
        raise NotImplementedError

    ok = api.openapi()["paths"]["/api/v1/export"]["post"]["responses"]["200"]
    assert set(ok["content"]) == {"text/csv", "application/vnd.apache.parquet"}
    assert ok["content"]["text/csv"]["schema"]["description"] == "CSV with a header"
    assert "Content-Disposition" in ok["headers"]
