"""Helpers for the sources REST tests: uploads over real HTTP, polling, generated files."""

from __future__ import annotations

import os
import struct
import time
import uuid
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import RunningServer
from tests.integration.conftest import API, ApiUser

MIB = 1024 * 1024
ORDERS = "order_id;customer;amount;shipped\n" + "".join(
    f"{i};Customer {i % 7};{i * 3 % 101},{i % 10}0;D{i % 28 + 1:02d}012024\n" for i in range(1, 121)
)
"""120 orders in French format; ``shipped`` (``D05012024``) is read as text unless overridden."""


def sources_url(workspace_id: str) -> str:
    return f"{API}/workspaces/{workspace_id}/sources"


def source_url(workspace_id: str, source_id: str) -> str:
    return f"{API}/workspaces/{workspace_id}/sources/{source_id}"


def create_workspace(client: httpx.Client, user: ApiUser, name: str | None = None) -> str:
    response = client.post(
        f"{API}/workspaces",
        json={"name": name or f"Sales {uuid.uuid4().hex[:6]}"},
        headers=user.headers,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def tenant_id(client: httpx.Client, user: ApiUser) -> str:
    return str(client.get(f"{API}/me", headers=user.headers).json()["tenant_id"])


def post_file(
    client: httpx.Client,
    url: str,
    filename: str,
    data: bytes,
    headers: dict[str, str] | None = None,
    params: dict[str, str] | None = None,
) -> httpx.Response:
    """A browser-like multipart upload with the file in the ``file`` field."""
    return client.post(
        url,
        files={"file": (filename, data, "application/octet-stream")},
        headers=headers or {},
        params=params or {},
    )


def upload(
    client: httpx.Client,
    user: ApiUser,
    workspace_id: str,
    filename: str,
    data: bytes,
    **params: str,
) -> httpx.Response:
    return post_file(client, sources_url(workspace_id), filename, data, user.headers, params)


def upload_path(
    client: httpx.Client, user: ApiUser, workspace_id: str, path: Path
) -> httpx.Response:
    """Upload the file at ``path``, streamed from disk (large test files stay out of memory)."""
    with path.open("rb") as handle:
        return client.post(
            sources_url(workspace_id),
            files={"file": (path.name, handle, "text/csv")},
            headers=user.headers,
        )


def wait_settled(
    client: httpx.Client, user: ApiUser, workspace_id: str, source_id: str, timeout: float = 90
) -> dict[str, Any]:
    """Poll the source until it is no longer uploading or ingesting."""
    deadline = time.monotonic() + timeout
    while True:
        response = client.get(source_url(workspace_id, source_id), headers=user.headers)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        if body["status"] not in ("uploading", "ingesting"):
            return body
        if time.monotonic() > deadline:
            raise AssertionError(f"source is still {body['status']}: {body}")
        time.sleep(0.1)


def upload_settled(
    client: httpx.Client,
    user: ApiUser,
    workspace_id: str,
    filename: str = "orders.csv",
    data: bytes = ORDERS.encode(),
    **params: str,
) -> dict[str, Any]:
    response = upload(client, user, workspace_id, filename, data, **params)
    assert response.status_code == 202, response.text
    return wait_settled(client, user, workspace_id, response.json()["id"])


def upload_ready(
    client: httpx.Client,
    user: ApiUser,
    workspace_id: str,
    filename: str = "orders.csv",
    data: bytes = ORDERS.encode(),
) -> dict[str, Any]:
    source = upload_settled(client, user, workspace_id, filename, data)
    assert source["status"] == "ready", source["error"]
    return source


def source_folder(server: RunningServer, tenant: str, workspace_id: str, source_id: str) -> Path:
    return server.data_dir / tenant / workspace_id / source_id


def multipart(
    filename: str, chunks: Iterable[bytes], field: str = "file"
) -> tuple[dict[str, str], Iterator[bytes]]:
    """Headers and a generator body for a streamed multipart upload (sent chunked)."""
    boundary = f"dp-test-{uuid.uuid4().hex}"
    head = (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()

    def body() -> Iterator[bytes]:
        yield head
        yield from chunks
        yield tail

    return {"Content-Type": f"multipart/form-data; boundary={boundary}"}, body()


def multipart_length(filename: str, size: int, field: str = "file") -> int:
    """The Content-Length of :func:`multipart` for a file of ``size`` bytes."""
    _headers, body = multipart(filename, [], field)
    return sum(len(part) for part in body) + size


def zip_bomb(expanded_mb: int) -> bytes:
    """A valid ``.csv.gz`` of about a kilobyte per expanded MiB (``a,b`` then zeros).

    Each MiB of zeros is deflated once after a full flush, so the same bytes can be repeated.
    """

    def deflate(data: bytes) -> bytes:
        compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
        return compressor.compress(data) + compressor.flush(zlib.Z_FULL_FLUSH)

    header, zeros = b"a,b\n", b"0" * MIB
    crc = zlib.crc32(header)
    for _ in range(expanded_mb):
        crc = zlib.crc32(zeros, crc)
    size = (len(header) + expanded_mb * MIB) & 0xFFFFFFFF
    body = deflate(header) + deflate(zeros) * expanded_mb + b"\x03\x00"
    return b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + body + struct.pack("<II", crc, size)


def big_csv(path: Path, megabytes: int) -> int:
    """Write a mixed-type CSV of about ``megabytes`` MB (ids, text, decimals, dates, booleans);
    returns its number of data rows."""
    block = "".join(
        f"{i},customer {i % 997},{i * 7 % 10007}.{i % 100:02d},2024-{i % 12 + 1:02d}-"
        f"{i % 28 + 1:02d},{'true' if i % 3 else 'false'}\n"
        for i in range(20_000)
    ).encode()
    with path.open("wb") as out:
        out.write(b"id,customer,amount,day,active\n")
        blocks = megabytes * MIB // len(block)
        for _ in range(blocks):
            out.write(block)
    return blocks * 20_000


def aged(folder: Path, seconds: float = 3600) -> None:
    """Make ``folder`` look ``seconds`` old (past the orphan grace period of recovery)."""
    then = time.time() - seconds
    os.utime(folder, (then, then))
