"""Streaming file uploads: a multipart/form-data body parsed as it arrives, the file part
written straight to disk.

The HTTP side lives in :mod:`app.api.framework.upload_handler` (a ``stream_request_body``
handler); this module holds what does not depend on Tornado: the incremental multipart reader
built on python-multipart's :class:`~python_multipart.MultipartParser`, and the protocol an
upload operation implements. Memory use is bounded by one network chunk whatever the file's size.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote

from python_multipart import MultipartParser
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import parse_options_header

FILE_FIELD = "file"
MAX_FIELD_BYTES = 64 * 1024
MAX_FIELDS = 16
# Multipart framing around the file (boundaries, part headers, small form fields) is allowed on
# top of the file size limit when a request's Content-Length is checked before streaming.
FRAMING_SLACK = 64 * 1024
_FILENAME_STAR = re.compile(r"filename\*\s*=\s*([\w-]+)'[^']*'([^;\s]+)", re.IGNORECASE)


class UploadRefused(Exception):
    """The body is not a usable multipart upload; ``str(error)`` says why."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Destination:
    """Where the file's bytes go, and the most that may arrive (with the message if exceeded)."""

    path: Path
    limit_bytes: int
    too_large: str


class UploadTarget(Protocol):
    """One upload in progress, as an operation sees it.

    ``begin`` is called once the file part's headers have arrived and before a single byte is
    stored: it creates what the upload needs or raises a domain error to refuse it.
    ``received`` reports the bytes stored so far (a few times a second; it runs on the event
    loop, so it must not block). ``finish`` runs after the last byte is on disk and returns the
    operation's reply. ``abort`` undoes ``begin`` (cancelled, refused or broken upload): it must
    leave nothing and may be called more than once, also when ``begin`` never ran.
    ``begin``, ``finish`` and ``abort`` run in worker threads.
    """

    def begin(self, filename: str, fields: dict[str, str]) -> Destination: ...

    def received(self, size: int) -> None: ...

    def finish(self) -> Any: ...

    def abort(self) -> None: ...


def boundary_of(content_type: str) -> bytes:
    """The multipart boundary of a ``Content-Type`` header, or :class:`UploadRefused` (415)."""
    kind, options = parse_options_header(content_type or "")
    boundary = options.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise UploadRefused(
            f"Send the file as multipart/form-data in a field named '{FILE_FIELD}'.", 415
        )
    return boundary


class MultipartFileReader:
    """Incremental reader of a multipart body with one file field.

    Feed it the body chunk by chunk with :meth:`feed`; small text fields are collected in
    :attr:`fields`, the file field's name in :attr:`filename` as soon as its headers are in, and
    its bytes are handed out by :meth:`take_file_bytes` (at most what one ``feed`` produced).
    Parts after the first file are ignored.
    """

    def __init__(self, content_type: str, field: str = FILE_FIELD) -> None:
        self.field = field
        self.fields: dict[str, str] = {}
        self.filename: str | None = None
        self.complete = False
        self._pending: list[bytes] = []
        self._headers: dict[str, bytes] = {}
        self._header_name = b""
        self._header_value = b""
        self._part: str | None = None  # "file", a field name, or "" for an ignored part
        self._value: list[bytes] = []
        self._value_size = 0
        self._files_seen = 0
        self._parser = MultipartParser(
            boundary_of(content_type),
            {
                "on_part_begin": self._on_part_begin,
                "on_header_field": self._on_header_field,
                "on_header_value": self._on_header_value,
                "on_header_end": self._on_header_end,
                "on_headers_finished": self._on_headers_finished,
                "on_part_data": self._on_part_data,
                "on_part_end": self._on_part_end,
                "on_end": self._on_end,
            },
        )

    @property
    def file_started(self) -> bool:
        return self.filename is not None

    def feed(self, chunk: bytes) -> None:
        try:
            self._parser.write(chunk)
        except MultipartParseError as exc:
            raise UploadRefused(f"The multipart body is malformed: {exc}") from None

    def take_file_bytes(self) -> bytes:
        data = b"".join(self._pending)
        self._pending.clear()
        return data

    # -- parser callbacks --------------------------------------------------------------------------
    def _on_part_begin(self) -> None:
        self._headers = {}
        self._part = None
        self._value = []
        self._value_size = 0

    def _on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _on_header_end(self) -> None:
        self._headers[self._header_name.decode("latin-1").lower()] = self._header_value
        self._header_name = self._header_value = b""

    def _on_headers_finished(self) -> None:
        raw = self._headers.get("content-disposition", b"")
        _, options = parse_options_header(raw)
        name = options.get(b"name", b"").decode("utf-8", "replace")
        filename = _filename(raw, options)
        if name == self.field and filename is not None:
            self._files_seen += 1
            if self._files_seen == 1:
                self._part = "file"
                self.filename = filename
                return
        if filename is None and len(self.fields) < MAX_FIELDS and self.filename is None:
            self._part = name
            return
        self._part = ""

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._part == "file":
            self._pending.append(data[start:end])
        elif self._part:
            self._value_size += end - start
            if self._value_size > MAX_FIELD_BYTES:
                raise UploadRefused(f"The form field '{self._part}' is too long.", 413)
            self._value.append(data[start:end])

    def _on_part_end(self) -> None:
        if self._part and self._part != "file":
            self.fields[self._part] = b"".join(self._value).decode("utf-8", "replace")
        self._part = None

    def _on_end(self) -> None:
        self.complete = True


def _filename(raw: bytes, options: dict[bytes, bytes]) -> str | None:
    """The part's file name; RFC 5987 ``filename*`` wins over ``filename``."""
    star = _FILENAME_STAR.search(raw.decode("latin-1"))
    if star:
        try:
            return unquote(star.group(2), encoding=star.group(1), errors="replace")
        except LookupError:  # an unknown charset: read it as UTF-8
            return unquote(star.group(2), errors="replace")
    value = options.get(b"filename")
    return None if value is None else value.decode("utf-8", "replace")
