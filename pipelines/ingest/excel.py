"""Excel workbooks (.xlsx): list sheets, stream one sheet's rows into a UTF-8 CSV file.

openpyxl's read-only mode streams rows, so a large sheet never sits in memory. Cells are
written in a canonical text form (ISO dates, ``.`` decimals, ``true``/``false``) and the
CSV then goes through the same detection as any other file, so text cells that hold ids
with leading zeros stay text while numeric cells become numbers.
"""

from __future__ import annotations

import csv
import datetime as dt
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from .bounds import too_many_columns
from .errors import IngestError
from .workbook_checks import check_archive, check_dimension, damaged, too_many_cells, unsafe

_BROKEN = (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError, zlib.error, TypeError)
"""What openpyxl raises on a damaged workbook (a missing part, bad values, broken streams)."""


@contextmanager
def _reading() -> Iterator[None]:
    """Turn what openpyxl raises while parsing into a readable :class:`IngestError`."""
    try:
        yield
    except ElementTree.ParseError as exc:
        raise unsafe("a part of it is not well-formed XML") from exc
    except _BROKEN as exc:
        raise damaged("it is not a valid .xlsx file or a part of it is damaged") from exc


@contextmanager
def _workbook(path: Path, limits: WorkbookLimits) -> Iterator[Any]:
    check_archive(path, max_bytes=limits.max_bytes, max_expansion_ratio=limits.max_expansion_ratio)
    with _reading():
        import openpyxl  # type: ignore[import-untyped, unused-ignore]

        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        yield book
    finally:
        book.close()


@dataclass(frozen=True)
class WorkbookLimits:
    """Bounds on a workbook: unpacked bytes, expansion ratio, cells and columns of a sheet."""

    max_bytes: int
    max_expansion_ratio: float = 0
    max_cells: int = 0
    max_columns: int = 0


def list_sheets(path: Path, limits: WorkbookLimits | None = None) -> list[str]:
    """Return the worksheet names of an ``.xlsx`` file, in workbook order."""
    with _workbook(Path(path), limits or WorkbookLimits(max_bytes=20 * 1024**3)) as book:
        return [str(name) for name in book.sheetnames]


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def sheet_to_csv(
    path: Path,
    sheet: str | None,
    target: Path,
    *,
    limits: WorkbookLimits,
    progress: Callable[[float], None] | None = None,
    check: Callable[[], None] | None = None,
) -> tuple[str, list[str], int]:
    """Write one sheet as CSV to ``target``.

    Returns the sheet name, all sheet names and the number of rows written. Fully empty
    rows are skipped and trailing empty columns trimmed. The workbook is checked first (see
    :mod:`.workbook_checks`), and the sheet's declared and actual size are bounded.
    """
    with _workbook(path, limits) as book:
        names = [str(n) for n in book.sheetnames]
        if sheet is None:
            if not names:
                raise IngestError("The workbook has no sheets.", "empty_file")
            sheet = names[0]
        if sheet not in names:
            raise IngestError(
                f"Sheet {sheet!r} not found; the workbook has: {', '.join(names)}.",
                "sheet_not_found",
            )
        with _reading():
            worksheet = book[sheet]
            total = worksheet.max_row or 0
            check_dimension(
                worksheet.max_row,
                worksheet.max_column,
                max_cells=limits.max_cells,
                max_columns=limits.max_columns,
            )
            with target.open("w", encoding="utf-8", newline="") as handle:
                written = _copy_rows(
                    worksheet,
                    csv.writer(handle, lineterminator="\n"),
                    limits,
                    total,
                    progress,
                    check,
                )
    return sheet, names, written


def _copy_rows(
    worksheet: Any,
    writer: Any,
    limits: WorkbookLimits,
    total: int,
    progress: Callable[[float], None] | None,
    check: Callable[[], None] | None,
) -> int:
    """Write the sheet's non-empty rows; return how many. Cells read are counted as they come."""
    rows: list[list[str]] = []
    width = 0
    written = 0
    size = 0
    cells_read = 0
    for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
        if check is not None and number % 256 == 0:
            check()
        cells_read += len(values)
        if limits.max_cells > 0 and cells_read > limits.max_cells:
            raise too_many_cells(cells_read, limits.max_cells)
        cells = [_text(v) for v in values]
        while cells and cells[-1] == "":
            cells.pop()
        if not cells:
            continue
        width = max(width, len(cells))
        if limits.max_columns > 0 and width > limits.max_columns:
            raise too_many_columns(width, limits.max_columns)
        rows.append(cells)
        if len(rows) >= 1000:
            size += _flush(writer, rows, width)
            written += len(rows)
            rows = []
            if size > limits.max_bytes:
                raise IngestError(
                    "The sheet is larger than the size limit once unpacked.", "too_large"
                )
            if progress is not None and total:
                progress(min(1.0, number / total))
    _flush(writer, rows, width)
    return written + len(rows)


def _flush(writer: Any, rows: list[list[str]], width: int) -> int:
    size = 0
    for cells in rows:
        padded = cells + [""] * (width - len(cells))
        writer.writerow(padded)
        size += sum(len(c) for c in padded) + len(padded)
    return size
