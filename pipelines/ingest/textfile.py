"""Text inputs: decompression with a size cap, encoding detection, transcoding to UTF-8.

DuckDB's CSV reader reads UTF-8 only (with or without BOM), so anything else is transcoded,
streaming, into a temporary file. Plain UTF-8 files are read in place.
"""

from __future__ import annotations

import codecs
import gzip
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, cast

from .bounds import expands_too_much, size_text, too_large
from .errors import IngestError
from .models import MIB

HEAD_BYTES = 4 * MIB
RATIO_FLOOR = 16 * MIB
"""Decompressed bytes always allowed, whatever the expansion ratio."""
CHUNK_BYTES = 4 * MIB

_BINARY_MAGIC = {
    b"PK\x03\x04": "a ZIP archive (an Excel .xlsx file? save it with the .xlsx extension)",
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"PAR1": "a Parquet file (use the .parquet extension)",
    b"\xd0\xcf\x11\xe0": "an old Office document (.xls); save it as .xlsx or .csv",
    b"SQLite format 3": "an SQLite database",
}


def _latin1_fallback(error: UnicodeError) -> tuple[str, int]:
    # cp1252 leaves five bytes undefined; Latin-1 maps them to C1 controls instead of failing.
    assert isinstance(error, UnicodeDecodeError)
    return error.object[error.start : error.end].decode("latin-1"), error.end


codecs.register_error("datapilot_latin1", _latin1_fallback)


@dataclass(frozen=True)
class TextInput:
    """A UTF-8 file DuckDB can read, and what was learned preparing it.

    Parameters
    ----------
    path
        UTF-8 file to read (the original, or a transcoded/decompressed copy).
    encoding
        The source encoding: ``utf-8``, ``utf-16-le``, ``utf-16-be``, ``windows-1252``...
    bom
        Whether the source starts with a byte order mark.
    compression
        ``"gzip"`` or None.
    head
        The decoded first bytes (at most 4 MiB), for dialect detection.
    complete
        True when ``head`` is the whole file.
    ascii_head
        True when ``head`` is pure ASCII (the encoding was not really observed).
    """

    path: Path
    encoding: str
    bom: bool
    compression: str | None
    head: str
    complete: bool
    ascii_head: bool


class _CappedReader:
    """Reads a (possibly gzip) stream, failing once more than ``limit`` bytes came out.

    A compressed stream also fails once it has unpacked to more than ``ratio`` times the
    compressed bytes consumed so far (past :data:`RATIO_FLOOR`, so small files always pass).
    """

    def __init__(
        self, raw: IO[bytes], stream: IO[bytes], limit: int, compressed: bool, ratio: float
    ):
        self.raw = raw
        self.stream = stream
        self.limit = limit
        self.compressed = compressed
        self.ratio = ratio
        self.total = 0

    def read(self, size: int) -> bytes:
        try:
            data = self.stream.read(size)
        except (OSError, EOFError, zlib.error) as exc:
            raise IngestError(
                "The compressed file is damaged or truncated.", "bad_compression"
            ) from exc
        self.total += len(data)
        if self.total > self.limit:
            raise too_large(self.limit, "decompressed file" if self.compressed else "file")
        if (
            self.compressed
            and self.ratio > 0
            and self.total > RATIO_FLOOR
            and self.total > self.ratio * max(1, self.raw.tell())
        ):
            raise expands_too_much(self.ratio)
        return data


_size = size_text


def _detect_encoding(head: bytes, complete: bool, forced: str | None) -> tuple[str, bool]:
    """Return (python codec name, has_bom) for the first bytes of a file."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", True
    if head.startswith(codecs.BOM_UTF16_LE):
        return "utf-16-le", True
    if head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16-be", True
    if forced:
        return forced, False
    even, odd = head[0:4096:2], head[1:4096:2]
    if len(head) >= 4 and odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le", False
    if len(head) >= 4 and even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be", False
    try:
        codecs.getincrementaldecoder("utf-8")("strict").decode(head, final=complete)
        return "utf-8", False
    except UnicodeDecodeError:
        return "cp1252", False


def _check_binary(head: bytes) -> None:
    for magic, what in _BINARY_MAGIC.items():
        if head.startswith(magic):
            raise IngestError(f"This is not a text table: it looks like {what}.", "binary_file")
    sample = head[:65536]
    nul = sample.find(b"\x00")
    controls = sum(1 for b in sample if b < 9 or 13 < b < 32)
    if nul >= 0 or controls > 0.01 * max(1, len(sample)):
        where = f" (byte 0x00 at offset {nul})" if nul >= 0 else ""
        raise IngestError(
            f"This is not a text table: the file contains binary data{where}.", "binary_file"
        )


def _check_first_line(path: Path, max_line: int) -> None:
    """Fail when the first line of the UTF-8 file ``path`` is longer than ``max_line``."""
    seen = 0
    with path.open("rb") as handle:
        while seen <= max_line:
            chunk = handle.read(CHUNK_BYTES)
            if not chunk or b"\n" in chunk or b"\r" in chunk:
                return
            seen += len(chunk)
    raise IngestError(
        f"Line 1 is longer than the {_size(max_line)} limit: this does not look like "
        "a table with one record per line.",
        "line_too_long",
    )


def _invalid(codec: str, bom: bool, offset: int) -> IngestError:
    if codec.startswith("utf-8") and bom:
        return IngestError(
            "The file declares UTF-8 (it starts with a byte order mark) but contains "
            f"invalid UTF-8 at byte {offset}.",
            "invalid_utf8",
        )
    return IngestError(
        f"The file is not valid {_display_encoding(codec)}: invalid bytes at offset {offset}.",
        "invalid_encoding",
    )


_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


def has_utf8_sequences(path: Path) -> bool:
    """Whether the file holds any valid multi-byte UTF-8 sequence (one sequential pass).

    Used when a file whose head was plain ASCII turns out to hold invalid UTF-8 later: with
    no valid sequence at all it is a Windows-1252 file; with some, it mixes encodings and
    only the invalid rows are reported.
    """
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            if _UTF8_MULTIBYTE.search(chunk):
                return True
    return False


def _display_encoding(codec: str) -> str:
    return {"utf-8-sig": "utf-8", "cp1252": "windows-1252"}.get(codec, codec)


def prepare_text(
    source: Path,
    workdir: Path,
    *,
    gzipped: bool,
    max_bytes: int,
    max_line_bytes: int,
    max_expansion_ratio: float = 0,
    forced_encoding: str | None = None,
    progress: Callable[[float], None] | None = None,
    check: Callable[[], None] | None = None,
) -> TextInput:
    """Return a UTF-8 version of ``source`` (decompressed and transcoded when needed).

    Raises
    ------
    IngestError
        Empty, binary, too large (the size limit counts the bytes written, after
        decompression and transcoding), expands too much, invalid UTF-8 despite a UTF-8 BOM,
        first line too long.
    """
    size = source.stat().st_size
    if size == 0:
        raise IngestError("The file is empty.", "empty_file")
    if not gzipped and size > max_bytes:
        raise IngestError(f"The file is larger than the limit of {_size(max_bytes)}.", "too_large")
    with source.open("rb") as raw:
        if not gzipped and raw.read(2) == b"\x1f\x8b":
            gzipped = True
        raw.seek(0)
        stream = cast("IO[bytes]", gzip.GzipFile(fileobj=raw, mode="rb") if gzipped else raw)
        reader = _CappedReader(raw, stream, max_bytes, gzipped, max_expansion_ratio)
        head = reader.read(HEAD_BYTES)
        complete = len(head) < HEAD_BYTES or _at_end(reader)
        if not head.strip(b" \t\r\n\xef\xbb\xbf"):
            raise IngestError("The file is empty.", "empty_file")
        codec, bom = _detect_encoding(head, complete, forced_encoding)
        if not codec.startswith("utf-16"):
            _check_binary(head[3:] if bom else head)
        decoder = codecs.getincrementaldecoder(codec)(
            "datapilot_latin1" if codec == "cp1252" else "strict"
        )
        try:
            text = decoder.decode(head, final=complete)
        except UnicodeDecodeError as exc:
            raise _invalid(codec, bom, exc.start + (3 if codec == "utf-8-sig" else 0)) from exc
        except LookupError as exc:
            raise IngestError(f"Unknown encoding {codec!r}.", "bad_option") from exc
        text = text.lstrip("\ufeff")
        if not text.strip():
            raise IngestError("The file is empty.", "empty_file")
        needs_copy = gzipped or codec not in ("utf-8", "utf-8-sig")
        if not needs_copy:
            _check_first_line(source, max_line_bytes)
            return TextInput(source, "utf-8", bom, None, text, complete, text.isascii() and not bom)
        target = workdir / "input.csv"
        with target.open("wb") as out:
            written = out.write(text.encode("utf-8"))
            while True:
                if check is not None:
                    check()
                chunk = reader.read(CHUNK_BYTES)
                final = not chunk
                try:
                    written += out.write(decoder.decode(chunk, final=final).encode("utf-8"))
                except UnicodeDecodeError as exc:
                    raise _invalid(codec, bom, reader.total - len(chunk) + exc.start) from exc
                if written > max_bytes:  # transcoding may grow the text
                    raise too_large(max_bytes, "decompressed file" if gzipped else "file")
                if progress is not None and size:
                    progress(min(1.0, raw.tell() / size))
                if final:
                    break
        _check_first_line(target, max_line_bytes)
        return TextInput(
            target,
            _display_encoding(codec),
            bom,
            "gzip" if gzipped else None,
            text,
            complete,
            text.isascii() and codec in ("utf-8", "utf-8-sig"),
        )


def _at_end(reader: _CappedReader) -> bool:
    # Peek one byte to learn whether the head was the whole stream; keep it for later reads.
    extra = reader.stream.read(1)
    if not extra:
        return True
    reader.stream = _Prepend(extra, reader.stream)  # type: ignore[assignment]
    return False


class _Prepend:
    """A stream with some bytes pushed back in front."""

    def __init__(self, first: bytes, rest: IO[bytes]) -> None:
        self.first = first
        self.rest = rest

    def read(self, size: int) -> bytes:
        if self.first:
            data, self.first = self.first[:size], self.first[size:]
            if len(data) < size:
                data += self.rest.read(size - len(data))
            return data
        return self.rest.read(size)
