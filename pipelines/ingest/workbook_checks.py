"""Checks on an ``.xlsx`` file before openpyxl expands any of it.

An .xlsx is a ZIP of XML parts. A hostile one can be a ZIP bomb (a 3 MB file whose sheet
unpacks to gigabytes), declare a sheet of billions of cells, or carry an XML document type
declaration (external entities, "billion laughs"). Excel never writes a DTD, so any part
declaring one is refused outright; sizes are bounded from the ZIP directory (uncompressed
size, expansion ratio) and from the sheet's declared dimension.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from pathlib import Path

from .bounds import expands_too_much, size_text, too_many_columns
from .errors import IngestError

MAX_PARTS = 10_000
RATIO_FLOOR = 16 * 1024**2
"""Uncompressed bytes of one part always allowed, whatever its expansion ratio."""
_PROLOG_BYTES = 64 * 1024
_COMMENT = re.compile(rb"<!--.*?-->", re.DOTALL)
_ELEMENT = re.compile(rb"<[A-Za-z_]")


def unsafe(reason: str) -> IngestError:
    """The error for a workbook DataPilot refuses to parse."""
    return IngestError(f"This workbook cannot be read safely: {reason}.", "unsafe_workbook")


def damaged(what: str = "it is not a valid .xlsx file") -> IngestError:
    """The error for a workbook that is not a readable ZIP of XML parts."""
    return IngestError(f"Cannot open the workbook: {what}.", "bad_workbook")


def _declares_dtd(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """Whether the XML part has a document type (or entity) declaration near its start.

    Markup ``<!DOCTYPE`` can only be a declaration outside comments (Excel writes no CDATA),
    and a declaration must come before the root element, so the first bytes tell.
    """
    with archive.open(info) as handle:
        head = handle.read(_PROLOG_BYTES)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or head[:2] in (b"<\x00", b"\x00<"):
        head = head.decode("utf-16", "ignore").encode("utf-8", "ignore")
    if not head.strip():
        return False
    head = _COMMENT.sub(b"", head)
    # No element at all in the first bytes: a prolog padded to hide a declaration further on.
    return b"<!DOCTYPE" in head or b"<!ENTITY" in head or not _ELEMENT.search(head)


def check_archive(path: Path, *, max_bytes: int, max_expansion_ratio: float) -> None:
    """Refuse a workbook that is not a ZIP, is damaged, too large unpacked, or has a DTD."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_PARTS:
                raise unsafe(f"it has {len(infos):,} parts (at most {MAX_PARTS:,} are read)")
            total = sum(info.file_size for info in infos)
            if total > max_bytes:
                raise IngestError(
                    f"The workbook unpacks to {size_text(total)}, more than the limit of "
                    f"{size_text(max_bytes)}.",
                    "too_large",
                )
            for info in infos:
                if (
                    max_expansion_ratio > 0
                    and info.file_size > RATIO_FLOOR
                    and info.file_size > max_expansion_ratio * max(1, info.compress_size)
                ):
                    raise expands_too_much(max_expansion_ratio, "workbook")
            for info in infos:
                if info.filename.endswith((".xml", ".rels", ".vml")) and _declares_dtd(
                    archive, info
                ):
                    raise unsafe(
                        "it contains an XML document type declaration, which Excel never writes"
                    )
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        zlib.error,
        EOFError,
        OSError,
        ValueError,
    ) as exc:
        raise damaged() from exc
    except (NotImplementedError, RuntimeError) as exc:  # encrypted or exotic compression
        raise damaged("it is encrypted or uses an unsupported compression") from exc


def check_dimension(
    rows: int | None, columns: int | None, *, max_cells: int, max_columns: int
) -> None:
    """Refuse a sheet whose declared size is beyond the limits, before reading a row."""
    if max_columns > 0 and columns is not None and columns > max_columns:
        raise too_many_columns(columns, max_columns)
    if max_cells > 0 and rows is not None and columns is not None and rows * columns > max_cells:
        raise too_many_cells(rows * columns, max_cells)


def too_many_cells(count: int, limit: int) -> IngestError:
    """The error for a sheet with more than ``limit`` cells."""
    return IngestError(
        f"The sheet has {count:,} cells; DataPilot reads at most {limit:,} from a workbook. "
        "Save the sheet as CSV, or split it.",
        "too_many_cells",
    )
