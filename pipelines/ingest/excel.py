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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .errors import IngestError


@contextmanager
def _workbook(path: Path) -> Iterator[Any]:
    try:
        import openpyxl  # type: ignore[import-untyped, unused-ignore]

        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise IngestError(
            f"Cannot open the workbook: it is not a valid .xlsx file ({exc}).", "bad_workbook"
        ) from exc
    try:
        yield book
    finally:
        book.close()


def list_sheets(path: Path) -> list[str]:
    """Return the worksheet names of an ``.xlsx`` file, in workbook order."""
    with _workbook(Path(path)) as book:
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
    max_bytes: int,
    progress: Callable[[float], None] | None = None,
    check: Callable[[], None] | None = None,
) -> tuple[str, list[str], int]:
    """Write one sheet as CSV to ``target``.

    Returns the sheet name, all sheet names and the number of rows written. Fully empty
    rows are skipped and trailing empty columns trimmed.
    """
    with _workbook(path) as book:
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
        worksheet = book[sheet]
        total = worksheet.max_row or 0
        rows: list[list[str]] = []
        width = 0
        written = 0
        size = 0
        with target.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
                if check is not None and number % 256 == 0:
                    check()
                cells = [_text(v) for v in values]
                while cells and cells[-1] == "":
                    cells.pop()
                if not cells:
                    continue
                width = max(width, len(cells))
                rows.append(cells)
                if len(rows) >= 1000:
                    size += _flush(writer, rows, width)
                    written += len(rows)
                    rows = []
                    if size > max_bytes:
                        raise IngestError(
                            "The sheet is larger than the size limit once unpacked.", "too_large"
                        )
                    if progress is not None and total:
                        progress(min(1.0, number / total))
            size += _flush(writer, rows, width)
            written += len(rows)
    return sheet, names, written


def _flush(writer: Any, rows: list[list[str]], width: int) -> int:
    size = 0
    for cells in rows:
        padded = cells + [""] * (width - len(cells))
        writer.writerow(padded)
        size += sum(len(c) for c in padded) + len(padded)
    return size
